// What the FAKE notification receivers (Telegram, Slack, webhook) share: a loopback HTTP server
// on a free port, the request body as text, and a queue of failures to answer the next requests
// with. Each fake keeps its own wire format; this is only the plumbing around it.
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface LoopbackServer {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** Closes the server, dropping open connections too (a request the fake never answers). */
  stop(): Promise<void>;
}

export async function listenLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The failures the next requests meet, in order; once used up, requests are answered normally. */
export function failureQueue<F>(): { failNext(n: number, failure: F): void; next(): F | undefined } {
  const failures: F[] = [];
  return {
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    next: () => failures.shift(),
  };
}
