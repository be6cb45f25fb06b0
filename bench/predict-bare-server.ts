// The benchmark's limit: the least a fastify server can do for the same request. It parses the
// JSON body and answers a constant prediction through the predictor's own response schema
// (so both serialise alike), with request logging off as in the predictor.
import Fastify, { LogController } from 'fastify';
import { V1PredictReply } from '../predictor/src/schemas.ts';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
const CONSTANT = { predictions: [{ persona: 'Eco Emma', personaId: 0, distance: 0.5, confidence: 0.5 }] };

const app = Fastify({ logController: new LogController({ disableRequestLogging: true }) });
app.post('/v1/models/:target', { schema: { response: { 200: V1PredictReply } } }, async () => CONSTANT);
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port, host });
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
