// FAKE Google Cloud Storage for tests: a small loopback HTTP server speaking the subset of the
// GCS JSON API that @google-cloud/storage uses for our artifacts and data files. No npm package
// provides a GCS emulator. It is NOT Google Cloud Storage: no auth, no ACLs, no resumable
// uploads, no generations; objects live in memory and vanish when it stops.
//
// Wire format implemented (https://cloud.google.com/storage/docs/json_api):
//   POST   /upload/storage/v1/b/{bucket}/o?uploadType=media&name=...      simple upload
//   POST   /upload/storage/v1/b/{bucket}/o?uploadType=multipart           metadata + media (multipart/related)
//   GET    /storage/v1/b/{bucket}/o/{object}?alt=media                     download (x-goog-hash header)
//   GET    /storage/v1/b/{bucket}/o/{object}                               object resource
//   GET    /storage/v1/b/{bucket}/o?prefix=&delimiter=                     list
//   DELETE /storage/v1/b/{bucket}/o/{object}
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGcsObject {
  data: Buffer;
  contentType: string;
  updated: Date;
  generation: number;
}

export interface FakeGcs {
  /** Pass as `apiEndpoint` to @google-cloud/storage. */
  endpoint: string;
  /** bucket -> object name -> object; tests may inspect or seed it. */
  buckets: Map<string, Map<string, FakeGcsObject>>;
  /** Every request as "METHOD path?query", for assertions on the wire traffic. */
  requests: string[];
  putObject(bucket: string, name: string, data: string | Buffer, contentType?: string): void;
  stop(): Promise<void>;
}

// CRC32C (Castagnoli), as GCS reports it in x-goog-hash and the object resource.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const reason = status === 404 ? 'notFound' : status === 400 ? 'invalid' : 'backendError';
  sendJson(res, status, {
    error: { code: status, message, errors: [{ message, domain: 'global', reason }] },
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a multipart/related body into its parts (headers are not needed beyond the order). */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new Error('multipart upload without a boundary');
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      // Each part ends with CRLF before the next delimiter.
      parts.push(part.subarray(headerEnd + 4, part.length - 2));
    }
    start = next;
  }
  return parts;
}

function resource(
  endpoint: string,
  bucket: string,
  name: string,
  obj: FakeGcsObject,
): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${obj.generation}`,
    selfLink: `${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
    mediaLink: `${endpoint}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
    name,
    bucket,
    generation: String(obj.generation),
    metageneration: '1',
    contentType: obj.contentType,
    size: String(obj.data.length),
    md5Hash: md5(obj.data),
    crc32c: crc32c(obj.data),
    etag: md5(obj.data),
    timeCreated: obj.updated.toISOString(),
    updated: obj.updated.toISOString(),
    storageClass: 'STANDARD',
  };
}

/** Starts the fake on 127.0.0.1 with the given (empty) buckets. */
export async function startFakeGcs(opts: { buckets: string[] }): Promise<FakeGcs> {
  const buckets = new Map<string, Map<string, FakeGcsObject>>(opts.buckets.map((b) => [b, new Map()]));
  const requests: string[] = [];
  let generation = 1;
  let endpoint = '';

  const store = (bucket: string, name: string, data: Buffer, contentType: string): FakeGcsObject => {
    const obj = { data, contentType, updated: new Date(), generation: generation++ };
    buckets.get(bucket)!.set(name, obj);
    return obj;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const bucketName = decodeURIComponent((upload ?? object ?? list)?.[1] ?? '');
    if (!upload && !object && !list) return sendError(res, 404, `fake GCS: no route for ${url.pathname}`);
    const bucket = buckets.get(bucketName);
    if (!bucket) return sendError(res, 404, `The specified bucket does not exist.`);

    if (upload && req.method === 'POST') {
      const body = await readBody(req);
      const type = url.searchParams.get('uploadType');
      if (type === 'media') {
        const name = url.searchParams.get('name');
        if (!name) return sendError(res, 400, 'Required parameter: name');
        const obj = store(bucketName, name, body, req.headers['content-type'] ?? 'application/octet-stream');
        return sendJson(res, 200, resource(endpoint, bucketName, name, obj));
      }
      if (type === 'multipart') {
        const [metaPart, media] = multipartParts(body, req.headers['content-type'] ?? '');
        if (!metaPart || !media)
          return sendError(res, 400, 'multipart upload needs metadata and media parts');
        const meta = JSON.parse(metaPart.toString('utf8')) as { name?: string; contentType?: string };
        const name = meta.name ?? url.searchParams.get('name');
        if (!name) return sendError(res, 400, 'Required parameter: name');
        const obj = store(bucketName, name, media, meta.contentType ?? 'application/octet-stream');
        return sendJson(res, 200, resource(endpoint, bucketName, name, obj));
      }
      return sendError(
        res,
        400,
        `fake GCS: uploadType ${type ?? '(none)'} is not supported (use resumable: false)`,
      );
    }

    if (object) {
      const name = decodeURIComponent(object[2]);
      const obj = bucket.get(name);
      if (!obj) return sendError(res, 404, `No such object: ${bucketName}/${name}`);
      if (req.method === 'DELETE') {
        bucket.delete(name);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && url.searchParams.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': obj.contentType,
          'content-length': obj.data.length,
          'x-goog-hash': `crc32c=${crc32c(obj.data)},md5=${md5(obj.data)}`,
          'x-goog-generation': String(obj.generation),
          'x-goog-stored-content-encoding': 'identity',
        });
        res.end(obj.data);
        return;
      }
      if (req.method === 'GET') return sendJson(res, 200, resource(endpoint, bucketName, name, obj));
    }

    if (list && req.method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const delimiter = url.searchParams.get('delimiter');
      const items: Record<string, unknown>[] = [];
      const prefixes = new Set<string>();
      for (const [name, obj] of [...bucket.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (!name.startsWith(prefix)) continue;
        const rest = name.slice(prefix.length);
        const cut = delimiter ? rest.indexOf(delimiter) : -1;
        if (delimiter && cut !== -1) prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
        else items.push(resource(endpoint, bucketName, name, obj));
      }
      return sendJson(res, 200, {
        kind: 'storage#objects',
        items,
        ...(prefixes.size > 0 ? { prefixes: [...prefixes] } : {}),
      });
    }
    sendError(res, 405, `fake GCS: ${req.method} not supported here`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, 500, `fake GCS: ${String(err)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    buckets,
    requests,
    putObject(bucket, name, data, contentType = 'application/octet-stream') {
      if (!buckets.has(bucket)) buckets.set(bucket, new Map());
      store(bucket, name, Buffer.isBuffer(data) ? data : Buffer.from(data), contentType);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
