import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  ApisApi,
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  KubeConfig,
  HttpMethod,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  RequestContext,
  ServerConfiguration,
  VersionApi,
  Watch,
  type Configuration,
} from '@kubernetes/client-node';
import { PreflightError } from '../../errors.js';
import { toClusterError, type ApiCall } from './api-errors.js';
import { send, timeoutHttpLibrary } from './http-transport.js';
import type { KubeRetry } from './kube-options.js';
import { withRetry } from './retry.js';
import { wallClock, type Clock } from './wall-clock.js';

/**
 * One connection to one cluster: the kubeconfig and context resolved once, the typed API
 * clients built over a transport with a timeout, and `call()`, which adds retries with
 * backoff and turns failures into messages that name the server, verb and resource.
 */

/** The generated API clients this package uses. */
export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  authn: AuthenticationV1Api;
  authz: AuthorizationV1Api;
  rbac: RbacAuthorizationV1Api;
  custom: CustomObjectsApi;
  apis: ApisApi;
  version: VersionApi;
  objects: KubernetesObjectApi;
}

export interface KubeClientOptions {
  kubeconfig?: string;
  context?: string;
  requestTimeoutMs: number;
  retry: KubeRetry;
  clock?: Clock;
  log?: (message: string) => void;
}

/** Load a kubeconfig (file, or $KUBECONFIG / ~/.kube/config); PreflightError('kubeconfig') when unusable. */
export function loadKubeConfig(file: string | undefined, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  const source = file ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
  try {
    if (file) {
      kc.loadFromFile(file);
    } else {
      const inCluster = existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
      if (!process.env.KUBECONFIG && !existsSync(source) && !inCluster) {
        throw new PreflightError(
          'kubeconfig',
          `expected a kubeconfig, got none ($KUBECONFIG is unset and ${source} does not exist)`,
          'pass --kubeconfig PATH (the project control plane writes .cluster/kubeconfig: npm run cluster:up)',
        );
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof PreflightError) throw err;
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new PreflightError('kubeconfig', `expected a readable kubeconfig at ${source}, got: ${reason}`, 'pass --kubeconfig with the path of a valid kubeconfig file', {
      cause: err,
    });
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new PreflightError(
        'kubeconfig',
        `expected a context the kubeconfig ${source} has, got "${context}"; it has: ${known.length ? known.join(', ') : '(none)'}`,
        `pass --context with one of: ${known.join(', ') || '(add a context to the kubeconfig)'}`,
      );
    }
    kc.setCurrentContext(context);
  }
  const ctx = kc.getCurrentContext();
  if (!ctx || !kc.getContextObject(ctx)) {
    throw new PreflightError('kubeconfig', `expected a current context in the kubeconfig ${source}, got ${ctx ? `"${ctx}", which it does not define` : 'none'}`, 'pass --context NAME');
  }
  if (!kc.getCurrentCluster()) {
    throw new PreflightError('kubeconfig', `expected context "${ctx}" in ${source} to name a cluster it defines, got none`, 'fix the context\'s cluster in the kubeconfig');
  }
  return kc;
}

function buildApis(kc: KubeConfig, timeoutMs: number): KubeApis {
  const cluster = kc.getCurrentCluster()!;
  const config: Configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: timeoutHttpLibrary(timeoutMs),
  });
  return {
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    authn: new AuthenticationV1Api(config),
    authz: new AuthorizationV1Api(config),
    rbac: new RbacAuthorizationV1Api(config),
    custom: new CustomObjectsApi(config),
    apis: new ApisApi(config),
    version: new VersionApi(config),
    objects: new KubernetesObjectApi(config),
  };
}

/** A resolved connection to a cluster; see the module comment. */
export class KubeClient {
  readonly kc: KubeConfig;
  /** The API server address (`https://127.0.0.1:16443`). */
  readonly server: string;
  readonly contextName: string;
  readonly apis: KubeApis;
  readonly watch: Watch;
  readonly clock: Clock;
  private readonly retry: KubeRetry;
  private readonly log: (message: string) => void;
  private readonly timeoutMs: number;

  constructor(kc: KubeConfig, options: KubeClientOptions) {
    this.kc = kc;
    this.server = kc.getCurrentCluster()!.server;
    this.contextName = kc.getCurrentContext();
    this.timeoutMs = options.requestTimeoutMs;
    this.apis = buildApis(kc, options.requestTimeoutMs);
    this.watch = new Watch(kc);
    this.clock = options.clock ?? wallClock;
    this.retry = options.retry;
    this.log = options.log ?? (() => {});
  }

  /** Resolve the kubeconfig and context of `options` and connect (no request is made yet). */
  static load(options: KubeClientOptions): KubeClient {
    return new KubeClient(loadKubeConfig(options.kubeconfig, options.context), options);
  }

  /** The same credentials with another request timeout (a short one for the reachability probe). */
  withTimeout(timeoutMs: number): KubeApis {
    return timeoutMs === this.timeoutMs ? this.apis : buildApis(this.kc, timeoutMs);
  }

  /**
   * A raw JSON request for what the generated clients do not cover generically (list and
   * deletecollection of any kind by label). Non-2xx answers throw ApiException like the
   * generated clients, so `call()` treats both alike.
   */
  async rest<T = unknown>(method: 'GET' | 'DELETE', path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method === 'GET' ? HttpMethod.GET : HttpMethod.DELETE);
    ctx.setHeaderParam('Accept', 'application/json');
    await this.kc.applySecurityAuthentication(ctx);
    const res = await send(ctx, this.timeoutMs);
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) throw new ApiException(res.httpStatusCode, 'Unsuccessful HTTP Request', text, res.headers);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Make one API request with retries on transient failures; any failure comes out as a
   * SimEnvError naming the server, verb and resource. `retry: false` for probes that must fail fast.
   */
  async call<T>(what: ApiCall, fn: (apis: KubeApis) => Promise<T>, opts: { retry?: boolean } = {}): Promise<T> {
    const policy = opts.retry === false ? { ...this.retry, attempts: 1 } : this.retry;
    try {
      return await withRetry(() => fn(this.apis), policy, this.clock, (err, n, delay) => {
        this.log(`kube: ${what.verb} ${what.resource}${what.name ? ` ${what.name}` : ''} failed transiently (${shortReason(err)}); retry ${n} in ${delay} ms`);
      });
    } catch (err) {
      throw toClusterError(err, what, this.server);
    }
  }
}

/** A resource collection's URL path: `/apis/apps/v1/namespaces/ns/deployments` or `/api/v1/...` for core. */
export function collectionPath(group: string, version: string, resource: string, namespace?: string): string {
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return namespace ? `${base}/namespaces/${namespace}/${resource}` : `${base}/${resource}`;
}

function shortReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return code !== undefined ? String(code) : err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
