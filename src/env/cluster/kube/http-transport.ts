import * as http from 'node:http';
import * as https from 'node:https';
import {
  ResponseContext,
  SelfDecodingBody,
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';

/**
 * The HTTP layer under the generated API clients. @kubernetes/client-node 1.3's default
 * library (node-fetch without a signal) has no timeout, so a black-holed API server would
 * hang a request forever; this one bounds every request and tags network failures with
 * the address, so callers can fail fast and say where they tried to connect.
 */

/** A request that never reached an HTTP answer: refused, reset, unresolvable, or too slow. */
export class TransportError extends Error {
  /** `ETIMEDOUT` for our deadline, else Node's errno code (`ECONNREFUSED`, `ECONNRESET`, ...). */
  readonly code: string;
  readonly url: string;

  constructor(code: string, url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
    this.url = url;
  }
}

/** An HttpLibrary whose requests fail with TransportError after `timeoutMs`. */
export function timeoutHttpLibrary(timeoutMs: number): HttpLibrary {
  return wrapHttpLibrary({ send: (req) => send(req, timeoutMs) });
}

/** Send one request with a deadline (the library's transport, also used for raw REST calls). */
export function send(request: RequestContext, timeoutMs: number): Promise<ResponseContext> {
  const url = new URL(request.getUrl());
  const body = request.getBody();
  if (body !== undefined && typeof body !== 'string') {
    return Promise.reject(new Error('simenv http transport: only string request bodies are supported'));
  }
  const mod = url.protocol === 'http:' ? http : https;
  return new Promise<ResponseContext>((resolve, reject) => {
    const headers: Record<string, string | number> = { ...request.getHeaders() };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const req = mod.request(url, {
      method: request.getHttpMethod().toString(),
      headers,
      agent: request.getAgent() as http.Agent | undefined,
    });
    const timer = setTimeout(() => {
      req.destroy(new TransportError('ETIMEDOUT', url.origin, `no answer from ${url.origin} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err instanceof TransportError) return reject(err);
      const code = err.code ?? 'EIO';
      reject(new TransportError(code, url.origin, `${code} ${url.origin}: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(new TransportError('ECONNRESET', url.origin, `response from ${url.origin} broke off: ${err.message}`, { cause: err }));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve(new ResponseContext(res.statusCode ?? 0, out, new SelfDecodingBody(Promise.resolve(Buffer.concat(chunks)))));
      });
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
