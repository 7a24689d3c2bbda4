/**
 * The breakout measure (`npm run bench -- breakout`, issue 17): N guests (200) and a host in a meeting on the real
 * server; a host call splits them at random into R rooms (20) and opens the rooms, timed from just before
 * `POST …/breakout/open` until every participant's socket has the `breakout` event that puts it in its room; then
 * `POST …/breakout/close` with no grace period, timed until every socket has the `breakout` event that puts it back in
 * the main meeting. The rooms are created and everyone assigned (untimed) before the first open. The baseline, in the
 * same run: a bare `ws` server with N sockets broadcasting one small event to all (bench/live.ts's bare measure).
 */
import { HttpsClient } from '../test/support/client.ts';
import { type LiveOptions, type LiveTarget, measureBareSignal, measureConveneMeeting, type MeasuredMeeting, type TimedRequest } from './live.ts';
import { quantile } from './scheduling.ts';
import { pad, padEnd, startChild } from './support.ts';

export const BREAKOUT_ROOMS = 20;

/** Create the rooms and assign everyone at random once (untimed); then open and close, each timed. */
function breakoutRequests(meeting: MeasuredMeeting, http: HttpsClient, rooms: number): TimedRequest[] {
  const path = (p: string) => `/api/v1/meeting/${meeting.meetingNumber}/breakout${p}`;
  const call = async (p: string, body: object) => {
    const reply = await http.call('POST', path(p), { query: meeting.auth, body });
    if (reply.status !== 200) throw new Error(`${p || 'create'}: ${reply.status} ${reply.text.slice(0, 300)}`);
    return reply;
  };
  let planned = false;
  return [
    {
      name: `open (${rooms} rooms)`,
      expect: { type: 'breakout', moved: 'open' },
      prepare: async () => {
        if (planned) return;
        await call('', { count: rooms });
        await call('/assign', { random: true });
        planned = true;
      },
      send: () => call('/open', { duration: 0 }),
    },
    { name: 'close (back to main)', expect: { type: 'breakout', moved: 'back' }, send: () => call('/close', { grace: 0 }) },
  ];
}

export async function measureBreakout(conveneEnv: Record<string, string>, bareEnv: Record<string, string>, options: LiveOptions, nodeArgs: string[]): Promise<LiveTarget[]> {
  const bare = await measureBareSignal(bareEnv, options, nodeArgs);
  const server = await startChild('convene', conveneEnv, nodeArgs, 'convene (breakout)');
  try {
    const ours = await measureConveneMeeting('convene', [server], conveneEnv.CONVENE_ADMIN_PASSWORD!, options, (meeting, [http]) =>
      breakoutRequests(meeting, http!, BREAKOUT_ROOMS),
    );
    return [bare, ours];
  } finally {
    await server.stop();
  }
}

const f1 = (ms: number) => ms.toFixed(1);

export function printBreakout(targets: readonly LiveTarget[], options: LiveOptions): void {
  const [bare, ours] = targets;
  if (!bare || !ours) return;
  console.log(
    `\n# breakout: ${options.participants} guest sockets + 1 host, split at random into ${BREAKOUT_ROOMS} rooms;` +
      ` ${options.repeats} timed open/close pairs after ${options.warmup} untimed; baseline: a bare ws broadcast to the same sockets`,
  );
  console.log(
    `${padEnd('POST → every socket moved', 30)} ${pad('n', 3)} ${pad('last p50', 9)} ${pad('last p99', 9)} ${pad('median p50', 11)} ${pad('HTTP p50', 9)}` +
      ` ${pad('srv CPU ms', 11)}   last of every sample`,
  );
  for (const t of targets) {
    for (const row of t.rows) {
      const s = row.samples;
      const q = (pick: (x: (typeof s)[number]) => number, p: number) => quantile(s.map(pick), p);
      console.log(
        `${padEnd(row.name, 30)} ${pad(s.length, 3)} ${pad(f1(q((x) => x.lastMs, 0.5)), 9)} ${pad(f1(q((x) => x.lastMs, 0.99)), 9)}` +
          ` ${pad(f1(q((x) => x.medianMs, 0.5)), 11)} ${pad(f1(q((x) => x.httpMs, 0.5)), 9)} ${pad(f1(q((x) => x.serverCpuMs, 0.5)), 11)}` +
          `   ${s.map((x) => Math.round(x.lastMs)).join(' ')}`,
      );
    }
  }
  const last = (t: LiveTarget, i: number, p: number) => quantile(t.rows[i]!.samples.map((x) => x.lastMs), p);
  for (const i of [0, 1]) {
    console.log(`# ratio ${ours.rows[i]!.name} / ${bare.rows[0]!.name}: p50 ${(last(ours, i, 0.5) / last(bare, 0, 0.5)).toFixed(2)}, p99 ${(last(ours, i, 0.99) / last(bare, 0, 0.99)).toFixed(2)}`);
  }
}
