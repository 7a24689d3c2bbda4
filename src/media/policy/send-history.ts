/**
 * What a slot sent lately, for retransmission when its receiver reports a loss (RTCP generic NACK, RFC 4585): the last
 * HISTORY packets by extended sequence number. Whoever sends the slot's packets (a viewer's SRTP connection, a plain
 * RTP socket) is not involved: the slot keeps the history and hands a lost packet to its transmitter again.
 */
export interface SentPacket {
  /** Extended sequence number: rollover count · 2¹⁶ + sequence number. */
  index: number;
  timestamp: number;
  marker: boolean;
  /** As it was sent: a slot's packets follow their source's codec, and a resend must be read as the original was. */
  payloadType: number;
  payload: Buffer;
}

export const HISTORY = 256;

export class SendHistory {
  private readonly index = new Float64Array(HISTORY).fill(-1);
  private readonly timestamp = new Uint32Array(HISTORY);
  private readonly marker = new Uint8Array(HISTORY);
  private readonly payloadType = new Uint8Array(HISTORY);
  private readonly payload = new Array<Buffer | undefined>(HISTORY);

  record(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer): void {
    const at = index % HISTORY;
    this.index[at] = index;
    this.timestamp[at] = timestamp;
    this.marker[at] = marker ? 1 : 0;
    this.payloadType[at] = payloadType;
    this.payload[at] = payload;
  }

  /** The packet sent with this 16-bit sequence number, if it is still kept. */
  find(seq: number): SentPacket | undefined {
    const at = seq % HISTORY;
    const index = this.index[at]!;
    const payload = this.payload[at];
    if (index < 0 || index % 65536 !== seq || !payload) return undefined;
    return { index, timestamp: this.timestamp[at]!, marker: this.marker[at] === 1, payloadType: this.payloadType[at]!, payload };
  }
}

/** Extends a 16-bit sequence number that only moves forward (a slot rewriter's output) past rollovers. */
export function extendSequence(last: number, seq: number): number {
  if (last < 0) return seq;
  const roc = Math.floor(last / 65536);
  const low = last % 65536;
  return (seq < low && low - seq > 0x8000 ? roc + 1 : roc) * 65536 + seq;
}
