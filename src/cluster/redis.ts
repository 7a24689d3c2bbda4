import { Redis } from 'ioredis';

/** The two connections a node holds to Redis: commands, and a subscriber (a subscribed connection takes no commands). */
export interface RedisLink {
  command: Redis;
  subscriber: Redis;
  /** Prepended to every key and channel, so several clusters (or tests) can share one Redis. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * Connects to Redis for cluster mode. Commands fail at once while the connection is down (no offline queue) instead of
 * piling up, and the client keeps reconnecting in the background: a node that lost Redis says so on /readyz and
 * recovers by itself when Redis is back.
 */
export async function connectRedis(url: string, prefix: string, onError: (err: Error) => void): Promise<RedisLink> {
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    lazyConnect: true,
  };
  const command = new Redis(url, options);
  // The subscriber must queue its SUBSCRIBE while reconnecting, so ioredis can resubscribe after a Redis restart.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
  for (const client of [command, subscriber]) client.on('error', onError);
  await Promise.all([command.connect(), subscriber.connect()]);
  return {
    command,
    subscriber,
    prefix,
    async close() {
      command.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Resolves when the client is connected again (commands fail at once before that). */
export const whenReady = (client: Redis): Promise<void> =>
  client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', () => resolve()));
