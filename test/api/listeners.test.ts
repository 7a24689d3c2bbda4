import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { generate } from 'selfsigned';
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

function plainGet(port: number, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
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
