import { hostname } from 'node:os';
import type { Staleness } from '../accounts/accounts.repo.ts';
import type { Config } from '../config/options.ts';
import type { LiveService } from '../live/live.service.ts';
import type { SignalRouter } from '../live/live.signal.ts';
import type { SessionHistory } from '../live/ports.ts';
import { Cluster } from './cluster.ts';
import { ClusterCallCapacity } from './cluster-call-capacity.ts';

/** What the composition root wires in once it has built the live service (the cluster's chores need it). */
export interface LiveParts {
  live: LiveService;
  history: SessionHistory;
  applyStale: (stale: Staleness) => void;
  /** Another node wrote scheduling data: the meeting-list cache here is stale. */
  scheduleWrittenElsewhere: () => void;
}

export interface ClusterNode {
  cluster: Cluster;
  /** Tells the other nodes what a write made stale in this node's account caches. */
  onStale: (stale: Staleness) => void;
  /** Tells the other nodes that scheduling data changed (their meeting-list caches). */
  onScheduleWrite: () => void;
  /** The licence's calls for the cluster. */
  calls: ClusterCallCapacity;
  /** Routes participants' connections to their meeting's node. */
  router(live: LiveService): SignalRouter;
  /** Connects the live parts, once built. */
  attach(parts: LiveParts): void;
}

const STALE_TOPIC = 'accounts.stale';
const SCHEDULE_TOPIC = 'schedule.written';

/**
 * Joins the cluster named by CONVENE_REDIS_URL. The node's id and address default to this host and its HTTPS port,
 * which must then be a fixed port (other nodes have to reach it).
 */
export interface ClusterLog {
  error(err: unknown, what: string): void;
  warn(fields: Record<string, unknown>, what: string): void;
}

export async function joinCluster(config: Config, certPem: string, log: ClusterLog): Promise<ClusterNode> {
  const report = (err: unknown, what: string) => log.error(err, what);
  if (config.httpsPort === 0 && config.nodeAddress === '') {
    throw new Error('cluster mode: set CONVENE_HTTPS_PORT (or CONVENE_NODE_ADDRESS): other nodes must know where to reach this one');
  }
  const nodeId = config.nodeId || `${hostname()}:${config.httpsPort}`;
  let parts: LiveParts | undefined;
  const cluster = await Cluster.join({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    secret: config.clusterSecret,
    nodeId,
    address: config.nodeAddress || `https://${hostname()}:${config.httpsPort}`,
    certPem,
    leaseMs: config.nodeLeaseSeconds * 1000,
    load: () => ({ meetings: parts?.live.list().length ?? 0, participants: parts?.live.calls() ?? 0, mediaCpu: 0 }),
    liveMeetings: () => parts?.live.list().map((m) => m.meetingNumber) ?? [],
    lostMeetings: (numbers) => {
      for (const n of numbers) {
        const meeting = parts?.live.find(n);
        if (meeting) parts!.live.end(meeting, 'MeetingEndAbnormal', 'the meeting moved to another node; join again', 'moved to another node');
      }
    },
    nodeLost: async (lost) => {
      const closed = (await parts?.history.closeAbandoned(Date.now(), 'node lost', lost)) ?? 0;
      log.warn({ node: lost, sessions: closed }, 'cluster node lost: its open sessions closed in the history');
    },
    onError: report,
  });
  cluster.bus.on(STALE_TOPIC, (payload, from) => {
    if (from !== nodeId) parts?.applyStale(payload as Staleness);
  });
  cluster.bus.on(SCHEDULE_TOPIC, (_payload, from) => {
    if (from !== nodeId) parts?.scheduleWrittenElsewhere();
  });
  // Every move of the counter is told, at most once per tick: a write moves it before and again after it commits, so
  // the last message leaves after the commit and no node keeps a page read before it.
  let scheduleToldThisTick = false;
  const onScheduleWrite = () => {
    if (scheduleToldThisTick) return;
    scheduleToldThisTick = true;
    setImmediate(() => {
      scheduleToldThisTick = false;
      cluster.bus.broadcast(SCHEDULE_TOPIC, null).catch((err) => report(err, 'telling the cluster about a scheduling write'));
    });
  };
  return {
    cluster,
    onScheduleWrite,
    onStale: (stale) => void cluster.bus.broadcast(STALE_TOPIC, stale).catch((err) => report(err, 'telling the cluster about a changed account')),
    calls: new ClusterCallCapacity(cluster.ledger, config.maxCalls, report),
    router: (live) => ({
      async route(meetingNumber) {
        const holder = await cluster.holderFor(meetingNumber, async () => (await live.scheduled(meetingNumber)).meeting !== undefined);
        return holder === 'here' ? undefined : cluster.relay(holder, meetingNumber);
      },
      relayedAddress: (headers, meetingNumber) => cluster.relayedAddress(headers, meetingNumber),
    }),
    attach(p) {
      parts = p;
      p.live.observe({ changed: () => {}, ended: (meeting) => cluster.released(meeting.meetingNumber) });
    },
  };
}
