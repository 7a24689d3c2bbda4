import type { LocalDevices } from './devices.ts';
import { byId, input } from './shared/dom.ts';

/**
 * The join screen's device check: a small live picture of the camera, and whether to join with the microphone and the
 * camera on. A device the browser did not grant is shown as off and cannot be chosen.
 */
export class JoinPreview {
  private readonly video = byId<HTMLVideoElement>('preview-video');

  constructor(private readonly devices: LocalDevices) {
    for (const id of ['join-mic', 'join-camera']) input(id).addEventListener('change', () => this.update());
  }

  /** Opens the devices (the browser may ask for permission) and shows the preview. */
  async show(): Promise<void> {
    byId('preview').dataset.state = 'opening';
    await this.devices.acquire();
    this.update();
  }

  /**
   * What the participant chose: to start with the microphone / the camera off. Only the choice: whether the devices
   * are there is decided when they have opened (they may still be opening, e.g. at a permission prompt, when Join
   * is pressed), so a box ticked now is not read as "off" because its device is not open yet.
   */
  choices(): { audioMute: boolean; videoMute: boolean } {
    return { audioMute: !input('join-mic').checked, videoMute: !input('join-camera').checked };
  }

  /** The page leaves the join screen: the preview lets go of the camera. */
  hide(): void {
    this.video.srcObject = null;
  }

  private update(): void {
    const { audio, video } = this.devices;
    const mic = input('join-mic');
    const camera = input('join-camera');
    mic.disabled = !audio;
    camera.disabled = !video;
    if (!audio) mic.checked = false;
    if (!video) camera.checked = false;
    const showing = video !== undefined && camera.checked;
    // A camera the participant chose to keep off is not even previewed (its light goes off in most browsers).
    if (video) video.enabled = camera.checked;
    if (audio) audio.enabled = mic.checked;
    if (showing && (this.video.srcObject as MediaStream | null)?.getVideoTracks()[0] !== video) this.video.srcObject = this.devices.cameraStream() ?? null;
    this.video.hidden = !showing;
    const note = byId('preview-note');
    note.textContent = this.devices.problem;
    note.hidden = this.devices.problem === '';
    const preview = byId('preview');
    preview.dataset.state = 'ready';
    preview.dataset.camera = String(video !== undefined);
    preview.dataset.microphone = String(audio !== undefined);
  }
}
