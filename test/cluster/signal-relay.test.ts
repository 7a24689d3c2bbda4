import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { WebSocket, WebSocketServer } from 'ws';
import { verifyRelay } from '../../src/cluster/node-auth.ts';
import { NODE_LOST_CLOSE, relaySignal } from '../../src/cluster/signal-relay.ts';

const SECRET = 'cluster-secret-for-tests';

async function tls() {
  const pems = await generate([{ name: 'commonName', value: 'node.test' }], { keySize: 2048, algorithm: 'sha256' } as never);
  return { cert: pems.cert, key: pems.private };
}

/** Node B: accepts relayed connections, checks the relay header, echoes frames and reports who it saw. */
async function meetingNode(material: { cert: string; key: string }) {
  const server: Server = createServer(material);
  const wss = new WebSocketServer({ server });
  const seen: string[] = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws, req) => {
    const number = decodeURIComponent(req.url!.split('/').pop()!);
    let relay;
    try {
      relay = verifyRelay(SECRET, req.headers, number);
    } catch {
      ws.close(4001, 'bad relay');
      return;
    }
    sockets.push(ws);
    seen.push(`${relay?.nodeId}/${relay?.address}/${number}`);
    ws.on('message', (data) => {
      const text = String(data);
      if (text === 'leave') ws.close(4000, 'StatusOk');
      else ws.send(`echo:${text}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, seen, sockets, address: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Node A: relays every connection to B. */
async function relayNode(target: () => { address: string; certPem: string }, secret = SECRET) {
  const material = await tls();
  const server: Server = createServer(material);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.once('message', (first) => {
      relaySignal(ws, [String(first)], { nodeId: 'node-b', ...target() }, '123456789', '198.51.100.7', {
        nodeId: 'node-a', secret, maxBuffered: 1 << 20, connectTimeoutMs: 2000,
      }).catch(() => {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/signal` };
}

function open(url: string) {
  const ws = new WebSocket(url, { rejectUnauthorized: false });
  const frames: string[] = [];
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  ws.on('message', (d) => frames.push(String(d)));
  return { ws, frames, closed, opened: new Promise((r) => ws.once('open', r)) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('relaySignal: a participant connected to one node, its meeting on another', () => {
  let b: Awaited<ReturnType<typeof meetingNode>>;
  let bCert: string;
  before(async () => {
    const material = await tls();
    bCert = material.cert;
    b = await meetingNode(material);
  });
  after(() => b.server.close());

  it('passes the first frame and every later frame both ways, with the participant’s address', async () => {
    const a = await relayNode(() => ({ address: b.address, certPem: bCert }));
    const c = open(a.url);
    await c.opened;
    c.ws.send('join');
    c.ws.send('mute');
    await until(() => c.frames.length === 2);
    assert.deepEqual(c.frames, ['echo:join', 'echo:mute']);
    assert.equal(b.seen.at(-1), 'node-a/198.51.100.7/123456789');
    c.ws.send('leave');
    assert.equal(await c.closed, 4000, 'the meeting node’s own close code reaches the participant');
    a.server.close();
  });

  it('refuses a node whose certificate is not the one in its lease', async () => {
    const other = (await tls()).cert;
    const a = await relayNode(() => ({ address: b.address, certPem: other }));
    const before = b.seen.length;
    const c = open(a.url);
    await c.opened;
    c.ws.send('join');
    assert.equal(await c.closed, NODE_LOST_CLOSE);
    assert.equal(b.seen.length, before, 'nothing reached the impostor');
    a.server.close();
  });

  it('a relay signed with another secret is refused by the meeting node', async () => {
    const a = await relayNode(() => ({ address: b.address, certPem: bCert }), 'not-the-secret');
    const c = open(a.url);
    await c.opened;
    c.ws.send('join');
    assert.equal(await c.closed, 4001);
    a.server.close();
  });

  it('when the meeting node vanishes, the participant is closed with "node lost" so it reconnects', async () => {
    const a = await relayNode(() => ({ address: b.address, certPem: bCert }));
    const c = open(a.url);
    await c.opened;
    c.ws.send('join');
    await until(() => c.frames.length === 1);
    b.sockets.at(-1)!.terminate();
    assert.equal(await c.closed, NODE_LOST_CLOSE);
    a.server.close();
  });
});
