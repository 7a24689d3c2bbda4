/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) for a
 * publisher's connection: the SFU notes when each packet carrying a transport-wide sequence number arrived and reports
 * it back every FEEDBACK_INTERVAL_MS, so the browser's send-side estimator (Google congestion control) sees the link's
 * queueing delay and losses and ramps up, or backs off, by itself.
 *
 * Written here rather than taken from werift 0.24.4, whose feedback held Chromium near 150 kbps: it gave each report a
 * reference time truncated to 64 ms while measuring the first delta from the untruncated previous arrival, so every
 * report shifted the whole timeline by up to 64 ms (which Chromium reads as a delay that comes and goes, i.e.
 * congestion); it listed lost packets as received; and it did not survive the 16-bit sequence number wrapping.
 * Here every time is counted in the format's 250 µs ticks from one clock, the reference time is the first arrival's
 * 64 ms block and deltas are taken tick to tick, so nothing drifts or jumps between reports.
 */

/** How often feedback is sent (libwebrtc's receiver sends every 50–250 ms depending on the rate; the short end ramps fastest). */
export const FEEDBACK_INTERVAL_MS = 50;
/** One delta tick: 250 µs. */
const TICK_US = 250;
/** The reference time's unit, 64 ms, in ticks. */
const REFERENCE_TICKS = 256;
/** Statuses in one feedback packet at most: a long gap or burst is reported in several packets. */
const MAX_STATUSES = 1000;
/** Packets remembered between two reports at most (a flood cannot grow the map); older ones are given up. */
const MAX_PENDING = 4096;

const STATUS_NOT_RECEIVED = 0;
const STATUS_SMALL_DELTA = 1;
const STATUS_LARGE_DELTA = 2;

/** RTCP transport-layer feedback (RTPFB, packet type 205), FMT 15: transport-wide CC. */
const RTPFB = 205;
const FMT_TRANSPORT_CC = 15;

export class TransportFeedback {
  /** Unwrapped sequence number of the first packet the next report starts at; -1 before any packet. */
  private next = -1;
  /** Unwrapped highest sequence number seen; -1 before any packet. */
  private highest = -1;
  /** Arrival (µs) by unwrapped sequence number, of packets not reported yet. */
  private readonly arrivals = new Map<number, number>();
  private count = 0;

  constructor(
    private readonly senderSsrc: number,
    private mediaSsrc = 0,
  ) {}

  /** The publisher's media SSRC the reports name (receivers ignore it; libwebrtc puts its first media SSRC). */
  setMediaSsrc(ssrc: number): void {
    this.mediaSsrc = ssrc >>> 0;
  }

  /** A packet with transport-wide sequence number `seq` (16 bits) arrived at `arrivalUs` (a monotonic clock, µs). */
  record(seq: number, arrivalUs: number): void {
    const unwrapped = this.unwrap(seq & 0xffff);
    if (this.next < 0) this.next = unwrapped;
    // Reported already (as lost: it came too late), or a duplicate.
    if (unwrapped < this.next || this.arrivals.has(unwrapped)) return;
    if (unwrapped > this.highest) this.highest = unwrapped;
    this.arrivals.set(unwrapped, arrivalUs);
    if (this.arrivals.size > MAX_PENDING) this.giveUpOldest();
  }

  /** The feedback packets (serialized RTCP, padded) for everything since the last report; none when nothing arrived. */
  report(): Buffer[] {
    if (this.arrivals.size === 0) return [];
    const packets: Buffer[] = [];
    let start = this.next;
    while (start <= this.highest) {
      const { packet, end } = this.build(start);
      packets.push(packet);
      start = end;
    }
    this.arrivals.clear();
    this.next = this.highest + 1;
    return packets;
  }

  private unwrap(seq: number): number {
    if (this.highest < 0) return seq;
    const last = this.highest & 0xffff;
    let diff = seq - last;
    if (diff > 0x8000) diff -= 0x10000;
    else if (diff < -0x8000) diff += 0x10000;
    return this.highest + diff;
  }

  private giveUpOldest(): void {
    const keep = [...this.arrivals.keys()].sort((a, b) => a - b).slice(-MAX_PENDING / 2);
    for (const seq of this.arrivals.keys()) if (seq < keep[0]!) this.arrivals.delete(seq);
    this.next = keep[0]!;
  }

  /**
   * One feedback packet from unwrapped `start`: statuses up to MAX_STATUSES or the highest packet, ending early where
   * a delta no longer fits 16 bits (the next packet starts there with its own reference time). Returns where it ended.
   */
  private build(start: number): { packet: Buffer; end: number } {
    const statuses: number[] = [];
    const deltas: number[] = [];
    let referenceTicks = -1;
    let previous = 0;
    let seq = start;
    for (; seq <= this.highest && statuses.length < MAX_STATUSES; seq++) {
      const arrival = this.arrivals.get(seq);
      if (arrival === undefined) {
        statuses.push(STATUS_NOT_RECEIVED);
        continue;
      }
      const ticks = Math.floor(arrival / TICK_US);
      if (referenceTicks < 0) {
        referenceTicks = Math.floor(ticks / REFERENCE_TICKS) * REFERENCE_TICKS;
        previous = referenceTicks;
      }
      const delta = ticks - previous;
      if (delta < -0x8000 || delta > 0x7fff) break;
      statuses.push(delta >= 0 && delta <= 0xff ? STATUS_SMALL_DELTA : STATUS_LARGE_DELTA);
      deltas.push(delta);
      previous = ticks;
    }
    return { packet: this.serialize(start, statuses, deltas, Math.max(referenceTicks, 0) / REFERENCE_TICKS), end: seq };
  }

  private serialize(start: number, statuses: number[], deltas: number[], reference: number): Buffer {
    // Two-bit status vector chunks: seven statuses each (T=1, S=1), valid whatever the mix.
    const chunks = Math.ceil(statuses.length / 7);
    const deltaBytes = deltas.reduce((n, d) => n + (d >= 0 && d <= 0xff ? 1 : 2), 0);
    const body = 20 + chunks * 2 + deltaBytes;
    const padding = (4 - (body % 4)) % 4;
    const packet = Buffer.alloc(body + padding);
    packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | FMT_TRANSPORT_CC;
    packet[1] = RTPFB;
    packet.writeUInt16BE(packet.length / 4 - 1, 2);
    packet.writeUInt32BE(this.senderSsrc >>> 0, 4);
    packet.writeUInt32BE(this.mediaSsrc >>> 0, 8);
    packet.writeUInt16BE(start & 0xffff, 12);
    packet.writeUInt16BE(statuses.length, 14);
    packet.writeUIntBE(reference % 0x1000000, 16, 3);
    packet[19] = this.count;
    this.count = (this.count + 1) & 0xff;
    let at = 20;
    for (let c = 0; c < chunks; c++) {
      let chunk = 0xc000;
      for (let i = 0; i < 7; i++) chunk |= (statuses[c * 7 + i] ?? STATUS_NOT_RECEIVED) << (12 - 2 * i);
      packet.writeUInt16BE(chunk, at);
      at += 2;
    }
    for (const d of deltas) {
      if (d >= 0 && d <= 0xff) packet[at++] = d;
      else {
        packet.writeInt16BE(d, at);
        at += 2;
      }
    }
    if (padding > 0) packet[packet.length - 1] = padding;
    return packet;
  }
}
