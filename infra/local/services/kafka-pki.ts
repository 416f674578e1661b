/**
 * A throwaway certificate authority for the local Kafka's SASL_SSL listener, made with the openssl
 * command line: the broker's key and certificate chain in a PKCS12 keystore (openssl), the CA in
 * a PKCS12 truststore (keytool: Java only trusts certificate entries that keytool marks as
 * trusted, which openssl 3.0 cannot do), and a client certificate for mutual-TLS tests.
 * Clients verify the broker against `ca.pem`; the broker's certificate names 127.0.0.1 and localhost.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../process.js';

/** The generated files (PEM for Node clients, PKCS12 for the broker). */
export interface KafkaPki {
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly keystoreFile: string;
  readonly truststoreFile: string;
}

/** Password of the broker's keystore and truststore (a throwaway local stack; they hold nothing else). */
export const STORE_PASSWORD = 'makestream-local-store';

/** Where the files live in a folder. */
export function kafkaPkiIn(dir: string): KafkaPki {
  return {
    caFile: join(dir, 'ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    keystoreFile: join(dir, 'broker.p12'),
    truststoreFile: join(dir, 'truststore.p12'),
  };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function stillValid(dir: string, pki: KafkaPki): Promise<boolean> {
  const files = [...Object.values(pki), join(dir, 'broker.pem')];
  if (!files.every((file) => existsSync(file))) return false;
  try {
    // Exit status 1 when the certificate expires within a day.
    await run('openssl', ['x509', '-checkend', '86400', '-noout', '-in', join(dir, 'broker.pem')], {
      timeoutMs: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Creates the CA, the broker's keystore/truststore and a client certificate, unless valid ones exist. */
export async function ensureKafkaPki(dir: string, keytool: string): Promise<KafkaPki> {
  const pki = kafkaPkiIn(dir);
  if (await stillValid(dir, pki)) return pki;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeoutMs: 30_000 });
  // prettier-ignore
  await openssl([
    'req', '-x509', ...EC, '-keyout', caKey, '-out', pki.caFile, '-days', '3650',
    '-subj', '/CN=makestream local Kafka CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  const issue = async (name: string, subject: string, extensions: string[]): Promise<void> => {
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    await openssl(['req', ...EC, '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', subject]);
    writeFileSync(ext, `${extensions.join('\n')}\n`);
    // prettier-ignore
    await openssl([
      'x509', '-req', '-in', csr, '-CA', pki.caFile, '-CAkey', caKey, '-CAcreateserial',
      '-out', join(dir, `${name}.pem`), '-days', '825', '-extfile', ext,
    ]);
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  };
  await issue('broker', '/CN=127.0.0.1', [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1, DNS:localhost',
  ]);
  await issue('client', '/CN=makestream', [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = clientAuth',
  ]);

  // prettier-ignore
  await openssl([
    'pkcs12', '-export', '-name', 'broker', '-in', join(dir, 'broker.pem'), '-inkey', join(dir, 'broker.key'),
    '-certfile', pki.caFile, '-out', pki.keystoreFile, '-passout', `pass:${STORE_PASSWORD}`,
  ]);
  // prettier-ignore
  await run(keytool, [
    '-importcert', '-noprompt', '-alias', 'makestream-local-ca', '-file', pki.caFile,
    '-keystore', pki.truststoreFile, '-storetype', 'PKCS12', '-storepass', STORE_PASSWORD,
  ], { cwd: dir, timeoutMs: 60_000 });
  rmSync(join(dir, 'ca.srl'), { force: true });
  return pki;
}
