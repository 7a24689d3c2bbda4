import type { Registry } from 'prom-client';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { TrustProxy } from '../config/trust-proxy.ts';
import { DomainError } from '../kernel/domain-error.ts';
import { compileValidator } from '../kernel/validate.ts';
import { loggerOptions } from '../observability/logger.ts';
import { installMetrics } from '../observability/metrics.ts';
import { installErrorHandling, sendError } from './errors.ts';
import { InFlight } from './in-flight.ts';
import { installJsonBodyParser } from './json-body.ts';
import { installOpenApi } from './openapi.ts';
import { installSecurityHeaders } from './security-headers.ts';
import type { TlsMaterial } from './tls.ts';

export interface HttpOptions {
  tls: TlsMaterial;
  logLevel: string;
  logStream?: DestinationStream;
  /** X-Forwarded-For entries to believe for `request.ip` (see config/trust-proxy.ts). */
  trustProxy: TrustProxy;
  version: string;
  /** Bearer token that opens /metrics on the API ports; empty = /metrics is not served there (404). */
  metricsToken: string;
  ready: () => Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    /** The handlers still running, for shutdown to wait on (createHttpApp sets it; registerOperation counts). */
    inFlight: InFlight;
    /** The Prometheus registry served at /metrics, for capabilities to add their gauges to. */
    metrics: Registry;
  }
}

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
    ...(options.trustProxy === false ? {} : { trustProxy: fastifyTrust(options.trustProxy) }),
    // Validation failures carry our own messages; Fastify must not prefix them.
    schemaErrorFormatter: (errors) => errors[0] as unknown as Error,
    // A malformed URL or an over-long path parameter fails in the router, before the error handler is in reach.
    frameworkErrors: (error, request, reply) => sendError(error, request as never, reply as never),
    // Requests Node's HTTP parser rejects (e.g. raw non-ASCII bytes in the URL) still get an FRTC error body.
    clientErrorHandler: (_error, socket) => {
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify({ error: 'request: malformed HTTP request', errorCode: '0x10000001' });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  }) as unknown as FastifyInstance;
  const inFlight = new InFlight();
  app.decorate('inFlight', inFlight);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const label = httpPart === 'querystring' ? 'query' : (httpPart ?? 'input');
    const validate = compileValidator(schema as never, label);
    return (data: unknown) => {
      const nul = pathOfNul(data, label);
      if (nul !== undefined) return { error: new DomainError('input.format', `${nul}: must not contain NUL characters`) };
      const result = validate(data);
      return result.error ? { error: result.error } : { value: result.value };
    };
  });
  installJsonBodyParser(app, BODY_LIMIT);
  installErrorHandling(app);
  installSecurityHeaders(app);
  app.decorate('metrics', installMetrics(app, options.metricsToken));
  await installOpenApi(app, options.version);
  // Participant signalling shares the HTTPS port; frames are small JSON commands.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, (request, reply) =>
    inFlight.track(async () => {
      try {
        await options.ready();
        return { status: 'ready' };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.code(503).send({ error: 'database unavailable', errorCode: '0x10000000' });
      }
    }),
  );
  return app;
}

/**
 * Fastify's form of the setting. A list goes as it is (proxy-addr checks each hop against it). A hop count becomes a
 * function: Fastify 5 takes a bare number to mean "trust nothing" (it cannot tell a direct client from the proxy),
 * whereas the operator who gives one means "the last n entries were appended by my proxies".
 */
function fastifyTrust(trust: number | string[]): string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * The path of the first string (key or value) holding a U+0000, or undefined. PostgreSQL text cannot store it, so
 * such input is refused at the boundary with a message naming the field, on every database alike.
 */
function pathOfNul(value: unknown, label: string, prefix = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? prefix || label : undefined;
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const [key, member] of Object.entries(value)) {
    const at = prefix === '' ? key : `${prefix}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = pathOfNul(member, label, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
