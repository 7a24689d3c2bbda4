/**
 * The H.264 a publisher may send: werift matches codecs by MIME type only, so it would accept every H.264 variant an
 * offer lists (High profile, packetization-mode 0 …) while the SFU tells viewers it sends constrained baseline with
 * packetization-mode 1. Before werift reads a publisher's offer, its other H.264 payload types are taken out (with
 * the RTX payload types repairing them), so the publisher sends H.264 only in the variant every viewer expects.
 */

/** Baseline-family profiles (profile_idc 66 = 0x42, any constraint flags and level), packetization-mode 1. */
const fitsViewers = (fmtp: string): boolean => /(^|;)\s*packetization-mode=1(;|$)/.test(fmtp) && /(^|;)\s*profile-level-id=42[0-9a-f]{4}(;|$)/i.test(fmtp);

export function keepBaselineH264(sdp: string): string {
  const lines = sdp.split('\r\n');
  const h264 = new Set<string>();
  const fmtp = new Map<string, string>();
  const apt = new Map<string, string>();
  for (const line of lines) {
    let m = /^a=rtpmap:(\d+) H264\//i.exec(line);
    if (m) h264.add(m[1]!);
    m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (m) {
      fmtp.set(m[1]!, m[2]!);
      const a = /(?:^|;)\s*apt=(\d+)/.exec(m[2]!);
      if (a) apt.set(m[1]!, a[1]!);
    }
  }
  const drop = new Set([...h264].filter((pt) => !fitsViewers(fmtp.get(pt) ?? '')));
  for (const [rtx, of] of apt) if (drop.has(of)) drop.add(rtx);
  if (drop.size === 0) return sdp;
  return lines
    .filter((line) => {
      const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ \r]/.exec(`${line} `);
      return !(m && drop.has(m[1]!));
    })
    .map((line) => {
      if (!line.startsWith('m=video ')) return line;
      const [m, port, proto, ...pts] = line.split(' ');
      return [m, port, proto, ...pts.filter((pt) => !drop.has(pt))].join(' ');
    })
    .join('\r\n');
}
