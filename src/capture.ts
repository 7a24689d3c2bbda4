import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/options.ts';
import type { DatabaseHandle } from './db/database.ts';
import type { Clock } from './kernel/clock.ts';
import type { Authenticate } from './http/route.ts';
import type { MeetingControl } from './live/control.service.ts';
import type { LiveMedia } from './live/live-media.ts';
import type { CaptureControls } from './live/live.routes.ts';
import type { LiveService } from './live/live.service.ts';
import { RecordingFolder } from './recording/recording-files.repo.ts';
import { KyselyRecordings } from './recording/recordings.repo.ts';
import { recordingsRoutes } from './recording/recordings.routes.ts';
import { RecordingService } from './recording/recordings.service.ts';
import type { Budgets } from './kernel/budget.ts';
import { LiveFolder } from './streaming/live-files.repo.ts';
import { LiveGrants } from './streaming/live-grants.ts';
import { liveStreamRoutes } from './streaming/live-stream.routes.ts';
import { StreamingService } from './streaming/streaming.service.ts';

/** How long shutdown waits for recordings to finish their files before the media workers are stopped. */
const SHUTDOWN_MS = 15_000;
/** The window of the per-address budget of wrong live passcodes. */
const LIVE_PASSCODE_WINDOW_MS = 10 * 60_000;

export interface Capture {
  controls: CaptureControls;
  recordings: RecordingService;
  streaming: StreamingService;
  /** Finalises what a previous run left unfinished (runs in the background from start). */
  recovered: Promise<number>;
  /** Lets recordings finish (after the live meetings have ended), before the media workers stop. */
  shutdown(): Promise<void>;
}

/** Is the program there? Resolves with why not, or null. */
function probe(program: string): Promise<string | null> {
  return new Promise((done) => {
    execFile(program, ['-version'], { timeout: 10_000 }, (error) =>
      done(error ? `${program} was not found or does not run (${(error as NodeJS.ErrnoException).code ?? error.message}): install ffmpeg (Debian package ffmpeg) to record and stream` : null),
    );
  });
}

/**
 * Recording and live streaming (the composition root's part for them): ffmpeg looked for once at start, the
 * recordings folder, the service, its routes, and what to do at start (finalise what a killed server left) and at
 * shutdown.
 */
export async function createCapture(
  app: FastifyInstance,
  deps: {
    config: Config;
    database: DatabaseHandle;
    clock: Clock;
    live: LiveService;
    control: MeetingControl;
    media: LiveMedia | undefined;
    authenticate: Authenticate;
    budgets: Budgets;
    /** The server's public base URL, as meeting links use it. */
    baseUrl(): string;
  },
): Promise<Capture> {
  const { config } = deps;
  const [ffmpeg, ffprobe] = await Promise.all([probe(config.ffmpeg), probe(config.ffprobe)]);
  const missing = ffmpeg ?? ffprobe;
  if (missing) app.log.warn(missing);
  const unavailable = (): string | null => {
    if (!deps.media) return 'recording and live streaming need the media workers, which are off (CONVENE_MEDIA=false) or did not start';
    return missing;
  };
  const folder = new RecordingFolder(resolve(config.recordingsDir || join(config.dataDir, 'recordings')), { ffmpeg: config.ffmpeg, ffprobe: config.ffprobe });
  const log = { error: (err: unknown, what: string) => app.log.error({ err }, what), warn: (fields: Record<string, unknown>, what: string) => app.log.warn(fields, what) };
  const recordings = new RecordingService(
    deps.live,
    deps.control,
    deps.media,
    new KyselyRecordings(deps.database.db),
    folder,
    deps.clock,
    {
      maxRecordings: config.maxRecordings,
      defaultLayout: config.recordingLayout,
      minFreeBytes: config.recordingMinFreeMb * 1024 * 1024,
      unavailable,
    },
    log,
  );
  recordingsRoutes(app, recordings, (name) => folder.filePath(name), deps.authenticate);
  const streaming = new StreamingService(
    deps.live,
    deps.control,
    deps.media,
    new LiveFolder(join(resolve(config.dataDir), 'live')),
    new LiveGrants(config.liveGrantMinutes * 60_000),
    deps.budgets({ name: 'live-passcode-address', points: config.livePasscodeAttemptsPerAddress, windowMs: LIVE_PASSCODE_WINDOW_MS }),
    deps.clock,
    { maxStreams: config.maxLiveStreams, defaultLayout: config.recordingLayout, unavailable, baseUrl: deps.baseUrl },
    log,
  );
  liveStreamRoutes(app, streaming, config.liveGrantMinutes * 60);
  const recovered = missing
    ? Promise.resolve(0)
    : recordings.recover().then(
        (n) => {
          if (n > 0) app.log.warn({ recordings: n }, 'finalised recordings a previous run left unfinished');
          return n;
        },
        (err: unknown) => {
          app.log.error({ err }, 'finalising recordings a previous run left unfinished');
          return 0;
        },
      );
  return {
    controls: { recording: recordings, streaming },
    recordings,
    streaming,
    recovered,
    async shutdown() {
      await recovered;
      await recordings.shutdown(SHUTDOWN_MS);
    },
  };
}
