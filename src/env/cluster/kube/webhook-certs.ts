import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClusterError } from '../../errors.js';

/**
 * The TLS material SimKube's driver needs for its admission webhook when it runs outside a
 * pod (sk-ctrl normally gets it from cert-manager): a throw-away CA and a serving certificate
 * for IP 127.0.0.1 signed by it, ECDSA P-256, made with openssl. The API server trusts the CA
 * through the webhook configuration's caBundle.
 */

export interface WebhookCerts {
  caPem: string;
  certPath: string;
  keyPath: string;
}

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === 'ENOENT' ? 'openssl is not installed' : (e.stderr ?? e.message).trim().split('\n')[0];
    throw new ClusterError(`expected openssl to make the driver's webhook certificate, got: openssl ${args[0]} failed (${why})`, {
      hint: 'install openssl (apt-get install openssl)',
      cause: err,
    });
  }
}

/** Make a CA and a 127.0.0.1 serving certificate in `dir` (created); valid one day. */
export async function makeWebhookCerts(dir: string): Promise<WebhookCerts> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'];
  await openssl(['genpkey', ...ec, '-out', 'ca.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-days', '1', '-subj', '/CN=simenv sk-driver webhook CA', '-out', 'ca.crt'], dir);
  await openssl(['genpkey', ...ec, '-out', 'tls.key'], dir);
  await openssl(['req', '-new', '-key', 'tls.key', '-subj', '/CN=127.0.0.1', '-out', 'tls.csr'], dir);
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'tls.crt'], dir);
  return { caPem: await readFile(join(dir, 'ca.crt'), 'utf8'), certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') };
}
