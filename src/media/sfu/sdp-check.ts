import { BadMediaRequest } from './bad-request.ts';

/**
 * The least an SDP from a client must have before the SFU acts on it: werift accepts almost any text and would answer
 * it (dropping the client's working connection for a useless one), so an offer or answer that cannot carry media
 * is refused up front with what is missing.
 */
export function checkSdp(sdp: string, field = 'sdp'): void {
  const lines = sdp.split(/\r?\n/);
  const missing: string[] = [];
  if (lines[0] !== 'v=0') missing.push('v=0 first');
  if (!lines.some((l) => /^m=(audio|video) /.test(l))) missing.push('an audio or video m-line');
  if (!lines.some((l) => l.startsWith('a=ice-ufrag:'))) missing.push('a=ice-ufrag');
  if (!lines.some((l) => l.startsWith('a=fingerprint:'))) missing.push('a=fingerprint (DTLS)');
  if (missing.length > 0) throw new BadMediaRequest(`${field}: not a WebRTC session description (missing ${missing.join(', ')})`);
}
