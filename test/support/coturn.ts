/**
 * A real coturn (Debian's `turnserver`) for the TURN tests, started in the media tests' network namespace with the
 * shared-secret scheme Convene's credentials are made for (use-auth-secret), and stopped by the test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { eventually } from './eventually.ts';

export const TURNSERVER = '/usr/bin/turnserver';
export const HAVE_COTURN = existsSync(TURNSERVER);

export interface Coturn {
  /** Everything it wrote (its log goes to stdout). */
  log: string[];
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** Where it keeps its (unused, but opened) user database and pid file. */
  dir: string;
  secret: string;
  /** The address it listens on and relays from. */
  address: string;
  port: number;
  /** UDP ports of the relayed allocations. */
  relayPorts: [number, number];
  /** TURN over TLS (turns:) on this port with this PEM certificate and key; none when absent. */
  tls?: { port: number; cert: string; key: string };
}

/** Starts coturn and resolves once it accepts TCP connections on its port. */
export async function startCoturn(o: CoturnOptions): Promise<Coturn> {
  const args = [
    '-n', // no configuration file: everything is here
    `--listening-ip=${o.address}`,
    `--listening-port=${o.port}`,
    `--relay-ip=${o.address}`,
    `--min-port=${o.relayPorts[0]}`,
    `--max-port=${o.relayPorts[1]}`,
    '--use-auth-secret',
    `--static-auth-secret=${o.secret}`,
    '--realm=convene.test',
    // The SFU is on a loopback address here; coturn refuses loopback peers unless told (a real SFU has a real address).
    '--allow-loopback-peers',
    '--no-cli',
    ...(o.tls ? [`--tls-listening-port=${o.tls.port}`, `--cert=${o.tls.cert}`, `--pkey=${o.tls.key}`] : ['--no-tls']),
    '--no-dtls',
    '--fingerprint',
    '--log-file=stdout',
    '--simple-log',
    '--verbose',
    `--userdb=${join(o.dir, 'turndb')}`,
    `--pidfile=${join(o.dir, 'turnserver.pid')}`,
  ];
  const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => log.push(...d.toString('utf8').split('\n').filter(Boolean)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    () =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null) return reject(new Error(`turnserver exited (${child.exitCode}): ${log.slice(-20).join('\n')}`));
        const socket = connect(o.port, o.address, () => {
          socket.destroy();
          resolve();
        });
        socket.on('error', reject);
      }),
    10_000,
  );
  return {
    log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * nftables rules of the test, in a table of their own (`inet convene_test`) that `unblock()` deletes. Each rule is an
 * nft rule body for the output hook, e.g. `ip saddr != 127.0.0.2 udp dport 41000-41099 drop`.
 */
export function block(rules: string[]): void {
  unblock();
  const script = ['table inet convene_test {', '  chain out {', '    type filter hook output priority 0; policy accept;', ...rules.map((r) => `    ${r}`), '  }', '}', ''].join('\n');
  const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft: ${r.stderr || r.error?.message}`);
}

export function unblock(): void {
  spawnSync('nft', ['delete', 'table', 'inet', 'convene_test'], { encoding: 'utf8' });
}

export const HAVE_NFT = spawnSync('nft', ['--version']).status === 0;
