/**
 * Helpers for the recording and streaming tests: what ffprobe and ffmpeg (Debian's, as a user would run them) say about
 * a recorded file, and the recorders' ffmpeg processes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KyselyRecordings } from '../../src/recording/recordings.repo.ts';
import type { TestServer } from './server.ts';

/** Set when the machine has no ffmpeg/ffprobe (CI installs them: .ci/run); the tests then skip, or fail under CI. */
export function skipWithoutFfmpeg(): string | false {
  const ok = ['ffmpeg', 'ffprobe'].every((p) => spawnSync(p, ['-version']).status === 0);
  if (ok) return false;
  if (process.env.CONVENE_REQUIRE_MEDIA === '1') throw new Error('ffmpeg and ffprobe are needed (Debian package ffmpeg)');
  return 'ffmpeg and ffprobe are not installed (Debian package ffmpeg)';
}

export interface Probe {
  durationS: number;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
}

export function probe(file: string): Probe {
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' }));
  return { durationS: Number(out.format?.duration), streams: out.streams ?? [] };
}

/**
 * Decodes the whole file; returns ffmpeg's error output ('' = every frame decoded cleanly). Left out: the null
 * muxer's complaint about two decoded frames on the same millisecond (where a restarted recorder's parts meet), which
 * is about timestamps, not about a frame that failed to decode.
 */
export function decodeErrors(file: string): string {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  const errors = r.stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/non monotonically increasing dts to muxer|Last message repeated/.test(line))
    .join('\n');
  return `${r.status === 0 ? '' : `exit ${r.status} `}${errors}`;
}

/**
 * The mean brightness (0–255) of the picture `atS` seconds into the file, found by seeking there as a player does
 * (input seeking: it uses the file's index). NaN when no frame could be had there.
 */
export function brightnessAt(file: string, atS: number, crop?: { x: number; y: number; width: number; height: number }): number {
  const filter = `${crop ? `crop=${crop.width}:${crop.height}:${crop.x}:${crop.y},` : ''}scale=32:18`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-ss', String(atS), '-i', file, '-frames:v', '1', '-vf', filter, '-pix_fmt', 'gray', '-f', 'rawvideo', '-'], {
    maxBuffer: 1 << 20,
  });
  const pixels = r.stdout as Buffer;
  if (r.status !== 0 || pixels.length === 0) return NaN;
  return pixels.reduce((sum, v) => sum + v, 0) / pixels.length;
}

/** The mean loudness of the audio, dBFS (ffmpeg's volumedetect); -91 is digital silence. */
export function meanVolume(file: string): number {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' });
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(r.stderr)?.[1] ?? NaN);
}

/** Timestamps (s) of the video keyframes: where a player can seek to. */
export function keyframeTimes(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map(Number);
}

/** Pids of the running ffmpeg processes whose command line mentions `needle` (e.g. a recording's id). */
export function ffmpegPids(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('ffmpeg') && cmd.some((a) => a.includes(needle))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * A finished recording of a meeting `ownerId` owns, put straight into the server's storage (row and file: 4 KiB of
 * stand-in bytes), for tests of the recordings API that need no media. Returns its id.
 */
export async function finishedRecording(t: TestServer, ownerId: string, id: string, meetingNumber = '123456789'): Promise<string> {
  const fileName = `${id}.webm`;
  const folder = join(t.dataDir, 'recordings');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, fileName), Buffer.alloc(4096, 7));
  const now = Date.now();
  await new KyselyRecordings(t.server.database.db).insert({
    id,
    meetingNumber,
    meetingName: 'Recorded meeting',
    sessionId: `session-${id}`,
    ownerId,
    startedBy: ownerId,
    startedByName: 'Owner',
    layout: 'speaker',
    status: 'finished',
    startedAt: now - 60_000,
    endedAt: now,
    durationMs: 60_000,
    sizeBytes: 4096,
    fileName,
    notes: '',
  });
  return id;
}
