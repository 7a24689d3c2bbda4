import assert from 'node:assert/strict';
import { allOperations } from '../../contract/rest/index.ts';
import { after, before, describe, it } from 'node:test';
import { calendarDownload } from '../../contract/rest/meeting-links.ts';
import { testDialects } from '../support/dialects.ts';
import { freePort } from '../support/postgres.ts';
import { request as httpRequest } from 'node:http';
import { METRICS_AUTH, METRICS_TOKEN, startTestServer, type TestServer } from '../support/server.ts';

/** Every operation the contract declares: a new operation is covered here without touching this file. */
const OPERATIONS = allOperations;

/** Every (operation, method, path) the server must register. Contract paths already use the OpenAPI `{param}` form. */
const ENDPOINTS = OPERATIONS.flatMap((op) => op.methods.flatMap((method) => op.paths.map((path) => ({ op, method, path }))));

/** `/users/{user_id}` → `/users/:user_id`: the route template Fastify (and so the metrics label) uses. */
const routeTemplate = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

type OpenApiOperation = {
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, { schema?: { type?: string; required?: string[]; properties?: Record<string, unknown> } }> }>;
};

/** Parses `name{a="b",c="d"} value` lines of one metric from the Prometheus text format. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

for (const dialect of testDialects()) {
  describe(`GET /api/openapi.json [${dialect}]`, () => {
    let t: TestServer;
    let doc: { openapi: string; info: { version: string }; paths: Record<string, Record<string, OpenApiOperation>> };
    before(async () => {
      t = await startTestServer(dialect);
      const r = await t.call('GET', '/api/openapi.json');
      assert.equal(r.status, 200, r.text);
      doc = r.body;
    });
    after(() => t.close());

    const operationAt = (method: string, path: string) => doc.paths[path]?.[method.toLowerCase()];

    it('is an OpenAPI 3.1 document served as JSON → 200', async () => {
      const r = await t.call('GET', '/api/openapi.json');
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.match(doc.openapi, /^3\.1\./);
      assert.equal(typeof doc.info.version, 'string');
      assert.ok(doc.info.version.length > 0);
    });

    it('the contract declares operations (guards this suite against an empty import)', () => {
      assert.ok(OPERATIONS.length >= 15, `only ${OPERATIONS.length} operations`);
      assert.equal(new Set(OPERATIONS.map((o) => o.id)).size, OPERATIONS.length, 'contract operation ids are unique');
    });

    for (const { op, method, path } of ENDPOINTS) {
      it(`documents ${method} ${path} (${op.id}) with a 200 schema and the 4xx error schema`, () => {
        const o = operationAt(method, path);
        assert.ok(o, `${method} ${path} is missing from the document`);
        assert.ok(o.operationId?.startsWith(op.id), `operationId ${o.operationId} does not name ${op.id}`);
        if (op.download) {
          // A file, not JSON (a recording's download): its media type is documented instead.
          assert.ok(o.responses?.['200']?.content?.[op.download]?.schema, `no 200 ${op.download} schema`);
        } else {
          const ok = o.responses?.['200']?.content?.['application/json']?.schema;
          assert.ok(ok, 'no 200 application/json schema');
          assert.equal(ok.type, 'object');
          const declared = (op.response as { required?: string[] }).required ?? [];
          assert.deepEqual([...(ok.required ?? [])].sort(), [...declared].sort(), '200 schema lists the contract response fields');
        }
        const clientError = o.responses?.['4XX'] ?? o.responses?.['4xx'];
        const errSchema = clientError?.content?.['application/json']?.schema;
        assert.ok(errSchema, 'no 4xx application/json schema');
        assert.deepEqual([...(errSchema.required ?? [])].sort(), ['error', 'errorCode']);
      });

      it(`documents the parameters and credentials of ${method} ${path}`, () => {
        const o = operationAt(method, path)!;
        assert.ok(o, `${method} ${path} is missing from the document`);
        const params = o.parameters ?? [];
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
          assert.ok(params.some((p) => p.in === 'path' && p.name === name && p.required), `path parameter ${name}`);
        }
        const clientId = params.find((p) => p.in === 'query' && p.name === 'client_id');
        if (op.access === 'anonymous') assert.ok(!clientId?.required, 'anonymous operations must not require client_id');
        else assert.ok(clientId?.required, 'client_id is a required query parameter');
        const secured = (o.security ?? []).some((s) => 'token' in s);
        assert.equal(secured, op.access === 'user' || op.access === 'optionalUser', 'token security requirement');
      });
    }

    it(`documents GET ${calendarDownload.path} as a text/calendar download without credentials`, () => {
      const o = operationAt('GET', calendarDownload.path);
      assert.ok(o, 'the calendar download is in the document');
      assert.equal(o.operationId, calendarDownload.id);
      assert.ok(o.responses?.['200']?.content?.['text/calendar'], 'the 200 response is text/calendar');
      assert.equal(o.responses?.['200']?.content?.['application/json'], undefined);
      assert.ok((o.parameters ?? []).some((p) => p.in === 'path' && p.name === 'key' && p.required));
      assert.ok(!(o.parameters ?? []).some((p) => p.name === 'client_id' && p.required), 'no client_id needed');
      assert.deepEqual(o.security ?? [], []);
      const clientError = o.responses?.['4XX'] ?? o.responses?.['4xx'];
      assert.deepEqual([...(clientError?.content?.['application/json']?.schema?.required ?? [])].sort(), ['error', 'errorCode']);
    });

    it('operationIds are unique across the document', () => {
      const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
      assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every operation has an operationId');
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      assert.deepEqual(dupes, []);
    });

    it('keeps health, metrics, docs and the document itself out of the API description', () => {
      const hidden = Object.keys(doc.paths).filter((p) => /^\/(healthz|readyz|metrics)|^\/api\/(openapi|docs)/.test(p));
      assert.deepEqual(hidden, []);
    });

    it('GET /api/docs serves the interactive HTML documentation', async () => {
      let r = await t.call('GET', '/api/docs');
      for (let hops = 0; r.status >= 300 && r.status < 400 && hops < 3; hops++) {
        r = await t.call('GET', new URL(String(r.headers.location), `${t.url}/api/docs`).pathname);
      }
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.match(r.text, /<html/i);
      const slash = await t.call('GET', '/api/docs/');
      assert.equal(slash.status, 200);
      assert.match(String(slash.headers['content-type']), /^text\/html/);
    });
  });

  describe(`GET /healthz, /readyz, /metrics [${dialect}]`, () => {
    let t: TestServer;
    let token: string;
    before(async () => {
      t = await startTestServer(dialect);
      token = await t.adminToken();
    });
    after(() => t.close());

    const metrics = async () => {
      const r = await t.call('GET', '/metrics', { headers: METRICS_AUTH });
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      return samples(r.text, 'http_request_duration_seconds_count');
    };
    const countOf = (all: { labels: Record<string, string>; value: number }[], method: string, route: string, status: string) =>
      all.find((s) => s.labels.method === method && s.labels.route === route && s.labels.status === status)?.value ?? 0;

    it('GET /healthz → 200 {status: "ok"}', async () => {
      const r = await t.call('GET', '/healthz');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ok' });
    });

    it('GET /readyz → 200 while the database answers', async () => {
      const r = await t.call('GET', '/readyz');
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'ready');
    });

    it('GET /metrics counts GET /api/v1/user/info under its route, method and status', async () => {
      const before = countOf(await metrics(), 'GET', '/api/v1/user/info', '200');
      const r = await t.call('GET', '/api/v1/user/info', { query: { client_id: 'metrics', token } });
      assert.equal(r.status, 200);
      const text = (await t.call('GET', '/metrics', { headers: METRICS_AUTH })).text;
      assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
      const all = samples(text, 'http_request_duration_seconds_count');
      assert.equal(countOf(all, 'GET', '/api/v1/user/info', '200'), before + 1);
      const buckets = samples(text, 'http_request_duration_seconds_bucket').filter((s) => s.labels.route === '/api/v1/user/info');
      assert.ok(buckets.some((b) => b.labels.le === '+Inf'), 'histogram buckets carry the route label');
    });

    it('labels a parameterised route with its template, never the concrete id', async () => {
      const id = await t.createUser('metrics-target', 'metrics-pw-1');
      const missing = 'no-such-user-4711';
      assert.equal((await t.call('GET', `/api/v1/user/users/${id}`, { query: { client_id: 'metrics', token } })).status, 200);
      assert.equal((await t.call('GET', `/api/v1/user/users/${missing}`, { query: { client_id: 'metrics', token } })).status, 404);
      assert.equal((await t.call('POST', `/api/v1/user/users/${id}/lock`, { query: { client_id: 'metrics', token } })).status, 200);
      const all = await metrics();
      const template = routeTemplate('/api/v1/user/users/{user_id}');
      assert.equal(template, '/api/v1/user/users/:user_id');
      assert.equal(countOf(all, 'GET', template, '200'), 1);
      assert.equal(countOf(all, 'GET', template, '404'), 1);
      assert.equal(countOf(all, 'POST', routeTemplate('/api/v1/user/users/{user_id}/lock'), '200'), 1);
      const leaking = all.filter((s) => s.labels.route?.includes(id) || s.labels.route?.includes(missing));
      assert.deepEqual(leaking, []);
    });

    it('GET /metrics on the HTTPS port needs "Authorization: Bearer <CONVENE_METRICS_TOKEN>" → 401 0x10000002 otherwise', async () => {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${METRICS_TOKEN}` }, { authorization: `Bearer ${METRICS_TOKEN}x` }]) {
        const r = await t.call('GET', '/metrics', { headers });
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.equal(r.body.errorCode, '0x10000002');
        assert.match(String(r.headers['www-authenticate']), /^Bearer/);
        assert.doesNotMatch(r.text, /http_request_duration_seconds/);
      }
      assert.equal((await t.call('GET', '/metrics', { headers: { authorization: `bearer ${METRICS_TOKEN}` } })).status, 200);
    });

    it('unknown URLs share one label instead of adding a series per URL', async () => {
      const r = await t.call('GET', '/no/such/endpoint-8d1f3');
      assert.equal(r.status, 404);
      assert.equal(r.body.errorCode, '0x10000004');
      const all = await metrics();
      assert.deepEqual(all.filter((s) => s.labels.route?.includes('8d1f3')), []);
      assert.ok(all.some((s) => s.labels.status === '404' && s.labels.method === 'GET'), 'the 404 is still counted');
    });
  });
}

/** A plain-HTTP GET to 127.0.0.1:port; the status and text, or the connection error's code. */
function plainGet(port: number, path: string, host = '127.0.0.1'): Promise<{ status: number; text: string } | { error: string }> {
  return new Promise((resolve) => {
    httpRequest({ host, port, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    })
      .on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      .end();
  });
}

describe('/metrics without a token [sqlite]', () => {
  it('is not served on the HTTPS port (404), only on CONVENE_METRICS_PORT, which listens on 127.0.0.1 alone', async () => {
    const t = await startTestServer('sqlite', { CONVENE_METRICS_TOKEN: '', CONVENE_METRICS_PORT: '0' });
    try {
      const r = await t.call('GET', '/metrics');
      assert.equal(r.status, 404);
      assert.equal(r.body.errorCode, '0x10000004');
      assert.equal((await t.call('GET', '/metrics', { headers: METRICS_AUTH })).status, 404);
    } finally {
      await t.close();
    }
    const port = await freePort();
    const m = await startTestServer('sqlite', { CONVENE_METRICS_TOKEN: '', CONVENE_METRICS_PORT: String(port) });
    try {
      const scraped = await plainGet(port, '/metrics');
      assert.ok('status' in scraped && scraped.status === 200, JSON.stringify(scraped));
      assert.match(scraped.text, /^# TYPE http_request_duration_seconds histogram$/m);
      const other = await plainGet(port, '/api/v1/system/version?client_id=x');
      assert.ok('status' in other && other.status === 404, JSON.stringify(other));
      // Bound to 127.0.0.1 only: another loopback address of the same machine finds nothing listening.
      assert.deepEqual(await plainGet(port, '/metrics', '127.0.0.2'), { error: 'ECONNREFUSED' });
      assert.equal((await m.call('GET', '/metrics')).status, 404);
    } finally {
      await m.close();
    }
  });
});
