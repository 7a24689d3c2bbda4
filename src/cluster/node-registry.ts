import type { RedisLink } from './redis.ts';

/** What a node tells the others about itself with every lease renewal. */
export interface NodeLoad {
  meetings: number;
  participants: number;
  /** Share of one core the media workers used over the last interval (0 without media). */
  mediaCpu: number;
}

export interface NodeInfo extends NodeLoad {
  id: string;
  /** Base URL the other nodes reach this one at (CONVENE_NODE_ADDRESS). */
  address: string;
  startedAt: number;
  /** A draining node (SIGTERM, rolling restart) takes no new meetings. */
  draining: boolean;
  /** The node's TLS certificate (PEM): the one other nodes accept from its address (certificates may be self-signed). */
  certPem: string;
}

export interface RegistryOptions {
  self: Omit<NodeInfo, keyof NodeLoad | 'draining'>;
  /** A node whose lease is not renewed for this long counts as gone. */
  leaseMs: number;
  load: () => NodeLoad;
  onError: (err: unknown, what: string) => void;
}

/**
 * The nodes of the cluster, each holding a lease in Redis (`node:{id}`, renewed several times per lease). A node that
 * dies stops renewing and drops out within one lease; a node that cannot reach Redis knows it within one lease too
 * (`healthy` turns false) and stops taking new meetings.
 */
export class NodeRegistry {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastRenewal = 0;
  private draining = false;

  constructor(
    private readonly redis: RedisLink,
    private readonly options: RegistryOptions,
  ) {}

  get id(): string {
    return this.options.self.id;
  }

  /** True while the lease was renewed within the last lease period. */
  get healthy(): boolean {
    return Date.now() - this.lastRenewal < this.options.leaseMs;
  }

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((err) => this.options.onError(err, 'renewing the node lease'));
    }, Math.max(100, Math.floor(this.options.leaseMs / 5)));
    this.timer.unref();
  }

  /** Takes no new meetings from now on (announced with the next renewal, done now). */
  async drain(): Promise<void> {
    this.draining = true;
    await this.renew().catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const { command, prefix } = this.redis;
    await command.multi().del(`${prefix}node:${this.id}`).srem(`${prefix}nodes`, this.id).exec().catch(() => undefined);
  }

  /** Every node holding a lease now (this one included while healthy). */
  async alive(): Promise<NodeInfo[]> {
    const { command, prefix } = this.redis;
    const ids = await command.smembers(`${prefix}nodes`);
    if (ids.length === 0) return [];
    const values = await command.mget(ids.map((id) => `${prefix}node:${id}`));
    return values.flatMap((v) => (v ? [JSON.parse(v) as NodeInfo] : []));
  }

  /** Nodes listed as members whose lease is gone: dead, or shut down without saying so. */
  async lost(): Promise<string[]> {
    const { command, prefix } = this.redis;
    const ids = await command.smembers(`${prefix}nodes`);
    if (ids.length === 0) return [];
    const values = await command.mget(ids.map((id) => `${prefix}node:${id}`));
    return ids.filter((_, i) => values[i] === null);
  }

  /** Forgets a lost node (after its meetings and sessions were dealt with). */
  async forget(id: string): Promise<void> {
    await this.redis.command.srem(`${this.redis.prefix}nodes`, id);
  }

  async isAlive(id: string): Promise<boolean> {
    return (await this.redis.command.exists(`${this.redis.prefix}node:${id}`)) === 1;
  }

  private async renew(): Promise<void> {
    const info: NodeInfo = { ...this.options.self, ...this.options.load(), draining: this.draining };
    const { command, prefix } = this.redis;
    await command
      .multi()
      .set(`${prefix}node:${this.id}`, JSON.stringify(info), 'PX', this.options.leaseMs)
      .sadd(`${prefix}nodes`, this.id)
      .exec();
    this.lastRenewal = Date.now();
  }
}
