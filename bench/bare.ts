import Fastify, { type FastifyInstance } from 'fastify';
import type { TlsMaterial } from '../src/http/tls.ts';
import { loggerOptions } from '../src/observability/logger.ts';

/**
 * The baseline: Fastify with nothing but one route, `GET /hello` → `{"hello":"world"}`, over HTTPS with the same
 * certificate and the same logger options (level, redaction, serializers) as the real server.
 */
export function bareApp(tls: TlsMaterial, logLevel: string): FastifyInstance {
  const app = Fastify({ https: { key: tls.key, cert: tls.cert }, logger: loggerOptions(logLevel) }) as unknown as FastifyInstance;
  app.get('/hello', async () => ({ hello: 'world' }));
  return app;
}
