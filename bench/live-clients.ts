/**
 * Participant sockets for bench/live.ts, in a process of their own: `node --import tsx bench/live-clients.ts`, driven
 * over IPC by the bench process, so neither the server under test nor the process that sends the timed HTTP request
 * shares an event loop with 1000 sockets.
 *
 * Commands (parent → child), each answered with one message carrying the same `cmd`:
 * - `join`: open one WebSocket per participant (at most `concurrency` joins in flight), send the `join` command and
 *   wait for `meeting.status` connected; answers every join's latency (from opening the socket) and the wall time.
 * - `arm`: the next event matching `expect` (a `mute.lock` with that `muted`, a `chat.message` with that text, or the
 *   `breakout` event that puts the participant in a room or back in the main meeting) is timed on every measured socket; once all have it the child sends `{ cmd: 'received', times }` (process.hrtime in
 *   ms, the same monotonic clock in every process on Linux, so the parent can subtract its own send time).
 * - `say`: the first unmeasured socket of this process (the host) sends `chat.send` with the text; answered at once.
 * - `cpu`: this process's CPU time so far (µs), and the frames and bytes its sockets have received so far.
 * - `stop`: closes every socket and exits (also when the parent goes away).
 *
 * Frames are looked at lazily: the event type is read from the frame's first bytes (the server writes `type` first)
 * and only the few frames that matter are parsed, so rosters and counts cost no JSON.parse here.
 */
import { WebSocket } from 'ws';

export interface JoinSpec {
  client_id: string;
  display_name: string;
  token?: string;
  passcode?: string;
}

export type ClientCommand =
  | { cmd: 'join'; url: string; meetingNumber: string; participants: JoinSpec[]; concurrency: number; measured: boolean }
  | { cmd: 'arm'; expect: Expectation }
  | { cmd: 'say'; text: string }
  | { cmd: 'cpu' }
  | { cmd: 'stop' };

export type ClientReply =
  | { cmd: 'join'; latencies: number[]; wallMs: number }
  | { cmd: 'join'; error: string }
  | { cmd: 'arm' }
  | { cmd: 'say' }
  | { cmd: 'received'; times: number[]; unexpected: number }
  | { cmd: 'cpu'; cpu: number; frames: number; bytes: number };

/** The event a timed broadcast delivers to every participant. */
export type Expectation =
  | { type: 'mute.lock'; muted: boolean }
  | { type: 'chat.message'; text: string }
  /** The `breakout` event that moves the participant: into its room (`open`) or back to the main meeting (`back`). */
  | { type: 'breakout'; moved: 'open' | 'back' };

const OPEN = Buffer.from('"state":"open"');
const PLANNED = Buffer.from('"state":"planned"');
const IN_MAIN = Buffer.from('"your_room":""');

/**
 * Whether a frame of the expected type is the one expected: small events are parsed once their type matched; a
 * `breakout` frame (large: it lists the rooms) is recognised by its bytes. Another `breakout` frame is not unexpected
 * (the rooms' state changes around the move), so it answers undefined: neither the one nor a wrong one.
 */
function matches(expect: Expectation, data: Buffer): boolean | undefined {
  if (expect.type === 'breakout') {
    const moved = expect.moved === 'open' ? data.includes(OPEN) && !data.includes(IN_MAIN) : data.includes(PLANNED) && data.includes(IN_MAIN);
    return moved || undefined;
  }
  if (data.length > 1024) return false;
  const event = JSON.parse(data.toString('utf8')) as { muted?: boolean; message?: { text?: string } };
  return expect.type === 'mute.lock' ? event.muted === expect.muted : event.message?.text === expect.text;
}

const JOIN_TIMEOUT_MS = 30_000;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const send = (reply: ClientReply): void => void process.send!(reply);

/** `{"type":"…"` at the start of a frame → the type, without parsing the frame. */
const PREFIX = Buffer.from('{"type":"');
function typeOf(data: Buffer): string {
  if (data.length < PREFIX.length + 2 || data.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return '';
  const end = data.indexOf(0x22, PREFIX.length);
  return end < 0 ? '' : data.toString('latin1', PREFIX.length, end);
}

const sockets: WebSocket[] = [];
/** Index in the measured set, per socket; the host is not measured (it is never muted). */
let measured = 0;
/** Every frame any socket received (payload bytes), to show what the server sends. */
let frames = 0;
let bytes = 0;
/** The sockets joined unmeasured (the host): `say` speaks through the first. */
const speakers: WebSocket[] = [];
let said = 0;
let armed: { expect: Expectation; seen: Uint8Array; times: number[]; unexpected: number } | undefined;

function onMeasured(index: number, data: Buffer): void {
  if (!armed || typeOf(data) !== armed.expect.type) return;
  const at = now();
  const match = matches(armed.expect, data);
  if (match === undefined) return;
  if (!match || armed.seen[index]) {
    armed.unexpected++;
    return;
  }
  armed.seen[index] = 1;
  armed.times.push(at);
  if (armed.times.length === measured) {
    const { times, unexpected } = armed;
    armed = undefined;
    send({ cmd: 'received', times, unexpected });
  }
}

/** One participant: open, join, wait for connected. Resolves with the latency (ms) from opening the socket. */
function joinOne(url: string, meetingNumber: string, spec: JoinSpec, index: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${spec.client_id}: not connected within ${JOIN_TIMEOUT_MS} ms`));
    }, JOIN_TIMEOUT_MS);
    let joined = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', v: 1, meeting_number: meetingNumber, ...spec })));
    ws.on('message', (data: Buffer, isBinary) => {
      frames++;
      bytes += data.length;
      if (joined) {
        if (index !== undefined) onMeasured(index, data);
        return;
      }
      if (isBinary) return;
      const type = typeOf(data);
      if (type === 'meeting.status') {
        const status = (JSON.parse(data.toString('utf8')) as { status: string }).status;
        clearTimeout(timer);
        if (status !== 'connected') return reject(new Error(`${spec.client_id}: ${data.toString('utf8').slice(0, 300)}`));
        joined = true;
        sockets.push(ws);
        if (index === undefined) speakers.push(ws);
        resolve(now() - t0);
      } else if (type === 'join.failed' || type === 'passcode.requested' || type === 'error') {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`${spec.client_id}: ${data.toString('utf8').slice(0, 300)}`));
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${spec.client_id}: ${e.message}`));
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (!joined) reject(new Error(`${spec.client_id}: closed ${code} ${reason.toString()}`));
    });
  });
}

async function join(c: Extract<ClientCommand, { cmd: 'join' }>): Promise<ClientReply> {
  const latencies: number[] = [];
  const t0 = now();
  let next = 0;
  const worker = async () => {
    while (next < c.participants.length) {
      const spec = c.participants[next++]!;
      latencies.push(await joinOne(c.url, c.meetingNumber, spec, c.measured ? measured++ : undefined));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(c.concurrency, c.participants.length) }, worker));
  } catch (e) {
    return { cmd: 'join', error: (e as Error).message };
  }
  return { cmd: 'join', latencies, wallMs: now() - t0 };
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}

process.on('message', (m: ClientCommand) => {
  switch (m.cmd) {
    case 'join':
      void join(m).then(send);
      break;
    case 'arm':
      armed = { expect: m.expect, seen: new Uint8Array(measured), times: [], unexpected: 0 };
      send({ cmd: 'arm' });
      break;
    case 'say':
      speakers[0]?.send(JSON.stringify({ type: 'chat.send', id: `bench-${++said}`, text: m.text }));
      send({ cmd: 'say' });
      break;
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      send({ cmd: 'cpu', cpu: user + system, frames, bytes });
      break;
    }
    case 'stop':
      stop();
  }
});
process.on('disconnect', stop);
