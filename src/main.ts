import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createPlainServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { DestinationStream } from 'pino';
import { KyselyAccountsStore } from './accounts/accounts.repo.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { argon2Hasher } from './accounts/argon2-hasher.ts';
import { UsersService } from './accounts/users.service.ts';
import type { Config } from './config/options.ts';
import type { DatabaseHandle } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { createHttpApp } from './http/server.ts';
import { loadTls } from './http/tls.ts';
import { type Clock, systemClock } from './kernel/clock.ts';
import { noCalls } from './system/capacity.ts';
import { systemRoutes } from './system/system.routes.ts';
import { VERSION } from './version.ts';

export interface ServerOptions {
  config: Config;
  logStream?: DestinationStream;
  clock?: Clock;
}

export interface Bootstrap {
  username: string;
  password: string;
  generated: boolean;
}

export interface ConveneServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  users: UsersService;
  /** Set when this start created the first administrator. */
  bootstrap?: Bootstrap;
  listen(): Promise<{ httpsPort: number; httpPort?: number }>;
  close(): Promise<void>;
}

export interface Core {
  database: DatabaseHandle;
  store: KyselyAccountsStore;
  accounts: AccountsService;
  users: UsersService;
}

/** Storage and domain services, migrated and ready: what both the server and the CLI's admin commands need. */
export async function openCore(config: Config, clock: Clock = systemClock): Promise<Core> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.databaseUrl, config.dataDir);
  try {
    await migrateToLatest(database.db);
  } catch (e) {
    await database.close();
    throw e;
  }
  const store = new KyselyAccountsStore(database.db, database.dialect);
  const accounts = new AccountsService(store, argon2Hasher, clock, {
    tokenIdleMs: config.tokenIdleMinutes * 60_000,
    signInFailuresPerMinute: config.signInFailuresPerMinute,
  });
  const users = new UsersService(store, argon2Hasher, clock, {
    anonymousDirectory: config.publicUserDirectory,
    maxUsers: config.maxUsers,
  });
  return { database, store, accounts, users };
}

/** Composition root: the only place that knows every concrete class. */
export async function createServer(options: ServerOptions): Promise<ConveneServer> {
  const { config } = options;
  const { database, store, accounts, users } = await openCore(config, options.clock);
  const bootstrap = await users.ensureAdmin(config.adminPassword === '' ? undefined : config.adminPassword);

  const app = await createHttpApp({
    tls: await loadTls(config.dataDir, config.tlsCert, config.tlsKey),
    logLevel: config.logLevel,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    trustProxy: config.trustProxy,
    version: VERSION,
    ready: async () => {
      await sql`select 1`.execute(database.db);
    },
  });
  const authenticate = (token: string, clientId: string) => accounts.authenticate(token, clientId);
  accountsRoutes(app, accounts, users, authenticate);
  systemRoutes(app, { version: VERSION, licence: config, countUsers: () => store.users.count(), calls: noCalls }, authenticate);

  let plain: Server | undefined;
  return {
    app,
    database,
    users,
    ...(bootstrap ? { bootstrap } : {}),
    async listen() {
      await app.listen({ host: config.host, port: config.httpsPort });
      const httpsPort = (app.server.address() as AddressInfo).port;
      if (config.httpPort === 0) return { httpsPort };
      await app.ready();
      const server = createPlainServer((req, res) => app.routing(req, res));
      plain = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.httpPort, config.host, () => resolve());
      });
      return { httpsPort, httpPort: (server.address() as AddressInfo).port };
    },
    async close() {
      await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
      await app.close();
      await database.close();
    },
  };
}

/** Keeps a generated bootstrap password where only the server's user can read it. */
export function writeBootstrapPassword(dataDir: string, bootstrap: Bootstrap): string {
  const file = join(dataDir, 'admin-password.txt');
  writeFileSync(file, `username: ${bootstrap.username}\npassword: ${bootstrap.password}\n`, { mode: 0o600 });
  return file;
}
