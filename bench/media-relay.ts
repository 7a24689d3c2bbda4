/**
 * The baseline of the SFU throughput measure (bench/media.ts): a raw UDP relay in its own process
 * (`node --import tsx bench/media-relay.ts`). It binds one socket on 127.0.0.1 and sends every packet it receives on
 * to each of the receivers' ports, unchanged: no SRTP, no header rewriting, no RTCP, one `send` per packet and
 * receiver, as plain node:dgram does it. IPC: it reports `{ port }` once bound; `{ targets: number[] }` sets the
 * receivers' ports (any message is answered with `{ forwarded }`, the sends so far); it exits when the parent goes
 * away.
 */
import { createSocket } from 'node:dgram';

const socket = createSocket('udp4');
let targets: number[] = [];
let forwarded = 0;

socket.on('message', (packet) => {
  for (const port of targets) socket.send(packet, port, '127.0.0.1');
  forwarded += targets.length;
});

socket.bind(0, '127.0.0.1', () => process.send!({ port: socket.address().port }));
process.on('message', (m: { targets?: number[] }) => {
  if (m.targets) targets = m.targets;
  process.send!({ forwarded });
});
process.on('disconnect', () => process.exit(0));
