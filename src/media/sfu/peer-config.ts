import {
  type PeerConfig,
  useAbsSendTime,
  useAudioLevelIndication,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useREMB,
  useSdesMid,
  useTransportWideCC,
  useVP8,
} from 'werift';

/** Where a worker's WebRTC transports listen. */
export interface IceSettings {
  /**
   * Bind and announce only this IPv4 address ('' = every non-loopback interface, werift's default). werift leaves
   * out loopback interfaces when it gathers, so a single address is also added as an explicit host candidate.
   */
  address: string;
  /** UDP port range for ICE ([0, 0] = any). */
  portMin: number;
  portMax: number;
}

/** Opus as the SFU offers it to viewers: in-band FEC and DTX welcome (publishers are asked for them in publisher-sdp.ts). */
const OPUS_PARAMETERS = 'minptime=10;useinbandfec=1;usedtx=1';

/**
 * The werift configuration every transport of the SFU uses (measured choices: docs/media-notes.md):
 * Opus with the audio-level extension (the active-speaker detector reads it), and VP8 and H.264 with NACK, PLI and REMB.
 * A publisher's connection (`publisher`) also negotiates the transport-wide sequence number extension on video: the
 * SFU answers it with transport-cc feedback of its own (publisher-feedback.ts; werift 0.24.4's held Chromium's send
 * estimate near 150 kbps, see docs/media-notes.md).
 */
export function peerConfig(ice: IceSettings, role: 'publisher' | 'subscriber' = 'subscriber'): Partial<PeerConfig> {
  return {
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    ...(ice.address !== '' ? { iceAdditionalHostAddresses: [ice.address], iceInterfaceAddresses: { udp4: ice.address } } : {}),
    ...(ice.portMin > 0 && ice.portMax > ice.portMin ? { icePortRange: [ice.portMin, ice.portMax] as [number, number] } : {}),
    codecs: {
      audio: [useOPUS({ parameters: OPUS_PARAMETERS })],
      // VP8 first: a browser offering both publishes VP8, as before H.264 was offered. H.264 constrained baseline with
      // packetization-mode 1 (werift's default parameters) for those that send or decode nothing else.
      video: [useVP8({ rtcpFeedback: [useNACK(), usePLI(), useREMB()] }), useH264({ rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: {
      audio: [useSdesMid(), useAudioLevelIndication()],
      video: [useSdesMid(), useAbsSendTime(), ...(role === 'publisher' ? [useTransportWideCC()] : [])],
    },
  };
}

/**
 * Caps what a browser sends on every video m-line of an SDP answer (b=AS in kbps, b=TIAS in bps, RFC 3890), so the
 * meeting's call rate bounds the publisher's encoder rather than only what the SFU forwards.
 */
export function capVideoBitrate(sdp: string, kbps: number): string {
  if (!(kbps > 0)) return sdp;
  const lines = sdp.split('\r\n');
  const out: string[] = [];
  let inVideo = false;
  for (const line of lines) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    if (inVideo && (line.startsWith('b=AS:') || line.startsWith('b=TIAS:'))) continue;
    out.push(line);
    if (inVideo && line.startsWith('c=')) out.push(`b=AS:${kbps}`, `b=TIAS:${kbps * 1000}`);
  }
  return out.join('\r\n');
}
