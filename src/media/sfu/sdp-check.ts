import { parse } from 'sdp-transform';
import { BadMediaRequest } from './bad-request.ts';

/** The SDP as sdp-transform reads it; sdp-transform reads any text, so what matters is checked by the callers. */
export type ParsedSdp = ReturnType<typeof parse>;

/** Parses an SDP from a client, refusing text that is no session description at all (it must start with v=0). */
export function parseSdp(sdp: string, field = 'sdp'): ParsedSdp {
  if (!/^v=0\r?\n/.test(sdp)) throw new BadMediaRequest(`${field}: not a session description (it must start with v=0)`);
  return parse(sdp);
}

/**
 * The least an SDP from a WebRTC client must have before the SFU acts on it: werift accepts almost any text and would
 * answer it (dropping the client's working connection for a useless one), so an offer or answer that cannot carry
 * media is refused up front with what is missing. ICE and DTLS may be given for the session or per m-line.
 */
export function checkSdp(sdp: string, field = 'sdp'): void {
  const missing: string[] = [];
  if (!/^v=0\r?\n/.test(sdp)) missing.push('v=0 first');
  const parsed = parse(sdp);
  const media = (parsed.media ?? []).filter((m) => m.type === 'audio' || m.type === 'video');
  if (media.length === 0) missing.push('an audio or video m-line');
  if (!parsed.iceUfrag && !media.some((m) => m.iceUfrag)) missing.push('a=ice-ufrag');
  if (!parsed.fingerprint && !media.some((m) => m.fingerprint)) missing.push('a=fingerprint (DTLS)');
  if (missing.length > 0) throw new BadMediaRequest(`${field}: not a WebRTC session description (missing ${missing.join(', ')})`);
}
