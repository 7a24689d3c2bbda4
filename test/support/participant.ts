import { NOT_HOST_MUTED, type Participant } from '../../src/live/participant.ts';

/**
 * A participant as the live-meeting domain holds one, for unit tests: a connected WebRTC guest in the main meeting,
 * named after its id in capitals, joined at `joinedAt`; `over` sets anything else.
 */
export const participantFixture = (clientId: string, joinedAt: number, over: Partial<Participant> = {}): Participant => ({
  clientId,
  userId: '',
  displayName: clientId.toUpperCase(),
  host: false,
  audioMuted: false,
  videoMuted: false,
  hostMute: NOT_HOST_MUTED,
  handRaised: false,
  pin: null,
  maxViews: 9,
  layout: 'auto',
  joinedAt,
  address: '10.0.0.1',
  connected: true,
  disconnectedAt: 0,
  resumeToken: `rt-${clientId}`,
  attendanceId: `att-${clientId}`,
  transport: 'webrtc',
  room: '',
  ...over,
});
