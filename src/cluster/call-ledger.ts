import type { RedisLink } from './redis.ts';

/**
 * Takes one call if the calls of all live nodes stay within the licence. Fields of `calls` are node ids; a node whose
 * lease is gone no longer counts (its participants are gone with it) and its field is dropped.
 */
const TAKE = `
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then total = total + tonumber(fields[i + 1])
  else redis.call('HDEL', KEYS[1], fields[i]) end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
`;

const TOTAL = `
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[1] .. fields[i]) == 1 then total = total + tonumber(fields[i + 1]) end
end
return total
`;

/**
 * The licence's concurrent calls (CONVENE_MAX_CALLS) counted for the whole cluster: each node's share is a field of one
 * Redis hash, taken and released atomically, and set to the node's true count with every lease renewal so a lost
 * release cannot leak a call for good.
 */
export class CallLedger {
  constructor(
    private readonly redis: RedisLink,
    private readonly nodeId: string,
  ) {}

  private get key(): string {
    return `${this.redis.prefix}calls`;
  }

  async take(max: number): Promise<boolean> {
    return (await this.redis.command.eval(TAKE, 1, this.key, this.nodeId, String(max), `${this.redis.prefix}node:`)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.command.hincrby(this.key, this.nodeId, -1);
  }

  /** Sets this node's share to what it really holds (called with each lease renewal). */
  async settle(calls: number): Promise<void> {
    await this.redis.command.hset(this.key, this.nodeId, calls);
  }

  async total(): Promise<number> {
    return Number(await this.redis.command.eval(TOTAL, 1, this.key, `${this.redis.prefix}node:`));
  }
}
