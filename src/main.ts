import { writeFileSync } from 'node:fs';
import { createServer as createPlainServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { DestinationStream } from 'pino';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import type { UsersService } from './accounts/users.service.ts';
import type { Config } from './config/options.ts';
import { parseTrustProxy } from './config/trust-proxy.ts';
import { parseTurnUrls } from './config/turn.ts';
import type { DatabaseHandle } from './db/database.ts';
import { openCore } from './core.ts';
import { createHttpApp } from './http/server.ts';
import { loadTls } from './http/tls.ts';
import { roomsRoutes } from './rooms/rooms.routes.ts';
import type { LinkBase } from './scheduling/links.ts';
import { meetingLinkRoutes } from './scheduling/links.routes.ts';
import { schedulingRoutes } from './scheduling/scheduling.routes.ts';
import type { Clock } from './kernel/clock.ts';
import { systemRoutes } from './system/system.routes.ts';
import { webRoutes } from './web/web.routes.ts';
import { VERSION } from './version.ts';
import { MeetingControl } from './live/control.service.ts';
import { KyselyMeetingDirectory } from './live/directory.repo.ts';
import { KyselySessionHistory } from './live/history.repo.ts';
import { KyselyChatLog } from './live/chat.repo.ts';
import { inMeetingRoutes } from './live/in-meeting.routes.ts';
import { liveRoutes } from './live/live.routes.ts';
import { FanoutByTransport, LiveService } from './live/live.service.ts';
import { LocalCallCapacity } from './live/call-capacity.ts';
import { forwardMeetingCalls } from './cluster/forward-calls.ts';
import { joinCluster } from './cluster/node-setup.ts';
import { SipGateway } from './sip/sip.gateway.ts';
import { signalRoutes, SocketFanout } from './live/live.signal.ts';
import { liveGauges, serveMetrics } from './observability/metrics.ts';
import { IceServers } from './live/ice-servers.ts';
import { LiveMedia } from './live/live-media.ts';
import { WorkerPool } from './media/pool/pool.ts';
import { PoolMediaEngine } from './media/pool/pool-engine.ts';
import { systemClock } from './kernel/clock.ts';
import type { Budget, Budgets } from './kernel/budget.ts';
import { memoryBudgets } from './limits/memory-budgets.ts';
import { NumberProbes } from './live/number-probes.ts';
import { PasscodeGuard } from './live/passcode-guard.ts';
import { createCapture } from './capture.ts';

export type { Core } from './core.ts';
export { openCore } from './core.ts';

export interface ServerOptions {
  config: Config;
  logStream?: DestinationStream;
  clock?: Clock;
  /** Where limits and freezes count; this process's memory by default. */
  budgets?: Budgets;
}

export interface Bootstrap {
  username: string;
  password: string;
  generated: boolean;
}

export interface ConveneServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  users: UsersService;
  /** Set when this start created the first administrator. */
  bootstrap?: Bootstrap;
  listen(): Promise<{ httpsPort: number; httpPort?: number; metricsPort?: number }>;
  close(): Promise<void>;
}

/** Live-meeting housekeeping (end times, empty meetings, resume windows) runs this often. */
const SWEEP_MS = 1000;
const JOIN_TIMEOUT_MS = 15_000;
/** The window of the unknown-meeting-number budget per address. */
const PROBE_WINDOW_MS = 10 * 60_000;

/** How long close() waits for running request handlers before it closes the database anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Composition root: the only place that knows every concrete class. */
export async function createServer(options: ServerOptions): Promise<ConveneServer> {
  const { config } = options;
  const tls = await loadTls(config.dataDir, config.tlsCert, config.tlsKey);
  const app = await createHttpApp({
    tls,
    logLevel: config.logLevel,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    trustProxy: parseTrustProxy(config.trustProxy),
    metricsToken: config.metricsToken,
    version: VERSION,
    ready: async () => {
      await sql`select 1`.execute(database.db);
      // A node that cannot reach Redis takes no new meetings: the load balancer should send people elsewhere.
      if (node && !node.cluster.healthy) throw new Error('cluster: Redis unreachable, the node lease has lapsed');
    },
  });
  const log = { error: (err: unknown, what: string) => app.log.error({ err }, what), warn: (fields: Record<string, unknown>, what: string) => app.log.warn(fields, what) };
  // Cluster mode (CONVENE_REDIS_URL): limits count in Redis for every node; otherwise in this process.
  const node = config.redisUrl !== '' ? await joinCluster(config, tls.cert, log) : undefined;
  if (node) forwardMeetingCalls(app, node.cluster);
  const budgets = node?.cluster.budgets ?? options.budgets ?? memoryBudgets;
  const core = await openCore(config, options.clock, { budgets, ...(node ? { onStale: node.onStale, onScheduleWrite: node.onScheduleWrite } : {}) });
  const { database, store, accounts, users, rooms } = core;
  // Meeting links need the public base URL; without a configured one it is this host and the HTTPS port in use.
  let publicBase = config.publicUrl.replace(/\/+$/, '') || `https://${hostname()}:${config.httpsPort}`;
  const links: LinkBase = { baseUrl: () => publicBase };
  const bootstrap = await users.ensureAdmin(config.adminPassword === '' ? undefined : config.adminPassword);

  const authenticate = (token: string, clientId: string) => accounts.authenticate(token, clientId);
  accountsRoutes(app, accounts, users, authenticate);
  // An edited meeting or room that is live tells its participants (live is created below; called only after start).
  const scheduleChanged = (meetingNumber: string) => {
    live.refresh(meetingNumber).catch((err) => app.log.error({ err }, 'refreshing a live meeting after an edit'));
  };
  roomsRoutes(app, rooms, authenticate, scheduleChanged);
  schedulingRoutes(app, core.scheduling, core.schedule, links, authenticate, scheduleChanged);
  meetingLinkRoutes(app, core.meetingLinks, links, authenticate, scheduleChanged);
  // The browser meeting app at /app/, bundled in memory from web/ at start (no build step).
  webRoutes(app);

  const clock = options.clock ?? systemClock;
  const passcodeWindowMs = config.passcodeWindowSeconds * 1000;
  const guards = {
    passcodes: new PasscodeGuard({
      perClient: budgets({ name: 'passcode-client', points: config.passcodeAttempts, windowMs: passcodeWindowMs }),
      perAddress: budgets({ name: 'passcode-address', points: config.passcodeAttemptsPerAddress, windowMs: passcodeWindowMs }),
      perMeeting: budgets({ name: 'passcode-meeting', points: config.passcodeFailuresPerMeeting, windowMs: config.passcodeMeetingWindowSeconds * 1000 }),
    }),
    probes: new NumberProbes(budgets({ name: 'unknown-number', points: config.unknownNumbersPerAddress, windowMs: PROBE_WINDOW_MS })),
    calls: node?.calls ?? new LocalCallCapacity(config.maxCalls),
  };
  const fanout = new SocketFanout(links);
  const history = new KyselySessionHistory(database.db);
  const chats = new KyselyChatLog(database.db);
  // Each participant's notices go out on its own transport (the SIP gateway adds its fanout when it starts).
  const fanouts = new FanoutByTransport({ webrtc: fanout });
  const live = new LiveService(
    new KyselyMeetingDirectory(database.db),
    history,
    { authenticate: async (token, clientId) => (await accounts.authenticate(token, clientId)).user },
    fanouts,
    clock,
    {
      maxParticipantsPerMeeting: config.maxParticipantsPerMeeting,
      endGraceMs: config.endGraceSeconds * 1000,
      emptyTimeoutMs: config.emptyMeetingSeconds * 1000,
      resumeMs: config.resumeSeconds * 1000,
      sharePolicy: config.sharePolicy,
      nodeId: node?.cluster.nodeId ?? null,
      limits: {
        chat: { maxLength: config.chatMaxLength, rate: { burst: Math.min(5, config.chatMessagesPerMinute), perMinute: config.chatMessagesPerMinute }, history: config.chatHistory },
      },
    },
    guards,
    log,
    chats,
  );
  // Numbers left held by accounts deleted before this was done on deletion, or while a meeting still used them.
  const freed = await core.numbers.releaseUnheld(clock.now());
  if (freed > 0) app.log.info({ numbers: freed }, 'freed the meeting numbers of deleted meetings, series and rooms');
  node?.attach({ live, history, applyStale: (stale) => store.applyStale(stale), scheduleWrittenElsewhere: () => core.scheduleChanges.elsewhere() });
  const abandoned = await live.start();
  if (abandoned > 0) app.log.warn({ sessions: abandoned }, 'closed live sessions left open by the previous run');
  const pool = config.media ? await startMediaPool(config, app) : undefined;
  const turn = { urls: parseTurnUrls(config.turnUrls), secret: config.turnSecret, lifetimeSeconds: config.turnCredentialSeconds };
  const ice = new IceServers(turn.urls.length > 0 ? turn : undefined, clock);
  const logError = (err: unknown, what: string) => app.log.error({ err }, what);
  const media = pool ? new LiveMedia(live, new PoolMediaEngine(pool, logError), logError, ice) : undefined;
  const stopSignalling = signalRoutes(app, live, fanout, {
    heartbeatMs: config.heartbeatSeconds * 1000,
    joinTimeoutMs: JOIN_TIMEOUT_MS,
    passcodeTimeoutMs: config.passcodeTimeoutSeconds * 1000,
    passcodePromptsPerAddress: config.passcodePromptsPerAddress,
    frames: { perSecond: config.signalFramesPerSecond, burst: config.signalFrameBurst },
    ...(media ? { media } : {}),
    ...(node ? { router: node.router(live) } : {}),
  });
  const control = new MeetingControl(live, clock, chats);
  // Recording and live streaming: served by their own services (src/capture.ts composes them).
  const capture = await createCapture(app, { config, database, clock, live, control, media, authenticate, budgets, baseUrl: () => publicBase });
  liveRoutes(app, control, authenticate, capture.controls);
  inMeetingRoutes(app, control, authenticate);
  liveGauges(app.metrics, live);
  const sweeper = setInterval(() => live.sweep(), SWEEP_MS);
  sweeper.unref();
  // The SIP gateway (off unless CONVENE_SIP_PORT is set): phones and room systems dial into meetings.
  const sipInvites = budgets({ name: 'sip-invites', points: config.sipInvitesPerMinute, windowMs: 60_000 });
  const sipGateway = config.sipPort !== 0 ? createSipGateway(config, live, media, sipInvites, app) : undefined;
  if (sipGateway) fanouts.set('sip', sipGateway);
  control.dialer = sipGateway;
  control.h323Gateway = config.h323Gateway;
  const startedAt = clock.now();
  systemRoutes(
    app,
    {
      version: VERSION,
      licence: config,
      countUsers: () => store.users.count(),
      calls: { calls: () => guards.calls.inUse(), gatewayCalls: () => sipGateway?.activeCalls ?? 0 },
      status: () => ({
        database: database.dialect,
        startedAt,
        media: {
          enabled: config.media,
          running: pool !== undefined,
          workers: (pool?.workers() ?? []).map((w) => ({ id: w.id, state: w.state, rooms: w.roomIds.length, rss: w.rss })),
        },
      }),
    },
    authenticate,
  );

  let plain: Server | undefined;
  let metricsServer: Server | undefined;
  return {
    app,
    database,
    users,
    ...(bootstrap ? { bootstrap } : {}),
    async listen() {
      await app.listen({ host: config.host, port: config.httpsPort });
      sipGateway?.start();
      const httpsPort = (app.server.address() as AddressInfo).port;
      if (config.publicUrl === '') publicBase = `https://${hostname()}:${httpsPort}`;
      const ports: { httpsPort: number; httpPort?: number; metricsPort?: number } = { httpsPort };
      if (config.metricsPort !== 0) {
        metricsServer = await serveMetrics(app.metrics, config.metricsPort);
        ports.metricsPort = (metricsServer.address() as AddressInfo).port;
      }
      if (config.httpPort === 0) return ports;
      await app.ready();
      const server = createPlainServer((req, res) => app.routing(req, res));
      plain = server;
      // Loopback unless told otherwise (CONVENE_HTTP_HOST): plain HTTP is for a proxy on this machine, not for clients.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.httpPort, config.httpHost, () => resolve());
      });
      return { ...ports, httpPort: (server.address() as AddressInfo).port };
    },
    async close() {
      clearInterval(sweeper);
      // A draining node takes no new meetings; the participants of its own reconnect to the others (rolling restart).
      await node?.cluster.drain();
      // SIP calls get their BYE before the meetings end (their participants then leave like anyone).
      sipGateway?.close();
      // Participants are told the server is going away (MeetingEndAbnormal makes the apps rejoin) and history is written.
      await live.shutdown();
      // Recordings finish their files while the media workers still run (they feed ffmpeg until it is done).
      await capture.shutdown();
      stopSignalling();
      await pool?.close();
      for (const server of [plain, metricsServer]) await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await app.close();
      // app.close() waits for open connections only; a handler whose client already left may still be using the database.
      if (!(await app.inFlight.idle(SHUTDOWN_GRACE_MS))) {
        app.log.warn({ inFlight: app.inFlight.count }, 'closing the database with request handlers still running');
      }
      await node?.cluster.leave();
      await database.close();
    },
  };
}

/** The SIP gateway as configured; refuses to start the server when it cannot work (no address, no media). */
function createSipGateway(config: ServerOptions['config'], live: LiveService, media: LiveMedia | undefined, invitesPerAddress: Budget, app: FastifyInstance): SipGateway {
  if (config.sipAddress === '') throw new Error('CONVENE_SIP_ADDRESS: the SIP gateway (CONVENE_SIP_PORT) needs the IPv4 address devices reach it at');
  if (!media) throw new Error('CONVENE_SIP_PORT: the SIP gateway needs media (CONVENE_MEDIA and running media workers)');
  if (config.gatewayMaxCalls === 0) app.log.warn('the SIP gateway is on but CONVENE_GATEWAY_MAX_CALLS is 0: every SIP call is refused (486)');
  const gateway = {
    address: config.sipAddress,
    port: config.sipPort,
    tcp: config.sipTcp,
    maxCalls: config.gatewayMaxCalls,
    menu: { attempts: config.sipMenuAttempts },
    requestsPerSecond: config.sipRequestsPerSecond,
    invitesPerAddress,
    mediaTimeoutMs: config.sipMediaTimeoutSeconds * 1000,
  };
  return new SipGateway(live, media, gateway, {
    info: (fields, what) => app.log.info(fields, what),
    warn: (fields, what) => app.log.warn(fields, what),
    error: (err, what) => app.log.error({ err }, what),
  });
}

/**
 * Starts the media workers. A server whose workers cannot start still serves everything but media (meetings run
 * without audio and video, media commands answer 503), and says so in the log.
 */
async function startMediaPool(config: ServerOptions['config'], app: FastifyInstance): Promise<WorkerPool | undefined> {
  const [min = 0, max = 0] = config.mediaPorts === '' ? [] : config.mediaPorts.split('-').map(Number);
  const pool = new WorkerPool({
    workers: config.mediaWorkers,
    iceAddress: config.mediaAddress,
    icePorts: [min, max],
    ffmpeg: config.ffmpeg,
    recordingMinFreeMb: config.recordingMinFreeMb,
    report: (err, what) => app.log.error({ err }, what),
  });
  pool.on('workerDied', ({ workerId, reason, roomIds }) => app.log.error({ workerId, reason, rooms: roomIds.length }, 'media worker lost'));
  pool.on('workerLog', ({ workerId, level, msg }) => app.log[level]({ workerId }, msg));
  try {
    await pool.start();
    app.log.info({ workers: pool.size }, 'media workers ready');
    return pool;
  } catch (err) {
    app.log.error({ err }, 'media workers did not start: meetings run without audio and video');
    return undefined;
  }
}

/** Keeps a generated bootstrap password where only the server's user can read it. */
export function writeBootstrapPassword(dataDir: string, bootstrap: Bootstrap): string {
  const file = join(dataDir, 'admin-password.txt');
  writeFileSync(file, `username: ${bootstrap.username}\npassword: ${bootstrap.password}\n`, { mode: 0o600 });
  return file;
}
