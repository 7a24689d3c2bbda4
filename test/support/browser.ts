/**
 * Browser tests: the Debian `chromium` package driven by playwright-core (the browser is never downloaded), an
 * accessibility check with axe-core run inside the page, and screenshots kept as test artifacts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.CONVENE_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** CI sets CONVENE_REQUIRE_CHROMIUM=1: a missing browser is then a failure, not a skip. */
export const REQUIRE_CHROMIUM = process.env.CONVENE_REQUIRE_CHROMIUM === '1';
/** The `skip` of a describe that needs Chromium. */
export const SKIP_WITHOUT_CHROMIUM: string | false = HAVE_CHROMIUM || REQUIRE_CHROMIUM ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
export const CHROMIUM_ARGS = ['--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--ignore-certificate-errors'];

export function assertChromium(): void {
  assert.ok(HAVE_CHROMIUM, `CONVENE_REQUIRE_CHROMIUM=1 but Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
}

/** Where screenshots go: test-artifacts/ at the repository root (gitignored; CI may keep it). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

/** Saves a full-page screenshot as test-artifacts/<folder>/<name>.png and returns its path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules and best practices) on the page as it is now and returns the serious and
 * critical violations. axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy does
 * not restrict, so the page is tested with its real policy.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate('typeof globalThis.axe === "object"');
  if (!loaded) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`globalThis.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails with every serious or critical axe violation, each with the elements concerned. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.deepEqual(
    violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`),
    [],
    `axe-core on ${where}`,
  );
}
