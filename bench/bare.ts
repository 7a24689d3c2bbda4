import { createServer as createHttpsServer, type Server } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { SIGNAL_PATH } from '../contract/signal/protocol.ts';
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

/** What the bare signalling server broadcasts: the same bytes as the real server's `mute.lock` event. */
export const bareMuteLock = (muted: boolean): string => JSON.stringify({ type: 'mute.lock', muted, allow_self_unmute: true });

/** What the bare signalling server relays for a chat.send: the real server's chat.message shape. */
const bareChatMessage = (n: number, from: string, text: string): string =>
  JSON.stringify({ type: 'chat.message', message: { id: `main:${n}`, time: Date.now(), from, from_name: from, to: '', to_name: '', private: false, text } });

/**
 * The baseline of the live measures (bench/live.ts): node's HTTPS server (same certificate) with a bare `ws`
 * WebSocketServer at the signalling path, no framework and no meeting logic. A socket's first frame (the join) is
 * answered with one fixed `meeting.status` connected event; `POST /broadcast` with `{"muted": true|false}` sends one
 * `mute.lock` event, serialised once, to every socket, then answers `{}` — the order of the real mute_all. A later
 * `chat.send` frame from any socket is sent on, as one `chat.message` serialised once, to every socket (the sender
 * too, as the real server echoes it): a chat relay with no rules, storage or roster.
 */
export function bareSignalServer(tls: TlsMaterial): { server: Server; close(): Promise<void> } {
  const server = createHttpsServer({ key: tls.key, cert: tls.cert });
  const wss = new WebSocketServer({ server, path: SIGNAL_PATH, maxPayload: 64 * 1024 });
  const open = new Set<WebSocket>();
  let said = 0;
  const relay = (from: string, data: Buffer): void => {
    const frame = JSON.parse(data.toString('utf8')) as { type?: string; text?: string };
    if (frame.type !== 'chat.send' || typeof frame.text !== 'string') return;
    const text = bareChatMessage(++said, from, frame.text);
    for (const socket of open) if (socket.readyState === 1) socket.send(text);
  };
  wss.on('connection', (socket) => {
    open.add(socket);
    socket.once('message', (data: Buffer) => {
      const { client_id, display_name } = JSON.parse(String(data)) as { client_id: string; display_name: string };
      const self = { uuid: client_id, display_name, user_id: '', audio_mute: false, video_mute: false, role: 'guest', hand_raised: false };
      socket.send(
        JSON.stringify({ type: 'meeting.status', status: 'connected', reason: 'StatusOk', reason_code: 0, message: 'joined', resume_token: 'x'.repeat(32), resumed: false, self }),
      );
      socket.on('message', (next: Buffer) => relay(client_id, next));
    });
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.terminate());
  });
  server.on('request', (req, res) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { muted } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { muted: boolean };
      const text = bareMuteLock(muted);
      for (const socket of open) if (socket.readyState === 1) socket.send(text);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '2' }).end('{}');
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
