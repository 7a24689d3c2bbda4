import { randomInt } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { type MediaAttributes, type MediaDescription, write } from 'sdp-transform';
import { BadMediaRequest } from '../sfu/bad-request.ts';
import { parseSdp } from '../sfu/sdp-check.ts';

/** An audio codec a plain RTP leg speaks, as negotiated: the payload type is the offerer's. */
export interface LegCodec {
  name: 'opus' | 'PCMU' | 'PCMA';
  payloadType: number;
  clockRate: number;
  /** Channels on the wire (Opus is always announced as 2 in SDP, RFC 7587). */
  channels: number;
}

/** What an offer from a plain RTP endpoint (a SIP device) comes to: where to send, in which codec. */
export interface LegOffer {
  codec: LegCodec;
  /** RFC 4733 telephone-event payload type the device offered, if any (answered, so it may send DTMF that way). */
  telephoneEvent: number | undefined;
  remote: { address: string; port: number };
  /** Index of the audio m-line; the others (video, a second audio) are refused with port 0. */
  audioIndex: number;
}

/** Codecs in order of preference: Opus (wideband, and the SFU's own: no transcoding), then G.711 µ-law, A-law. */
const PREFERENCE = ['opus', 'PCMU', 'PCMA'] as const;
/** Static payload types (RFC 3551) a device may offer without an a=rtpmap line. */
const STATIC: Record<number, LegCodec['name']> = { 0: 'PCMU', 8: 'PCMA' };

/**
 * Reads a plain RTP offer (RTP/AVP, no ICE, no DTLS) through sdp-transform and picks the codec. Refused with a
 * BadMediaRequest naming the reason: no audio, SRTP only (RTP/SAVP: not done), no codec in common, no IPv4 address.
 */
export function readLegOffer(sdp: string): LegOffer {
  const parsed = parseSdp(sdp);
  const media = parsed.media ?? [];
  const audioIndex = media.findIndex((m) => m.type === 'audio' && m.port !== 0 && m.protocol === 'RTP/AVP');
  if (audioIndex < 0) {
    const secure = media.some((m) => m.type === 'audio' && /SAVP/.test(m.protocol));
    throw new BadMediaRequest(secure ? 'sdp: only encrypted audio (SRTP) was offered; Convene speaks plain RTP (RTP/AVP) to SIP devices' : 'sdp: no audio m-line with RTP/AVP');
  }
  const audio = media[audioIndex]!;
  const offered = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number);
  const codecs: Array<LegCodec | { name: string; payloadType: number }> = offered.map((pt) => {
    const rtp = audio.rtp.find((r) => r.payload === pt);
    if (!rtp) return STATIC[pt] ? { name: STATIC[pt], payloadType: pt, clockRate: 8000, channels: 1 } : { name: '', payloadType: pt };
    return { name: rtp.codec, payloadType: pt, clockRate: rtp.rate ?? 8000, channels: Number(rtp.encoding ?? 1) };
  });
  let codec: LegCodec | undefined;
  for (const name of PREFERENCE) {
    const found = codecs.find((c) => c.name.toLowerCase() === name.toLowerCase() && 'clockRate' in c && c.clockRate === (name === 'opus' ? 48_000 : 8000));
    if (found) {
      codec = { ...(found as LegCodec), name };
      break;
    }
  }
  if (!codec) throw new BadMediaRequest(`sdp: no audio codec in common (offered ${codecs.map((c) => c.name || c.payloadType).join(', ')}; Convene speaks Opus, PCMU and PCMA)`);
  const telephoneEvent = audio.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && r.rate === 8000)?.payload;
  const address = audio.connection?.ip ?? parsed.connection?.ip ?? '';
  if (!isIPv4(address)) throw new BadMediaRequest(`sdp: the audio's connection address must be an IPv4 address (got ${JSON.stringify(address)})`);
  if (!Number.isInteger(audio.port) || audio.port < 1 || audio.port > 65_535) throw new BadMediaRequest('sdp: the audio port is not a UDP port');
  return { codec, telephoneEvent: codec.clockRate === 8000 || telephoneEvent === undefined ? telephoneEvent : undefined, remote: { address, port: audio.port }, audioIndex };
}

/** Payload types of the SFU's own offer (dial-out): Opus and telephone-events dynamic, G.711 static. */
const OFFER = { opus: 111, PCMU: 0, PCMA: 8, telephoneEvent: 101 } as const;

/** The SFU's offer to a SIP device it calls (dial-out): audio on `address`:`port`, Opus, PCMU, PCMA. */
export function writeLegOffer(address: string, port: number, kbps?: number): string {
  return write({
    ...callRate(kbps),
    version: 0,
    origin: { username: 'convene', sessionId: randomInt(1, 2 ** 47), sessionVersion: 1, netType: 'IN', ipVer: 4, address },
    name: 'Convene',
    connection: { version: 4, ip: address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port,
        protocol: 'RTP/AVP',
        payloads: `${OFFER.opus} ${OFFER.PCMU} ${OFFER.PCMA} ${OFFER.telephoneEvent}`,
        rtp: [
          { payload: OFFER.opus, codec: 'opus', rate: 48_000, encoding: 2 },
          { payload: OFFER.PCMU, codec: 'PCMU', rate: 8000 },
          { payload: OFFER.PCMA, codec: 'PCMA', rate: 8000 },
          { payload: OFFER.telephoneEvent, codec: 'telephone-event', rate: 8000 },
        ],
        fmtp: [
          { payload: OFFER.opus, config: 'useinbandfec=1' },
          { payload: OFFER.telephoneEvent, config: '0-15' },
        ],
        ptime: 20,
        direction: 'sendrecv',
      },
    ],
  });
}

/** The answer to a plain RTP offer: audio on `address`:`port` in the chosen codec, every other m-line refused (port 0). */
export function writeLegAnswer(offerSdp: string, offer: LegOffer, address: string, port: number, kbps?: number): string {
  const parsed = parseSdp(offerSdp);
  const { codec } = offer;
  const media = (parsed.media ?? []).map((m, i): MediaDescription => {
    if (i !== offer.audioIndex) return { type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads, rtp: [], fmtp: [] };
    const rtp: MediaAttributes['rtp'] = [{ payload: codec.payloadType, codec: codec.name, rate: codec.clockRate, ...(codec.name === 'opus' ? { encoding: 2 } : {}) }];
    const fmtp: MediaAttributes['fmtp'] = [];
    if (codec.name === 'opus') fmtp.push({ payload: codec.payloadType, config: 'useinbandfec=1' });
    if (offer.telephoneEvent !== undefined) {
      rtp.push({ payload: offer.telephoneEvent, codec: 'telephone-event', rate: 8000 });
      fmtp.push({ payload: offer.telephoneEvent, config: '0-15' });
    }
    return {
      type: 'audio',
      port,
      protocol: 'RTP/AVP',
      payloads: rtp.map((r) => r.payload).join(' '),
      rtp,
      fmtp,
      ptime: 20,
      direction: 'sendrecv',
    };
  });
  const session = randomInt(1, 2 ** 47);
  return write({
    version: 0,
    origin: { username: 'convene', sessionId: session, sessionVersion: 1, netType: 'IN', ipVer: 4, address },
    name: 'Convene',
    connection: { version: 4, ip: address },
    timing: { start: 0, stop: 0 },
    ...callRate(kbps),
    media,
  });
}

/**
 * The call rate in the SDP's session section: b=AS (kbit/s, RFC 4566) and b=TIAS (bit/s, RFC 3890), which room systems
 * and MCUs read as the rate of the call.
 */
function callRate(kbps: number | undefined): { bandwidth?: Array<{ type: 'AS' | 'TIAS'; limit: number }> } {
  if (kbps === undefined || !(kbps > 0)) return {};
  return { bandwidth: [{ type: 'AS', limit: kbps }, { type: 'TIAS', limit: kbps * 1000 }] };
}

/** What a new offer in a call (a re-INVITE) comes to: the answer, and whether the device put the call on hold. */
export interface LegReanswer {
  sdp: string;
  hold: boolean;
}

const MIRRORED = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' } as const;

/**
 * The answer to a device's new offer in a running call (RFC 3264 §8): the same address, port and codec as `previous`
 * (our last SDP in the call), the direction mirrored (a device holding the call sends `sendonly` or `inactive`, or the
 * old `c=0.0.0.0`), the session version one higher. The leg cannot change its codec in a call: an offer without the
 * codec in use is refused (BadMediaRequest; the call goes on as it was, RFC 3261 §14.2).
 */
export function writeLegReanswer(previous: string, offerSdp: string, codecInUse: LegCodec['name']): LegReanswer {
  const offer = readLegOffer(offerSdp);
  if (offer.codec.name !== codecInUse) throw new BadMediaRequest(`sdp: the call's codec (${codecInUse}) cannot change during the call`);
  const before = parseSdp(previous);
  const audio = (before.media ?? []).find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) throw new BadMediaRequest('sdp: the call has no audio to keep');
  const address = audio.connection?.ip ?? before.connection?.ip ?? '';
  const parsed = parseSdp(writeLegAnswer(offerSdp, offer, address, audio.port));
  const offered = parseSdp(offerSdp);
  const offeredAudio = offered.media[offer.audioIndex]!;
  const direction = offeredAudio.direction ?? offered.direction ?? 'sendrecv';
  const nulled = (offeredAudio.connection?.ip ?? offered.connection?.ip) === '0.0.0.0';
  const answered = parsed.media[offer.audioIndex]!;
  answered.direction = nulled ? 'inactive' : MIRRORED[direction];
  if (before.origin) parsed.origin = { ...before.origin, sessionVersion: Number(before.origin.sessionVersion) + 1 };
  return { sdp: write(parsed), hold: nulled || direction === 'sendonly' || direction === 'inactive' };
}
