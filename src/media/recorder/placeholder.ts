import { execFile } from 'node:child_process';
import { nextSourceKey, type Sink, type SlotSource, type SourcePacket } from '../sfu/source.ts';

/** How often the stand-in picture is sent while it is on screen, by default (each time a keyframe: it is one still image). */
const REPEAT_MS = 1000;
/** Largest RTP payload of a placeholder packet. */
const MAX_PAYLOAD = 1100;

/**
 * The picture a recorder shows while nobody is on its picture (or a gallery tile is empty): a dark still image, as a
 * VP8 keyframe sent once a second. Besides being something to show, it gives ffmpeg what it needs: the size of the
 * video from its first keyframe at once (ffmpeg refuses to copy a VP8 stream it has seen no keyframe of), and packets
 * on every stream, so that its input never times out while a meeting has no camera on.
 */
export class PlaceholderSource implements SlotSource {
  readonly key = nextSourceKey();
  readonly owner = '';
  readonly codec = 'vp8';
  private readonly sinks = new Set<Sink>();
  private seq = Math.floor(Math.random() * 65536);
  private lastSentAt = -Infinity;

  /** `repeatMs`: a gallery's tiles need it more often (the grid is composed at the pace of its slowest tile). */
  constructor(
    private readonly frame: Buffer,
    private readonly repeatMs = REPEAT_MS,
  ) {}

  add(sink: Sink): void {
    this.sinks.add(sink);
  }

  remove(sink: Sink): void {
    this.sinks.delete(sink);
  }

  /** A slot switching to the placeholder gets its picture at once. */
  requestKeyframe(now = Date.now()): void {
    this.send(now);
  }

  tick(now: number): void {
    if (this.sinks.size > 0 && now - this.lastSentAt >= this.repeatMs) this.send(now);
  }

  private send(now: number): void {
    if (this.sinks.size === 0) return;
    this.lastSentAt = now;
    const timestamp = Math.floor(now * 90) >>> 0;
    const chunks = Math.ceil(this.frame.length / MAX_PAYLOAD);
    for (let i = 0; i < chunks; i++) {
      // VP8 payload descriptor (RFC 7741 §4.2): S=1 on the first packet of the frame, partition 0.
      const payload = Buffer.concat([Buffer.from([i === 0 ? 0x10 : 0x00]), this.frame.subarray(i * MAX_PAYLOAD, (i + 1) * MAX_PAYLOAD)]);
      const packet: SourcePacket = { ssrc: this.key, seq: this.seq, timestamp, marker: i === chunks - 1, payload, codec: 'vp8', isKeyframe: i === 0 };
      this.seq = (this.seq + 1) & 0xffff;
      for (const sink of this.sinks) sink.take(packet, now);
    }
  }
}

const frames = new Map<string, Promise<Buffer>>();

/**
 * The placeholder's VP8 keyframe, encoded once per process by ffmpeg (which every recorder needs anyway): a dark grey
 * 640×360 picture in an IVF container, of which the frame is taken.
 */
export function placeholderFrame(ffmpeg: string): Promise<Buffer> {
  let frame = frames.get(ffmpeg);
  if (!frame) {
    frame = new Promise<Buffer>((resolve, reject) => {
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x202428:s=640x360:d=1', '-frames:v', '1', '-c:v', 'libvpx', '-b:v', '200k', '-f', 'ivf', 'pipe:1'];
      execFile(ffmpeg, args, { encoding: 'buffer', maxBuffer: 1 << 20, timeout: 15_000 }, (error, stdout) => {
        if (error) return reject(error);
        // IVF: a 32-byte file header, then per frame a 12-byte header (4 bytes of size, little-endian, 8 of timestamp).
        const size = stdout.length >= 44 ? stdout.readUInt32LE(32) : 0;
        if (size === 0 || stdout.length < 44 + size) return reject(new Error('ffmpeg gave no VP8 frame for the placeholder picture'));
        resolve(Buffer.from(stdout.subarray(44, 44 + size)));
      });
    });
    frames.set(ffmpeg, frame);
    frame.catch(() => frames.delete(ffmpeg));
  }
  return frame;
}
