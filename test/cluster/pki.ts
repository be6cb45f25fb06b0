// The control plane's certificates, made with the openssl CLI (Node can make keys but
// not X.509 certificates): a CA, the apiserver's serving certificate, an admin client
// certificate in system:masters, and the service-account signing key pair.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365'];

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('openssl not found on PATH: install it (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/** Writes all files into `dir`. `serviceIp` is the first address of the service range (the `kubernetes` Service). */
export async function generatePki(dir: string, serviceIp: string): Promise<Pki> {
  const p = (name: string): string => join(dir, name);
  const pki: Pki = {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
  await openssl([
    'req', '-x509', ...EC, '-keyout', pki.caKey, '-out', pki.caCert, '-subj', '/CN=persona-local-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]); // prettier-ignore
  const signed = ['-CA', pki.caCert, '-CAkey', pki.caKey, '-addext', 'basicConstraints=critical,CA:FALSE'];
  const sans = [
    'IP:127.0.0.1',
    `IP:${serviceIp}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
  await Promise.all([
    openssl([
      'req', '-x509', ...EC, ...signed, '-keyout', pki.servingKey, '-out', pki.servingCert,
      '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=${sans.join(',')}`,
      '-addext', 'extendedKeyUsage=serverAuth', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    ]), // prettier-ignore
    openssl([
      'req', '-x509', ...EC, ...signed, '-keyout', pki.adminKey, '-out', pki.adminCert,
      '-subj', '/O=system:masters/CN=persona-admin',
      '-addext', 'extendedKeyUsage=clientAuth', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    ]), // prettier-ignore
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(pki.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pki.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  return pki;
}
