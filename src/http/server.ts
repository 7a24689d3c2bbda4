import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { compileValidator } from '../kernel/validate.ts';
import { loggerOptions } from '../observability/logger.ts';
import { installMetrics } from '../observability/metrics.ts';
import { installErrorHandling } from './errors.ts';
import { installJsonBodyParser } from './json-body.ts';
import { installOpenApi } from './openapi.ts';
import type { TlsMaterial } from './tls.ts';

export interface HttpOptions {
  tls: TlsMaterial;
  logLevel: string;
  logStream?: DestinationStream;
  trustProxy: boolean;
  version: string;
  ready: () => Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

/**
 * The HTTPS application with the cross-cutting pieces every route relies on. Validation is ours on purpose: Fastify's
 * default (Ajv) silently strips unknown keys and coerces types its own way; compileValidator coerces exactly what the
 * FRTC clients send and rejects the rest with a message naming the field.
 */
export async function createHttpApp(options: HttpOptions): Promise<FastifyInstance> {
  const logger = options.logStream
    ? { ...loggerOptions(options.logLevel), stream: options.logStream }
    : loggerOptions(options.logLevel);
  const app = Fastify({
    https: { key: options.tls.key, cert: options.tls.cert },
    logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: options.trustProxy,
    // Validation failures carry our own messages; Fastify must not prefix them.
    schemaErrorFormatter: (errors) => errors[0] as unknown as Error,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = compileValidator(schema as never, httpPart === 'querystring' ? 'query' : (httpPart ?? 'input'));
    return (data: unknown) => {
      const result = validate(data);
      return result.error ? { error: result.error } : { value: result.value };
    };
  });
  installJsonBodyParser(app, BODY_LIMIT);
  installErrorHandling(app);
  installMetrics(app);
  await installOpenApi(app, options.version);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await options.ready();
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ error: 'database unavailable', errorCode: '0x10000000' });
    }
  });
  return app;
}
