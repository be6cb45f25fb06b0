// One probe attempt (HTTP GET or TCP connect) against the pod's own IP, as the kubelet does.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeResult = { ok: true } | { ok: false; message: string };

function resolvePort(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe port ${JSON.stringify(port)} is not a named port of the container`);
  return named.containerPort;
}

export function probeOnce(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  return new Promise((resolve) => {
    try {
      if (probe.httpGet) {
        const g = probe.httpGet;
        if (g.scheme && g.scheme !== 'HTTP') throw new Error(`probe scheme ${g.scheme} is not supported`);
        const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.34' };
        for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
        const req = request(
          {
            host: g.host || podIP,
            port: resolvePort(g.port, container),
            path: g.path || '/',
            headers,
            timeout: timeoutMs,
          },
          (res) => {
            res.resume();
            const code = res.statusCode ?? 0;
            // The kubelet counts 200-399 as success.
            resolve(
              code >= 200 && code < 400
                ? { ok: true }
                : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
            );
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
        req.on('error', (err) =>
          resolve({ ok: false, message: `Get "http://${podIP}:${g.port}${g.path ?? '/'}": ${err.message}` }),
        );
        req.end();
      } else if (probe.tcpSocket) {
        const sock = connect({
          host: probe.tcpSocket.host || podIP,
          port: resolvePort(probe.tcpSocket.port, container),
        });
        sock.setTimeout(timeoutMs, () => sock.destroy(new Error('timeout')));
        sock.on('connect', () => {
          sock.destroy();
          resolve({ ok: true });
        });
        sock.on('error', (err) => resolve({ ok: false, message: `dial tcp: ${err.message}` }));
      } else {
        throw new Error('only httpGet and tcpSocket probes are supported by the node agent');
      }
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
    }
  });
}
