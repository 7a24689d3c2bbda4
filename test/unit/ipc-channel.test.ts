/**
 * The channel's protocol logic (envelopes, deadlines, close, size limits, handler failures) over an in-memory pair of
 * ports that JSON-round-trips every message as Node's 'json' IPC does. The same Channel over real worker processes is
 * tested in test/media/pool.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafeEmitter } from '../../src/kernel/events.ts';
import { Channel, envelopeBytes, parseEnvelope } from '../../src/media/ipc/channel.ts';
import { ChannelClosedError, IpcMessageTooLargeError, IpcRemoteError, IpcTimeoutError } from '../../src/media/ipc/errors.ts';
import type { Empty } from '../../src/media/ipc/messages.ts';
import type { IpcPort } from '../../src/media/ipc/port.ts';

type Server = {
  requests: {
    echo: { params: { text: string }; result: { text: string } };
    slow: { params: { ms: number }; result: Empty };
    fail: { params: Empty; result: Empty };
    big: { params: { n: number }; result: { text: string } };
  };
  notifications: { tick: { n: number } };
};
type Client = { requests: Record<never, never>; notifications: Record<never, never> };

interface TestPort extends IpcPort {
  /** Delivers a raw message to this port's listener, as if the other side had sent it. */
  inject(message: unknown): void;
  sent: number;
}

function portPair(): [TestPort, TestPort] {
  const make = (): TestPort & { peer?: TestPort; deliver?: (m: unknown) => void; closed?: (r: string) => void } => ({
    sent: 0,
    send(message, done) {
      this.sent++;
      const text = JSON.stringify(message);
      queueMicrotask(() => {
        if (!this.peer) return done(new Error('not connected'));
        (this.peer as ReturnType<typeof make>).deliver?.(JSON.parse(text));
        done(null);
      });
    },
    attach(onMessage, onClose) {
      this.deliver = onMessage;
      this.closed = onClose;
      return () => {
        this.deliver = undefined;
      };
    },
    disconnect() {
      const peer = this.peer as ReturnType<typeof make> | undefined;
      this.peer = undefined;
      if (peer) {
        peer.peer = undefined;
        queueMicrotask(() => peer.closed?.('other side disconnected'));
      }
    },
    inject(message) {
      this.deliver?.(message);
    },
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

function pair(options: { timeoutMs?: number; maxMessageBytes?: number } = {}) {
  const reports: string[] = [];
  const report = (error: unknown, context: string) => reports.push(`${context}: ${(error as Error).message}`);
  const [clientPort, serverPort] = portPair();
  const client = new Channel<Client, Server>(clientPort, { ...options, report, name: 'client' });
  const server = new Channel<Server, Client>(serverPort, { ...options, report, name: 'server' });
  server.handle('echo', ({ text }) => ({ text }));
  server.handle('slow', async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return {};
  });
  server.handle('fail', () => {
    throw new TypeError('handler broke');
  });
  server.handle('big', ({ n }) => ({ text: 'x'.repeat(n) }));
  return { client, server, clientPort, serverPort, reports };
}

describe('parseEnvelope()', () => {
  it('parseEnvelope() accepts the four envelope kinds', () => {
    assert.ok(parseEnvelope({ t: 'req', id: 1, m: 'ping', p: {} }));
    assert.ok(parseEnvelope({ t: 'res', id: 1, r: {} }));
    assert.ok(parseEnvelope({ t: 'err', id: 1, e: { name: 'Error', message: 'x' } }));
    assert.ok(parseEnvelope({ t: 'note', m: 'log', p: { msg: 'x' } }));
  });

  it('parseEnvelope() rejects malformed messages', () => {
    for (const bad of [
      null,
      'text',
      [],
      { t: 'req', id: 0, m: 'ping', p: {} },
      { t: 'req', id: 1.5, m: 'ping', p: {} },
      { t: 'req', id: 1, m: 'ping' },
      { t: 'req', id: 1, m: 3, p: {} },
      { t: 'res', id: 1, r: [] },
      { t: 'err', id: 1, e: { name: 'Error' } },
      { t: 'note', m: 'log', p: null },
      { t: 'other', id: 1 },
    ]) {
      assert.equal(parseEnvelope(bad), undefined, JSON.stringify(bad));
    }
  });

  it('envelopeBytes() counts UTF-8 bytes of the JSON text', () => {
    assert.equal(envelopeBytes({ t: 'note', m: 'a', p: { s: 'é' } }), JSON.stringify({ t: 'note', m: 'a', p: { s: 'é' } }).length + 1);
  });
});

describe('Channel requests', () => {
  it('channel.request() resolves with the result of the handler on the other side', async () => {
    const { client } = pair();
    assert.deepEqual(await client.request('echo', { text: 'héllo' }), { text: 'héllo' });
    assert.equal(client.pendingCount, 0);
  });

  it('channel.request() past its deadline rejects with IpcTimeoutError and drops the late response', async () => {
    const { client, reports } = pair();
    const started = Date.now();
    await assert.rejects(client.request('slow', { ms: 200 }, { timeoutMs: 30 }), (e: unknown) => {
      assert.ok(e instanceof IpcTimeoutError);
      assert.equal(e.method, 'slow');
      assert.equal(e.timeoutMs, 30);
      return true;
    });
    assert.ok(Date.now() - started < 150);
    assert.equal(client.pendingCount, 0);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(reports, []);
    assert.deepEqual(await client.request('echo', { text: 'still works' }), { text: 'still works' });
  });

  it('channel.request() uses the channel default deadline when the call gives none', async () => {
    const { client } = pair({ timeoutMs: 20 });
    await assert.rejects(client.request('slow', { ms: 200 }), IpcTimeoutError);
  });

  it('channel.request() rejects with IpcRemoteError when the handler throws, and when no handler serves the method', async () => {
    const { client } = pair();
    await assert.rejects(client.request('fail', {}), (e: unknown) => {
      assert.ok(e instanceof IpcRemoteError);
      assert.equal(e.remoteName, 'TypeError');
      assert.match(e.message, /handler broke/);
      return true;
    });
    const [p1, p2] = portPair();
    const bare = new Channel<Client, Server>(p1);
    new Channel<Server, Client>(p2); // serves nothing
    await assert.rejects(bare.request('echo', { text: 'x' }), (e: unknown) => e instanceof IpcRemoteError && e.remoteName === 'IpcUnknownMethod');
  });

  it('channel.request() over the size limit rejects with IpcMessageTooLargeError without sending', async () => {
    const { client, clientPort } = pair({ maxMessageBytes: 200 });
    const before = clientPort.sent;
    await assert.rejects(client.request('echo', { text: 'x'.repeat(300) }), IpcMessageTooLargeError);
    assert.equal(clientPort.sent, before);
    assert.equal(client.pendingCount, 0);
  });

  it('a response over the size limit reaches the caller as an error, not as a timeout', async () => {
    const { client } = pair({ maxMessageBytes: 200 });
    await assert.rejects(client.request('big', { n: 500 }), (e: unknown) => e instanceof IpcRemoteError && e.remoteName === 'IpcMessageTooLargeError');
  });
});

describe('Channel close', () => {
  it('the other side disconnecting rejects every pending request with ChannelClosedError', async () => {
    const { client, server } = pair();
    const pending = [client.request('slow', { ms: 1000 }), client.request('slow', { ms: 1000 })];
    let closedWith: ChannelClosedError | undefined;
    client.onClose((e) => (closedWith = e));
    await new Promise((r) => setTimeout(r, 5));
    server.close('server went away');
    for (const p of pending) {
      await assert.rejects(p, (e: unknown) => e instanceof ChannelClosedError && e.method === 'slow');
    }
    assert.equal(client.closed, true);
    assert.equal(closedWith?.reason, 'other side disconnected');
    await assert.rejects(client.request('echo', { text: 'x' }), ChannelClosedError);
  });

  it('channel.close() on this side rejects its own pending requests at once', async () => {
    const { client } = pair();
    const p = client.request('slow', { ms: 1000 });
    client.close('test');
    await assert.rejects(p, (e: unknown) => e instanceof ChannelClosedError && e.reason === 'test');
  });
});

describe('Channel notifications', () => {
  it('a throwing notification handler is reported and neither the other handlers nor the channel break', async () => {
    const { client, server, reports } = pair();
    const seen: number[] = [];
    client.on('tick', () => {
      throw new Error('listener broke');
    });
    client.on('tick', async () => {
      throw new Error('async listener broke');
    });
    client.on('tick', ({ n }) => void seen.push(n));
    assert.equal(server.notify('tick', { n: 1 }), true);
    assert.equal(server.notify('tick', { n: 2 }), true);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, [1, 2]);
    assert.equal(reports.filter((r) => r.includes('listener broke')).length, 4);
    assert.ok(reports.every((r) => r.startsWith('client: handler of notification tick')));
    assert.deepEqual(await client.request('echo', { text: 'ok' }), { text: 'ok' });
  });

  it('a notification over the size limit is dropped and reported', async () => {
    const { client, server, reports } = pair({ maxMessageBytes: 40 });
    const seen: number[] = [];
    client.on('tick', ({ n }) => void seen.push(n));
    assert.equal(server.notify('tick', { n: 1 }), true); // {"t":"note","m":"tick","p":{"n":1}}: 35 bytes
    assert.equal(server.notify('tick', { n: 1e20 }), false);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen, [1]);
    assert.equal(reports.length, 1);
    assert.match(reports[0]!, /^server: notification tick dropped: .*over the limit of 40/);
  });

  it('a malformed message is reported and dropped', async () => {
    const { client, clientPort, reports } = pair();
    clientPort.inject({ t: 'res', id: 'x' });
    assert.deepEqual(reports, ['client: receive: malformed message dropped']);
    assert.deepEqual(await client.request('echo', { text: 'ok' }), { text: 'ok' });
  });
});

describe('SafeEmitter', () => {
  it('emitter.emit() reports a throwing listener and still calls the next ones', () => {
    const errors: string[] = [];
    const emitter = new SafeEmitter<{ joined: { id: string } }>((e, event) => errors.push(`${event}: ${(e as Error).message}`));
    const seen: string[] = [];
    emitter.on('joined', () => {
      throw new Error('boom');
    });
    const off = emitter.on('joined', ({ id }) => void seen.push(id));
    emitter.emit('joined', { id: 'a' });
    off();
    emitter.emit('joined', { id: 'b' });
    assert.deepEqual(seen, ['a']);
    assert.deepEqual(errors, ['joined: boom', 'joined: boom']);
  });
});
