import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configurationMarkdown } from '../../scripts/config-doc.ts';
import { ConfigSchema, envName } from '../../src/config/options.ts';

describe('docs/configuration.md', () => {
  it('matches what the configuration schema generates (run `npm run docs:config` after changing options)', () => {
    assert.equal(readFileSync('docs/configuration.md', 'utf8'), configurationMarkdown());
  });

  it('names every configuration variable', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    for (const key of Object.keys(ConfigSchema.properties)) assert.ok(doc.includes(`\`${envName(key)}\``), envName(key));
  });
});
