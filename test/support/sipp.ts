/**
 * sipp (Debian package sip-tester) as the SIP device of the SIP gateway's tests: it runs a scenario of
 * test/media/fixtures/sip/ against the gateway on 127.0.0.1, with RTP on loopback (it streams a PCMU file, or echoes
 * what it receives). Only in the loopback-only namespace of the media tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { g711Encode } from '../../src/media/rtp/g711.ts';

/** The phone's address: loopback, but not the gateway's. */
export const PHONE_ADDRESS = '127.0.0.2';
const FIXTURES = join(import.meta.dirname, '..', 'media', 'fixtures', 'sip');

export function skipWithoutSipp(): string | false {
  if (spawnSync('sipp', ['-v']).error === undefined) return false;
  if (process.env.CONVENE_REQUIRE_MEDIA === '1') throw new Error('sipp is needed (Debian package sip-tester)');
  return 'sipp is not installed (Debian package sip-tester)';
}

/** A UDP port on 127.0.0.1 that is free now (the gateway binds UDP and TCP on it). */
export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface SippCall {
  /** Resolves with sipp's exit code: 0 when the scenario ran to its end (every expected message came). */
  exited: Promise<number>;
  output(): string;
  kill(): void;
}

let work: string | undefined;
const workDir = (): string => (work ??= mkdtempSync(join(tmpdir(), 'convene-sipp-')));

/** Removes the scenario copies and audio files the calls of this process wrote. */
export function cleanUpSipp(): void {
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
}

/** A raw PCMU file of a 300 Hz tone (what sipp's rtp_stream plays), `seconds` long. */
export function toneFile(seconds: number): string {
  const pcm = Int16Array.from({ length: 8000 * seconds }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));
  const path = join(workDir(), 'tone.ulaw');
  writeFileSync(path, g711Encode('PCMU', pcm));
  return path;
}

export interface SippOptions {
  /** `call` (dial in, talk or echo, wait for BYE), `refused` (expect 403) or `answer` (be called, talk, wait for BYE). */
  scenario: 'call' | 'refused' | 'answer';
  gatewayPort: number;
  /** The request URI's user part: the meeting number, with `*passcode` (not for `answer`). */
  dial?: string;
  /** sipp's own SIP port and RTP port (distinct per concurrent call). */
  localPort: number;
  mediaPort: number;
  name?: string;
  /** SIP over UDP (default) or TCP. */
  transport?: 'udp' | 'tcp';
  /** A PCMU file to play; none = the phone only echoes the RTP it receives (-rtp_echo). */
  audio?: string;
}

/** Starts one sipp call (-m 1); it gives up after 60 s. */
export function sipp(o: SippOptions): SippCall {
  const echo = o.scenario === 'call' && o.audio === undefined;
  // sipp substitutes keywords in messages, not in actions: the audio file is written into a copy of the scenario, or
  // the action is left out (the phone then sends back what it hears).
  const text = readFileSync(join(FIXTURES, `${o.scenario}.xml`), 'utf8');
  const scenario = join(workDir(), `${o.scenario}-${o.localPort}.xml`);
  writeFileSync(scenario, echo ? text.replace(/<nop>[\s\S]*?<\/nop>/, '') : text.replaceAll('[audio]', o.audio ?? ''));
  const args = [
    // A phone that is called (answer) listens; one that calls names the gateway and what it dials.
    ...(o.scenario === 'answer' ? [] : [`127.0.0.1:${o.gatewayPort}`, '-s', o.dial ?? '']),
    '-sf', scenario,
    '-m', '1',
    // The phone is another host on the loopback network (the whole of 127/8 is lo's): its Contact differs from the
    // gateway's address, as any device's does.
    '-i', PHONE_ADDRESS,
    '-p', String(o.localPort),
    '-mi', PHONE_ADDRESS,
    '-mp', String(o.mediaPort),
    '-key', 'name', o.name ?? 'SIP Phone',
    '-nostdin',
    '-timeout', '60s',
    '-timeout_error',
    ...(o.transport === 'tcp' ? ['-t', 't1'] : []),
    ...(echo ? ['-rtp_echo'] : []),
  ];
  const child: ChildProcess = spawn('sipp', args, { cwd: workDir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { exited, output: () => out, kill: () => child.kill('SIGKILL') };
}
