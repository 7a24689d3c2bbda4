/**
 * The participant's own camera and microphone, shared by the join screen's preview and the meeting. Whatever the
 * browser grants is used: a missing camera, a refused permission or a page without mediaDevices means joining with
 * less (audio only, or nothing), never failing to join.
 */
export class LocalDevices {
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  /** Why a device is missing, for the join screen; '' when both are there. */
  problem = '';
  private pending: Promise<void> | undefined;
  /** Counts acquire()/release() calls: an opening that was overtaken by a newer one drops what it got. */
  private generation = 0;

  /** Opens the devices unless they are open (or being opened); never rejects. */
  acquire(): Promise<void> {
    if (this.pending && this.live()) return this.pending;
    this.stop();
    this.pending = this.open(++this.generation);
    return this.pending;
  }

  /** Stops the capture (the camera light goes off); acquire() opens the devices again. */
  release(): void {
    this.generation++;
    this.stop();
    this.pending = undefined;
  }

  /** The camera alone, for previews (a preview must never play the microphone back). */
  cameraStream(): MediaStream | undefined {
    return this.video ? new MediaStream([this.video]) : undefined;
  }

  private live(): boolean {
    // Still opening, or what was opened has not been stopped by the browser (device unplugged, permission revoked).
    return ![this.audio, this.video].some((t) => t?.readyState === 'ended');
  }

  private stop(): void {
    for (const track of [this.audio, this.video]) track?.stop();
    this.audio = undefined;
    this.video = undefined;
  }

  private async open(generation: number): Promise<void> {
    const devices = globalThis.navigator?.mediaDevices;
    if (!devices?.getUserMedia) {
      this.problem = 'This page cannot use a camera or microphone (it needs HTTPS). You can still see and hear the others.';
      return;
    }
    const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 20 } };
    const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    const both = await devices.getUserMedia({ audio, video }).catch(() => undefined);
    // Asked separately only when both together failed: one missing device fails the whole request.
    const mic = both ? undefined : await devices.getUserMedia({ audio }).catch(() => undefined);
    const cam = both ? undefined : await devices.getUserMedia({ video }).catch(() => undefined);
    if (generation !== this.generation) {
      for (const s of [both, mic, cam]) s?.getTracks().forEach((t) => t.stop());
      return;
    }
    this.audio = (both ?? mic)?.getAudioTracks()[0];
    this.video = (both ?? cam)?.getVideoTracks()[0];
    this.problem =
      this.audio && this.video
        ? ''
        : this.audio
          ? 'No camera available: you join with audio only.'
          : this.video
            ? 'No microphone available: the others will not hear you.'
            : 'No camera or microphone available: you can still see and hear the others.';
  }
}
