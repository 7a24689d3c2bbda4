/** One media worker as the status shows it (the pool's view, without pids or room ids). */
export interface MediaWorkerStatus {
  id: number;
  state: string;
  rooms: number;
  rss: number;
}

/** How this server process runs: what an administrator checks first when something is wrong. */
export interface ServerStatus {
  database: 'sqlite' | 'postgres';
  startedAt: number;
  /** media.enabled: configured on; media.running: its workers started. */
  media: { enabled: boolean; running: boolean; workers: MediaWorkerStatus[] };
}
