import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LiveStreamFiles } from './ports.ts';

/**
 * The live streams' folder: one sub-folder per stream with its HLS playlist and segments (ffmpeg deletes segments
 * that fell off the playlist). What a previous run left is removed at start: those streams are over.
 */
export class LiveFolder implements LiveStreamFiles {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
    for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
  }

  dir(streamId: string): string {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(streamId)) throw new Error(`not a stream id: ${JSON.stringify(streamId)}`);
    return join(this.root, streamId);
  }

  async remove(streamId: string): Promise<void> {
    await rm(this.dir(streamId), { recursive: true, force: true });
  }
}
