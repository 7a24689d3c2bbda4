import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BoundaryReport, checkBoundaries, checkFile, formatViolation, parseImports } from '../../scripts/check-boundaries.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = join(REPO, 'scripts', 'check-boundaries.ts');

describe('parseImports()', () => {
  it('parseImports() finds default, named, namespace, side-effect, re-export and dynamic imports', () => {
    const refs = parseImports(
      [
        "import Type, { type Static } from 'typebox';",
        "import * as ops from '../../contract/rest/user.ts';",
        "import './side-effect.ts';",
        "export * from './all.ts';",
        "export { a, b as c } from './some.ts';",
        'const lazy = await import("./lazy.ts");',
      ].join('\n'),
    );
    assert.deepEqual(
      refs.map((r) => r.specifier),
      ['typebox', '../../contract/rest/user.ts', './side-effect.ts', './all.ts', './some.ts', './lazy.ts'],
    );
    assert.ok(refs.every((r) => !r.typeOnly));
  });

  it('parseImports() reads an import spread over several lines', () => {
    const refs = parseImports("import {\n  Kysely,\n  sql,\n} from 'kysely';\n");
    assert.deepEqual(refs, [{ specifier: 'kysely', typeOnly: false }]);
  });

  it('parseImports() marks `import type` and `export type … from` as type-only, but not inline `type` names', () => {
    const refs = parseImports(
      "import type { A } from './a.ts';\nexport type { B } from './b.ts';\nimport { type C, D } from './c.ts';\n",
    );
    assert.deepEqual(refs, [
      { specifier: './a.ts', typeOnly: true },
      { specifier: './b.ts', typeOnly: true },
      { specifier: './c.ts', typeOnly: false },
    ]);
  });

  it('parseImports() ignores commented-out imports and string values', () => {
    const refs = parseImports(
      "// import fastify from 'fastify';\n/**\n * import pg from 'pg';\n */\nexport const text = 'from x';\nexport const kind = 'kysely';\n",
    );
    assert.deepEqual(refs, []);
  });
});

describe('checkBoundaries() on the real tree', () => {
  let report: BoundaryReport;
  before(() => {
    report = checkBoundaries(REPO);
  });

  it('checkBoundaries() finds the source files and their imports', () => {
    assert.ok(report.files >= 20, `only ${report.files} files scanned`);
    assert.ok(report.imports >= 50, `only ${report.imports} imports parsed`);
  });

  it('checkBoundaries() reports no violations in src/ and contract/', () => {
    assert.deepEqual(report.violations.map(formatViolation), []);
  });

  it('check-boundaries.ts exits 0 with a one-line OK summary for the real tree', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { encoding: 'utf8', cwd: REPO });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout.trim(), /^check-boundaries: OK, \d+ files, \d+ imports, no violations$/);
  });
});

describe('checkBoundaries() on a fixture tree with violations', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'convene-boundaries-'));
    // Allowed.
    write('contract/rest/ok.ts', "import Type from 'typebox';\nimport type { DomainErrorKind } from '../../src/kernel/domain-error.ts';\nimport { x } from './common.ts';\n");
    write('contract/rest/common.ts', "export const x = 1;\n");
    write('src/kernel/domain-error.ts', "import { randomUUID } from 'node:crypto';\nimport type { TSchema } from 'typebox';\n");
    write('src/accounts/accounts.repo.ts', "import { sql } from 'kysely';\nimport type { Database } from '../db/database.ts';\n");
    write('src/accounts/accounts.routes.ts', "import type { FastifyInstance } from 'fastify';\nimport { registerOperation } from '../http/route.ts';\n");
    write('src/accounts/argon2-hasher.ts', "import { hash } from '@node-rs/argon2';\n");
    write('src/accounts/user.ts', "import type { UserId } from '../kernel/ids.ts';\nimport { join } from 'node:path';\n");
    write('src/db/open.ts', "import pg from 'pg';\nimport { mkdirSync } from 'node:fs';\n");
    write('src/main.ts', "import { createServer } from 'node:http';\nimport { KyselyAccountsStore } from './accounts/accounts.repo.ts';\n");
    write('src/media/pool/spawn.ts', "import { fork } from 'node:child_process';\n");
    write('src/rooms/rooms.signal.ts', "import type { WebSocket } from 'ws';\n");
    // Violations.
    write('contract/rest/bad.ts', "import type { FastifyInstance } from 'fastify';\nimport { DomainError } from '../../src/kernel/domain-error.ts';\nimport type { User } from '../../src/accounts/user.ts';\n");
    write('src/accounts/bad.service.ts', "import {\n  sql,\n} from 'kysely';\nimport { KyselyAccountsStore } from './accounts.repo.ts';\nimport { readFileSync } from 'fs';\nimport { randomUUID } from 'node:crypto';\n");
    write('src/kernel/clock.ts', "import pino from 'pino';\nimport { readFile } from 'node:fs/promises';\n");
    write('src/system/capacity.ts', "import type { FastifyInstance } from 'fastify';\nimport swagger from '@fastify/swagger';\n");
    write('src/rooms/room.ts', "import type { Database } from '../db/database.ts';\nexport * from '../http/route.ts';\nconst w = await import('../media/worker/entry.ts');\n");
    write('src/live/participant.ts', "// import { fork } from 'node:child_process';\nimport { createSocket } from 'node:dgram';\n");
    write('src/http/server.ts', "import { fakeClock } from '../../test/support/clock.ts';\n");
    write('src/db/bench-hook.ts', "import '../../bench/run.ts';\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const violationsOf = (file: string) =>
    checkBoundaries(root)
      .violations.filter((v) => v.file === file)
      .map((v) => v.specifier);

  it('checkBoundaries() reports exactly the deliberate violations', () => {
    const report = checkBoundaries(root);
    assert.deepEqual(report.violations.map((v) => `${v.file} ${v.specifier}`).sort(), [
      'contract/rest/bad.ts ../../src/accounts/user.ts',
      'contract/rest/bad.ts ../../src/kernel/domain-error.ts',
      'contract/rest/bad.ts fastify',
      'src/accounts/bad.service.ts ./accounts.repo.ts',
      'src/accounts/bad.service.ts fs',
      'src/accounts/bad.service.ts kysely',
      'src/db/bench-hook.ts ../../bench/run.ts',
      'src/http/server.ts ../../test/support/clock.ts',
      'src/kernel/clock.ts node:fs/promises',
      'src/kernel/clock.ts pino',
      'src/live/participant.ts node:dgram',
      'src/rooms/room.ts ../db/database.ts',
      'src/rooms/room.ts ../http/route.ts',
      'src/rooms/room.ts ../media/worker/entry.ts',
      'src/system/capacity.ts @fastify/swagger',
      'src/system/capacity.ts fastify',
    ]);
  });

  it('checkBoundaries() lets contract/ import typebox, contract/ files and types from src/kernel only', () => {
    assert.deepEqual(violationsOf('contract/rest/ok.ts'), []);
    assert.deepEqual(violationsOf('contract/rest/bad.ts').sort(), ['../../src/accounts/user.ts', '../../src/kernel/domain-error.ts', 'fastify']);
  });

  it('checkBoundaries() lets adapter files, infrastructure folders and the composition root use any package', () => {
    for (const file of [
      'src/accounts/accounts.repo.ts',
      'src/accounts/accounts.routes.ts',
      'src/accounts/argon2-hasher.ts',
      'src/db/open.ts',
      'src/main.ts',
      'src/media/pool/spawn.ts',
      'src/rooms/rooms.signal.ts',
    ]) {
      assert.deepEqual(violationsOf(file), [], file);
    }
  });

  it('checkFile() lets sdk/ import only typebox, contract/ and sdk/ files (it is bundled for the browser)', () => {
    const refs = parseImports(
      [
        "import Type from 'typebox';",
        "import { SIGNAL_PATH } from '../contract/signal/protocol.ts';",
        "import { applyRoster } from './roster.ts';",
        "import { fail } from '../src/kernel/domain-error.ts';",
        "import WebSocket from 'ws';",
        "import { readFileSync } from 'node:fs';",
      ].join('\n'),
    );
    assert.deepEqual(
      checkFile('sdk/signal-client.ts', refs).map((v) => v.specifier),
      ['../src/kernel/domain-error.ts', 'ws', 'node:fs'],
    );
  });

  it('checkFile() lets web/ import only typebox, contract/, sdk/ and web/ files (the browser app)', () => {
    const refs = parseImports(
      [
        "import Type from 'typebox';",
        "import { SIGNAL_PATH } from '../contract/signal/protocol.ts';",
        "import { SignalClient } from '../sdk/signal-client.ts';",
        "import { h } from './dom.ts';",
        "import { webRoutes } from '../src/web/web.routes.ts';",
        "import { chromium } from 'playwright-core';",
        "import { readFileSync } from 'node:fs';",
      ].join('\n'),
    );
    assert.deepEqual(
      checkFile('web/app.ts', refs).map((v) => v.specifier),
      ['../src/web/web.routes.ts', 'playwright-core', 'node:fs'],
    );
  });

  it('checkFile() keeps the meeting app out of web/console/', () => {
    const refs = parseImports("import { h } from './shared/dom.ts';\nimport { t } from './console/i18n.ts';\n");
    assert.deepEqual(checkFile('web/app.ts', refs).map((v) => v.specifier), ['./console/i18n.ts']);
  });

  it('checkFile() lets web/console/ import only typebox, contract/, sdk/, web/shared/ and web/console/ files', () => {
    const refs = parseImports(
      [
        "import Type from 'typebox';",
        "import { listMeetings } from '../../contract/rest/meeting-schedule.ts';",
        "import { RestClient } from '../../sdk/rest-client.ts';",
        "import { h } from '../shared/dom.ts';",
        "import { t } from './i18n.ts';",
        "import { MeetingView } from '../meeting-view.ts';",
        "import { webRoutes } from '../../src/web/web.routes.ts';",
        "import { render } from 'preact';",
      ].join('\n'),
    );
    assert.deepEqual(
      checkFile('web/console/meetings.ts', refs).map((v) => v.specifier),
      ['../meeting-view.ts', '../../src/web/web.routes.ts', 'preact'],
    );
    assert.match(checkFile('web/console/console.ts', parseImports("import '../app.ts';\n"))[0]!.rule, /^web\/console\//);
  });

  it('checkFile() lets web/shared/ import only typebox, contract/, sdk/ and web/shared/ files', () => {
    const refs = parseImports("import { RestClient } from '../../sdk/rest-client.ts';\nimport { h } from './dom.ts';\nimport { start } from '../app.ts';\nimport { t } from '../console/i18n.ts';\n");
    assert.deepEqual(checkFile('web/shared/identity.ts', refs).map((v) => v.specifier), ['../app.ts', '../console/i18n.ts']);
  });

  it('checkBoundaries() allows node:crypto and node:path in pure files', () => {
    assert.deepEqual(violationsOf('src/kernel/domain-error.ts'), []);
    assert.deepEqual(violationsOf('src/accounts/user.ts'), []);
  });

  it('checkBoundaries() names the file, the import and the rule in each message', () => {
    const v = checkBoundaries(root).violations.find((x) => x.file === 'src/kernel/clock.ts' && x.specifier === 'pino');
    assert.ok(v);
    assert.match(formatViolation(v), /^src\/kernel\/clock\.ts: imports pino \(.+\)$/);
  });

  it('check-boundaries.ts exits 1 and prints each violation for the fixture tree', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, root], { encoding: 'utf8', cwd: REPO });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^src\/live\/participant\.ts: imports node:dgram \(/m);
    assert.match(r.stderr, /^contract\/rest\/bad\.ts: imports fastify \(/m);
    assert.match(r.stderr, /16 violation/);
  });
});
