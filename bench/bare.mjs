// The baseline: a bare Fastify route on the same machine and the same client as the callbacks.
// It reads the body (as the callback routes do, as a string) and answers 200 with nothing else.
//
//   node bench/bare.mjs   → prints {"port": N} once listening on 127.0.0.1
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/bare', async (req, reply) => reply.code(200).send(typeof req.body === 'string' ? '' : ''));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
