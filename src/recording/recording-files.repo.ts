import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { rename, rm, statfs, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PART_PATTERN } from '../media/recorder/ffmpeg-args.ts';
import type { FinishedFile, RecordingFiles } from './ports.ts';

/** A part still changed this recently may still be written (by an ffmpeg finishing after its worker died). */
const QUIET_MS = 4000;
/** The longest finalising waits for parts to go quiet. */
const QUIET_WAIT_MS = 20_000;
/** Bounds each ffmpeg/ffprobe run of finalising (a remux is I/O bound: a long recording takes seconds). */
const TOOL_TIMEOUT_MS = 10 * 60_000;

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
}

/**
 * The recordings folder: `<id>/part-NNNN.webm` while a recording runs (one part per ffmpeg run), `<id>.webm` once
 * finished. Finishing is a remux with ffmpeg (`-c copy`: no decoding), which also repairs a part whose ffmpeg was
 * killed (it ends without its index, so players could not seek in it) and joins several parts (a recorder that was
 * restarted) with the concat demuxer; ffprobe gives the duration.
 */
export class RecordingFolder implements RecordingFiles {
  constructor(
    private readonly root: string,
    private readonly tools: FfmpegTools,
  ) {
    mkdirSync(root, { recursive: true });
  }

  partsDir(id: string): string {
    return join(this.root, safeId(id));
  }

  /** The finished file of a recording (for the download). */
  filePath(fileName: string): string {
    return join(this.root, fileName);
  }

  async finalise(id: string, settle: boolean): Promise<FinishedFile | undefined> {
    const dir = this.partsDir(id);
    let parts = listParts(dir);
    if (parts.length === 0) return undefined;
    if (settle) await waitQuiet(parts.map((p) => join(dir, p)));
    parts = listParts(dir);
    const readable: string[] = [];
    for (const p of parts) if (await this.playable(join(dir, p))) readable.push(join(dir, p));
    const fileName = `${safeId(id)}.webm`;
    const target = join(this.root, fileName);
    const temp = `${target}.tmp`;
    if (readable.length === 0) {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    const common = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
    if (readable.length === 1 && (await this.durationS(readable[0]!)) > 0) {
      // One part that its ffmpeg finished properly (it has its index and duration): it is the file. No copy, which
      // also matters when the recording stopped because the disk was nearly full.
      await rename(readable[0]!, temp);
    } else if (readable.length === 1) {
      await run(this.tools.ffmpeg, [...common, '-i', readable[0]!, '-map', '0', '-c', 'copy', '-f', 'webm', '-y', temp]);
    } else {
      const list = join(dir, 'parts.txt');
      await writeFile(list, readable.map((p) => `file '${p.replace(/'/g, `'\\''`)}'\n`).join(''));
      await run(this.tools.ffmpeg, [...common, '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-f', 'webm', '-y', temp]);
    }
    await rename(temp, target);
    const durationMs = Math.round((await this.durationS(target)) * 1000);
    const sizeBytes = (await stat(target)).size;
    await rm(dir, { recursive: true, force: true });
    return { fileName, sizeBytes, durationMs, skippedParts: parts.length - readable.length };
  }

  async remove(id: string, fileName: string): Promise<void> {
    await rm(this.partsDir(id), { recursive: true, force: true });
    if (fileName !== '') await rm(join(this.root, fileName), { force: true });
  }

  async freeBytes(): Promise<number> {
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }

  /** The duration a file's header gives (0 when it has none: an ffmpeg killed before it could write it). */
  private async durationS(file: string): Promise<number> {
    const out = await run(this.tools.ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    return Number(out.trim()) || 0;
  }

  /** Does the part hold at least one stream ffprobe can read (a run killed at once leaves an empty or headless file)? */
  private async playable(file: string): Promise<boolean> {
    try {
      if (statSync(file).size === 0) return false;
      const out = await run(this.tools.ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file]);
      return out.trim() !== '';
    } catch {
      return false;
    }
  }
}

/** Ids come from the server (UUIDs); checked anyway, since they become file names. */
function safeId(id: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new Error(`not a recording id: ${JSON.stringify(id)}`);
  return id;
}

function listParts(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => PART_PATTERN.test(n))
      .sort();
  } catch {
    return [];
  }
}

async function waitQuiet(files: string[]): Promise<void> {
  const end = Date.now() + QUIET_WAIT_MS;
  for (;;) {
    const newest = Math.max(...files.map((f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0));
    if (Date.now() - newest >= QUIET_MS || Date.now() >= end) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} failed: ${String(stderr).trim().split('\n').slice(-2).join(' / ') || error.message}`));
      else resolve(String(stdout));
    });
  });
}
