import type { CallEdge } from './call-graph.js';

/**
 * The DeathStarBench social network's call graph (socialNetwork in
 * github.com/delimitrou/DeathStarBench), as the built-in `dsb-social-network` graph.
 *
 * Which service calls which comes from the application's source (the nginx-thrift Lua
 * handlers and each service's Thrift handler). The ratios are ASSUMPTIONS: DeathStarBench
 * publishes no per-edge call rates. They are derived as follows:
 *
 * - Request mix: the mixed workload of DeathStarBench's wrk2 script
 *   (`wrk2/scripts/social-network/mixed-workload.lua`): 60% read home timeline, 30% read user
 *   timeline, 10% compose post. Hence nginx-thrift -> home-timeline 0.6, -> user-timeline 0.3,
 *   -> compose-post 0.1.
 * - compose-post calls text, user, unique-id and media once each, then stores the post
 *   (post-storage) and writes both timelines (user-timeline, home-timeline): 1 each.
 * - A service that serves two request types gets one ratio per callee, the request-weighted
 *   mean over the types (the model has one ratio per edge): home-timeline serves 0.6 reads and
 *   0.1 writes per entry request, so its read-only callee post-storage gets 0.6/0.7 = 0.86 and
 *   its write-only callee social-graph 0.1/0.7 = 0.14; user-timeline serves 0.3 reads and 0.1
 *   writes: post-storage 0.3/0.4 = 0.75, its MongoDB 0.1/0.4 = 0.25 (the write) + 0.1 (cache
 *   misses) = 0.35; post-storage serves 0.1 stores and about 0.74 reads per entry request:
 *   its MongoDB 0.1/0.84 = 0.12 (the store) + 0.1 (misses), rounded to 0.2.
 * - Caches: every Redis/Memcached lookup is one call (ratio 1); a MongoDB read happens on a
 *   cache miss, ASSUMED 10% (ratio 0.1), plus 1 per write.
 * - text calls url-shorten and user-mention once per post (one each, an assumption: a post
 *   with no URL or mention skips them).
 * - Not on the request path: `jaeger` (spans are reported asynchronously), `media-frontend`
 *   and its `media-mongodb`/`media-memcached` (media upload/download, which the mixed
 *   workload does not exercise) and `url-shorten-memcached` (read on URL expansion only).
 *   Controlled deployments outside the graph keep their per-deployment trace demand.
 */
export const DSB_SOCIAL_NETWORK_EDGES: readonly CallEdge[] = [
  { from: 'nginx-thrift', to: 'home-timeline-service', ratio: 0.6 },
  { from: 'nginx-thrift', to: 'user-timeline-service', ratio: 0.3 },
  { from: 'nginx-thrift', to: 'compose-post-service', ratio: 0.1 },

  { from: 'compose-post-service', to: 'text-service', ratio: 1 },
  { from: 'compose-post-service', to: 'user-service', ratio: 1 },
  { from: 'compose-post-service', to: 'unique-id-service', ratio: 1 },
  { from: 'compose-post-service', to: 'media-service', ratio: 1 },
  { from: 'compose-post-service', to: 'post-storage-service', ratio: 1 },
  { from: 'compose-post-service', to: 'user-timeline-service', ratio: 1 },
  { from: 'compose-post-service', to: 'home-timeline-service', ratio: 1 },

  { from: 'text-service', to: 'url-shorten-service', ratio: 1 },
  { from: 'text-service', to: 'user-mention-service', ratio: 1 },
  { from: 'url-shorten-service', to: 'url-shorten-mongodb', ratio: 1 },
  { from: 'user-mention-service', to: 'user-memcached', ratio: 1 },
  { from: 'user-mention-service', to: 'user-mongodb', ratio: 0.1 },

  { from: 'user-service', to: 'user-memcached', ratio: 1 },
  { from: 'user-service', to: 'user-mongodb', ratio: 0.1 },

  { from: 'home-timeline-service', to: 'home-timeline-redis', ratio: 1 },
  { from: 'home-timeline-service', to: 'post-storage-service', ratio: 0.86 },
  { from: 'home-timeline-service', to: 'social-graph-service', ratio: 0.14 },

  { from: 'user-timeline-service', to: 'user-timeline-redis', ratio: 1 },
  { from: 'user-timeline-service', to: 'user-timeline-mongodb', ratio: 0.35 },
  { from: 'user-timeline-service', to: 'post-storage-service', ratio: 0.75 },

  { from: 'social-graph-service', to: 'social-graph-redis', ratio: 1 },
  { from: 'social-graph-service', to: 'social-graph-mongodb', ratio: 0.1 },

  { from: 'post-storage-service', to: 'post-storage-memcached', ratio: 1 },
  { from: 'post-storage-service', to: 'post-storage-mongodb', ratio: 0.2 },
];

/** The entry service of the built-in graph: where wrk2's requests arrive. */
export const DSB_SOCIAL_NETWORK_ENTRY = 'nginx-thrift';
