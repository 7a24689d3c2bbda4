import { WebSocket, type RawData } from 'ws';
import { relayHeaders } from './node-auth.ts';

export interface RelayTarget {
  nodeId: string;
  /** The node's base URL (https://host:port), from its lease. */
  address: string;
  /** The node's TLS certificate (PEM), from its lease: the only certificate the relay accepts from that address. */
  certPem: string;
}

export interface RelayOptions {
  nodeId: string;
  secret: string;
  /** A socket whose unsent data grows past this is too slow to follow the meeting: both ends are dropped. */
  maxBuffered: number;
  /** How long to wait for the meeting's node to accept the relayed connection. */
  connectTimeoutMs: number;
}

/** WebSocket close code a client sees when the meeting's node went away under a relayed connection: resume or rejoin. */
export const NODE_LOST_CLOSE = 1012;

/**
 * Relays one participant's signalling connection to the node that holds its meeting: a WebSocket from this node to that
 * node's `/api/v1/signal/{meeting_number}`, signed with the cluster secret and carrying the participant's address, then
 * every frame in both directions unchanged. The participant sees one connection; the meeting's node sees a participant
 * like any other. Returns a promise that settles when the upstream connection is open (or failed to open).
 */
export function relaySignal(
  client: WebSocket,
  /** The frames the participant sent before the relay was set up (its join or resume first). */
  frames: readonly string[],
  target: RelayTarget,
  meetingNumber: string,
  clientAddress: string,
  options: RelayOptions,
): Promise<void> {
  const url = `${target.address.replace(/^http/, 'ws')}/api/v1/signal/${encodeURIComponent(meetingNumber)}`;
  const upstream = new WebSocket(url, {
    headers: relayHeaders(options.secret, options.nodeId, clientAddress, meetingNumber),
    // Pinned to the certificate the node announced in its lease (self-signed or not), whatever name the address has.
    ca: target.certPem,
    checkServerIdentity: (() => undefined) as never,
    perMessageDeflate: false,
    handshakeTimeout: options.connectTimeoutMs,
    maxPayload: 64 * 1024 * 1024,
  });
  const early: Array<{ data: RawData; binary: boolean }> = [];
  const forward = (to: WebSocket, data: RawData | string, binary: boolean) => {
    if (to.readyState !== WebSocket.OPEN) return;
    if (to.bufferedAmount > options.maxBuffered) {
      to.terminate();
      return;
    }
    to.send(data, { binary });
  };
  client.on('message', (data, binary) => {
    if (upstream.readyState === WebSocket.OPEN) forward(upstream, data, binary);
    else if (early.length < 64) early.push({ data, binary });
    else client.terminate();
  });
  upstream.on('message', (data, binary) => forward(client, data, binary));
  client.on('close', () => {
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.close(1000, 'participant connection closed');
  });
  client.on('error', () => upstream.terminate());
  return new Promise<void>((resolve, reject) => {
    upstream.once('open', () => {
      for (const frame of frames) upstream.send(frame);
      for (const frame of early.splice(0)) upstream.send(frame.data, { binary: frame.binary });
      resolve();
    });
    upstream.on('close', (code, reason) => {
      // The meeting's node closing the connection on purpose passes its code on (left, removed, replaced…); a node that
      // vanished (no close frame: 1006) becomes NODE_LOST_CLOSE, which clients treat as "reconnect".
      const deliberate = code >= 4000 || code === 1000 || code === 1001;
      if (client.readyState === WebSocket.OPEN) client.close(deliberate ? code : NODE_LOST_CLOSE, deliberate ? reason.toString() : 'meeting node lost');
      reject(new Error(`relay to ${target.nodeId} closed (${code})`));
    });
    upstream.on('error', (err) => reject(err));
  });
}
