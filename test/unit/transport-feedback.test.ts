/**
 * The SFU's transport-wide congestion control feedback, read back with a decoder written here from the draft's
 * layout (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): what a sender's estimator reconstructs from the
 * reports must be the real arrival times on one timeline (to the format's 250 µs), across reports, losses and the
 * 16-bit wrap. werift 0.24.4's feedback broke exactly this (each report's timeline shifted by up to 64 ms).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransportFeedback } from '../../src/media/policy/transport-feedback.ts';

interface Decoded {
  base: number;
  fbCount: number;
  /** Per status, in order: the arrival in µs on the reporter's clock, or null when not received. */
  packets: Array<{ seq: number; arrivalUs: number | null }>;
}

function decode(packet: Buffer): Decoded {
  assert.equal(packet[0]! >> 6, 2, 'RTP version 2');
  assert.equal(packet[0]! & 0x1f, 15, 'FMT 15');
  assert.equal(packet[1], 205, 'RTPFB');
  assert.equal((packet.readUInt16BE(2) + 1) * 4, packet.length, 'the length field covers the packet');
  const end = packet[0]! & 0x20 ? packet.length - packet[packet.length - 1]! : packet.length;
  const base = packet.readUInt16BE(12);
  const count = packet.readUInt16BE(14);
  const reference = packet.readIntBE(16, 3);
  const statuses: number[] = [];
  let at = 20;
  while (statuses.length < count) {
    const chunk = packet.readUInt16BE(at);
    at += 2;
    if (!(chunk & 0x8000)) {
      const run = chunk & 0x1fff;
      for (let i = 0; i < run; i++) statuses.push((chunk >> 13) & 3);
    } else if (chunk & 0x4000) {
      for (let i = 0; i < 7; i++) statuses.push((chunk >> (12 - 2 * i)) & 3);
    } else {
      for (let i = 0; i < 14; i++) statuses.push((chunk >> (13 - i)) & 1);
    }
  }
  statuses.length = count;
  let time = reference * 64_000;
  const packets = statuses.map((status, i) => {
    const seq = (base + i) & 0xffff;
    if (status === 0) return { seq, arrivalUs: null };
    const delta = status === 1 ? packet.readUInt8(at) : packet.readInt16BE(at);
    at += status === 1 ? 1 : 2;
    time += delta * 250;
    return { seq, arrivalUs: time };
  });
  assert.ok(at <= end && end - at < 4, `deltas end where the packet does (${at} of ${end})`);
  return { base, fbCount: packet[19]!, packets };
}

const tick = (us: number) => Math.floor(us / 250) * 250;

describe('transport-wide CC feedback', () => {
  it('reports every arrival on one timeline, to 250 µs, across reports whose reference times differ', () => {
    const feedback = new TransportFeedback(0x1234, 0x5678);
    const arrivals = new Map<number, number>();
    let now = 5_000_123;
    let seq = 100;
    const reports: Decoded[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 9; i++) {
        now += 1_000 + ((round * 7 + i * 13) % 11) * 900;
        arrivals.set(seq, now);
        feedback.record(seq++, now);
      }
      reports.push(...feedback.report().map(decode));
    }
    const seen = reports.flatMap((r) => r.packets);
    assert.equal(seen.length, arrivals.size, 'each packet in exactly one report');
    for (const p of seen) assert.equal(p.arrivalUs, tick(arrivals.get(p.seq)!), `packet ${p.seq}`);
    assert.deepEqual(reports.map((r) => r.fbCount), reports.map((_, i) => i), 'feedback packet count increments');
    assert.deepEqual(feedback.report(), [], 'nothing new, no report');
  });

  it('lists lost packets as not received, ignores duplicates and late ones, and follows the 16-bit wrap', () => {
    const feedback = new TransportFeedback(1);
    const sent = [65530, 65531, 65533, 65534, 0, 1, 3];
    sent.forEach((seq, i) => feedback.record(seq, 1_000_000 + i * 5_000));
    feedback.record(65531, 1_100_000);
    const [report] = feedback.report().map(decode);
    assert.equal(report!.base, 65530);
    assert.deepEqual(report!.packets.map((p) => [p.seq, p.arrivalUs !== null]), [
      [65530, true], [65531, true], [65532, false], [65533, true], [65534, true], [65535, false], [0, true], [1, true], [2, false], [3, true],
    ]);
    assert.equal(report!.packets[1]!.arrivalUs, tick(1_005_000), 'the duplicate did not replace the first arrival');
    feedback.record(2, 1_200_000);
    feedback.record(4, 1_210_000);
    const [next] = feedback.report().map(decode);
    assert.deepEqual(next!.packets.map((p) => p.seq), [4], 'the late packet 2 was reported lost already');
  });

  it('uses large (signed) deltas for gaps over 64 ms and reordering, and splits a report where a delta no longer fits', () => {
    const feedback = new TransportFeedback(1);
    const times = [2_000_000, 2_300_000, 2_299_000, 2_299_500, 12_000_000, 12_000_250];
    times.forEach((t, i) => feedback.record(i, t));
    const reports = feedback.report().map(decode);
    assert.equal(reports.length, 2, 'a 9.7 s gap does not fit a 16-bit delta: two reports');
    const seen = reports.flatMap((r) => r.packets);
    assert.deepEqual(seen.map((p) => p.arrivalUs), times.map(tick));
  });

  it('stays bounded when a flood of sequence numbers arrives between two reports', () => {
    const feedback = new TransportFeedback(1);
    for (let i = 0; i < 20_000; i++) feedback.record((i * 3) & 0xffff, 1_000_000 + i * 10);
    const reports = feedback.report();
    const statuses = reports.map(decode).reduce((n, r) => n + r.packets.length, 0);
    assert.ok(statuses <= 4096 * 3 + 3, `reported statuses: ${statuses}`);
    assert.ok(reports.every((r) => r.length <= 1500), 'every report fits a packet');
  });
});
