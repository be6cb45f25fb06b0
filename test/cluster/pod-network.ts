// Pod IPs. Every pod needs its own address that local processes can bind and the API
// server accepts in EndpointSlices. 127.0.0.0/8 binds without setup but the API server
// rejects loopback endpoint addresses ("may not be in the loopback range"), so pods get
// addresses from 198.18.0.0/15 (RFC 2544 benchmarking space, never routed publicly)
// made local with one `ip route add local ... dev lo` (Linux "AnyIP"). The test runner
// adds that route inside a network namespace of its own, so nothing changes on the host;
// elsewhere, without the route, we fall back to 127.0.x.y: pods run and are reachable,
// but Services get no endpoints.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

export const POD_CIDR = '198.18.0.0/15';

export interface PodNetwork {
  kind: 'anyip' | 'loopback';
  /** A fresh address for a pod. */
  allocate(): string;
  /**
   * Re-creates the local route if it has gone (it lives in the host's routing table,
   * where other software may flush it); called before every container start.
   */
  ensure(): Promise<void>;
  /** Why the loopback fallback was chosen (empty for anyip). */
  note: string;
}

function canBind(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(0, ip, () => srv.close(() => resolve(true)));
  });
}

/** Hands out `base + n` for n in [first, last], skipping .0/.255 last octets, from a random start. */
function allocator(base: number, first: number, last: number): () => string {
  // A random start keeps two agents on one machine (parallel test files) apart.
  let n = randomInt(first, last + 1);
  return () => {
    for (;;) {
      n = n >= last ? first : n + 1;
      const ip = base + n;
      if ((ip & 0xff) !== 0 && (ip & 0xff) !== 0xff) {
        return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
      }
    }
  };
}

const PROBE_IP = '198.18.255.254';

/**
 * Adds the AnyIP route, but only inside a network namespace made for this run (see
 * scripts/run-tests.mjs): the host's own routing table is never changed. On the host the
 * route must be added by hand (`ip route add local 198.18.0.0/15 dev lo`), else pods get
 * 127.0.x.y addresses.
 */
function addRoute(): string | undefined {
  const netns = process.env.PERSONA_TEST_NETNS;
  if (!netns || netns === 'off') {
    return `${POD_CIDR} is not local and this is not a test network namespace (run through npm test, or add the route by hand: ip route add local ${POD_CIDR} dev lo)`;
  }
  try {
    execFileSync('ip', ['route', 'add', 'local', POD_CIDR, 'dev', 'lo'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    return `could not make ${POD_CIDR} local (ip route add local ${POD_CIDR} dev lo: ${stderr})`;
  }
}

export async function setupPodNetwork(
  mode = process.env.PERSONA_POD_NETWORK ?? 'auto',
  log: (line: string) => void = () => undefined,
): Promise<PodNetwork> {
  let note = 'PERSONA_POD_NETWORK=loopback';
  if (mode !== 'loopback') {
    if (!(await canBind(PROBE_IP))) note = addRoute() ?? note;
    if (await canBind(PROBE_IP)) {
      return {
        kind: 'anyip',
        allocate: allocator(0xc6120000, 2, (1 << 17) - 2),
        ensure: async () => {
          if (await canBind(PROBE_IP)) return;
          const failure = addRoute();
          log(`node agent: the local route for ${POD_CIDR} had gone; ${failure ?? 're-added it'}`);
        },
        note: '',
      };
    }
  }
  // 127.0.1.0 upwards: 127.0.0.x stays for the control plane.
  return {
    kind: 'loopback',
    allocate: allocator(0x7f000000, 1 << 8, (1 << 16) - 2),
    ensure: async () => undefined,
    note,
  };
}
