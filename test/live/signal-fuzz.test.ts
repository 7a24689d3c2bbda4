import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { COMMAND_SCHEMAS, SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import { testDialects } from '../support/dialects.ts';
import { BAD_VALUES, fuzzRounds, fuzzSeed, pick, prng, propertiesOf } from '../support/fuzz.ts';
import { eventually } from '../support/eventually.ts';
import { instantMeeting } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Every command of the signalling protocol (so also every one added later), sent by a joined host and a joined guest
 * with its fields replaced by wrong types, huge, empty, nested and hostile values and unknown fields: each frame is
 * answered (ack, pong or an error with an FRTC errorCode, matched by its id), the connection stays open and usable, and
 * the server logs no failed command. Seeded like test/api/fuzz.test.ts (CONVENE_FUZZ_SEED, CONVENE_FUZZ_ROUNDS).
 */

const SEED = fuzzSeed();
const PER_COMMAND = fuzzRounds(8);
/** Commands that end or replace the session: fuzzed with the others would stop the run early. */
const LAST = new Set(['join', 'resume', 'leave']);

interface Peer {
  ws: WebSocket;
  events: Array<{ type: string; id?: unknown; errorCode?: string }>;
  open: () => boolean;
}

async function joined(t: TestServer, join: Record<string, unknown>): Promise<Peer> {
  const ws = new WebSocket(t.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, { rejectUnauthorized: false });
  const events: Peer['events'] = [];
  let closed = false;
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Peer['events'][number]));
  ws.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'join', v: 1, ...join }));
  await eventually(() => assert.ok(events.some((e) => e.type === 'meeting.status' && (e as { status?: string }).status === 'connected'), `joined: ${JSON.stringify(events).slice(0, 300)}`));
  return { ws, events, open: () => !closed };
}

for (const dialect of testDialects()) {
  describe(`signalling fuzz: every command with bad fields is answered and harms nothing [${dialect}]`, () => {
    let t: TestServer;
    const peers: Peer[] = [];

    before(async () => {
      // A frame rate no fuzz run reaches: the flood limit has its own test (test/live/guarding.test.ts).
      t = await startTestServer(dialect, { CONVENE_SIGNAL_FRAMES_PER_SECOND: '10000', CONVENE_SIGNAL_FRAME_BURST: '100000', CONVENE_LOG_LEVEL: 'warn' });
      const admin = await t.adminToken();
      const meeting = await instantMeeting(t, admin, 'admin-console', 'Fuzzed signalling');
      peers.push(await joined(t, { meeting_number: meeting.meeting_number, client_id: 'admin-console', display_name: 'Host', token: admin }));
      peers.push(await joined(t, { meeting_number: meeting.meeting_number, client_id: 'fuzz-guest', display_name: 'Guest', passcode: meeting.meeting_password }));
    });
    after(async () => {
      for (const p of peers) p.ws.terminate();
      await t?.close();
    });

    it(`${Object.keys(COMMAND_SCHEMAS).length} commands × host and guest × ${PER_COMMAND} frames`, async () => {
      const rnd = prng(SEED);
      let n = 0;
      const sent: Array<{ peer: Peer; id: string; frame: string }> = [];
      for (const [type, schema] of Object.entries(COMMAND_SCHEMAS)) {
        if (LAST.has(type)) continue;
        for (const peer of peers) {
          for (let i = 0; i < PER_COMMAND; i++) {
            const id = `fuzz-${++n}`;
            const frame: Record<string, unknown> = { type, id };
            for (const name of propertiesOf(schema)) if (name !== 'type' && name !== 'id' && rnd() < 0.7) frame[name] = pick(rnd, BAD_VALUES);
            frame[`unknown_${Math.floor(rnd() * 100)}`] = pick(rnd, BAD_VALUES);
            const text = JSON.stringify(frame);
            peer.ws.send(text);
            sent.push({ peer, id, frame: text.slice(0, 300) });
          }
        }
      }
      const answer = (s: (typeof sent)[number]) => s.peer.events.find((e) => (e.type === 'ack' || e.type === 'pong' || e.type === 'error') && e.id === s.id);
      await eventually(() => assert.ok(sent.every(answer)), 20_000).catch(() => undefined);
      const unanswered = sent.filter((s) => !answer(s)).map((s) => s.frame);
      assert.deepEqual(unanswered.slice(0, 10), [], `seed ${SEED}: ${unanswered.length} of ${sent.length} frames got no ack or error`);
      const noCode = sent.map(answer).filter((e) => e?.type === 'error' && !/^0x[0-9a-f]{8}$/i.test(String(e.errorCode)));
      assert.deepEqual(noCode.slice(0, 5), [], 'every error carries an FRTC errorCode');
      assert.ok(peers.every((p) => p.open()), 'both connections are still open');
      for (const p of peers) {
        p.ws.send(JSON.stringify({ type: 'ping', id: 'after-fuzz' }));
        await eventually(() => assert.ok(p.events.some((e) => e.type === 'pong' && e.id === 'after-fuzz'), 'ping answered after the fuzz'));
      }
      assert.deepEqual(t.logs.filter((l) => /signalling command failed|TypeError|RangeError/.test(l)).slice(0, 5), [], 'no command failed inside the server');
    });
  });
}
