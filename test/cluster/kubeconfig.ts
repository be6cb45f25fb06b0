// Self-contained kubeconfig files (credentials embedded), written as JSON: every
// kubeconfig reader accepts it since JSON is YAML.
import { writeFileSync } from 'node:fs';

export type Credentials = { clientCertificate: string; clientKey: string } | { token: string };

/** `namespace` is the context's default, as a pod's own namespace is for in-cluster clients. */
export function kubeconfigDocument(
  server: string,
  caPem: string,
  user: string,
  creds: Credentials,
  namespace?: string,
): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const userEntry =
    'token' in creds
      ? { token: creds.token }
      : { 'client-certificate-data': b64(creds.clientCertificate), 'client-key-data': b64(creds.clientKey) };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'persona-local', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: 'persona-local', context: { cluster: 'persona-local', user, namespace } }],
    'current-context': 'persona-local',
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function writeKubeconfig(
  path: string,
  server: string,
  caPem: string,
  user: string,
  creds: Credentials,
  namespace?: string,
): string {
  writeFileSync(path, kubeconfigDocument(server, caPem, user, creds, namespace), { mode: 0o600 });
  return path;
}
