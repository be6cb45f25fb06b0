// The benchmark's peer: the least a fastify server can do for the same request (parse the
// JSON body, answer a constant prediction). The predictor's requests/s are measured against it.
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
const CONSTANT = { predictions: [{ persona: 'Eco Emma', personaId: 0, distance: 0.5, confidence: 0.5 }] };

const app = Fastify({ logger: false });
app.post('/v1/models/:target', async () => CONSTANT);
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port, host });
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
