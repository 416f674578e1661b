/**
 * A throwaway certificate authority and a server certificate for the rsyslog TLS input, made with
 * the openssl command line. Tests verify the server against `ca.pem`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../process.js';

/** Paths of the generated files. */
export interface Pki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Where the certificates live in a folder. */
export function pkiIn(dir: string): Pki {
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function stillValid(pki: Pki): Promise<boolean> {
  if (![pki.caFile, pki.certFile, pki.keyFile].every((f) => existsSync(f))) return false;
  try {
    // Exit status 1 when the certificate expires within a day.
    await run('openssl', ['x509', '-checkend', '86400', '-noout', '-in', pki.certFile], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Creates the CA and a server certificate for 127.0.0.1/localhost, unless valid ones exist. */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiIn(dir);
  if (await stillValid(pki)) return pki;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true }); // ca.pem is public; the keys are written 0600
  const caKey = join(dir, 'ca.key');
  const csr = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeoutMs: 30_000 });
  // prettier-ignore
  await openssl([
    'req', '-x509', ...EC, '-keyout', caKey, '-out', pki.caFile, '-days', '3650',
    '-subj', '/CN=makestream local stack CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', ...EC, '-keyout', pki.keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    extensions,
    [
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
    ].join('\n') + '\n',
  );
  // prettier-ignore
  await openssl([
    'x509', '-req', '-in', csr, '-CA', pki.caFile, '-CAkey', caKey, '-CAcreateserial',
    '-out', pki.certFile, '-days', '825', '-extfile', extensions,
  ]);
  for (const leftover of [csr, extensions, join(dir, 'ca.srl')]) rmSync(leftover, { force: true });
  return pki;
}
