import { join } from 'node:path';
import type { RecorderOutput, RecordingLayout } from '../engine.ts';

/**
 * What a recorder's ffmpeg is told: the SDP describing the plain RTP it receives on loopback (one Opus stream, the
 * mix; one VP8 stream per picture: 1 for the speaker layout, 9 for the gallery), and the command line for the output.
 *
 *  - speaker, file: the video is copied as the SFU forwards it (no decoding), the mixed audio too: WebM.
 *  - gallery: the nine tiles are decoded, scaled into a 3×3 grid (1278×720) and encoded again (VP8 for a file).
 *  - hls (either layout): H.264 and AAC in MPEG-TS segments of one second, a keyframe each second, for browsers;
 *    optionally the same encoding pushed to an RTMP(S) address as FLV.
 * Every output is written as it goes (flush per packet, WebM clusters of at most a second), so what is on disk when
 * ffmpeg or the machine dies is playable after a remux; and ffmpeg's input ends by itself when no RTP arrives for
 * `listenTimeoutS` (the worker that fed it is gone), which makes ffmpeg finish the file properly.
 */

export const AUDIO_PT = 111;
export const VIDEO_PT = 96;
export const GALLERY_TILES = 9;
const TILE = { width: 426, height: 240 };
const HLS_SIZE = { width: 854, height: 480 };

export interface RecorderPorts {
  audio: number;
  /** One RTP port per picture (each also uses the next port for RTCP). */
  video: number[];
}

export const partName = (part: number): string => `part-${String(part).padStart(4, '0')}.webm`;
export const PART_PATTERN = /^part-(\d{4,})\.webm$/;

export function recorderSdp(ports: RecorderPorts): string {
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=Convene recorder',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${ports.audio} RTP/AVP ${AUDIO_PT}`,
    `a=rtpmap:${AUDIO_PT} opus/48000/2`,
    ...ports.video.flatMap((port) => [`m=video ${port} RTP/AVP ${VIDEO_PT}`, `a=rtpmap:${VIDEO_PT} VP8/90000`]),
    '',
  ].join('\r\n');
}

/** The ffmpeg command line (without the program) for one run: `part` numbers the file a restarted ffmpeg writes. */
export function ffmpegArgs(layout: RecordingLayout, output: RecorderOutput, sdpFile: string, part: number, listenTimeoutS: number): string[] {
  const input = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    '-protocol_whitelist',
    'file,udp,rtp',
    '-listen_timeout',
    String(listenTimeoutS),
    '-reorder_queue_size',
    '64',
    // The gallery decodes and stacks nine pictures: they are put on one timeline by when they arrive (each tile's
    // source changes over time, and the grid must not wait for a tile that lags on its own clock).
    ...(layout === 'gallery' ? ['-use_wallclock_as_timestamps', '1'] : []),
    '-i',
    sdpFile,
  ];
  const picture = layout === 'gallery' ? galleryFilter(15) : undefined;
  if (output.kind === 'file') {
    const video =
      layout === 'gallery'
        ? ['-filter_complex', picture!, '-map', '[v]', '-map', '0:a', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', '60', '-c:a', 'copy']
        : ['-map', '0:v', '-map', '0:a', '-c', 'copy'];
    return [...input, ...video, '-flush_packets', '1', '-cluster_time_limit', '1000', '-f', 'webm', '-y', join(output.dir, partName(part))];
  }
  const scaled = `scale=${HLS_SIZE.width}:${HLS_SIZE.height}:force_original_aspect_ratio=decrease,pad=${HLS_SIZE.width}:${HLS_SIZE.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25`;
  const video =
    layout === 'gallery'
      ? ['-filter_complex', `${picture!};[v]${scaled}[hls]`, '-map', '[hls]', '-map', '0:a']
      : ['-filter_complex', `[0:v]${scaled}[hls]`, '-map', '[hls]', '-map', '0:a'];
  const encode = [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    '1200k',
    '-maxrate',
    '1500k',
    '-bufsize',
    '1500k',
    '-g',
    '25',
    '-keyint_min',
    '25',
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-ar',
    '48000',
    '-flush_packets',
    '1',
  ];
  const hls = [
    'f=hls',
    'hls_time=1',
    'hls_list_size=6',
    // Numbered from the clock: a restarted ffmpeg continues the sequence, and players keep following the playlist.
    'hls_start_number_source=epoch',
    'hls_flags=delete_segments+independent_segments+temp_file+discont_start',
    `hls_segment_filename=${optionValue(join(output.dir, 'seg-%d.ts'))}`,
  ].join(':');
  const targets = [`[${hls}]${join(output.dir, 'index.m3u8')}`];
  if (output.rtmpUrl !== '') targets.push(`[f=flv:onfail=ignore]${output.rtmpUrl}`);
  return [...input, ...video, ...encode, '-f', 'tee', targets.map(teeTarget).join('|')];
}

/** The 3×3 grid: each tile scaled into 426×240 (letterboxed), at a steady frame rate, stacked into [v]. */
function galleryFilter(fps: number): string {
  const tiles = Array.from(
    { length: GALLERY_TILES },
    (_, i) =>
      `[0:v:${i}]scale=${TILE.width}:${TILE.height}:force_original_aspect_ratio=decrease,pad=${TILE.width}:${TILE.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps}[t${i}]`,
  );
  const layout = Array.from({ length: GALLERY_TILES }, (_, i) => `${(i % 3) * TILE.width}_${Math.floor(i / 3) * TILE.height}`).join('|');
  const inputs = Array.from({ length: GALLERY_TILES }, (_, i) => `[t${i}]`).join('');
  return `${tiles.join(';')};${inputs}xstack=inputs=${GALLERY_TILES}:layout=${layout}:fill=black[v]`;
}

/**
 * The tee muxer reads its argument twice: split into targets at `|` (backslash escapes), then each target's
 * `[key=value:…]` options at `:` and `=` (escapes again). An option value is escaped for both readings, a target
 * for the first.
 */
const teeTarget = (text: string): string => text.replace(/[\\|]/g, (c) => `\\${c}`);
const optionValue = (text: string): string => text.replace(/[\\:=[\]]/g, (c) => `\\${c}`);
