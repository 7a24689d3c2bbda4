/** What both peer connections to the SFU share. */

/** The SFU takes no trickled candidates, so every description is sent with all of them. */
export const PEER_CONFIG: RTCConfiguration = { bundlePolicy: 'max-bundle' };

/**
 * Resolves once ICE gathering is complete. Without STUN/TURN servers only host candidates are gathered, which takes
 * milliseconds; the limit only guards against a browser that never reports completion (what was gathered is used).
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
