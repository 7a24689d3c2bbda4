import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecorderEvent, RecorderSpec } from '../engine.ts';
import type { MediaCodec } from '../policy/codecs.ts';
import { AudioMixer, FRAME_SAMPLES, type MixedFrame, OPUS_SILENCE } from '../mixer/audio-mixer.ts';
import { OutSlot, type ReceiverCodecs } from '../sfu/out-slot.ts';
import type { HiddenViewer, HiddenViewerMedia } from '../sfu/sfu-room.ts';
import type { Sink, SlotSource, Source } from '../sfu/source.ts';
import { AUDIO_PT, ffmpegArgs, GALLERY_TILES, PART_PATTERN, type RecorderPorts, recorderSdp, VIDEO_PT } from './ffmpeg-args.ts';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { MixerFeed } from './mixer-feed.ts';
import { ticker } from '../mixer/ticker.ts';
import { opusCodecs } from './opus-codec.ts';
import { PlaceholderSource, placeholderFrame } from './placeholder.ts';
import { PlainRtpTransmitter } from './plain-rtp.ts';

export interface RecorderSettings {
  /** The ffmpeg program. */
  ffmpeg: string;
  /** Stop before the output's disk has fewer free bytes than this. */
  minFreeBytes: number;
  /** ffmpeg's input ends when no RTP came for this long (its feeding worker is gone): it then finishes its file. */
  listenTimeoutS: number;
}

/**
 * What a recorder's pictures take: VP8 only. ffmpeg's input (recorderSdp) fixes one codec per stream, and the speaker
 * layout copies the picture into WebM, which cannot hold H.264; the SFU transcodes nothing. A publisher sending H.264
 * is shown as the placeholder picture in a recording (its sound is recorded as anyone's).
 */
const recorderCodecs: ReceiverCodecs = (codec: MediaCodec) => (codec === 'vp8' ? VIDEO_PT : undefined);

/** Least time between the last frame of one source and the first of the next on a recorder's picture. */
const SWITCH_GAP_MS = 20;
/** How often an empty gallery tile's stand-in picture is sent (the recorder's duties run this often then). */
const GALLERY_PLACEHOLDER_MS = 100;
/** How often the recorder's slower duties run (sender reports, placeholder picture, keyframe retries). */
const DUTY_MS = 250;

/**
 * A recording or a live stream of one meeting, made in the media worker that holds the meeting's room: a hidden viewer
 * of the room (it receives what a participant who pins nobody would see, and every allowed microphone) whose media go
 * as plain RTP over loopback to an ffmpeg beside it. The picture keeps the SFU's encoding (video slots with the same
 * sequence rewriting as a viewer's, src/media/sfu/out-slot.ts, on a plain RTP transmitter instead of SRTP); the sound
 * is one stream, the mix (src/media/mixer/audio-mixer.ts), re-encoded only while two or more people talk at once.
 * The screen share takes the picture while it is on (in the gallery: the first tile).
 *
 * Stopping (asked, the room closing, or the policy dropping it) keeps RTP flowing — silence and the last picture —
 * until ffmpeg has finished its file.
 */
export class Recorder implements HiddenViewer {
  readonly id: string;
  readonly tiles: number;
  private readonly mixer = new AudioMixer(opusCodecs);
  private readonly encoder = opusCodecs.encoder();
  private readonly audio: PlainRtpTransmitter;
  private audioIndex = randomInt(0, 65536);
  private audioTimestamp = randomInt(0, 2 ** 32);
  private readonly slots: OutSlot[];
  private readonly transmitters: PlainRtpTransmitter[];
  private readonly feedMixer = new MixerFeed(this.mixer);
  private lastDuty = 0;
  private detached = false;
  private ended = false;
  private readonly unticks: () => void;

  private constructor(
    private readonly spec: RecorderSpec,
    private readonly socket: Socket,
    private readonly ports: RecorderPorts,
    private readonly placeholder: PlaceholderSource,
    private readonly workDir: string,
    readonly ffmpeg: FfmpegProcess,
    private readonly report: (error: unknown, context: string) => void,
  ) {
    this.id = spec.id;
    this.tiles = spec.layout === 'gallery' ? GALLERY_TILES : 1;
    this.audio = new PlainRtpTransmitter(socket, ports.audio, randomInt(1, 2 ** 32), 48_000);
    this.transmitters = [this.audio];
    this.slots = ports.video.map((port, i) => {
      const ssrc = randomInt(1, 2 ** 32);
      const transmitter = new PlainRtpTransmitter(socket, port, ssrc, 90_000);
      this.transmitters.push(transmitter);
      // A file's timestamps count milliseconds: a switch must not put two frames on the same one.
      return new OutSlot('video', `v${i}`, ssrc, transmitter, recorderCodecs, undefined, report, SWITCH_GAP_MS);
    });
    this.mixer.addOutput('recording', { passThrough: true, deliver: (frame, at) => this.sendAudio(frame, at) });
    for (const slot of this.slots) slot.feed(placeholder);
    this.unticks = ticker.add((now) => this.run(now));
  }

  /**
   * Sets a recorder up and starts its ffmpeg: resolves once ffmpeg runs. `events` hears what becomes of it (its
   * `ended` comes once, when its last ffmpeg has exited).
   */
  static async start(spec: RecorderSpec, settings: RecorderSettings, events: (event: RecorderEvent) => void, report: (error: unknown, context: string) => void): Promise<Recorder> {
    const frame = await placeholderFrame(settings.ffmpeg);
    mkdirSync(spec.output.dir, { recursive: true });
    const ports = await allocatePorts(1 + (spec.layout === 'gallery' ? GALLERY_TILES : 1));
    const socket = createSocket('udp4');
    // ICMP "port unreachable" while ffmpeg starts or after it left: not worth more than ignoring.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const layout: RecorderPorts = { audio: ports[0]!, video: ports.slice(1) };
    const workDir = mkdtempSync(join(tmpdir(), 'convene-recorder-'));
    const sdp = join(workDir, 'input.sdp');
    writeFileSync(sdp, recorderSdp(layout));
    let recorder: Recorder | undefined;
    const ffmpeg = new FfmpegProcess(
      {
        ffmpeg: settings.ffmpeg,
        args: (part) => ffmpegArgs(spec.layout, spec.output, sdp, part, settings.listenTimeoutS),
        firstPart: spec.output.kind === 'file' ? nextPart(spec.output.dir) : 0,
        outputDir: spec.output.dir,
        minFreeBytes: settings.minFreeBytes,
        logDir: workDir,
      },
      {
        writing: (part) => {
          events({ kind: 'writing', part });
          // Once this run's ffmpeg listens, every picture starts again at a keyframe: what was sent before it bound its
          // ports is lost, and it cannot copy a picture it saw no keyframe of.
          void listening(layout).then(() => recorder?.resync());
        },
        restarting: (message) => events({ kind: 'restarting', message }),
        ended: (reason, message) => {
          recorder?.close();
          events({ kind: 'ended', reason, message });
        },
      },
    );
    recorder = new Recorder(spec, socket, layout, new PlaceholderSource(frame, spec.layout === 'gallery' ? GALLERY_PLACEHOLDER_MS : undefined), workDir, ffmpeg, report);
    try {
      await ffmpeg.start();
      await listening(layout);
    } catch (error) {
      void ffmpeg.stop();
      recorder.close();
      throw error;
    }
    return recorder;
  }

  private lastMedia: HiddenViewerMedia | undefined;

  feed(media: HiddenViewerMedia, now: number): void {
    if (this.detached) return;
    this.lastMedia = media;
    this.feedAudio(media.audio);
    this.feedPictures(media, now);
  }

  private feedPictures(media: HiddenViewerMedia, now: number): void {
    const pictures = this.spec.layout === 'gallery' ? [...(media.content ? [media.content] : []), ...media.video] : [media.content ?? media.video[0] ?? null];
    this.slots.forEach((slot, i) => slot.feed(this.shown(pictures[i]), now));
  }

  /**
   * What a picture shows: its source, or the placeholder when there is none or the source sends in a codec the
   * recording does not take (see recorderCodecs). A source's codec is known from its first packet: the duties look
   * again (run), so a picture fed before that turns to the placeholder then.
   */
  private shown(source: Source | null | undefined): SlotSource {
    return source && (source.codec === undefined || recorderCodecs(source.codec) !== undefined) ? source : this.placeholder;
  }

  /** A new ffmpeg listens: every picture starts again at a keyframe (the placeholder's at once, then the sources'). */
  private resync(): void {
    if (this.ended) return;
    const now = Date.now();
    // ffmpeg places every stream by its first sender report: one goes before each stream's next packet.
    for (const t of this.transmitters) t.reportBeforeNext();
    for (const slot of this.slots) {
      slot.feed(null, now);
      slot.feed(this.placeholder, now);
    }
    if (this.lastMedia && !this.detached) this.feed(this.lastMedia, now);
  }

  tick(): void {
    // The recorder keeps its own pace (see run): it must go on after the room has let it go.
  }

  /** The room closed or let it go: no more media from it; ffmpeg finishes while silence and a still picture flow. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.feedAudio([]);
    // The picture stops where it was (silence keeps ffmpeg's input alive until it has finished).
    for (const slot of this.slots) slot.feed(null);
    void this.ffmpeg.stop();
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = { audio: this.mixer.counts.mixed + this.mixer.counts.passed + this.mixer.counts.silent };
    this.slots.forEach((s, i) => (out[`video${i}`] = s.forwarded));
    return out;
  }

  get mixCounts(): AudioMixer['counts'] {
    return this.mixer.counts;
  }

  private feedAudio(sources: Source[]): void {
    this.feedMixer.follow(sources);
  }

  private run(now: number): void {
    try {
      this.mixer.tick(now);
      if (now - this.lastDuty < (this.tiles > 1 ? GALLERY_PLACEHOLDER_MS : DUTY_MS)) return;
      this.lastDuty = now;
      if (this.lastMedia && !this.detached) this.feedPictures(this.lastMedia, now);
      this.placeholder.tick(now);
      this.audio.tick(now);
      for (const slot of this.slots) slot.tick(now);
    } catch (error) {
      this.report(error, `recorder ${this.id}`);
    }
  }

  /** One frame of the mix; `at` is its time on the mixer's clock (sender reports map the RTP time to it, not to when a late timer sent it). */
  private sendAudio(frame: MixedFrame, at: number): void {
    const payload = frame.kind === 'opus' ? frame.payload : frame.kind === 'pcm' ? this.encoder.encode(frame.pcm) : OPUS_SILENCE;
    this.audio.send(this.audioIndex++, this.audioTimestamp >>> 0, false, AUDIO_PT, payload, at);
    this.audioTimestamp += FRAME_SAMPLES;
  }

  /** Everything released; called once ffmpeg is done for good. */
  private close(): void {
    if (this.ended) return;
    this.ended = true;
    this.detached = true;
    this.feedAudio([]);
    for (const slot of this.slots) slot.close();
    this.unticks();
    this.socket.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** The part a new recorder run starts at: after the parts a previous run (e.g. before a worker was lost) left. */
function nextPart(dir: string): number {
  let next = 0;
  for (const name of readdirSync(dir)) {
    const m = PART_PATTERN.exec(name);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return next;
}

/** How long ffmpeg may take to bind its ports after it started. */
const LISTEN_WAIT_MS = 10_000;

/**
 * Resolves once something (ffmpeg) has bound every one of the ports, as the kernel's table of UDP sockets shows (not by
 * trying to bind them, which could take a port from under ffmpeg); rejects after LISTEN_WAIT_MS. Without that table
 * (not Linux), it waits a moment instead.
 */
async function listening(ports: RecorderPorts): Promise<void> {
  const wanted = [ports.audio, ...ports.video];
  const end = Date.now() + LISTEN_WAIT_MS;
  for (;;) {
    let table: string;
    try {
      table = readFileSync('/proc/net/udp', 'utf8');
    } catch {
      return new Promise((resolve) => setTimeout(resolve, 500));
    }
    const bound = new Set(table.split('\n').slice(1).map((line) => Number.parseInt(line.trim().split(/\s+/)[1]?.split(':')[1] ?? '', 16)));
    const missing = wanted.find((p) => !bound.has(p));
    if (missing === undefined) return;
    if (Date.now() > end) throw new Error(`ffmpeg did not listen on its RTP port ${missing} within ${LISTEN_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

/** Ports handed to ffmpegs of this process, so two recorders starting at once do not pick the same. */
const taken = new Set<number>();

/**
 * `count` even UDP ports on 127.0.0.1 whose next port is free too (RTP and RTCP), found by binding them for a moment.
 * They stay reserved in this process until it exits (a recorder's ports are few; reuse would race with a lingering ffmpeg).
 */
async function allocatePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const port = 20_000 + 2 * randomInt(0, 15_000);
    if (taken.has(port)) continue;
    if ((await free(port)) && (await free(port + 1))) {
      taken.add(port);
      ports.push(port);
    }
  }
  if (ports.length < count) throw new Error('no free UDP ports on 127.0.0.1 for the recorder');
  return ports;
}

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
