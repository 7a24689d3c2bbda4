/** What both peer connections to the SFU share. */
import type { SignalClient } from '../sdk/signal-client.ts';

/**
 * The configuration of a connection to the SFU: bundled, with the server's TURN relay (fresh credentials, asked for
 * each connection) when it has one. The SFU takes no trickled candidates, so every description is sent with all of them.
 */
export async function peerConfig(signal: SignalClient): Promise<RTCConfiguration> {
  return { bundlePolicy: 'max-bundle', iceServers: await signal.iceServers() };
}

/**
 * Resolves once ICE gathering is complete. Host candidates take milliseconds, a TURN allocation one round trip to the
 * relay; the limit guards against a relay that does not answer and a browser that never reports completion (what was
 * gathered by then is used).
 */
export function gathered(pc: RTCPeerConnection, timeoutMs = 5000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Calls `onFailed` once when the connection fails for good ('disconnected' often recovers by itself, 'failed' does not). */
export function watchFailure(pc: RTCPeerConnection, onFailed: () => void): void {
  const check = () => {
    if (pc.connectionState !== 'failed') return;
    pc.removeEventListener('connectionstatechange', check);
    onFailed();
  };
  pc.addEventListener('connectionstatechange', check);
}
