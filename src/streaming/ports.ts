/** Where a live stream's HLS playlist and segments are written (by its recorder's ffmpeg) and served from. */
export interface LiveStreamFiles {
  dir(streamId: string): string;
  /** Removes a stream's files (it ended). */
  remove(streamId: string): Promise<void>;
}
