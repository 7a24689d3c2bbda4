/**
 * The cluster measure (`npm run bench -- cluster`, issue 12): the live measures of bench/live.ts on three Convene nodes
 * over one PostgreSQL and one Redis, against one node on the same PostgreSQL without Redis, in the same run.
 * - joins: the guests' sockets in three client processes, each connecting through another node (so two thirds of
 *   them land on a node that does not hold the meeting and are relayed to the one that does); for one node, the same
 *   three processes all connect to it;
 * - mute_all / unmute_all to every guest: sent through a node that does not hold the meeting (the control call is
 *   forwarded over the Redis bus and runs on the holder), and, to tell the two costs apart, through the holder.
 * The last socket of each client process is kept apart, so sockets on the holder and relayed ones can be compared.
 */
import { spawnSync } from 'node:child_process';
import { freePort } from '../test/support/postgres.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../test/support/redis.ts';
import { type LiveOptions, type LiveTarget, measureConveneMeeting, muteAllPair } from './live.ts';
import { quantile } from './scheduling.ts';
import { type Child, pad, padEnd, startChild } from './support.ts';

const NODES = 3;
const SECRET = 'bench-cluster-secret-0123456789';
const PREFIX = 'convene:';

export interface ClusterResult {
  one: LiveTarget;
  cluster: LiveTarget;
  /** Index of the node (and of the client process connected through it) that held the meeting. */
  holder: number;
}

/**
 * One node, then three. `env(dataDir)` is a server's environment on the shared PostgreSQL; the client processes are
 * three in both (as many as nodes), whatever `--client-processes` says, so both sides have the same clients.
 */
export async function measureCluster(env: (dataDir: string) => Record<string, string>, options: LiveOptions, nodeArgs: string[]): Promise<ClusterResult> {
  const opts: LiveOptions = { ...options, clientProcesses: NODES };
  const password = env('x').CONVENE_ADMIN_PASSWORD!;

  // One node: the figure the cluster is compared with. It also migrates the database the nodes then share.
  const single = await startChild('convene', env('cluster-one'), nodeArgs, 'convene (one node)');
  let one: LiveTarget;
  try {
    one = await measureConveneMeeting('one node', [single], password, opts, (meeting, [http]) => muteAllPair(meeting, http!));
  } finally {
    await single.stop();
  }

  let redis: ThrowawayRedis | undefined;
  const nodes: Child[] = [];
  try {
    redis = await startThrowawayRedis();
    for (let i = 1; i <= NODES; i++) {
      const port = await freePort();
      nodes.push(
        await startChild(
          'convene',
          {
            ...env(`cluster-node${i}`),
            CONVENE_HTTPS_PORT: String(port),
            CONVENE_REDIS_URL: redis.url,
            CONVENE_REDIS_PREFIX: PREFIX,
            CONVENE_CLUSTER_SECRET: SECRET,
            CONVENE_NODE_ID: `node-${i}`,
            CONVENE_NODE_ADDRESS: `https://127.0.0.1:${port}`,
          },
          nodeArgs,
          `convene (node-${i})`,
        ),
      );
    }
    const r = redis;
    let holder = -1;
    const cluster = await measureConveneMeeting(
      `${NODES} nodes`,
      nodes,
      password,
      opts,
      (meeting, http) => [...muteAllPair(meeting, http[(holder + 1) % NODES]!, ' via other'), ...muteAllPair(meeting, http[holder]!, ' via holder')],
      async (meetingNumber) => {
        // Where the host's join placed it, read as an operator would.
        const id = spawnSync('redis-cli', ['-p', String(r.port), 'GET', `${PREFIX}meeting:${meetingNumber}`], { encoding: 'utf8' }).stdout.trim();
        holder = Number(id.replace(/^node-/, '')) - 1;
        if (!(holder >= 0 && holder < NODES)) throw new Error(`meeting ${meetingNumber} is not placed on a node (Redis says ${JSON.stringify(id)})`);
      },
    );
    return { one, cluster, holder };
  } finally {
    for (const n of nodes) await n.stop();
    await redis?.remove();
  }
}

const f1 = (ms: number) => ms.toFixed(1);

export function printCluster({ one, cluster, holder }: ClusterResult, options: LiveOptions): void {
  const relayed = [0, 1, 2].filter((i) => i !== holder);
  console.log(
    `\n# cluster: ${options.participants} guests (+ 1 host) in three client processes, ${options.concurrency} joins in flight;` +
      ` one node, then ${NODES} nodes (PostgreSQL for both, Redis for the nodes); client process i connects through node i;` +
      ` the meeting was placed on node-${holder + 1}, so the sockets of processes ${relayed.map((i) => i + 1).join(' and ')} are relayed`,
  );
  const rate = (t: LiveTarget) => t.joins.count / (t.joins.wallMs / 1000);
  const joinLat = (t: LiveTarget, pick: number[] | undefined, p: number) =>
    quantile(pick ? pick.flatMap((i) => t.joins.latenciesByClient[i] ?? []) : t.joins.latencies, p);
  console.log(
    `${padEnd('joins', 16)} ${pad('n', 5)} ${pad('joins/s', 8)} ${pad('vs one', 7)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)}` +
      ` ${pad('direct p50/p99', 15)} ${pad('relayed p50/p99', 16)} ${pad('srv CPU µs/join', 16)}`,
  );
  for (const t of [one, cluster]) {
    const split = t === cluster;
    console.log(
      `${padEnd(t.name, 16)} ${pad(t.joins.count, 5)} ${pad(Math.round(rate(t)), 8)} ${pad((rate(t) / rate(one)).toFixed(2), 7)}` +
        ` ${pad(f1(joinLat(t, undefined, 0.5)), 7)} ${pad(f1(joinLat(t, undefined, 0.99)), 7)}` +
        ` ${pad(split ? `${f1(joinLat(t, [holder], 0.5))} / ${f1(joinLat(t, [holder], 0.99))}` : '—', 15)}` +
        ` ${pad(split ? `${f1(joinLat(t, relayed, 0.5))} / ${f1(joinLat(t, relayed, 0.99))}` : '—', 16)}` +
        ` ${pad(Math.round(t.joins.serverCpuUsPerJoin), 16)}`,
    );
  }
  console.log('# srv CPU: every Convene process (one, or the three nodes), not PostgreSQL nor Redis');

  console.log(
    `\n${padEnd('POST → every socket', 30)} ${pad('n', 3)} ${pad('last p50', 9)} ${pad('last p99', 9)} ${pad('vs one p50/p99', 15)}` +
      ` ${pad('median p50', 11)} ${pad('HTTP p50', 9)} ${pad('direct p50', 11)} ${pad('relayed p50', 12)} ${pad('srv CPU ms', 11)}`,
  );
  const baseline = (name: string) => one.rows[name.includes('unmute_all') ? 1 : 0]!;
  for (const t of [one, cluster]) {
    for (const row of t.rows) {
      const s = row.samples;
      const q = (pick: (x: (typeof s)[number]) => number, p: number) => quantile(s.map(pick), p);
      const base = baseline(row.name).samples.map((x) => x.lastMs);
      const byClient = (ids: number[]) => q((x) => Math.max(...ids.map((i) => x.lastByClient[i]!)), 0.5);
      console.log(
        `${padEnd(row.name, 30)} ${pad(s.length, 3)} ${pad(f1(q((x) => x.lastMs, 0.5)), 9)} ${pad(f1(q((x) => x.lastMs, 0.99)), 9)}` +
          ` ${pad(`${(q((x) => x.lastMs, 0.5) / quantile(base, 0.5)).toFixed(2)} / ${(q((x) => x.lastMs, 0.99) / quantile(base, 0.99)).toFixed(2)}`, 15)}` +
          ` ${pad(f1(q((x) => x.medianMs, 0.5)), 11)} ${pad(f1(q((x) => x.httpMs, 0.5)), 9)}` +
          ` ${pad(t === cluster ? f1(byClient([holder])) : '—', 11)} ${pad(t === cluster ? f1(byClient(relayed)) : '—', 12)}` +
          ` ${pad(f1(q((x) => x.serverCpuMs, 0.5)), 11)}`,
      );
    }
  }
  console.log(
    `# ms from just before the request to the last / median socket having mute.lock; p99 of ${options.repeats} samples;` +
      ' direct / relayed: the last socket of the client process connected through the holder / through the other two nodes;' +
      ' via other: the REST call through a node that does not hold the meeting (forwarded over Redis); srv CPU: all Convene processes, median per broadcast',
  );
}
