import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one server: request duration by route, method and status, plus process metrics. */
export function installMetrics(app: FastifyInstance): Registry {
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
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
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
