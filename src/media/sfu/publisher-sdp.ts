/**
 * What the SFU changes in a publisher's offer and its own answer, as SDP text (werift answers with the offer's own
 * codec parameters and feedback, so these cannot be set through its configuration):
 *
 * - transport-cc: the SFU sends transport-wide congestion control feedback of its own (src/media/policy/
 *   transport-feedback.ts). werift 0.24.4 starts its own, faulty, feedback for a codec whose offered feedback lists
 *   `transport-cc`, so that line is taken out of the offer before werift reads it and put back into the answer for
 *   the payload types that offered it; the header extension is negotiated by werift (peer-config.ts).
 * - Opus: the answer asks the publisher for in-band FEC (`useinbandfec=1`: a lost packet's audio is carried, coarser,
 *   in the next one, so a loss costs little) and DTX (`usedtx=1`: during silence the encoder sends a packet every
 *   400 ms or so instead of every 20 ms). fmtp parameters say what the receiver of the description wants, so in the
 *   answer they configure the browser's encoder.
 */

const TRANSPORT_CC = /^a=rtcp-fb:(\d+) transport-cc$/;

/** The offer without its `transport-cc` feedback lines, and the payload types that had one. */
export function takeTransportCc(offer: string): { sdp: string; payloadTypes: Set<string> } {
  const payloadTypes = new Set<string>();
  const lines = offer.split('\r\n').filter((line) => {
    const m = TRANSPORT_CC.exec(line);
    if (m) payloadTypes.add(m[1]!);
    return !m;
  });
  return { sdp: lines.join('\r\n'), payloadTypes };
}

/** The answer with `transport-cc` feedback for each answered payload type that offered it (after its rtpmap). */
export function giveTransportCc(answer: string, payloadTypes: Set<string>): string {
  if (payloadTypes.size === 0) return answer;
  const out: string[] = [];
  for (const line of answer.split('\r\n')) {
    out.push(line);
    const m = /^a=rtpmap:(\d+) /.exec(line);
    if (m && payloadTypes.has(m[1]!)) out.push(`a=rtcp-fb:${m[1]} transport-cc`);
  }
  return out.join('\r\n');
}

const OPUS_WANTED: Array<[string, string]> = [
  ['useinbandfec', '1'],
  ['usedtx', '1'],
];

/** The answer with in-band FEC and DTX asked for on every Opus payload type (an fmtp line added where there is none). */
export function askOpusFecAndDtx(answer: string): string {
  const lines = answer.split('\r\n');
  const opus = new Set<string>();
  for (const line of lines) {
    const m = /^a=rtpmap:(\d+) opus\//i.exec(line);
    if (m) opus.add(m[1]!);
  }
  if (opus.size === 0) return answer;
  const withFmtp = new Set<string>();
  const patched = lines.map((line) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (!m || !opus.has(m[1]!)) return line;
    withFmtp.add(m[1]!);
    const params = m[2]!.split(';').map((p) => p.trim()).filter((p) => p !== '' && !OPUS_WANTED.some(([k]) => p.startsWith(`${k}=`)));
    return `a=fmtp:${m[1]} ${[...params, ...OPUS_WANTED.map(([k, v]) => `${k}=${v}`)].join(';')}`;
  });
  const out: string[] = [];
  for (const line of patched) {
    out.push(line);
    const m = /^a=rtpmap:(\d+) /.exec(line);
    if (m && opus.has(m[1]!) && !withFmtp.has(m[1]!)) out.push(`a=fmtp:${m[1]} ${OPUS_WANTED.map(([k, v]) => `${k}=${v}`).join(';')}`);
  }
  return out.join('\r\n');
}
