import type { Watch } from '@kubernetes/client-node';
import { ClusterError, TimeoutError } from '../../errors.js';
import { toClusterError, type ApiCall } from './api-errors.js';
import { backoffDelayMs, type RetryPolicy } from './retry.js';
import type { Clock } from './wall-clock.js';

/**
 * A list-then-watch cache of one resource (a reflector, as client-go calls it): one LIST to
 * fill the cache, then a WATCH from its resourceVersion that keeps it current; a broken watch
 * resumes from the last version seen, a 410 Gone relists. The backend reads its observations
 * from these caches instead of listing the cluster every step.
 *
 * The client's own informer stops for good on the first watch error; this one retries with
 * backoff while started and reports a persistent failure through `error`.
 */

/** The parts of an object the cache needs. */
export interface Listed {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC';

export interface WatchCacheOptions<T extends Listed> {
  /** Watch URL path, e.g. `/api/v1/namespaces/ns/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The LIST request (through KubeClient.call, so it retries and reports like every other call). */
  list: () => Promise<ListResult<T>>;
  watch: Watch;
  clock: Clock;
  retry: RetryPolicy;
  /** For error messages: what is watched. */
  what: ApiCall;
  server: string;
  /** Called after every change with the object (SYNC: once after each full list, with null). */
  onChange?: (type: WatchEventType, obj: T | null) => void;
  log?: (message: string) => void;
}

function keyOf(obj: Listed): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** See the module comment. */
export class WatchCache<T extends Listed> {
  private readonly items = new Map<string, T>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private running = false;
  private failures = 0;
  private synced = false;
  private lastError: unknown;
  private syncWaiters: Array<() => void> = [];
  private restartTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: WatchCacheOptions<T>) {}

  /** Objects in the cache (the live map: do not modify). */
  get objects(): ReadonlyMap<string, T> {
    return this.items;
  }

  /** Whether the first LIST has filled the cache. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Failed list/watch attempts since the last one that worked. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The error that has kept the watch down, if it is down. */
  get error(): unknown {
    return this.running && this.failures > 0 ? this.lastError : undefined;
  }

  /** Start listing and watching; resolves once the cache holds the first LIST (bounded by `timeoutMs`). */
  async start(timeoutMs: number): Promise<void> {
    if (!this.running) {
      this.running = true;
      void this.relist();
    }
    await this.waitSynced(timeoutMs);
  }

  /** Stop watching; the cache keeps its last contents. Idempotent. */
  stop(): void {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private waitSynced(timeoutMs: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done);
        const cause = this.lastError !== undefined ? toClusterError(this.lastError, this.opts.what, this.opts.server).message : 'no answer';
        reject(new TimeoutError(`the first list of ${this.opts.what.resource} (${cause})`, timeoutMs));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.syncWaiters.push(done);
    });
  }

  private async relist(): Promise<void> {
    if (!this.running) return;
    let list: ListResult<T>;
    try {
      list = await this.opts.list();
    } catch (err) {
      this.scheduleRestart(err);
      return;
    }
    if (!this.running) return;
    const fresh = new Map<string, T>();
    for (const item of list.items) fresh.set(keyOf(item), item);
    for (const [k, old] of this.items) {
      if (!fresh.has(k)) {
        this.items.delete(k);
        this.opts.onChange?.('DELETED', old);
      }
    }
    for (const [k, item] of fresh) {
      const had = this.items.has(k);
      this.items.set(k, item);
      this.opts.onChange?.(had ? 'MODIFIED' : 'ADDED', item);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.opts.onChange?.('SYNC', null);
    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      waiters.forEach((w) => w());
    }
    await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    if (!this.running) return;
    const query: Record<string, string | boolean> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true };
    if (this.opts.labelSelector) query.labelSelector = this.opts.labelSelector;
    if (this.opts.fieldSelector) query.fieldSelector = this.opts.fieldSelector;
    let gone = false;
    let receivedAny = false;
    const onEvent = (type: string, obj: T & { code?: number }): void => {
      if (!this.running) return;
      receivedAny = true;
      if (type === 'ERROR') {
        if (obj?.code === 410) gone = true;
        return;
      }
      if (obj?.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
      if (type === 'BOOKMARK') return;
      const k = keyOf(obj);
      if (type === 'DELETED') {
        this.items.delete(k);
        this.opts.onChange?.('DELETED', obj);
      } else if (type === 'ADDED' || type === 'MODIFIED') {
        const had = this.items.has(k);
        this.items.set(k, obj);
        this.opts.onChange?.(had ? 'MODIFIED' : 'ADDED', obj);
      }
    };
    const onDone = (err: unknown): void => {
      if (!this.running) return;
      this.abort = undefined;
      const status = (err as { statusCode?: number } | null)?.statusCode;
      if (gone || status === 410) {
        this.resourceVersion = '';
        void this.relist();
      } else if (err) {
        this.scheduleRestart(err);
      } else {
        // A clean close (server-side timeout): resume at once from the last version.
        if (receivedAny) this.failures = 0;
        void this.startWatch();
      }
    };
    try {
      this.abort = await this.opts.watch.watch(this.opts.path, query, onEvent, onDone);
      if (!this.running) this.abort.abort();
      else this.failures = 0;
    } catch (err) {
      this.scheduleRestart(err);
    }
  }

  private scheduleRestart(err: unknown): void {
    if (!this.running) return;
    this.failures++;
    this.lastError = err;
    const delay = backoffDelayMs(this.opts.retry, Math.min(this.failures, 10));
    if (this.failures === 1 || this.failures % 5 === 0) {
      const msg = err instanceof ClusterError ? err.message : toClusterError(err, this.opts.what, this.opts.server).message;
      this.opts.log?.(`kube: watch of ${this.opts.what.resource} failed (${msg}); retrying in ${delay} ms`);
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.resourceVersion && this.synced) void this.startWatch();
      else void this.relist();
    }, delay);
  }
}
