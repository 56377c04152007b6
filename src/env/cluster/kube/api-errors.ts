import { ApiException } from '@kubernetes/client-node';
import { ClusterError, SimEnvError } from '../../errors.js';
import { TransportError } from './http-transport.js';

/**
 * Turns what @kubernetes/client-node throws (ApiException with a Status body, transport
 * failures) into simenv's typed errors with messages that name the API server, the verb and
 * the resource, and says which failures are worth a retry.
 */

/** What a request was doing, for error messages. */
export interface ApiCall {
  /** Kubernetes verb: get, list, watch, create, patch, update, delete, deletecollection. */
  verb: string;
  /** Resource, with subresource when there is one: `deployments`, `deployments/scale`. */
  resource: string;
  /** API group (`apps`; '' for the core group), used in RBAC hints. */
  group?: string;
  namespace?: string;
  name?: string;
}

/** The Status object the API server sends with an error, as far as we read it. */
interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

/** HTTP status of an API error, or undefined for transport failures and other errors. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err instanceof ClusterError) return err.status;
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.statusCode ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Status body of an ApiException (the client hands it over as text). */
export function statusBodyOf(err: unknown): StatusBody | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = err.body;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) return body as StatusBody;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : undefined;
  } catch {
    return text ? { message: text.slice(0, 300) } : undefined;
  }
}

const TRANSIENT_HTTP = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_NET = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether a retry may succeed: throttling, server errors, and broken connections. A refused
 * connection counts (an API server restarting) — callers that must fail fast on an
 * unreachable server (the preflight probe) do not retry at all.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof TransportError) return TRANSIENT_NET.has(err.code);
  const status = httpStatusOf(err);
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_NET.has(code);
}

/** The server's Retry-After (429/503), in milliseconds. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const raw = (err.headers as Record<string, string> | undefined)?.['retry-after'];
  const s = raw !== undefined ? Number(raw) : NaN;
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

function where(call: ApiCall): string {
  const target = call.name ? `${call.resource} "${call.name}"` : call.resource;
  return call.namespace ? `${target} in namespace ${call.namespace}` : target;
}

/** The RBAC hint for a forbidden call: the exact verb and resource to grant. */
export function grantHint(call: ApiCall): string {
  const group = call.group ? ` (API group "${call.group}")` : '';
  const scope = call.namespace ? 'simenv setup creates a Role with it' : 'simenv setup creates a ClusterRole with it';
  return `grant "${call.verb}" on "${call.resource}"${group} (${scope})`;
}

/**
 * A user-facing error for a failed call. 403 -> `forbidden: cannot patch deployments/scale in
 * namespace X: grant ...`; unreachable -> the address; other statuses -> the server's message.
 */
export function toClusterError(err: unknown, call: ApiCall, server: string): SimEnvError {
  if (err instanceof SimEnvError) return err;
  if (err instanceof TransportError) {
    const what = err.code === 'ETIMEDOUT' ? 'did not answer in time' : `is unreachable (${err.code})`;
    return new ClusterError(`the API server at ${server} ${what} while trying to ${call.verb} ${where(call)}`, {
      hint: 'check the kubeconfig context (kubectl cluster-info), that the cluster is running (npm run cluster:up for the project control plane), and the network path to it',
      cause: err,
    });
  }
  const status = httpStatusOf(err);
  const body = statusBodyOf(err);
  const detail = body?.message ? `: ${body.message}` : '';
  if (status === 403) {
    return new ClusterError(`forbidden: cannot ${call.verb} ${where(call)} at ${server}: ${grantHint(call)}`, {
      hint: 'run `simenv setup` with admin credentials, or ask the cluster admin for that permission',
      cause: err,
      status,
    });
  }
  if (status === 401) {
    return new ClusterError(`unauthorized: the API server at ${server} rejected the credentials (while trying to ${call.verb} ${where(call)})`, {
      hint: 'refresh the kubeconfig credentials (token or client certificate) of the context',
      cause: err,
      status,
    });
  }
  if (status === 404) {
    return new ClusterError(`not found: ${where(call)} at ${server}${detail}`, { cause: err, status });
  }
  if (status !== undefined) {
    return new ClusterError(`the API server at ${server} answered ${status}${body?.reason ? ` ${body.reason}` : ''} to ${call.verb} ${where(call)}${detail}`, {
      cause: err,
      status,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ClusterError(`${call.verb} ${where(call)} at ${server} failed: ${message}`, { cause: err });
}
