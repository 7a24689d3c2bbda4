import { Socket } from 'node:dgram';
import type { RTCPeerConnection, RTCRtpSender } from 'werift';
import { SrtpSealer } from './srtp-seal.ts';

/**
 * The only place that reaches below werift 0.24.4's public API (the version is pinned exactly): the negotiated SRTP
 * session keys, the header extensions of a sender, and the UDP socket and remote address of the selected ICE pair.
 * The SFU's send path uses them to seal and send each forwarded packet itself (src/media/sfu/srtp-transmitter.ts).
 * Every shape is checked when it is read: before the SRTP session is up, or if werift ever changes, `wireOf` answers
 * undefined and nothing is sent (the media tests then fail loudly rather than the SFU sending malformed packets).
 */
export interface Wire {
  sealer: SrtpSealer;
  /** Sends one datagram to the peer on the selected pair; false when the transport cannot send now. */
  send(datagram: Buffer): boolean;
}

interface SrtpContextShape {
  profile: number;
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag: Buffer;
}
interface PairShape {
  remoteAddr: [string, number];
  packetsSent: number;
  bytesSent: number;
  protocol: { transport: { closed: boolean; socket: unknown } };
}
interface ConnectionShape {
  nominated?: PairShape;
  state: string;
  iceLite?: boolean;
  consentFresh?: boolean;
}

const wires = new WeakMap<object, Wire>();

/** The wire of a sender's transport once its SRTP session is up (undefined before, or if werift's shape differs). */
export function wireOf(sender: RTCRtpSender): Wire | undefined {
  const dtls = sender.dtlsTransport as unknown as { srtp?: { localContext?: SrtpContextShape }; iceTransport?: { connection?: ConnectionShape } };
  const session = dtls.srtp;
  const context = session?.localContext;
  const connection = dtls.iceTransport?.connection;
  if (!session || !context || !connection || !Buffer.isBuffer(context.srtpSessionKey) || !Buffer.isBuffer(context.srtpSessionSalt)) return undefined;
  // Keyed by the SRTP session: a new DTLS handshake brings new keys and so a new wire.
  let wire = wires.get(session);
  if (!wire) {
    let sealer: SrtpSealer;
    try {
      sealer = new SrtpSealer({ profile: context.profile, key: context.srtpSessionKey, salt: context.srtpSessionSalt, authKey: context.srtpSessionAuthTag });
    } catch {
      return undefined;
    }
    wire = { sealer, send: sendOn(connection) };
    wires.set(session, wire);
  }
  return wire;
}

/** Sends on the connection's selected pair; the pair's remote address (a getter making an array) is read once per pair. */
function sendOn(connection: ConnectionShape): (datagram: Buffer) => boolean {
  let pair: PairShape | undefined;
  let host = '';
  let port = 0;
  return (datagram) => {
    const selected = connection.nominated;
    // What werift checks before sending application data (RFC 7675 consent included).
    if (!selected || connection.state === 'closed' || connection.state === 'failed') return false;
    if (!connection.iceLite && connection.consentFresh === false) return false;
    const transport = selected.protocol.transport;
    if (transport.closed || !(transport.socket instanceof Socket)) return false;
    if (selected !== pair) {
      pair = selected;
      [host, port] = selected.remoteAddr;
    }
    // No callback: werift sends media the same way (the remote address is a resolved IP, so no lookup can fail late).
    transport.socket.send(datagram, port, host);
    selected.packetsSent++;
    selected.bytesSent += datagram.length;
    return true;
  };
}

/** The header extensions negotiated for a sender ({ uri, id }), as werift keeps them. */
export function senderExtensions(sender: RTCRtpSender): Array<{ uri: string; id: number }> {
  const list = (sender as unknown as { headerExtensions?: unknown }).headerExtensions;
  return Array.isArray(list) ? list.filter((e): e is { uri: string; id: number } => typeof e?.uri === 'string' && Number.isInteger(e?.id)) : [];
}

/** The CNAME werift announces for a sender, for the SDES of our sender reports. */
export function senderCname(sender: RTCRtpSender): string | undefined {
  const cname = (sender as unknown as { cname?: unknown }).cname;
  return typeof cname === 'string' ? cname : undefined;
}

/**
 * Orders the SRTP profiles a connection's DTLS transports accept, most preferred first (werift picks the first of
 * its own list that the peer offers when it is the DTLS server, and offers them in this order as the client).
 */
export function preferSrtpProfiles(pc: RTCPeerConnection, profiles: number[]): void {
  for (const transport of pc.dtlsTransports) {
    const t = transport as unknown as { srtpProfiles?: unknown };
    if (Array.isArray(t.srtpProfiles)) t.srtpProfiles = profiles.filter((p) => (t.srtpProfiles as number[]).includes(p));
  }
}

/**
 * Asks for a larger kernel receive buffer on the sockets a connection receives media on (the selected pairs'). A
 * publisher's packets queue there whenever the worker is busy for a moment (a collection, a burst of sends to many
 * viewers); the default (net.core.rmem_default, 208 KiB here) overflowed in the benchmark at 90 % CPU, and every packet
 * lost there is lost for every viewer. The kernel caps the request at net.core.rmem_max.
 */
export function enlargeReceiveBuffers(pc: RTCPeerConnection, bytes: number, report: (error: unknown, context: string) => void): void {
  for (const ice of pc.iceTransports) {
    const connection = (ice as unknown as { connection?: ConnectionShape }).connection;
    const socket = connection?.nominated?.protocol.transport.socket;
    if (!(socket instanceof Socket)) continue;
    try {
      if (socket.getRecvBufferSize() < bytes) socket.setRecvBufferSize(bytes);
    } catch (error) {
      report(error, 'enlarging a media receive buffer');
    }
  }
}
