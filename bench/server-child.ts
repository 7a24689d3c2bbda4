/**
 * One server under test, in its own process so the load generator never shares its event loop.
 * `node --import tsx bench/server-child.ts bare|bare-signal|convene`, configured like the real server through CONVENE_* variables
 * (CONVENE_HOST, CONVENE_HTTPS_PORT=0, CONVENE_TLS_CERT/KEY, CONVENE_LOG_LEVEL, DATABASE_URL, …).
 * Reports `{ port }` to the parent over IPC once listening, answers `'cpu'` with `{ cpu }` (its CPU time in µs), and
 * closes and exits on `'stop'` or when the parent goes away.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.ts';
import { loadTls } from '../src/http/tls.ts';
import { createServer } from '../src/main.ts';
import { bareApp, bareSignalServer } from './bare.ts';

const kind = process.argv[2];
const config = loadConfig(process.env);
let close: () => Promise<void>;
let port: number;

if (kind === 'bare') {
  const app = bareApp(await loadTls(config.dataDir, config.tlsCert, config.tlsKey), config.logLevel);
  await app.listen({ host: config.host, port: config.httpsPort });
  port = (app.server.address() as AddressInfo).port;
  close = () => app.close();
} else if (kind === 'bare-signal') {
  // The baseline of bench/live.ts: node's HTTPS server and a bare ws WebSocketServer, no framework.
  const bare = bareSignalServer(await loadTls(config.dataDir, config.tlsCert, config.tlsKey));
  await new Promise<void>((resolve) => bare.server.listen(config.httpsPort, config.host, resolve));
  port = (bare.server.address() as AddressInfo).port;
  close = () => bare.close();
} else if (kind === 'convene') {
  const server = await createServer({ config });
  ({ httpsPort: port } = await server.listen());
  close = () => server.close();
} else {
  throw new Error(`usage: server-child.ts bare|bare-signal|convene (got ${kind})`);
}

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await close();
  // A normal exit, so `--cpu-prof` writes its profile.
  process.exit(0);
};
process.on('message', (m) => {
  if (m === 'stop') void stop();
  // CPU time used so far (user + system, µs): the parent divides the difference by the requests served.
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ cpu: user + system });
  }
});
process.on('disconnect', () => void stop());
process.send!({ port });
