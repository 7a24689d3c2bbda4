import {
  RtcpPayloadSpecificFeedback,
  RTP_EXTENSION_URI,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift';
import { type MediaCodec, payloadTypesOf } from '../policy/codecs.ts';
import type { ReceiverCodecs, SlotFeedback, SlotTransmitter } from './out-slot.ts';
import type { SrtpStream } from './srtp-seal.ts';
import { senderCname, senderExtensions, type Wire, wireOf } from './werift-wire.ts';

/** Payload-specific feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;
const SR_INTERVAL_MS = 1000;
/** Seconds from 1900 (NTP's epoch) to 1970. */
const NTP_EPOCH_OFFSET = 2_208_988_800;

/** The fixed part of a slot's packets: RTP header with our SSRC, and the one-byte extensions. */
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
 * did besides sending is kept: sender reports here, the retransmission history in the slot (OutSlot), which hands a
 * lost packet to `resend`.
 */
export class SrtpTransmitter implements SlotTransmitter {
  private layout: Layout | undefined;
  private packets = 0;
  private octets = 0;
  private lastTimestamp = 0;
  private lastSentAt = 0;
  private lastReportAt = 0;
  private unsendableReported = false;

  constructor(
    private readonly sender: RTCRtpSender,
    private readonly mid: string,
    private readonly clockRate: number,
    private readonly report: (error: unknown, context: string) => void,
  ) {}

  /** werift drops what is sent before the viewer's DTLS is up: the slot forwards nothing until then. */
  get ready(): boolean {
    return this.sender.dtlsTransport.state === 'connected';
  }

  /**
   * Sends one packet (extended sequence number, timestamp, marker and payload type as the viewer must see them); false
   * when it could not be sent.
   */
  send(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer, now: number): boolean {
    const layout = this.prepared();
    if (!layout) {
      // Called only once the viewer's DTLS is up (OutSlot.take): werift's internals are not what werift-wire.ts
      // expects. Said once per slot, so an operator sees why a viewer gets nothing.
      if (!this.unsendableReported) {
        this.unsendableReported = true;
        this.report(new Error('the SRTP session or the selected ICE pair cannot be read from werift'), `slot ${this.mid}: nothing can be sent`);
      }
      return false;
    }
    if (!this.transmit(layout, index, timestamp, marker, payloadType, payload, now)) return false;
    this.packets++;
    this.octets += payload.length;
    this.lastTimestamp = timestamp;
    this.lastSentAt = now;
    return true;
  }

  /** A packet the viewer lost, again, sealed with its own index (it never arrived, so it is no replay); not counted. */
  resend(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer, now: number): void {
    if (this.layout) this.transmit(this.layout, index, timestamp, marker, payloadType, payload, now);
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

  private prepared(): Layout | undefined {
    const session = this.sender.dtlsTransport.srtp;
    if (this.layout && this.layout.session === session) return this.layout;
    const wire = wireOf(this.sender);
    if (!wire) return undefined;
    this.layout = { session, wire, stream: wire.sealer.stream(this.sender.ssrc), ...headerTemplate(this.sender, this.mid) };
    return this.layout;
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

}

/** The header every packet of a sender starts from: V=2, our SSRC, and the MID and abs-send-time extensions if negotiated. */
function headerTemplate(sender: RTCRtpSender, midText: string): { template: Buffer; absAt: number } {
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
  template.writeUInt32BE(sender.ssrc >>> 0, 8);
  if (words > 0) {
    template.writeUInt16BE(0xbede, 12);
    template.writeUInt16BE(words, 14);
    body.copy(template, 16);
  }
  return { template, absAt };
}

/**
 * What a viewer's connection asks of a slot: keyframes (PLI, and FIR, which werift's publisher side can only pass on as
 * a PLI, one every browser honours) and retransmissions (generic NACK).
 */
export function weriftFeedback(sender: RTCRtpSender): SlotFeedback {
  return {
    onKeyframeRequest(listener) {
      sender.onPictureLossIndication.subscribe(() => listener());
      sender.onRtcp.subscribe((packet) => {
        if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback.count === FIR_FMT) listener();
      });
    },
    onNack(listener) {
      sender.onGenericNack.subscribe((nack) => listener(nack.lost));
    },
  };
}

/**
 * The viewer's payload type per codec on a slot of its subscriber connection, from what the transceiver negotiated.
 * Read once the viewer's DTLS is up (its answer is in by then; before it, the transceiver lists the SFU's own offer).
 */
export function weriftCodecs(transceiver: RTCRtpTransceiver): ReceiverCodecs {
  let table: Map<MediaCodec, number> | undefined;
  return (codec) => {
    if (!table) {
      const negotiated = payloadTypesOf(transceiver.codecs);
      if (transceiver.sender.dtlsTransport.state !== 'connected') return negotiated.get(codec);
      table = negotiated;
    }
    return table.get(codec);
  };
}
