/**
 * Entry of a media worker process, started by WorkerPool with fork() and `--import <tsx>` (there is no build step).
 * It serves the requests of ipc/messages.ts `WorkerSide` over its IPC channel and exits as soon as that channel
 * closes, so a worker never outlives its supervisor (not even one killed with SIGKILL: the pipe closes with it).
 *
 * Arguments: `--diagnostics` serves the diagnostic requests (sleep, block); `--max-message-bytes=N`;
 * `--ice-address=A`, `--ice-ports=MIN-MAX` (see sfu/peer-config.ts); `--ffmpeg=PATH`, `--recording-min-free-mb=N`
 * (the recorders, src/media/recorder/).
 */
import { isIPv4 } from 'node:net';
import type { MediaTransport } from '../engine.ts';
import { Channel } from '../ipc/channel.ts';
import { DIAGNOSTIC_MAX_MS, type SupervisorSide, type WorkerSide } from '../ipc/messages.ts';
import { processPort } from '../ipc/port.ts';
import { BadMediaRequest } from '../sfu/bad-request.ts';
import { WorkerRooms } from './rooms.ts';

if (!process.send) {
  console.error('the media worker is started by the server (WorkerPool), with an IPC channel');
  process.exit(1);
}

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const diagnostics = process.argv.includes('--diagnostics');
const maxMessageBytes = Number(arg('max-message-bytes')) || undefined;

/** A recorder's ffmpeg finishes its file this long after the RTP from this worker stopped (the worker died). */
const RECORDER_LISTEN_TIMEOUT_S = 3;
/** At exit, how long the recorders may take to finish their files (the pool's SIGKILL comes after 5 s). */
const RECORDERS_EXIT_MS = 4000;

const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

let channel: Channel<WorkerSide, SupervisorSide> | undefined;
/** Failures with no caller to answer go to the supervisor as `log` notifications, or to stderr when that is gone. */
const report = (error: unknown, context: string): void => {
  const msg = `${context}: ${describe(error)}`;
  if (!channel?.notify('log', { level: 'error', msg })) console.error(msg);
};
channel = new Channel<WorkerSide, SupervisorSide>(processPort(), {
  name: `media worker ${process.pid}`,
  report,
  ...(maxMessageBytes ? { maxMessageBytes } : {}),
});

const [portMin = 0, portMax = 0] = (arg('ice-ports') ?? '').split('-').map(Number);
const rooms = new WorkerRooms(
  { address: arg('ice-address') ?? '', portMin, portMax },
  {
    slots: (roomId, participantId, assignment) => channel?.notify('slots', { roomId, participantId, assignment }),
    speaker: (roomId, participantId) => channel?.notify('speaker', { roomId, participantId }),
    recorder: (roomId, recorderId, event) => channel?.notify('recorder', { roomId, recorderId, event }),
    rtpSilent: (roomId, participantId) => channel?.notify('rtpSilent', { roomId, participantId }),
    report,
  },
  {
    ffmpeg: arg('ffmpeg') || 'ffmpeg',
    minFreeBytes: (Number(arg('recording-min-free-mb')) || 0) * 1024 * 1024,
    listenTimeoutS: RECORDER_LISTEN_TIMEOUT_S,
  },
);
const roomId = (params: { roomId: string }): string => {
  if (typeof params.roomId !== 'string' || params.roomId === '') throw new Error('roomId must be a non-empty string');
  return params.roomId;
};
const diagnosticMs = (params: { ms: number }): number => {
  if (!diagnostics) throw Object.assign(new Error('diagnostic requests are off'), { name: 'IpcUnknownMethod' });
  const ms = Number(params.ms);
  if (!Number.isFinite(ms) || ms < 0 || ms > DIAGNOSTIC_MAX_MS) throw new Error(`ms must be 0..${DIAGNOSTIC_MAX_MS}`);
  return ms;
};

channel.handle('ping', () => ({ pid: process.pid, rss: process.memoryUsage.rss() }));
channel.handle('openRoom', (params) => {
  rooms.open(roomId(params));
  return {};
});
channel.handle('closeRoom', (params) => {
  rooms.close(roomId(params));
  return {};
});
channel.handle('roomCount', () => ({ count: rooms.count }));
const text = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value === '') throw new BadMediaRequest(`${field} must be a non-empty string`);
  return value;
};
/** werift throws plain errors on an SDP it cannot read; they are the caller's fault, not the worker's. */
const negotiate = async <T>(what: () => Promise<T>): Promise<T> => {
  try {
    return await what();
  } catch (error) {
    if (error instanceof BadMediaRequest) throw error;
    throw new BadMediaRequest(`sdp: ${error instanceof Error ? error.message : String(error)}`);
  }
};
/** The transport of a publish: WebRTC unless plain RTP on a given IPv4 address is asked for. */
const transport = (value: unknown): MediaTransport => {
  if (value === undefined || value === null) return { kind: 'webrtc' };
  const t = value as { kind?: unknown; address?: unknown };
  if (t.kind === 'webrtc') return { kind: 'webrtc' };
  const { port, mediaTimeoutMs, kbps } = t as { port?: unknown; mediaTimeoutMs?: unknown; kbps?: unknown };
  const within = (v: unknown, min: number, max: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
  if (t.kind === 'rtp' && typeof t.address === 'string' && isIPv4(t.address) && within(port, 1, 65_535) && within(mediaTimeoutMs, 0, 86_400_000) && within(kbps, 1, 100_000)) {
    return {
      kind: 'rtp',
      address: t.address,
      ...(port !== undefined ? { port: port as number } : {}),
      ...(mediaTimeoutMs ? { mediaTimeoutMs: mediaTimeoutMs as number } : {}),
      ...(kbps !== undefined ? { kbps: kbps as number } : {}),
    };
  }
  throw new BadMediaRequest('transport: { kind: "webrtc" } or { kind: "rtp", address: an IPv4 address, port?: a UDP port, mediaTimeoutMs?: ms, kbps?: kbit/s }');
};
channel.handle('setPolicy', (params) => {
  rooms.setPolicy(roomId(params), params.policy);
  return {};
});
channel.handle('publish', async (params) => {
  const room = rooms.get(roomId(params));
  return { sdp: await negotiate(() => room.publish(text(params.participantId, 'participantId'), text(params.sdp, 'sdp'), transport(params.transport))) };
});
channel.handle('offerRtp', async (params) => {
  const room = rooms.get(roomId(params));
  const leg = transport({ ...(params.leg ?? {}), kind: 'rtp' });
  if (leg.kind !== 'rtp') throw new BadMediaRequest('leg: { address: an IPv4 address, … }');
  return { sdp: await room.offerRtp(text(params.participantId, 'participantId'), leg) };
});
channel.handle('acceptRtp', async (params) => {
  const room = rooms.get(roomId(params));
  await negotiate(async () => room.acceptRtp(text(params.participantId, 'participantId'), text(params.sdp, 'sdp')));
  return {};
});
channel.handle('subscribe', (params) => rooms.get(roomId(params)).subscribe(text(params.participantId, 'participantId')));
channel.handle('accept', async (params) => {
  const room = rooms.get(roomId(params));
  await negotiate(() => room.accept(text(params.participantId, 'participantId'), text(params.sdp, 'sdp')));
  return {};
});
channel.handle('startRecorder', async (params) => {
  const spec = params.recorder;
  if (!spec || typeof spec.id !== 'string' || spec.id === '' || !spec.output || typeof spec.output.dir !== 'string') throw new BadMediaRequest('recorder: id and output are required');
  await rooms.startRecorder(roomId(params), spec);
  return {};
});
channel.handle('stopRecorder', (params) => {
  rooms.stopRecorder(roomId(params), text(params.recorderId, 'recorderId'));
  return {};
});
channel.handle('roomStats', (params) => rooms.get(roomId(params)).stats());
channel.handle('sleep', async (params) => {
  const ms = diagnosticMs(params);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return {};
});
channel.handle('block', (params) => {
  const end = Date.now() + diagnosticMs(params);
  while (Date.now() < end) {
    // wedged on purpose: the event loop answers nothing meanwhile
  }
  return {};
});

let exiting = false;
function exit(): void {
  if (exiting) return;
  exiting = true;
  try {
    rooms.closeAll();
  } catch (error) {
    console.error(`media worker ${process.pid}: closing rooms failed: ${describe(error)}`);
  }
  channel?.close('worker exiting');
  // Recorders finish their files first (their ffmpegs are killed if they take too long).
  void rooms.finishRecorders(RECORDERS_EXIT_MS).finally(() => process.exit(0));
}

channel.onClose(exit);
process.on('SIGTERM', exit);
// Ctrl-C in a terminal signals the whole process group: the supervisor decides when its workers stop.
process.on('SIGINT', () => {});

channel.notify('ready', { pid: process.pid });
