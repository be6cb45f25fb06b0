// The README quickstart's install commands, as written there, for the kind test and for
// `bench:operator -- --kind`: build and load the image, install the chart, create the
// Secrets, load the seed data. Only image names differ from the README (nothing here can pull
// from a registry); they can be changed through the PERSONA_KIND_* variables.
import { images } from './images.ts';
import type { Shell } from './shell.ts';

const MIN = 60_000;

export const IMAGE = 'persona-operator:0.1.0';
export const nodeBaseImage = process.env.PERSONA_KIND_NODE_BASE_IMAGE ?? images.node;
export const postgresImage = process.env.PERSONA_KIND_POSTGRES_IMAGE ?? images.postgres;
export const toolsImage = process.env.PERSONA_KIND_CURL_IMAGE ?? images.tools;

export async function buildImage(sh: Shell): Promise<void> {
  // The README's note for networks that intercept TLS: the CA bundle as the npm_ca secret.
  const ca = process.env.NODE_EXTRA_CA_CERTS
    ? `--secret id=npm_ca,src=${process.env.NODE_EXTRA_CA_CERTS}`
    : '';
  await sh.run(`docker build ${ca} -t ${IMAGE} --build-arg NODE_IMAGE=${nodeBaseImage} .`, {
    timeoutMs: 30 * MIN,
  });
}

export async function loadImage(sh: Shell, clusterName: string): Promise<void> {
  await sh.run(`kind load docker-image ${IMAGE} --name ${clusterName}`, { timeoutMs: 10 * MIN });
}

/** `helm install` and both rollouts; `extraEnv` reaches the operator's container. */
export async function helmInstall(
  sh: Shell,
  ns: string,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const env = Object.entries(extraEnv)
    .map(
      ([name, value], i) =>
        ` --set operator.extraEnv[${i}].name=${name} --set operator.extraEnv[${i}].value=${value}`,
    )
    .join('');
  const [repository, tag] = postgresImage.split(':');
  await sh.run(
    `helm install persona-operator charts/persona-operator \\
      --namespace ${ns} --create-namespace --set image.tag=0.1.0 \\
      --set postgres.image.repository=${repository} --set postgres.image.tag=${tag}${env}`,
    { timeoutMs: 5 * MIN },
  );
  await sh.run(`kubectl -n ${ns} rollout status statefulset/persona-operator-postgres --timeout=5m`, {
    timeoutMs: 6 * MIN,
  });
  await sh.run(`kubectl -n ${ns} rollout status deployment/persona-operator --timeout=5m`, {
    timeoutMs: 6 * MIN,
  });
}

/** The quickstart's Secrets: the customer database, the Telegram token, the webhook key. */
export async function createSecrets(sh: Shell, ns: string): Promise<void> {
  await sh.run(`kubectl -n ${ns} create secret generic customer-db \\
    --from-literal=url="$(kubectl -n ${ns} get secret persona-registry -o jsonpath='{.data.url}' | base64 -d)"
  kubectl -n ${ns} create secret generic persona-telegram \\
    --from-literal=botToken='123456:your-bot-token'
  kubectl -n ${ns} create secret generic persona-webhook \\
    --from-literal=hmacKey="$(openssl rand -hex 32)"`);
}

export async function loadSeedData(sh: Shell, ns: string): Promise<void> {
  await sh.run(
    `kubectl -n ${ns} apply -f examples/01-load-seed-data.yaml
    kubectl -n ${ns} wait --for=condition=complete job/load-seed-data --timeout=5m`,
    { timeoutMs: 6 * MIN },
  );
}
