import { mkdirSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Core } from '../core.ts';
import { clientSecret, generatePassword } from '../accounts/secret.ts';
import { isRole } from '../accounts/user.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { type ConfigKey, ConfigSchema, envName, flagName } from '../config/options.ts';
import { DomainError } from '../kernel/domain-error.ts';
import { VERSION } from '../version.ts';

/** Adds one flag per configuration key, named and described from the config schema. */
function withConfigFlags(command: Command): Command {
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const s = schema as { description?: string; default?: unknown };
    command.addOption(new Option(`${flagName(key)} <value>`, `${s.description ?? key} [env ${envName(key)}]`));
  }
  return command;
}

const configFrom = (command: Command) => loadConfig(process.env, command.opts() as Partial<Record<ConfigKey, unknown>>);

// The server and the database stack are loaded only by the commands that use them, so `--help` and the user
// commands start quickly.
async function serve(command: Command): Promise<void> {
  const config = configFrom(command);
  const { createServer, writeBootstrapPassword } = await import('../main.ts');
  const server = await createServer({ config });
  if (server.bootstrap) {
    const { username, password, generated } = server.bootstrap;
    if (generated) {
      const file = writeBootstrapPassword(config.dataDir, server.bootstrap);
      // Printed once, straight to the console (never through the logger), as the operator's only copy besides the file.
      process.stderr.write(
        `\n  First start: created SystemAdmin "${username}" with password: ${password}\n  (also saved to ${file}, readable only by this user)\n\n`,
      );
    } else {
      process.stderr.write(`\n  First start: created SystemAdmin "${username}" with the password from CONVENE_ADMIN_PASSWORD\n\n`);
    }
  }
  const ports = await server.listen();
  server.app.log.info({ ...ports, database: server.database.describe, version: VERSION }, 'Convene is serving');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function withUsers<T>(command: Command, work: (core: Core) => Promise<T>): Promise<T> {
  const config = configFrom(command);
  const { openCore } = await import('../core.ts');
  // The admin commands sign nobody in; an unlock reaches the server's freezes through the database (the freeze epoch).
  const core = await openCore(config);
  try {
    return await work(core);
  } finally {
    await core.database.close();
  }
}

export function buildCli(): Command {
  const program = new Command('convene').description('Convene video-meeting server').version(VERSION);
  withConfigFlags(program.command('serve', { isDefault: true }).description('run the server')).action(async (_o, cmd: Command) =>
    serve(cmd),
  );
  withConfigFlags(program.command('migrate').description('apply database migrations and exit')).action(async (_o, cmd: Command) => {
    const config = configFrom(cmd);
    const { openDatabase } = await import('../db/open.ts');
    const { migrateToLatest } = await import('../db/migrate.ts');
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const handle = openDatabase(config.databaseUrl, config.dataDir, { sqliteSynchronous: config.sqliteSynchronous });
    try {
      const applied = await migrateToLatest(handle.db);
      console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
    } finally {
      await handle.close();
    }
  });

  const user = program.command('user').description('manage accounts');
  withConfigFlags(user.command('create').argument('<username>').description('create an account'))
    .addOption(new Option('--password <password>', 'password (generated and printed when omitted)'))
    .addOption(new Option('--role <role>', 'Normal, MeetingOperator or SystemAdmin').default('Normal'))
    .addOption(new Option('--real-name <name>', 'display name').default(''))
    .addOption(new Option('--email <email>', 'e-mail address').default(''))
    .action(async (username: string, o: { password?: string; role: string; realName: string; email: string }, cmd: Command) => {
      if (!isRole(o.role)) throw new DomainError('input.invalid', `--role: must be one of Normal, MeetingOperator, SystemAdmin`);
      const password = o.password ?? generatePassword();
      await withUsers(cmd, (core) =>
        core.users.create('system', { username, role: o.role as never, realName: o.realName, email: o.email }, clientSecret(password)),
      );
      console.log(o.password ? `created ${username}` : `created ${username} with password: ${password}`);
    });
  withConfigFlags(user.command('passwd').argument('<username>').description('set or generate a new password; ends all sessions'))
    .addOption(new Option('--password <password>', 'new password (generated and printed when omitted)'))
    .action(async (username: string, o: { password?: string }, cmd: Command) => {
      const password = o.password ?? generatePassword();
      await withUsers(cmd, async (core) => {
        const found = await core.users.findByUsername(username);
        await core.users.resetPassword('system', found.id, clientSecret(password));
      });
      console.log(o.password ? `password of ${username} changed` : `new password of ${username}: ${password}`);
    });
  withConfigFlags(user.command('lock').argument('<username>').description('lock an account (--unlock to undo)'))
    .addOption(new Option('--unlock', 'unlock instead, also lifting a sign-in freeze'))
    .action(async (username: string, o: { unlock?: boolean }, cmd: Command) => {
      await withUsers(cmd, async (core) => {
        const found = await core.users.findByUsername(username);
        await core.users.setLocked('system', found.id, !o.unlock);
      });
      console.log(`${username} ${o.unlock ? 'unlocked' : 'locked'}`);
    });
  withConfigFlags(user.command('list').description('list accounts')).action(async (_o, cmd: Command) => {
    await withUsers(cmd, async (core) => {
      const page = await core.store.users.search('', 0, 1_000_000);
      for (const u of page.users) {
        console.log([u.username, u.role, u.locked ? 'locked' : 'active', u.realName].join('\t'));
      }
    });
  });
  roomCommands(program);
  return program;
}

/** Room flags are checked here so that errors name the flag, not the API field. */
function roomFlags(o: { name?: string; password?: string }): void {
  if (o.name !== undefined && (o.name.trim() === '' || o.name.trim().length > 128)) {
    throw new DomainError('input.invalid', 'name: must be 1–128 characters');
  }
  if (o.password !== undefined && !/^[0-9]{0,16}$/.test(o.password)) {
    throw new DomainError('input.format', '--password: must be at most 16 digits, or "" for no password');
  }
}

async function ownerId(core: Core, username: string): Promise<string> {
  try {
    return (await core.users.findByUsername(username)).id;
  } catch (e) {
    if (e instanceof DomainError && e.kind === 'notFound') throw new DomainError('input.invalid', `--owner: no user "${username}"`);
    throw e;
  }
}

/** The rooms service names the API field; on the command line the same rule (e.g. the minimum length) names the flag. */
async function passwordFlag<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof DomainError && e.message.startsWith('meeting_password:')) {
      throw new DomainError(e.kind, `--password:${e.message.slice('meeting_password:'.length)}`);
    }
    throw e;
  }
}

function roomCommands(program: Command): void {
  const room = program.command('room').description('manage persistent meeting rooms (named by their meeting number)');
  withConfigFlags(room.command('create').argument('<name>').description('create a room with a new meeting number'))
    .addOption(new Option('--owner <username>', 'the account that owns the room').makeOptionMandatory())
    .addOption(new Option('--password <digits>', 'meeting password; "" for none (6 random digits when omitted)'))
    .action(async (name: string, o: { owner: string; password?: string }, cmd: Command) => {
      roomFlags({ name, ...(o.password !== undefined ? { password: o.password } : {}) });
      const { room: created } = await withUsers(cmd, async (core) =>
        passwordFlag(core.rooms.create('system', { name, ownerId: await ownerId(core, o.owner), password: o.password })),
      );
      console.log(`created room ${created.meetingNumber} "${created.name}" owned by ${o.owner}, password: ${created.password || '(none)'}`);
    });
  withConfigFlags(room.command('list').description('list every room: number, name, owner, password')).action(async (_o, cmd: Command) => {
    await withUsers(cmd, async (core) => {
      for (let pageNum = 1; ; pageNum++) {
        const page = await core.rooms.listAll('system', { pageNum, pageSize: 500, filter: '' });
        for (const { room: r, owner } of page.rooms) console.log([r.meetingNumber, r.name, owner?.username ?? '', r.password].join('\t'));
        if (pageNum * page.pageSize >= page.total) break;
      }
    });
  });
  withConfigFlags(room.command('update').argument('<meeting_number>').description('rename, reassign or change the password; the number stays'))
    .addOption(new Option('--name <name>', 'new name'))
    .addOption(new Option('--owner <username>', 'new owner'))
    .addOption(new Option('--password <digits>', 'new password; "" for none'))
    .action(async (meetingNumber: string, o: { name?: string; owner?: string; password?: string }, cmd: Command) => {
      roomFlags(o);
      await withUsers(cmd, async (core) => {
        const { room: found } = await core.rooms.findByNumber(meetingNumber);
        await passwordFlag(
          core.rooms.update('system', found.id, {
            name: o.name,
            ownerId: o.owner === undefined ? undefined : await ownerId(core, o.owner),
            password: o.password,
          }),
        );
      });
      console.log(`updated room ${meetingNumber}`);
    });
  withConfigFlags(room.command('delete').argument('<meeting_number>').description('delete a room and free its number'))
    .action(async (meetingNumber: string, _o, cmd: Command) => {
      await withUsers(cmd, async (core) => {
        const { room: found } = await core.rooms.findByNumber(meetingNumber);
        await core.rooms.delete('system', found.id);
      });
      console.log(`deleted room ${meetingNumber}`);
    });
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof DomainError) {
      process.stderr.write(`convene: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
