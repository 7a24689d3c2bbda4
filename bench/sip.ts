/**
 * `npm run bench -- sip`: concurrent SIP audio calls per core. N callers each send G.711 µ-law (a 300 Hz tone, 50
 * packets/s) to a plain RTP leg of one media room (bench/sip-host.ts: the media worker's code for SIP calls — decode,
 * to 48 kHz, Opus for the meeting; per call a mix of all the others, encoded back to G.711 every 20 ms), and count the
 * mixed packets coming back. The baseline, in the same run: the same packets to a plain RTP echo (one UDP socket per
 * call sending each packet back). The CPU of the process under measure is read over the load; calls per core = N
 * divided by the cores it used. The SIP signalling is left out (a call's signalling is a few messages; its media are
 * 100 packets a second for as long as it lasts). Options: --calls <n,…> (5,10,15,20), --seconds <s> (10).
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { g711Encode } from '../src/media/rtp/g711.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '5,10,15,20' }, seconds: { type: 'string', default: '10' } }, allowPositionals: true, strict: false });
const callCounts = String(values.calls).split(',').map(Number);
const seconds = Number(values.seconds);
const HOST = fileURLToPath(new URL('./sip-host.ts', import.meta.url));

interface Result {
  mode: string;
  calls: number;
  cpuPercent: number;
  callsPerCore: number;
  receivedPerCallPerSecond: number;
}

async function run(mode: 'sip' | 'echo', calls: number): Promise<Result> {
  // The callers: one socket each, in this process (not measured).
  const callers: Socket[] = await Promise.all(
    Array.from({ length: calls }, async () => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    }),
  );
  const received = new Array<number>(calls).fill(0);
  callers.forEach((s, i) => s.on('message', () => received[i]!++));
  const host = fork(HOST, [mode, String(calls), callers.map((s) => s.address().port).join(',')], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ ports }] = (await once(host, 'message')) as [{ ports: number[] }];
  const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));
  const payload = g711Encode('PCMU', tone);
  const seq = new Array<number>(calls).fill(0);
  const send = () =>
    callers.forEach((s, i) => {
      const p = Buffer.alloc(12 + payload.length);
      p[0] = 0x80;
      p[1] = 0;
      p.writeUInt16BE(seq[i]! & 0xffff, 2);
      p.writeUInt32BE((seq[i]! * 160) >>> 0, 4);
      p.writeUInt32BE(1000 + i, 8);
      payload.copy(p, 12);
      seq[i]!++;
      s.send(p, ports[i]!, '127.0.0.1');
    });
  // 20 ms pacing on a drift-free grid; a second of warm-up before the measured window.
  const started = performance.now();
  let next = started;
  const timer = setInterval(() => {
    const now = performance.now();
    while (next <= now) {
      send();
      next += 20;
    }
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  received.fill(0);
  host.send('start');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  host.send('stop');
  const [{ cpuMs, wallMs }] = (await once(host, 'message')) as [{ cpuMs: number; wallMs: number }];
  const got = received.reduce((a, b) => a + b, 0);
  clearInterval(timer);
  host.send('exit');
  await once(host, 'exit');
  for (const s of callers) s.close();
  const cores = cpuMs / wallMs;
  return { mode, calls, cpuPercent: cores * 100, callsPerCore: calls / cores, receivedPerCallPerSecond: got / calls / (wallMs / 1000) };
}

const results: Result[] = [];
for (const calls of callCounts) {
  for (const mode of ['sip', 'echo'] as const) results.push(await run(mode, calls));
}
console.log(`\n# SIP audio calls per core (${seconds} s per step; G.711 in, 50 packets/s per call)`);
console.log('| calls | process | CPU (% of a core) | calls per core | packets back per call per s | CPU per call vs echo |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const r of results) {
  const echo = results.find((e) => e.mode === 'echo' && e.calls === r.calls)!;
  const label = r.mode === 'sip' ? 'convene RTP legs (decode, Opus, mix, G.711)' : 'plain RTP echo';
  // A process at a full core cannot keep up: it does less than the calls ask, so no per-core figure is read from it.
  const perCore = r.cpuPercent >= 95 ? 'saturated' : String(Math.round(r.callsPerCore));
  console.log(`| ${r.calls} | ${label} | ${r.cpuPercent.toFixed(1)} | ${perCore} | ${r.receivedPerCallPerSecond.toFixed(1)} | ${r.mode === 'sip' ? `${(r.cpuPercent / echo.cpuPercent).toFixed(1)}×` : '1×'} |`);
}
