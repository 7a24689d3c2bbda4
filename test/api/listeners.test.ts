import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { clientSecret } from '../../src/accounts/secret.ts';
import { HttpsClient } from '../support/client.ts';
import { freePort } from '../support/postgres.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** The certificate a TLS server presents, as its fingerprint. */
function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

function plainGet(port: number, path: string, host = '127.0.0.1'): Promise<{ status: number; body: any; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host, port, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('HTTPS and HTTP listeners', () => {
  const open: TestServer[] = [];
  after(async () => {
    for (const t of open) await t.close().catch(() => {});
  });

  it('generates a self-signed certificate on first start and presents the same one after a restart', async () => {
    const first = await startTestServer('sqlite');
    open.push(first);
    const port = Number(new URL(first.url).port);
    const fingerprint = await presentedFingerprint(port);
    assert.match(readFileSync(`${first.dataDir}/tls/self-signed.crt`, 'utf8'), /BEGIN CERTIFICATE/);
    await first.server.close();
    const second = await startTestServer('sqlite', { CONVENE_DATA_DIR: first.dataDir, CONVENE_HTTPS_PORT: String(port) });
    open.push(second);
    assert.equal(await presentedFingerprint(port), fingerprint);
  });

  it("serves the operator's certificate when CONVENE_TLS_CERT and CONVENE_TLS_KEY are set", async () => {
    const pems = await generate([{ name: 'commonName', value: 'meet.example.test' }], { keySize: 2048 } as never);
    const dir = (await import('node:fs')).mkdtempSync('/tmp/convene-cert-');
    writeFileSync(`${dir}/c.pem`, pems.cert);
    writeFileSync(`${dir}/k.pem`, pems.private);
    const t = await startTestServer('sqlite', { CONVENE_TLS_CERT: `${dir}/c.pem`, CONVENE_TLS_KEY: `${dir}/k.pem` });
    open.push(t);
    const expected = new (await import('node:crypto')).X509Certificate(pems.cert).fingerprint256;
    assert.equal(await presentedFingerprint(Number(new URL(t.url).port)), expected);
  });

  it('answers the same API over plain HTTP when CONVENE_HTTP_PORT is set (for a TLS-terminating proxy)', async () => {
    const httpPort = await freePort();
    const t = await startTestServer('sqlite', { CONVENE_HTTP_PORT: String(httpPort) });
    open.push(t);
    const r = await plainGet(httpPort, '/api/v1/system/version?client_id=proxy-test');
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.version, 'string');
    const missing = await plainGet(httpPort, '/api/v1/system/version');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errorCode, '0x10000001');
  });
});

describe('the plain-HTTP port binds loopback unless CONVENE_HTTP_HOST says otherwise', () => {
  /** Whether a plain-HTTP GET to host:port is answered (false: nothing listens there). */
  const answers = (port: number, host: string) =>
    plainGet(port, '/healthz', host).then(
      (r) => r.status === 200,
      () => false,
    );

  it('by default on 127.0.0.1, even when the HTTPS port binds another address', async () => {
    const httpPort = await freePort();
    const t = await startTestServer('sqlite', { CONVENE_HOST: '127.0.0.3', CONVENE_HTTP_PORT: String(httpPort) });
    try {
      assert.equal(await answers(httpPort, '127.0.0.1'), true);
      assert.equal(await answers(httpPort, '127.0.0.3'), false);
    } finally {
      await t.close();
    }
  });

  it('on CONVENE_HTTP_HOST when set', async () => {
    const httpPort = await freePort();
    const t = await startTestServer('sqlite', { CONVENE_HTTP_HOST: '127.0.0.4', CONVENE_HTTP_PORT: String(httpPort) });
    try {
      assert.equal(await answers(httpPort, '127.0.0.4'), true);
      assert.equal(await answers(httpPort, '127.0.0.1'), false);
    } finally {
      await t.close();
    }
  });
});

describe('header policy', () => {
  const open: TestServer[] = [];
  after(async () => {
    for (const t of open) await t.close().catch(() => {});
  });

  it('every HTTPS response carries Strict-Transport-Security for a year, without includeSubDomains; plain HTTP does not', async () => {
    const httpPort = await freePort();
    const t = await startTestServer('sqlite', { CONVENE_HTTP_PORT: String(httpPort) });
    open.push(t);
    for (const path of ['/api/v1/system/version?client_id=hsts', '/api/v1/system/version', '/no/such/path', '/app/', '/api/docs']) {
      const r = await t.call('GET', path);
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000', path);
    }
    const plain = await plainGet(httpPort, '/api/v1/system/version?client_id=hsts');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['strict-transport-security'], undefined);
    // Frame protection does not depend on the transport.
    assert.equal(plain.headers['x-frame-options'], 'DENY');
  });

  it('no page can be framed: the API docs, the browser app and meeting-link pages send X-Frame-Options DENY and frame-ancestors \'none\'', async () => {
    const t = await startTestServer('sqlite');
    open.push(t);
    const token = await t.adminToken();
    const created = await t.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'frames', token },
      body: { meeting_type: 'instant', meeting_name: 'Framed?' },
    });
    assert.equal(created.status, 200, created.text);
    const detail = await t.call('GET', `/api/v1/meeting_schedule/${created.body.reservation_id}`, { query: { client_id: 'frames', token } });
    const key = new URL(detail.body.meeting_url).pathname.split('/').pop()!;
    for (const path of ['/api/docs', '/api/docs/', '/app/', `/j/${key}`, '/j/unknown-key', '/api/openapi.json', '/api/v1/system/version?client_id=x']) {
      const r = await t.call('GET', path);
      assert.ok(r.status < 500, `${path}: ${r.status}`);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /frame-ancestors 'none'/, `${path}: ${csp}`);
      assert.equal(csp.match(/frame-ancestors/g)!.length, 1, `${path}: one frame-ancestors directive`);
    }
    // Pages with a policy of their own keep it.
    assert.match(String((await t.call('GET', '/app/')).headers['content-security-policy']), /script-src 'self'/);
  });
});

describe('behind a reverse proxy (CONVENE_TRUST_PROXY)', () => {
  /** A failed sign-in (unknown user) sent with the given X-Forwarded-For; 401 until the address's budget is spent, then 429. */
  const failedSignIn = (client: HttpsClient, forwardedFor?: string) =>
    client.call('POST', '/api/v1/user/sign_in', {
      query: { client_id: 'proxied' },
      body: { username: 'nobody', secret: clientSecret('guess') },
      ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
    });

  it('a hop count of 1: limits count the entry the proxy appended (the last), whatever the client wrote before it', async () => {
    const t = await startTestServer('sqlite', { CONVENE_TRUST_PROXY: '1', CONVENE_SIGN_IN_FAILURES_PER_MINUTE: '2' });
    try {
      // The client forges a fresh first entry every time; the proxy (this connection) appends the real 203.0.113.7.
      assert.equal((await failedSignIn(t.client, '1.1.1.1, 203.0.113.7')).status, 401);
      assert.equal((await failedSignIn(t.client, '2.2.2.2, 203.0.113.7')).status, 401);
      const limited = await failedSignIn(t.client, '3.3.3.3, 203.0.113.7');
      assert.equal(limited.status, 429, limited.text);
      // Another client behind the same proxy has a budget of its own.
      assert.equal((await failedSignIn(t.client, '3.3.3.3, 203.0.113.8')).status, 401);
      const logged = t.logs.filter((l) => l.includes('"remoteAddress"')).map((l) => JSON.parse(l).req?.remoteAddress).filter(Boolean);
      assert.ok(logged.includes('203.0.113.7'), `logged: ${logged.join(' ')}`);
      assert.ok(!logged.some((a: string) => ['1.1.1.1', '2.2.2.2', '3.3.3.3'].includes(a)), `logged: ${logged.join(' ')}`);
    } finally {
      await t.close();
    }
  });

  it('a list of proxies: a direct client outside it is not believed; a listed proxy is', async () => {
    const t = await startTestServer('sqlite', { CONVENE_TRUST_PROXY: '127.0.0.2/32', CONVENE_SIGN_IN_FAILURES_PER_MINUTE: '2' });
    const proxy = new HttpsClient(t.url, { localAddress: '127.0.0.2' });
    try {
      // 127.0.0.1 is not a listed proxy: its X-Forwarded-For is ignored and its own address is counted.
      assert.equal((await failedSignIn(t.client, '198.51.100.1')).status, 401);
      assert.equal((await failedSignIn(t.client, '198.51.100.2')).status, 401);
      assert.equal((await failedSignIn(t.client, '198.51.100.3')).status, 429);
      // 127.0.0.2 is: the address it reports is counted, each on its own.
      assert.equal((await failedSignIn(proxy, '198.51.100.4')).status, 401);
      assert.equal((await failedSignIn(proxy, '198.51.100.4')).status, 401);
      assert.equal((await failedSignIn(proxy, '198.51.100.4')).status, 429);
      assert.equal((await failedSignIn(proxy, '198.51.100.5')).status, 401);
      // A request through the proxy without the header is the proxy's own.
      assert.equal((await failedSignIn(proxy)).status, 401);
    } finally {
      proxy.close();
      await t.close();
    }
  });
});

describe('malformed HTTP requests', () => {
  it('raw non-ASCII bytes in the URL → 400 with an FRTC error body, not a framework default', async () => {
    const t = await startTestServer('sqlite');
    try {
      const port = Number(new URL(t.url).port);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          socket.write(Buffer.concat([Buffer.from('GET /api/v1/system/version?client_id='), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
        });
        let text = '';
        socket.on('data', (c) => (text += c));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 400/);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
      assert.equal(body.errorCode, '0x10000001');
    } finally {
      await t.close();
    }
  });
});
