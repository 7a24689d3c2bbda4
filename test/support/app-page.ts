/**
 * The browser app (web/) in a Chromium page for the media tests: joined by a meeting link with its media connected,
 * its peer connections kept within the test's reach (what path and codec they use), and what it decodes per tile.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { eventually, sleep } from './eventually.ts';

export interface AppPage {
  page: Page;
  /** The participant's uuid, from the roster. */
  uuid: string;
}

/**
 * A new page (own context) of the app at `url` that joins as `name` and waits until its media are connected.
 * `before` runs in the page before the app's scripts (e.g. to set codec preferences).
 */
export async function joinAppPage(browser: Browser, url: string, name: string, before?: () => void): Promise<AppPage> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(20_000);
  // Keeps the app's peer connections in `globalThis.connections`, to read which path and codecs they took.
  await context.addInitScript(() => {
    const g = globalThis as unknown as { RTCPeerConnection: new (c?: unknown) => object; connections: object[] };
    const Native = g.RTCPeerConnection;
    g.connections = [];
    g.RTCPeerConnection = class extends Native {
      constructor(config?: unknown) {
        super(config);
        g.connections.push(this);
      }
    };
  });
  if (before) await context.addInitScript(before);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.locator('#preview[data-state="ready"][data-camera="true"]').waitFor();
  await page.fill('#display-name', name);
  await page.click('#join-button');
  await page.locator('#stage[data-media="connected"]').waitFor();
  return { page, uuid: (await page.locator('#roster li', { hasText: name }).getAttribute('data-uuid')) ?? '' };
}

/** Frames the page has decoded from `uuid`'s video, in that participant's tile (0 when none). */
export function framesFrom(page: Page, uuid: string): Promise<number> {
  return page.evaluate(`Number(document.querySelector('#stage .tile[data-uuid="${uuid}"] video[data-slot="video"]')?.dataset.frames ?? 0)`) as Promise<number>;
}

/** The page keeps decoding `uuid`'s video in that participant's tile. */
export function decodes(page: Page, uuid: string, timeoutMs = 20_000): Promise<void> {
  return eventually(async () => {
    const first = await framesFrom(page, uuid);
    await sleep(1200);
    assert.ok(first > 0 && (await framesFrom(page, uuid)) > first, `the page decodes ${uuid}'s video`);
  }, timeoutMs);
}
