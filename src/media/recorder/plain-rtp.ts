import type { Socket } from 'node:dgram';
import { rtpPacket } from '../rtp/rtp-packet.ts';
import type { SlotTransmitter } from '../sfu/out-slot.ts';

const SR_INTERVAL_MS = 1000;
/** Seconds from 1900 (NTP's epoch) to 1970. */
const NTP_EPOCH_OFFSET = 2_208_988_800;
const LOOPBACK = '127.0.0.1';

/**
 * Sends one stream of a recorder to its ffmpeg as plain RTP on loopback (RFC 3550: no SRTP, no extensions, nothing
 * negotiated), and a sender report to the RTCP port (RTP port + 1) with the first packet and then once a second.
 * ffmpeg places each stream's packets on a common timeline by those reports (an RTP timestamp and the wall-clock time
 * it stands for), so audio and video stay in sync however late each started.
 */
export class PlainRtpTransmitter implements SlotTransmitter {
  readonly ready = true;
  private packets = 0;
  private octets = 0;
  private lastTimestamp = 0;
  private lastSentAt = 0;
  private lastReportAt = -Infinity;
  /** A report goes before the next packet (a new ffmpeg listens: it must place the stream's first packet right). */
  private reportFirst = true;

  constructor(
    private readonly socket: Socket,
    private readonly port: number,
    readonly ssrc: number,
    private readonly clockRate: number,
  ) {}

  send(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer | Uint8Array, now: number): boolean {
    this.lastTimestamp = timestamp;
    this.lastSentAt = now;
    if (this.reportFirst) {
      this.reportFirst = false;
      this.report(now);
    }
    this.transmit(index, timestamp, marker, payloadType, payload);
    this.packets++;
    this.octets += payload.length;
    return true;
  }

  /** The receiver (a new ffmpeg) starts listening: the next packet is preceded by a sender report. */
  reportBeforeNext(): void {
    this.reportFirst = true;
  }

  resend(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer): void {
    this.transmit(index, timestamp, marker, payloadType, payload);
  }

  tick(now: number): void {
    if (this.packets === 0 || now - this.lastReportAt < SR_INTERVAL_MS) return;
    this.report(now);
  }

  private report(now: number): void {
    this.lastReportAt = now;
    const report = Buffer.alloc(28);
    report[0] = 0x80; // V=2, no padding, no report blocks
    report[1] = 200; // SR
    report.writeUInt16BE(6, 2); // length in 32-bit words minus one
    report.writeUInt32BE(this.ssrc >>> 0, 4);
    report.writeUInt32BE(Math.floor(now / 1000) + NTP_EPOCH_OFFSET, 8);
    report.writeUInt32BE(Math.floor(((now % 1000) / 1000) * 2 ** 32) >>> 0, 12);
    // The RTP time that corresponds to now, extrapolated from the last packet sent.
    report.writeUInt32BE((this.lastTimestamp + Math.round(((now - this.lastSentAt) * this.clockRate) / 1000)) >>> 0, 16);
    report.writeUInt32BE(this.packets >>> 0, 20);
    report.writeUInt32BE(this.octets >>> 0, 24);
    this.socket.send(report, this.port + 1, LOOPBACK);
  }

  private transmit(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer | Uint8Array): void {
    const packet = rtpPacket(payloadType, index, timestamp, this.ssrc, payload, marker);
    // Nobody may be listening yet (ffmpeg starting) or any more (it exited): a lost datagram on loopback is no error.
    this.socket.send(packet, this.port, LOOPBACK);
  }
}
