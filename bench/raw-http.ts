// A keep-alive HTTP/1.1 connection for bench:predict's open-loop generator: each request is a
// prebuilt buffer, and a response is parsed for its status code and Content-Length only (the
// servers measured answer JSON with a length, never chunked). Hand-written because node:http's
// client spends more CPU per request than the servers under test; on two cores that made the
// generator's own lateness most of the measured p99.
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** The bytes of one POST with a JSON body. */
export function buildPost(host: string, port: number, path: string, body: string): Buffer {
  const bytes = Buffer.from(body);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** Called once per request: its status (0 when the connection failed first) and when the answer was complete. */
export type Completion = (status: number, at: number) => void;

export class RawHttpConnection {
  private readonly socket: Socket;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Completion | undefined;
  private closed = false;
  readonly connected: Promise<void>;

  constructor(host: string, port: number, onClosed: (conn: RawHttpConnection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    // A replacement connection is not awaited; its failure reaches the completion instead.
    this.connected.catch(() => {});
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = () => {
      if (this.closed) return;
      this.closed = true;
      const done = this.inFlight;
      this.inFlight = undefined;
      done?.(0, performance.now());
      onClosed(this);
    };
    this.socket.on('error', fail);
    this.socket.on('close', fail);
  }

  get idle(): boolean {
    return !this.closed && this.inFlight === undefined;
  }

  /** Writes one request; the connection must be idle (one request in flight, no pipelining). */
  send(request: Buffer, done: Completion): void {
    this.inFlight = done;
    this.socket.write(request);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const data = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return this.keep(data);
    const head = data.toString('latin1', 0, headerEnd);
    const length = CONTENT_LENGTH.exec(head);
    if (!length) {
      this.socket.destroy(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (data.length < end) return this.keep(data);
    // Nothing follows an answer: the next request is written only after it.
    this.pending = [];
    this.pendingBytes = 0;
    const status = Number(head.slice(9, 12));
    const done = this.inFlight;
    this.inFlight = undefined;
    done?.(status, performance.now());
  }

  private keep(data: Buffer): void {
    this.pending = [data];
    this.pendingBytes = data.length;
  }
}
