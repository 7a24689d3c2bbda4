import {
  type GenericNack,
  RTP_EXTENSION_URI,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  type RTCRtpSender,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift';
import type { SrtpStream } from './srtp-seal.ts';
import { senderCname, senderExtensions, type Wire, wireOf } from './werift-wire.ts';

/** Packets kept for retransmission on a NACK (video only: audio has no NACK negotiated). */
const HISTORY = 256;
const SR_INTERVAL_MS = 1000;
/** Seconds from 1900 (NTP's epoch) to 1970. */
const NTP_EPOCH_OFFSET = 2_208_988_800;

/** The fixed part of a slot's packets: RTP header with our SSRC and payload type, and the one-byte extensions. */
interface Layout {
  /** The SRTP session the layout was made for: a new DTLS handshake means new keys. */
  session: unknown;
  wire: Wire;
  stream: SrtpStream;
  template: Buffer;
  /** Offset of the abs-send-time value in the header, or -1. */
  absAt: number;
}

/**
 * Sends the RTP packets of one slot to its viewer: builds the header from a per-slot template, seals it with SRTP and
 * writes it straight to the selected ICE pair's socket. werift's own `RTCRtpSender.sendRtp` does the same through
 * parsed header objects, a new cipher, three awaited promises and bandwidth-estimation bookkeeping on every packet;
 * measured, that was most of the SFU's cost per forwarded packet (bench/README.md, measure 8). What werift's sender
 * did besides sending is kept here: answering NACKs from a history of what was sent, and sender reports.
 */
export class RtpTransmitter {
  private layout: Layout | undefined;
  /** Extended sequence number (ROC · 2¹⁶ + seq) of the last packet sent; -1 before the first. */
  private index = -1;
  private packets = 0;
  private octets = 0;
  private lastTimestamp = 0;
  private lastSentAt = 0;
  private lastReportAt = 0;
  private unsendableReported = false;
  private readonly history:
    | { index: Float64Array; timestamp: Uint32Array; marker: Uint8Array; payloadType: Uint8Array; payload: Array<Buffer | undefined> }
    | undefined;

  constructor(
    private readonly sender: RTCRtpSender,
    private readonly mid: string,
    private readonly clockRate: number,
    keepHistory: boolean,
    private readonly report: (error: unknown, context: string) => void,
  ) {
    this.history = keepHistory
      ? {
          index: new Float64Array(HISTORY).fill(-1),
          timestamp: new Uint32Array(HISTORY),
          marker: new Uint8Array(HISTORY),
          payloadType: new Uint8Array(HISTORY),
          payload: new Array(HISTORY),
        }
      : undefined;
    if (keepHistory) sender.onGenericNack.subscribe((nack) => this.retransmit(nack));
  }

  /**
   * Sends one packet (seq, timestamp and marker as the viewer must see them), with `payloadType` when given (a video
   * slot follows its source's codec), else the sender's negotiated one; false when it could not be sent.
   */
  send(seq: number, timestamp: number, marker: boolean, payload: Buffer, now: number, payloadType?: number): boolean {
    const layout = this.ready();
    if (!layout) {
      // Called only once the viewer's DTLS is up (OutSlot.take): werift's internals are not what werift-wire.ts
      // expects. Said once per slot, so an operator sees why a viewer gets nothing.
      if (!this.unsendableReported) {
        this.unsendableReported = true;
        this.report(new Error('the SRTP session or the selected ICE pair cannot be read from werift'), `slot ${this.mid}: nothing can be sent`);
      }
      return false;
    }
    const index = this.nextIndex(seq);
    const pt = payloadType ?? layout.template[1]!;
    if (!this.transmit(layout, index, timestamp, marker, pt, payload, now)) return false;
    this.index = index;
    this.packets++;
    this.octets += payload.length;
    this.lastTimestamp = timestamp;
    this.lastSentAt = now;
    const h = this.history;
    if (h) {
      const at = index % HISTORY;
      h.index[at] = index;
      h.timestamp[at] = timestamp;
      h.marker[at] = marker ? 1 : 0;
      h.payloadType[at] = pt;
      h.payload[at] = payload;
    }
    return true;
  }

  /** Sends a sender report about once a second while packets flow (RTCP SR: timing for the viewer's sync and RTT). */
  tick(now: number): void {
    if (this.packets === 0 || now - this.lastReportAt < SR_INTERVAL_MS || !this.layout) return;
    this.lastReportAt = now;
    // The RTP time that corresponds to now, extrapolated from the last packet sent.
    const rtpNow = (this.lastTimestamp + Math.round(((now - this.lastSentAt) * this.clockRate) / 1000)) >>> 0;
    const seconds = Math.floor(now / 1000) + NTP_EPOCH_OFFSET;
    const fraction = Math.floor(((now % 1000) / 1000) * 2 ** 32);
    const packets: Array<RtcpSrPacket | RtcpSourceDescriptionPacket> = [
      new RtcpSrPacket({
        ssrc: this.sender.ssrc,
        senderInfo: new RtcpSenderInfo({
          ntpTimestamp: (BigInt(seconds) << 32n) | BigInt(fraction),
          rtpTimestamp: rtpNow,
          packetCount: this.packets >>> 0,
          octetCount: this.octets >>> 0,
        }),
      }),
    ];
    const cname = senderCname(this.sender);
    if (cname) {
      const item = new SourceDescriptionItem({ type: 1, text: cname });
      packets.push(new RtcpSourceDescriptionPacket({ chunks: [new SourceDescriptionChunk({ source: this.sender.ssrc, items: [item] })] }));
    }
    this.sender.dtlsTransport.sendRtcp(packets).catch((error: unknown) => this.report(error, 'sending a sender report'));
  }

  private ready(): Layout | undefined {
    const session = this.sender.dtlsTransport.srtp;
    if (this.layout && this.layout.session === session) return this.layout;
    const wire = wireOf(this.sender);
    const payloadType = this.sender.codec?.payloadType;
    if (!wire || payloadType === undefined) return undefined;
    this.layout = { session, wire, stream: wire.sealer.stream(this.sender.ssrc), ...headerTemplate(this.sender, this.mid, payloadType) };
    return this.layout;
  }

  /** Extends a 16-bit sequence number that only moves forward (the slot rewriter's output) past rollovers. */
  private nextIndex(seq: number): number {
    if (this.index < 0) return seq;
    const roc = Math.floor(this.index / 65536);
    const last = this.index % 65536;
    return (seq < last && last - seq > 0x8000 ? roc + 1 : roc) * 65536 + seq;
  }

  private transmit(layout: Layout, index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer, now: number): boolean {
    const { template, stream } = layout;
    const packet = Buffer.allocUnsafe(template.length + payload.length + stream.tagLength);
    template.copy(packet);
    const seq = index % 65536;
    packet[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(timestamp >>> 0, 4);
    if (layout.absAt >= 0) {
      // 6.18 fixed-point seconds, 24 bits, from the millisecond clock: only differences matter to the receiver's
      // estimator, which groups packets in 5 ms bursts anyway.
      packet.writeUIntBE(Math.floor((now % 64_000) * 262.144), layout.absAt, 3);
    }
    payload.copy(packet, template.length);
    stream.seal(packet, template.length, Math.floor(index / 65536), seq);
    return layout.wire.send(packet);
  }

  private retransmit(nack: GenericNack): void {
    const h = this.history;
    const layout = this.layout;
    if (!h || !layout || this.index < 0) return;
    try {
      for (const seq of nack.lost) {
        const at = seq % HISTORY;
        const index = h.index[at]!;
        const payload = h.payload[at];
        // The lost packet again, sealed with its own index: the viewer never got it, so it is not a replay.
        if (index >= 0 && index % 65536 === seq && payload) this.transmit(layout, index, h.timestamp[at]!, h.marker[at] === 1, h.payloadType[at]!, payload, Date.now());
      }
    } catch (error) {
      this.report(error, 'retransmitting after a NACK');
    }
  }
}

/** The header every packet of a sender starts from: V=2, our SSRC and payload type, and the MID and abs-send-time extensions if negotiated. */
function headerTemplate(sender: RTCRtpSender, midText: string, payloadType: number): { template: Buffer; absAt: number } {
  // One-byte extension elements (RFC 8285) carry ids 1–14 only.
  const extensions = senderExtensions(sender).filter((e) => e.id >= 1 && e.id <= 14);
  const mid = extensions.find((e) => e.uri === RTP_EXTENSION_URI.sdesMid);
  const abs = extensions.find((e) => e.uri === RTP_EXTENSION_URI.absSendTime);
  const midValue = Buffer.from(midText, 'ascii');
  const elements: Buffer[] = [];
  let absAt = -1;
  if (mid && midValue.length > 0 && midValue.length <= 16) elements.push(Buffer.concat([Buffer.from([(mid.id << 4) | (midValue.length - 1)]), midValue]));
  if (abs) {
    absAt = 12 + 4 + elements.reduce((n, e) => n + e.length, 0) + 1;
    elements.push(Buffer.from([(abs.id << 4) | 2, 0, 0, 0]));
  }
  const body = Buffer.concat(elements);
  const words = Math.ceil(body.length / 4);
  const template = Buffer.alloc(12 + (words > 0 ? 4 + words * 4 : 0));
  template[0] = words > 0 ? 0x90 : 0x80;
  template[1] = payloadType & 0x7f;
  template.writeUInt32BE(sender.ssrc >>> 0, 8);
  if (words > 0) {
    template.writeUInt16BE(0xbede, 12);
    template.writeUInt16BE(words, 14);
    body.copy(template, 16);
  }
  return { template, absAt };
}
