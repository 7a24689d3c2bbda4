/**
 * The dependency-direction check of docs/architecture (run by `npm run lint`):
 *  (a) contract/ imports only typebox and files inside contract/, plus `import type` from src/kernel/;
 *  (b) pure files in src/ — all of src/kernel/, and in capability folders (src/accounts, src/system, any future
 *      src/<capability>/) every file that is not an adapter by role (*.routes.ts, *.signal.ts, *.repo.ts, *.table.ts,
 *      *.gateway.ts, *-hasher.ts) — import no framework, database, logging or network package, no node:* I/O module, and nothing
 *      from the infrastructure folders or adapter files;
 *  (c) nothing in src/ imports from test/ or bench/;
 *  (d) sdk/ (also bundled for the browser) imports only typebox, contract/ and sdk/ files;
 *  (e) web/ (the browser meeting app, bundled by src/web/web.routes.ts) imports only typebox, contract/, sdk/ and web/
 *      files, but nothing from web/console/; the live-stream viewer (web/live/, bundled by
 *      src/streaming/live-stream.routes.ts) also hls.js;
 *  (f) web/console/ (the web console, bundled the same way) imports only typebox, contract/, sdk/, web/shared/ and
 *      web/console/ files;
 *  (g) web/shared/ (what both pages use) imports only typebox, contract/, sdk/ and web/shared/ files.
 * Usage: node --import tsx scripts/check-boundaries.ts [root]   (root defaults to the repository)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ImportRef {
  specifier: string;
  /** `import type …` / `export type … from`: erased at run time. */
  typeOnly: boolean;
}

export interface Violation {
  /** Repository-relative path with forward slashes. */
  file: string;
  specifier: string;
  rule: string;
}

export interface BoundaryReport {
  files: number;
  imports: number;
  violations: Violation[];
}

/** Folders of src/ that are infrastructure, not capabilities: they may use any package. */
const INFRASTRUCTURE = new Set(['http', 'ws', 'db', 'observability', 'cli', 'config', 'limits', 'cluster']);
/** Sub-folders holding adapters although their parent folder is otherwise pure (media/engine.ts is the port). */
const ADAPTER_FOLDERS = ['src/media/pool/', 'src/media/ipc/', 'src/media/worker/', 'src/media/sfu/', 'src/media/recorder/', 'src/media/rtp/'];
/** `.gateway`: a protocol stack facing devices (the SIP gateway, src/sip/sip.gateway.ts). */
const ADAPTER_FILE = /(\.routes|\.signal|\.repo|\.table|\.gateway|-hasher)\.ts$/;

const FORBIDDEN_PACKAGES = [
  'fastify',
  '@fastify/*',
  'kysely',
  'pg',
  'better-sqlite3',
  'pino',
  'prom-client',
  'ws',
  'werift',
  '@node-rs/*',
  'selfsigned',
  'commander',
  'rate-limiter-flexible',
  'ioredis',
  'redis',
];
const FORBIDDEN_BUILTINS = [
  'node:fs',
  'node:net',
  'node:http',
  'node:https',
  'node:http2',
  'node:tls',
  'node:dns',
  'node:child_process',
  'node:dgram',
  'node:cluster',
  'node:worker_threads',
];
/** Where pure files may not reach with a relative import. */
const FORBIDDEN_FOLDERS = ['src/http/', 'src/ws/', 'src/db/', 'src/observability/', 'src/cli/', 'src/limits/', 'src/cluster/', ...ADAPTER_FOLDERS];

const RULE_CONTRACT = 'contract/ may import only typebox, contract/ files and `import type` from src/kernel/';
const RULE_PURE = 'pure files import no framework, database, logging or I/O module, nor infrastructure or adapter files';
const RULE_TESTS = 'src/ may not import test/ or bench/';
const RULE_SDK = 'sdk/ may import only typebox, contract/ and sdk/ files';
const RULE_WEB = 'web/ may import only typebox, contract/, sdk/ and web/ files outside web/console/ (web/live/ also hls.js)';
const RULE_CONSOLE = 'web/console/ may import only typebox, contract/, sdk/, web/shared/ and web/console/ files';
const RULE_SHARED = 'web/shared/ may import only typebox, contract/, sdk/ and web/shared/ files';

/** The browser folders, most specific first: each may import typebox, contract/, sdk/ and these folders. */
const BROWSER_RULES: { folder: string; may: string[]; not?: string; rule: string }[] = [
  { folder: 'web/console/', may: ['web/console/', 'web/shared/'], rule: RULE_CONSOLE },
  { folder: 'web/shared/', may: ['web/shared/'], rule: RULE_SHARED },
  { folder: 'web/', may: ['web/'], not: 'web/console/', rule: RULE_WEB },
];

/** Every import specifier in a TypeScript source: static imports, re-exports, side-effect and dynamic imports. */
export function parseImports(source: string): ImportRef[] {
  // Comments that start a line (JSDoc blocks, commented-out code) are not imports.
  const code = source.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
  const found: ImportRef[] = [];
  const statement = /(?:^|[\s;}])(import|export)\s+(type\s+)?(?:[\w$*{}\s,]+?\s*from\s*)?(['"])([^'"\n]+)\3/g;
  for (const m of code.matchAll(statement)) found.push({ specifier: m[4]!, typeOnly: m[2] !== undefined });
  const dynamic = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;
  for (const m of code.matchAll(dynamic)) found.push({ specifier: m[2]!, typeOnly: false });
  return found;
}

/** 'fs' and 'fs/promises' are node:fs; subpaths of a package count as the package. */
function moduleName(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  const top = bare.split('/')[0]!;
  if (specifier.startsWith('node:') || builtinModules.includes(top)) return `node:${top}`;
  return specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : top;
}

const matchesPackage = (name: string, pattern: string): boolean =>
  pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

function isPureFile(file: string): boolean {
  if (file.startsWith('src/kernel/')) return true;
  const parts = file.split('/');
  if (parts.length < 3 || INFRASTRUCTURE.has(parts[1]!)) return false; // src/main.ts etc.: the composition root
  if (ADAPTER_FOLDERS.some((f) => file.startsWith(f))) return false;
  return !ADAPTER_FILE.test(file);
}

const isAdapterTarget = (target: string): boolean =>
  target.startsWith('src/') &&
  (FORBIDDEN_FOLDERS.some((f) => target.startsWith(f)) || ADAPTER_FILE.test(target) || target === 'src/main.ts');

/** The violations of one file, given its repository-relative path and its imports. */
export function checkFile(file: string, imports: ImportRef[]): Violation[] {
  const out: Violation[] = [];
  const pure = file.startsWith('src/') && isPureFile(file);
  for (const { specifier, typeOnly } of imports) {
    const relativeSpec = specifier.startsWith('./') || specifier.startsWith('../');
    const target = relativeSpec ? posix.normalize(posix.join(posix.dirname(file), specifier)) : undefined;
    const add = (rule: string) => out.push({ file, specifier, rule });

    if (file.startsWith('contract/')) {
      const allowed = target
        ? target.startsWith('contract/') || (typeOnly && target.startsWith('src/kernel/'))
        : moduleName(specifier) === 'typebox';
      if (!allowed) add(RULE_CONTRACT);
      continue;
    }
    if (file.startsWith('sdk/')) {
      const allowed = target ? target.startsWith('contract/') || target.startsWith('sdk/') : moduleName(specifier) === 'typebox';
      if (!allowed) add(RULE_SDK);
      continue;
    }
    const browser = BROWSER_RULES.find((r) => file.startsWith(r.folder));
    if (browser) {
      const allowed = target
        ? target.startsWith('contract/') ||
          target.startsWith('sdk/') ||
          (browser.may.some((f) => target.startsWith(f)) && !(browser.not && target.startsWith(browser.not)))
        : moduleName(specifier) === 'typebox' || (file.startsWith('web/live/') && moduleName(specifier) === 'hls.js');
      if (!allowed) add(browser.rule);
      continue;
    }
    if (!file.startsWith('src/')) continue;
    if (target && (target.startsWith('test/') || target.startsWith('bench/') || target === 'test' || target === 'bench')) {
      add(RULE_TESTS);
      continue;
    }
    if (!pure) continue;
    if (target) {
      if (isAdapterTarget(target)) add(RULE_PURE);
      continue;
    }
    const name = moduleName(specifier);
    if (FORBIDDEN_PACKAGES.some((p) => matchesPackage(name, p)) || FORBIDDEN_BUILTINS.includes(name)) add(RULE_PURE);
  }
  return out;
}

function listTs(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : listTs(full);
    return e.isFile() && e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Checks every .ts file under root/src, root/contract, root/sdk and root/web. */
export function checkBoundaries(root: string): BoundaryReport {
  const files = [...listTs(join(root, 'src')), ...listTs(join(root, 'contract')), ...listTs(join(root, 'sdk')), ...listTs(join(root, 'web'))].sort();
  let imports = 0;
  const violations: Violation[] = [];
  for (const full of files) {
    const file = relative(root, full).split(sep).join('/');
    const refs = parseImports(readFileSync(full, 'utf8'));
    imports += refs.length;
    violations.push(...checkFile(file, refs));
  }
  return { files: files.length, imports, violations };
}

export const formatViolation = (v: Violation): string => `${v.file}: imports ${v.specifier} (${v.rule})`;

function main(): void {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const report = checkBoundaries(root);
  for (const v of report.violations) console.error(formatViolation(v));
  if (report.files === 0) {
    console.error(`check-boundaries: no .ts files under ${root}/src or ${root}/contract`);
    process.exit(1);
  }
  if (report.violations.length > 0) {
    console.error(`check-boundaries: ${report.violations.length} violation(s) in ${report.files} files`);
    process.exit(1);
  }
  console.log(`check-boundaries: OK, ${report.files} files, ${report.imports} imports, no violations`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
