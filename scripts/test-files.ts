/**
 * Which files `npm test` runs, read from the disk so that no list kept by hand can forget one: every `*.test.ts` under
 * test/. Node 20's runner does not expand globs, hence the walk here. Files named `*-media.test.ts` use real WebRTC
 * and run apart, in a loopback-only network namespace (scripts/test.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export interface TestSelection {
  /** Run by one `node --test`, on SQLite and PostgreSQL. */
  plain: string[];
  /** Real WebRTC: run in the loopback-only namespace. */
  media: string[];
}

/** The suffix that puts a test file into the network namespace. */
export const MEDIA_SUFFIX = '-media.test.ts';

const TEST_SUFFIX = '.test.ts';
/** Folders under test/ that hold helpers, not tests. */
const HELPER_DIRS = ['support', 'fixtures'];

/** Paths relative to root, with forward slashes, sorted. */
function walk(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((p) => relative(root, join(root, dir, p)).split(sep).join('/'))
    .sort();
}

/**
 * Every test file under `<root>/test`, or under the files and folders named in `only` (relative to root); throws on a
 * named path that does not exist or holds no test file, and on a TypeScript file under test/ that is neither a test
 * (`*.test.ts`) nor in a helper folder (support/, fixtures/): a test named `foo.spec.ts` or `foo-test.ts` would
 * otherwise never run.
 */
export function selectTestFiles(root: string, only: string[] = []): TestSelection {
  const all = walk(root, 'test');
  const stray = all.filter(
    (p) => /\.[cm]?tsx?$/.test(p) && !p.endsWith(TEST_SUFFIX) && !p.split('/').some((part) => HELPER_DIRS.includes(part)),
  );
  if (stray.length > 0) {
    throw new Error(`not run by npm test: ${stray.join(', ')} (name a test *${TEST_SUFFIX}; helpers go in test/support/ or a fixtures/ folder)`);
  }
  let files = all.filter((p) => p.endsWith(TEST_SUFFIX));
  if (only.length > 0) {
    const chosen = new Set<string>();
    for (const arg of only) {
      const path = relative(root, resolve(root, arg)).split(sep).join('/');
      if (!existsSync(join(root, path))) throw new Error(`no such test file or folder: ${arg}`);
      const matches = statSync(join(root, path)).isDirectory() ? walk(root, path).filter((p) => p.endsWith(TEST_SUFFIX)) : [path];
      if (matches.length === 0 || !matches.every((p) => p.endsWith(TEST_SUFFIX))) throw new Error(`not a test file, nor a folder with test files: ${arg}`);
      for (const m of matches) chosen.add(m);
    }
    files = [...chosen].sort();
  }
  return { plain: files.filter((f) => !f.endsWith(MEDIA_SUFFIX)), media: files.filter((f) => f.endsWith(MEDIA_SUFFIX)) };
}
