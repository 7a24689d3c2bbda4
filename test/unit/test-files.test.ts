/**
 * What `npm test` runs (scripts/test-files.ts): every test file on disk, the WebRTC ones apart, and a clear refusal of
 * files it would otherwise never run. Each case builds a small tree of its own in a temp folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { selectTestFiles } from '../../scripts/test-files.ts';

const trees: string[] = [];
after(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

function tree(paths: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'convene-test-files-'));
  trees.push(root);
  for (const p of paths) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), '');
  }
  return root;
}

const REPO = [
  'test/unit/zeta.test.ts',
  'test/unit/alpha.test.ts',
  'test/api/deep/nested/calls.test.ts',
  'test/media/pool.test.ts',
  'test/media/sfu-media.test.ts',
  'test/web/browser-media.test.ts',
  'test/support/server.ts',
  'test/media/fixtures/pool-parent.ts',
  'test/media/fixtures/tone.wav',
  'test/README.md',
  'src/not-a-test.test.ts',
];

describe('npm test file selection', () => {
  it('runs every *.test.ts under test/, at any depth, with the *-media.test.ts files apart', () => {
    assert.deepEqual(selectTestFiles(tree(REPO)), {
      plain: ['test/api/deep/nested/calls.test.ts', 'test/media/pool.test.ts', 'test/unit/alpha.test.ts', 'test/unit/zeta.test.ts'],
      media: ['test/media/sfu-media.test.ts', 'test/web/browser-media.test.ts'],
    });
  });

  it('a file added later is run without being listed anywhere', () => {
    const root = tree(REPO);
    const before = selectTestFiles(root).plain.length;
    writeFileSync(join(root, 'test/unit/new-rule.test.ts'), '');
    const { plain } = selectTestFiles(root);
    assert.equal(plain.length, before + 1);
    assert.ok(plain.includes('test/unit/new-rule.test.ts'));
  });

  it('refuses a TypeScript file under test/ that is neither a test nor a helper, naming it', () => {
    const root = tree([...REPO, 'test/api/rooms.spec.ts', 'test/unit/helpers.ts']);
    assert.throws(() => selectTestFiles(root), /not run by npm test: test\/api\/rooms\.spec\.ts, test\/unit\/helpers\.ts/);
  });

  it('runs only the files and folders named, split the same way', () => {
    const root = tree(REPO);
    assert.deepEqual(selectTestFiles(root, ['test/media', './test/unit/zeta.test.ts', 'test/unit/zeta.test.ts']), {
      plain: ['test/media/pool.test.ts', 'test/unit/zeta.test.ts'],
      media: ['test/media/sfu-media.test.ts'],
    });
    assert.deepEqual(selectTestFiles(root, [join(root, 'test/web/browser-media.test.ts')]), { plain: [], media: ['test/web/browser-media.test.ts'] });
  });

  it('refuses a named path that does not exist or is not a test', () => {
    const root = tree(REPO);
    assert.throws(() => selectTestFiles(root, ['test/unit/missing.test.ts']), /no such test file or folder: test\/unit\/missing\.test\.ts/);
    assert.throws(() => selectTestFiles(root, ['test/support/server.ts']), /not a test file, nor a folder with test files: test\/support\/server\.ts/);
    assert.throws(() => selectTestFiles(root, ['test/support']), /not a test file, nor a folder with test files: test\/support/);
  });
});
