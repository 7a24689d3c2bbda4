import { createHash } from 'node:crypto';
import type { Budgets } from '../kernel/budget.ts';
import { redisBudgets } from '../limits/redis-budgets.ts';
import { ClusterBus } from './bus.ts';
import { CallLedger } from './call-ledger.ts';
import { type NodeInfo, type NodeLoad, NodeRegistry } from './node-registry.ts';
import { verifyRelay } from './node-auth.ts';
import { chooseNode, MeetingPlacement } from './placement.ts';
import { connectRedis, type RedisLink } from './redis.ts';
import { relaySignal } from './signal-relay.ts';

export interface ClusterOptions {
  redisUrl: string;
  prefix: string;
  secret: string;
  nodeId: string;
  /** https://host:port the other nodes reach this one at. */
  address: string;
  certPem: string;
  leaseMs: number;
  load: () => NodeLoad;
  /** Live meeting numbers of this node, for renewing their placements. */
  liveMeetings: () => string[];
  /** Meetings this node holds that another node holds too (after a Redis restart): end them here. */
  lostMeetings: (meetingNumbers: string[]) => void;
  /** A node stopped renewing its lease: close its sessions in the history (once per lost node, on one node). */
  nodeLost: (nodeId: string) => Promise<void>;
  onError: (err: unknown, what: string) => void;
}

/** Signalling frames a relay buffers for a slow participant or node before dropping the connection (as locally). */
const RELAY_MAX_BUFFERED = 8 * 1024 * 1024;
/** Housekeeping (placements renewed, lost nodes reaped, call shares settled) runs this many times per lease. */
const CHORES_PER_LEASE = 2;

/**
 * This node's part in a cluster (CONVENE_REDIS_URL): its lease, the placement of meetings on nodes, messages between
 * nodes, budgets and the licence shared through Redis. Built once by the composition root; the live domain sees it
 * through the seams it defines (SignalRouter, the control router, Budgets, the call capacity).
 */
export class Cluster {
  readonly registry: NodeRegistry;
  readonly bus: ClusterBus;
  readonly placement: MeetingPlacement;
  readonly ledger: CallLedger;
  readonly budgets: Budgets;
  private chores: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly redis: RedisLink,
    private readonly options: ClusterOptions,
  ) {
    this.registry = new NodeRegistry(redis, {
      self: { id: options.nodeId, address: options.address, startedAt: Date.now(), certPem: options.certPem },
      leaseMs: options.leaseMs,
      load: options.load,
      onError: options.onError,
    });
    this.bus = new ClusterBus(redis, options.nodeId, options.onError);
    this.placement = new MeetingPlacement(redis, Math.max(60_000, options.leaseMs * 4));
    this.ledger = new CallLedger(redis, options.nodeId);
    this.budgets = redisBudgets(redis.command, redis.prefix);
  }

  static async join(options: ClusterOptions): Promise<Cluster> {
    let reported = 0;
    const redis = await connectRedis(options.redisUrl, options.prefix, (err) => {
      // A Redis outage makes every reconnect attempt fail: say so now and then, not hundreds of times.
      if (Date.now() - reported > 10_000) {
        reported = Date.now();
        options.onError(err, 'redis connection');
      }
    });
    const cluster = new Cluster(redis, options);
    await cluster.bus.start();
    await cluster.registry.start();
    cluster.chores = setInterval(() => void cluster.housekeeping(), Math.max(100, Math.floor(options.leaseMs / CHORES_PER_LEASE)));
    cluster.chores.unref();
    return cluster;
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Ready to take meetings: the lease is current (Redis reachable). */
  get healthy(): boolean {
    return this.registry.healthy;
  }

  /**
   * The node a participant of `meetingNumber` is served on, placing the meeting (on the least loaded node) when no node
   * holds it. `open` says whether the number is a meeting one can join now: numbers that are not are answered here and
   * placed nowhere.
   */
  async holderFor(meetingNumber: string, open: () => Promise<boolean>): Promise<NodeInfo | 'here'> {
    let holder = await this.placement.holder(meetingNumber);
    if (holder === undefined) {
      if (!(await open())) return 'here';
      const nodes = await this.registry.alive();
      const candidate = chooseNode(nodes)?.id ?? this.nodeId;
      holder = (await this.placement.place(meetingNumber, candidate)).nodeId;
    }
    if (holder === this.nodeId) return 'here';
    const info = (await this.registry.alive()).find((n) => n.id === holder);
    // Its lease ran out between the two reads: the next attempt places the meeting anew.
    return info ?? 'here';
  }

  /** The node holding a live meeting now ('here', another node, or undefined when it is live nowhere). */
  async holderOf(meetingNumber: string): Promise<NodeInfo | 'here' | undefined> {
    const holder = await this.placement.holder(meetingNumber);
    if (holder === undefined) return undefined;
    if (holder === this.nodeId) return 'here';
    return (await this.registry.alive()).find((n) => n.id === holder);
  }

  /** Relays a participant's connection to the node holding its meeting. */
  relay(node: NodeInfo, meetingNumber: string) {
    return (socket: Parameters<typeof relaySignal>[0], frames: string[], address: string) =>
      relaySignal(socket, frames, { nodeId: node.id, address: node.address, certPem: node.certPem }, meetingNumber, address, {
        nodeId: this.nodeId,
        secret: this.options.secret,
        maxBuffered: RELAY_MAX_BUFFERED,
        connectTimeoutMs: Math.max(2000, this.options.leaseMs),
      });
  }

  /** The participant's address on a connection another node relayed here (throws when the relay does not verify). */
  relayedAddress(headers: Record<string, string | string[] | undefined>, meetingNumber: string): string | undefined {
    return verifyRelay(this.options.secret, headers, meetingNumber)?.address;
  }

  /** This node ended a meeting: it is no longer placed here. */
  released(meetingNumber: string): void {
    this.placement.release(meetingNumber, this.nodeId).catch((err) => this.options.onError(err, 'releasing a meeting placement'));
  }

  /** Takes no new meetings (shutdown, rolling restart). */
  drain(): Promise<void> {
    return this.registry.drain();
  }

  async leave(): Promise<void> {
    clearInterval(this.chores);
    this.bus.stop();
    await this.registry.stop();
    await this.redis.close();
  }

  private busy = false;

  /** Renews placements (and re-writes them after a Redis restart), settles the call share, reaps lost nodes. */
  private async housekeeping(): Promise<void> {
    if (this.busy || !this.registry.healthy) return;
    this.busy = true;
    try {
      const lost = await this.placement.reassert(this.options.liveMeetings(), this.nodeId);
      if (lost.length > 0) this.options.lostMeetings(lost);
      await this.ledger.settle(this.options.load().participants);
      for (const nodeId of await this.registry.lost()) {
        // One node reaps each lost node: whoever sets the reaping key first.
        const key = `${this.redis.prefix}reaping:${nodeId}`;
        if ((await this.redis.command.set(key, this.nodeId, 'PX', 30_000, 'NX')) !== 'OK') continue;
        await this.options.nodeLost(nodeId);
        await this.registry.forget(nodeId);
      }
    } catch (err) {
      this.options.onError(err, 'cluster housekeeping');
    } finally {
      this.busy = false;
    }
  }
}

/** The id a node takes when none is configured: stable across restarts of the same host and port. */
export const defaultNodeId = (host: string, port: number): string => `${host}:${port}`;

/** Short fingerprint of a certificate, for logs. */
export const certFingerprint = (pem: string): string => createHash('sha256').update(pem).digest('hex').slice(0, 16);
