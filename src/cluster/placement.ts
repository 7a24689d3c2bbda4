import type { NodeInfo } from './node-registry.ts';
import type { RedisLink } from './redis.ts';

/**
 * Places a meeting atomically: keeps the current holder while its lease lives, otherwise writes the candidate. Returns
 * the holder and the node it replaced ('' when the meeting was not placed, or was placed on the candidate already).
 */
const PLACE = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. current) == 1 then return {current, ''} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if current == ARGV[1] then return {ARGV[1], ''} end
return {ARGV[1], current or ''}
`;

/** Deletes the placement only if it still names this node (a meeting taken over meanwhile is not released by mistake). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Writes (or renews) the placement unless another live node holds it; returns the holder. */
const REASSERT = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. current) == 1 then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return ARGV[1]
`;

export interface Placed {
  nodeId: string;
  /** The node whose lease had run out when the meeting was taken from it ('' for none). */
  replaced: string;
}

/**
 * Which node holds which live meeting, in Redis (`meeting:{number}` → node id). A placement expires after `ttlMs`
 * unless its node renews it (`reassert`, with every lease renewal, for the meetings it has live): a meeting placed for a
 * join that was then refused leaves nothing behind for long.
 */
export class MeetingPlacement {
  constructor(
    private readonly redis: RedisLink,
    private readonly ttlMs = 60_000,
  ) {}

  private key(meetingNumber: string): string {
    return `${this.redis.prefix}meeting:${meetingNumber}`;
  }

  /** The node holding the meeting now, if its lease lives. */
  async holder(meetingNumber: string): Promise<string | undefined> {
    const { command, prefix } = this.redis;
    const nodeId = await command.get(this.key(meetingNumber));
    if (!nodeId) return undefined;
    return (await command.exists(`${prefix}node:${nodeId}`)) === 1 ? nodeId : undefined;
  }

  /** Places the meeting on `candidate` unless a live node already holds it (atomic: racing nodes agree on one). */
  async place(meetingNumber: string, candidate: string): Promise<Placed> {
    const [nodeId, replaced] = (await this.redis.command.eval(PLACE, 1, this.key(meetingNumber), candidate, `${this.redis.prefix}node:`, String(this.ttlMs))) as [string, string];
    return { nodeId, replaced };
  }

  async release(meetingNumber: string, nodeId: string): Promise<void> {
    await this.redis.command.eval(RELEASE, 1, this.key(meetingNumber), nodeId);
  }

  /**
   * Renews this node's placements of its live meetings, and writes them back after Redis lost its data (a restart
   * without persistence). Returns the meetings another live node holds meanwhile: this node must end them so their
   * participants reconnect to that node.
   */
  async reassert(meetingNumbers: readonly string[], nodeId: string): Promise<string[]> {
    if (meetingNumbers.length === 0) return [];
    const pipeline = this.redis.command.pipeline();
    for (const n of meetingNumbers) pipeline.eval(REASSERT, 1, this.key(n), nodeId, `${this.redis.prefix}node:`, String(this.ttlMs));
    const results = (await pipeline.exec()) ?? [];
    return meetingNumbers.filter((_, i) => {
      const [err, holder] = results[i] ?? [new Error('no answer'), undefined];
      return !err && holder !== nodeId;
    });
  }
}

/**
 * The node a new meeting goes to: the least loaded of the nodes that take meetings. Participants weigh most (each is
 * a socket and its media), meetings a little (each is a room in a media worker), media CPU breaks ties between nodes
 * equally full.
 */
export function chooseNode(nodes: readonly NodeInfo[]): NodeInfo | undefined {
  const score = (n: NodeInfo) => n.participants + 5 * n.meetings + 20 * n.mediaCpu;
  return nodes.filter((n) => !n.draining).reduce<NodeInfo | undefined>((best, n) => (!best || score(n) < score(best) ? n : best), undefined);
}
