/**
 * The live-meeting measures (`npm run bench -- live`), on the real server in its own process (bench/server-child.ts),
 * with the participants' sockets in one or more further processes (bench/live-clients.ts):
 * (6) joins: N guests open a WebSocket each at the signalling path and send `join` to an instant meeting (at most
 *     `concurrency` joins in flight) until every one has `meeting.status` connected: joins/s, join latency p50/p99;
 * (7) mute_all / unmute_all with those N guests and a host in the meeting: from just before the HTTP request until the
 *     last (and the median) participant socket has the `mute.lock` event, `repeats` times each.
 * The baseline, in the same run: a bare `ws` server (bench/bare.ts, `bareSignalServer`) with N sockets joined the
 * same way, where `POST /broadcast` sends the same `mute.lock` bytes to every socket. Goal: p99 ≤ 200 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { SIGNAL_PATH } from '../contract/signal/protocol.ts';
import { clientSecret } from '../src/accounts/secret.ts';
import { HttpsClient, type Reply } from '../test/support/client.ts';
import type { ClientCommand, ClientReply, JoinSpec } from './live-clients.ts';
import { quantile } from './scheduling.ts';
import { type Child, pad, padEnd, startChild, stopDriver } from './support.ts';

export const LIVE_GOAL_MS = 200;
const HOST_CLIENT_ID = 'bench-live-host';
const CLIENTS = fileURLToPath(new URL('./live-clients.ts', import.meta.url));
/** Longest wait for every socket to have the event of one broadcast. */
const RECEIVE_TIMEOUT_MS = 20_000;

export interface LiveOptions {
  /** Guests joined to the meeting (and sockets on the bare server). */
  participants: number;
  /** Joins in flight at once, over all client processes. */
  concurrency: number;
  /** Timed mute/unmute pairs (after `warmup` untimed pairs). */
  repeats: number;
  warmup: number;
  /** Processes holding the participants' sockets. */
  clientProcesses: number;
  /** Pause after each broadcast (the roster update follows mute_all 20 ms later; it is not timed, but its CPU is counted). */
  settleMs: number;
}

export interface BroadcastSample {
  /** From just before sending the request to the last socket having the event, ms. */
  lastMs: number;
  /** … to the median socket having it. */
  medianMs: number;
  /** … to the first socket having it. */
  firstMs: number;
  /** … to the HTTP answer. */
  httpMs: number;
  /** Server process CPU from before the request to `settleMs` after the last socket, ms. */
  serverCpuMs: number;
  /** CPU of the client processes over the same span, ms (all of them together). */
  clientCpuMs: number;
  /** … to the last socket of each client process having the event, ms (in the cluster measure, one process per node). */
  lastByClient: number[];
}

export interface LiveTarget {
  name: string;
  joins: {
    count: number;
    wallMs: number;
    latencies: number[];
    /** The same latencies by client process. */
    latenciesByClient: number[][];
    serverCpuUsPerJoin: number;
    /** CPU of the client processes over the joins, per join, µs. */
    clientCpuUsPerJoin: number;
    /** Frames and payload bytes the participants received from the first join until 1 s after the last. */
    frames: number;
    bytes: number;
  };
  rows: { name: string; samples: BroadcastSample[] }[];
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One bench/live-clients.ts process. */
export class ClientProcess {
  private readonly waiting = new Map<string, { resolve: (r: ClientReply) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<unknown>;

  constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    child.on('message', (m: ClientReply) => {
      const w = this.waiting.get(m.cmd);
      this.waiting.delete(m.cmd);
      w?.resolve(m);
    });
    void this.exited.then(() => {
      for (const w of this.waiting.values()) w.reject(new Error(`client process ${child.pid} exited`));
      this.waiting.clear();
    });
  }

  static async start(): Promise<ClientProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENTS], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'spawn');
    return new ClientProcess(child);
  }

  /** The next reply of kind `cmd` (registered before anything is sent, so it cannot be missed). */
  next<C extends ClientReply['cmd']>(cmd: C, timeoutMs: number): Promise<Extract<ClientReply, { cmd: C }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(cmd);
        reject(new Error(`client process ${this.child.pid}: no ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(cmd, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as Extract<ClientReply, { cmd: C }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  async call<C extends 'join' | 'arm' | 'cpu'>(command: ClientCommand & { cmd: C }, timeoutMs = 60_000) {
    const reply = this.next<C>(command.cmd, timeoutMs);
    this.child.send(command);
    return reply;
  }

  async cpuMs(): Promise<number> {
    return (await this.call({ cmd: 'cpu' })).cpu / 1000;
  }

  async counters(): Promise<{ cpu: number; frames: number; bytes: number }> {
    const { cpu, frames, bytes } = await this.call({ cmd: 'cpu' });
    return { cpu, frames, bytes };
  }

  stop(): Promise<void> {
    return stopDriver(this.child, this.exited, { cmd: 'stop' } satisfies ClientCommand);
  }
}

/** Splits `items` into `parts` contiguous slices of nearly equal size. */
const split = <T>(items: T[], parts: number): T[][] =>
  Array.from({ length: parts }, (_, i) => items.slice(Math.floor((i * items.length) / parts), Math.floor(((i + 1) * items.length) / parts)));

/** Joins the guests through every client process at once (process i at `urls[i]`); fails on the first refused join. */
async function joinAll(clients: ClientProcess[], urls: string[], meetingNumber: string, guests: JoinSpec[], concurrency: number) {
  const perProcess = Math.max(1, Math.ceil(concurrency / clients.length));
  const t0 = now();
  const replies = await Promise.all(
    split(guests, clients.length).map((participants, i) =>
      clients[i]!.call({ cmd: 'join', url: urls[i]!, meetingNumber, participants, concurrency: perProcess, measured: true }, 300_000),
    ),
  );
  const wallMs = now() - t0;
  const latenciesByClient: number[][] = [];
  for (const r of replies) {
    if ('error' in r) throw new Error(`join failed: ${r.error}`);
    latenciesByClient.push(r.latencies);
  }
  const latencies = latenciesByClient.flat();
  return { count: latencies.length, wallMs, latencies, latenciesByClient };
}

/**
 * One timed broadcast: every client process is armed for `mute.lock` with `muted`, then the request goes out; the
 * sample ends when every measured socket has the event.
 */
async function broadcast(servers: Child[], clients: ClientProcess[], muted: boolean, request: () => Promise<Reply>, settleMs: number): Promise<BroadcastSample> {
  const serverCpu = async () => (await Promise.all(servers.map((s) => s.cpu()))).reduce((a, b) => a + b, 0);
  const serverCpu0 = await serverCpu();
  const clientCpu0 = (await Promise.all(clients.map((c) => c.cpuMs()))).reduce((a, b) => a + b, 0);
  await Promise.all(clients.map((c) => c.call({ cmd: 'arm', muted })));
  const received = clients.map((c) => c.next('received', RECEIVE_TIMEOUT_MS));
  const t0 = now();
  const reply = await request();
  const httpMs = now() - t0;
  if (reply.status !== 200) throw new Error(`broadcast request failed: ${reply.status} ${reply.text.slice(0, 300)}`);
  const results = await Promise.all(received);
  const times = results.flatMap((r) => r.times).sort((a, b) => a - b);
  const unexpected = results.reduce((n, r) => n + r.unexpected, 0);
  if (unexpected > 0) throw new Error(`${unexpected} unexpected mute.lock events`);
  await sleep(settleMs);
  const serverCpuMs = ((await serverCpu()) - serverCpu0) / 1000;
  const clientCpuMs = (await Promise.all(clients.map((c) => c.cpuMs()))).reduce((a, b) => a + b, 0) - clientCpu0;
  return {
    lastMs: times[times.length - 1]! - t0,
    medianMs: quantile(times, 0.5) - t0,
    firstMs: times[0]! - t0,
    httpMs,
    serverCpuMs,
    clientCpuMs,
    lastByClient: results.map((r) => Math.max(...r.times) - t0),
  };
}

const guestsOf = (n: number, passcode: string): JoinSpec[] =>
  Array.from({ length: n }, (_, i) => ({ client_id: `bench-guest-${i + 1}`, display_name: `Guest ${i + 1}`, passcode }));

/** One timed request of a run: the broadcast it causes sets `muted` on every guest. */
export interface TimedRequest {
  name: string;
  muted: boolean;
  send: () => Promise<Reply>;
}

/**
 * Runs the measure: joins, then `warmup` + `repeats` rounds of `requests` (in order; each a timed broadcast). Client
 * process i connects through `servers[i % servers.length]`; the server CPU counted is that of all `servers`.
 */
export async function runTarget(
  name: string,
  servers: Child[],
  options: LiveOptions,
  setup: (clients: ClientProcess[], signalUrls: string[]) => Promise<{ meetingNumber: string; passcode: string }>,
  /** Called once `setup` is done (they may depend on what it found). */
  requests: () => TimedRequest[],
  check: () => Promise<void>,
): Promise<LiveTarget> {
  const clients: ClientProcess[] = [];
  const serverCpu = async () => (await Promise.all(servers.map((s) => s.cpu()))).reduce((a, b) => a + b, 0);
  try {
    for (let i = 0; i < options.clientProcesses; i++) clients.push(await ClientProcess.start());
    const signalUrls = clients.map((_, i) => servers[i % servers.length]!.url.replace(/^https:/, 'wss:') + SIGNAL_PATH);
    const { meetingNumber, passcode } = await setup(clients, signalUrls);
    const counters = async () =>
      (await Promise.all(clients.map((c) => c.counters()))).reduce((a, b) => ({ cpu: a.cpu + b.cpu, frames: a.frames + b.frames, bytes: a.bytes + b.bytes }));
    const traffic0 = await counters();
    const cpu0 = await serverCpu();
    const joined = await joinAll(clients, signalUrls, meetingNumber, guestsOf(options.participants, passcode), options.concurrency);
    const serverCpuUsPerJoin = ((await serverCpu()) - cpu0) / joined.count;
    const clientCpuUsPerJoin = ((await counters()).cpu - traffic0.cpu) / joined.count;
    // Roster updates of the last joins and the history writes settle before anything is timed.
    await sleep(1000);
    const traffic1 = await counters();
    await check();
    const timed = requests();
    const rows = timed.map((r) => ({ name: `${name} ${r.name}`, samples: [] as BroadcastSample[] }));
    for (let i = 0; i < options.warmup + options.repeats; i++) {
      for (const [k, r] of timed.entries()) {
        const sample = await broadcast(servers, clients, r.muted, r.send, options.settleMs);
        if (i >= options.warmup) rows[k]!.samples.push(sample);
      }
    }
    return { name, joins: { ...joined, serverCpuUsPerJoin, clientCpuUsPerJoin, frames: traffic1.frames - traffic0.frames, bytes: traffic1.bytes - traffic0.bytes }, rows };
  } finally {
    for (const c of clients) await c.stop();
  }
}

/** The baseline: bare ws server, N sockets, `POST /broadcast`. */
async function measureBareSignal(env: Record<string, string>, options: LiveOptions, nodeArgs: string[]): Promise<LiveTarget> {
  const server = await startChild('bare-signal', env, nodeArgs, 'bare ws (live)');
  const http = new HttpsClient(server.url);
  try {
    return await runTarget(
      'bare ws',
      [server],
      options,
      async () => ({ meetingNumber: '1', passcode: '' }),
      () => [
        { name: 'broadcast (true)', muted: true, send: () => http.call('POST', '/broadcast', { body: { muted: true } }) },
        { name: 'broadcast (false)', muted: false, send: () => http.call('POST', '/broadcast', { body: { muted: false } }) },
      ],
      async () => {},
    );
  } finally {
    http.close();
    await server.stop();
  }
}

/** A Convene meeting under measure: its number, and the host's credentials for the control calls. */
export interface MeasuredMeeting {
  meetingNumber: string;
  auth: { client_id: string; token: string };
}

/**
 * The real server(s): an instant meeting of the admin (created through the first server), the admin joined as host
 * through the first client process, N guests with the meeting password. `requests` are the timed calls (`http[i]` talks
 * to `servers[i]`); `placed` runs once the host is in (the cluster measure asks Redis where the meeting went).
 */
export async function measureConveneMeeting(
  name: string,
  servers: Child[],
  adminPassword: string,
  options: LiveOptions,
  requests: (meeting: MeasuredMeeting, http: HttpsClient[]) => TimedRequest[],
  placed: (meetingNumber: string) => Promise<void> = async () => {},
): Promise<LiveTarget> {
  const http = servers.map((s) => new HttpsClient(s.url));
  try {
    const signIn = await http[0]!.call('POST', '/api/v1/user/sign_in', {
      query: { client_id: HOST_CLIENT_ID },
      body: { username: 'admin', secret: clientSecret(adminPassword) },
    });
    if (signIn.status !== 200) throw new Error(`admin sign-in failed: ${signIn.status} ${signIn.text}`);
    const token = signIn.body.user_token as string;
    const meeting: MeasuredMeeting = { meetingNumber: '', auth: { client_id: HOST_CLIENT_ID, token } };
    return await runTarget(
      name,
      servers,
      options,
      async (clients, signalUrls) => {
        const created = await http[0]!.call('POST', '/api/v1/meeting_schedule', {
          query: meeting.auth,
          body: { meeting_type: 'instant', meeting_name: 'Bench live meeting', guest_dial_in: true, mute_upon_entry: 'DISABLE' },
        });
        if (created.status !== 200 || !created.body.meeting_number) throw new Error(`instant meeting: ${created.status} ${created.text.slice(0, 300)}`);
        meeting.meetingNumber = created.body.meeting_number as string;
        const passcode = created.body.meeting_password as string;
        if (!passcode) throw new Error('the instant meeting has no password: the guests would not be asked for one');
        // The host first (the admin is a SystemAdmin: host, never muted by mute_all), not measured.
        const host = await clients[0]!.call({
          cmd: 'join',
          url: signalUrls[0]!,
          meetingNumber: meeting.meetingNumber,
          participants: [{ client_id: HOST_CLIENT_ID, display_name: 'Bench host', token }],
          concurrency: 1,
          measured: false,
        });
        if ('error' in host) throw new Error(`host join failed: ${host.error}`);
        await placed(meeting.meetingNumber);
        return { meetingNumber: meeting.meetingNumber, passcode };
      },
      () => requests(meeting, http),
      async () => {
        // What is measured is the real meeting: every guest and the host in it (the roster is paged, 500 a page), as
        // every server answers it.
        for (const client of http) {
          const detail = await client.call('GET', `/api/v1/meeting/${meeting.meetingNumber}`, { query: meeting.auth });
          const count = detail.body?.participant_count as number | undefined;
          const participants = detail.body?.participants as { type: string }[] | undefined;
          if (detail.status !== 200 || count !== options.participants + 1 || participants?.length !== Math.min(count, 500)) {
            throw new Error(`unexpected meeting: ${detail.status} ${count} participants ${detail.text.slice(0, 200)}`);
          }
        }
      },
    );
  } finally {
    for (const c of http) c.close();
  }
}

/** mute_all and unmute_all, sent through `http`. */
export const muteAllPair = (meeting: MeasuredMeeting, http: HttpsClient, suffix = ''): TimedRequest[] => [
  { name: `mute_all${suffix}`, muted: true, send: () => http.call('POST', `/api/v1/meeting/${meeting.meetingNumber}/mute_all`, { query: meeting.auth, body: {} }) },
  { name: `unmute_all${suffix}`, muted: false, send: () => http.call('POST', `/api/v1/meeting/${meeting.meetingNumber}/unmute_all`, { query: meeting.auth, body: {} }) },
];

/** The single server of measures 6 and 7. */
async function measureConveneLive(env: Record<string, string>, options: LiveOptions, nodeArgs: string[]): Promise<LiveTarget> {
  const server = await startChild('convene', env, nodeArgs, 'convene (live)');
  try {
    return await measureConveneMeeting('convene', [server], env.CONVENE_ADMIN_PASSWORD!, options, (meeting, [http]) => muteAllPair(meeting, http!));
  } finally {
    await server.stop();
  }
}

/** Bare ws server first, then Convene (one server process at a time, like the REST measures). */
export async function measureLive(conveneEnv: Record<string, string>, bareEnv: Record<string, string>, options: LiveOptions, nodeArgs: string[]): Promise<LiveTarget[]> {
  return [await measureBareSignal(bareEnv, options, nodeArgs), await measureConveneLive(conveneEnv, options, nodeArgs)];
}

const f1 = (ms: number) => ms.toFixed(1);

export function printLive(targets: readonly LiveTarget[], options: LiveOptions): void {
  const [bare, ours] = targets;
  if (!bare || !ours) return;
  console.log(
    `\n# live: ${options.participants} guest sockets (Convene: + 1 host), ${options.concurrency} joins in flight,` +
      ` ${options.clientProcesses} client process(es); ${options.repeats} timed broadcast pairs after ${options.warmup} untimed`,
  );
  console.log(
    `${padEnd('joins', 26)} ${pad('n', 5)} ${pad('wall s', 7)} ${pad('joins/s', 8)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)}` +
      ` ${pad('vs bare', 8)} ${pad('srv CPU µs/join', 16)} ${pad('cli CPU µs/join', 16)} ${pad('frames', 9)} ${pad('MB', 6)}`,
  );
  for (const t of targets) {
    const rate = t.joins.count / (t.joins.wallMs / 1000);
    const bareRate = bare.joins.count / (bare.joins.wallMs / 1000);
    console.log(
      `${padEnd(`${t.name} join`, 26)} ${pad(t.joins.count, 5)} ${pad((t.joins.wallMs / 1000).toFixed(2), 7)} ${pad(Math.round(rate), 8)}` +
        ` ${pad(f1(quantile(t.joins.latencies, 0.5)), 7)} ${pad(f1(quantile(t.joins.latencies, 0.99)), 7)}` +
        ` ${pad((rate / bareRate).toFixed(2), 8)} ${pad(Math.round(t.joins.serverCpuUsPerJoin), 16)} ${pad(Math.round(t.joins.clientCpuUsPerJoin), 16)}` +
        ` ${pad(t.joins.frames, 9)} ${pad((t.joins.bytes / 1e6).toFixed(1), 6)}`,
    );
  }
  console.log(
    '# latency: from opening the socket (TLS, upgrade, join) to meeting.status connected; vs bare: joins/s ratio;' +
      ' frames, MB: what all participants received during the joins (until 1 s after the last)',
  );

  console.log(
    `\n${padEnd('POST → every socket', 26)} ${pad('n', 3)} ${pad('last p50', 9)} ${pad('last p99', 9)} ${pad('median p50', 11)}` +
      ` ${pad('first p50', 10)} ${pad('HTTP p50', 9)} ${pad('srv CPU ms', 11)} ${pad('cli CPU ms', 11)}   last of every sample`,
  );
  for (const t of targets) {
    for (const row of t.rows) {
      const s = row.samples;
      const q = (pick: (x: BroadcastSample) => number, p: number) => quantile(s.map(pick), p);
      console.log(
        `${padEnd(row.name, 26)} ${pad(s.length, 3)} ${pad(f1(q((x) => x.lastMs, 0.5)), 9)} ${pad(f1(q((x) => x.lastMs, 0.99)), 9)}` +
          ` ${pad(f1(q((x) => x.medianMs, 0.5)), 11)} ${pad(f1(q((x) => x.firstMs, 0.5)), 10)} ${pad(f1(q((x) => x.httpMs, 0.5)), 9)}` +
          ` ${pad(f1(q((x) => x.serverCpuMs, 0.5)), 11)} ${pad(f1(q((x) => x.clientCpuMs, 0.5)), 11)}   ${s.map((x) => Math.round(x.lastMs)).join(' ')}`,
      );
    }
  }
  console.log(
    `# ms from just before sending the request to the last / median / first socket having mute.lock; p99 of ${options.repeats} samples` +
      ` is their ${Math.ceil(0.99 * options.repeats) === options.repeats ? 'maximum' : `rank ${Math.ceil(0.99 * options.repeats)}`};` +
      ` CPU: median per broadcast, including the ${options.settleMs} ms after it (Convene's roster update)`,
  );
  const last = (t: LiveTarget, i: number, p: number) => quantile(t.rows[i]!.samples.map((x) => x.lastMs), p);
  for (const i of [0, 1]) {
    console.log(
      `# ratio ${ours.rows[i]!.name} / ${bare.rows[i]!.name}: p50 ${(last(ours, i, 0.5) / last(bare, i, 0.5)).toFixed(2)},` +
        ` p99 ${(last(ours, i, 0.99) / last(bare, i, 0.99)).toFixed(2)}`,
    );
  }
  const worst = Math.max(last(ours, 0, 0.99), last(ours, 1, 0.99));
  console.log(
    `# goal p99 ≤ ${LIVE_GOAL_MS} ms (POST → last of ${options.participants} participants, mute_all and unmute_all): ` +
      `${worst <= LIVE_GOAL_MS ? 'met' : 'NOT met'} (worst p99 ${f1(worst)} ms)`,
  );
}
