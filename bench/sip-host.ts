/**
 * The process under measure of bench/sip.ts: either a media room holding N plain RTP legs (what a media worker runs for
 * N SIP calls: G.711 in → 48 kHz → Opus, and per leg a mix of the others, minus itself, encoded back to G.711 every
 * 20 ms), or the baseline, N UDP sockets that echo each packet to where it came from. It tells the parent its ports,
 * then the CPU time it used between 'start' and 'stop'.
 */
import { createSocket, type Socket } from 'node:dgram';
import { SfuRoom } from '../src/media/sfu/sfu-room.ts';

const [mode, countText, generatorPorts] = process.argv.slice(2);
const count = Number(countText);
const peers = (generatorPorts ?? '').split(',').map(Number);
const sockets: Socket[] = [];
let room: SfuRoom | undefined;

const offer = (port: number) =>
  ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', ''].join('\r\n');

async function open(): Promise<number[]> {
  if (mode === 'echo') {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const s = createSocket('udp4');
        s.on('message', (msg, from) => s.send(msg, from.port, from.address));
        await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
        sockets.push(s);
        return s.address().port;
      }),
    );
  }
  room = new SfuRoom('bench', { address: '127.0.0.1', portMin: 0, portMax: 0 }, { slots: () => undefined, speaker: () => undefined, rtpSilent: () => undefined }, (e) => console.error(e));
  const ids = Array.from({ length: count }, (_, i) => `call-${i}`);
  room.setPolicy({ participants: ids.map((id) => ({ id, audio: true, video: false, content: false, pin: null, maxViews: 1 })), lecturer: null, meetingPin: null, contentOwners: [], maxKbps: 0, recorders: [] });
  const ports: number[] = [];
  for (const [i, id] of ids.entries()) {
    const answer = await room.publish(id, offer(peers[i]!), { kind: 'rtp', address: '127.0.0.1' });
    ports.push(Number(/m=audio (\d+)/.exec(answer)![1]));
  }
  return ports;
}

let cpu = process.cpuUsage();
let wall = performance.now();
process.on('message', (m: string) => {
  if (m === 'start') {
    cpu = process.cpuUsage();
    wall = performance.now();
  } else if (m === 'stop') {
    const used = process.cpuUsage(cpu);
    process.send!({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall });
  } else if (m === 'exit') {
    room?.close();
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
void open().then((ports) => process.send!({ ports }));
