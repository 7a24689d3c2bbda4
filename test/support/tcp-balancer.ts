import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpBalancer {
  port: number;
  url: string;
  /** Sets the backends connections go to (127.0.0.1 ports), e.g. after a node was restarted on a new port. */
  setBackends(ports: number[]): void;
  close(): Promise<void>;
}

/**
 * A plain TCP load balancer on 127.0.0.1, as an operator would put in front of several nodes: each connection goes to
 * the next backend in turn, and to the one after when a backend refuses it (a node that is down). TLS passes through
 * untouched, so every node answers with its own certificate.
 */
export async function startTcpBalancer(backends: number[]): Promise<TcpBalancer> {
  let ports = [...backends];
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const attempt = (tries: number) => {
      if (tries >= ports.length) return client.destroy();
      const port = ports[next++ % ports.length]!;
      const upstream = connect({ host: '127.0.0.1', port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
      upstream.once('error', () => {
        if (!connected) attempt(tries + 1);
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    setBackends(list) {
      ports = [...list];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
