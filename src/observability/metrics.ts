import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { fail } from '../kernel/domain-error.ts';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for one server: request duration by route, method and status, plus process metrics. On the API
 * ports /metrics answers only a scraper presenting `Authorization: Bearer <token>`; without a token configured it is
 * not served there at all (404) and only the loopback metrics port (serveMetrics) has it.
 */
export function installMetrics(app: FastifyInstance, token: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route template (not the URL) keeps label cardinality bounded; unknown URLs share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  if (token === '') return registry;
  const expected = digest(token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const [scheme, presented] = (request.headers.authorization ?? '').split(' ', 2);
    // Compared as digests in constant time: neither the length nor a prefix of the token leaks through timing.
    if (scheme?.toLowerCase() !== 'bearer' || presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return fail('auth.required', 'Authorization: send "Bearer <CONVENE_METRICS_TOKEN>" to read /metrics');
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * /metrics without a token, on its own plain-HTTP listener bound to 127.0.0.1 (CONVENE_METRICS_PORT): for a scraper on
 * the same machine, or one that reaches it through an SSH tunnel or a local agent. Everything else there is 404.
 */
export async function serveMetrics(registry: Registry, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: only GET /metrics is served here\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/** Live meetings and connected participants, read when /metrics is scraped. */
export function liveGauges(registry: Registry, live: { list(): readonly unknown[]; calls(): number }): void {
  new Gauge({
    name: 'convene_live_meetings',
    help: 'Meetings in progress',
    registers: [registry],
    collect() {
      this.set(live.list().length);
    },
  });
  new Gauge({
    name: 'convene_live_participants',
    help: 'Participants holding a place in a live meeting (including those about to resume)',
    registers: [registry],
    collect() {
      this.set(live.calls());
    },
  });
}
