import assert from 'node:assert/strict';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.ts';
import { instantMeeting } from './live.ts';
import { startTestServer, type TestServer } from './server.ts';

const WAIT_MS = 10_000;

type Account = { username: string; password: string };

/**
 * An instant meeting of a signed-in host on a server without media, and the browser app's pages that join it, each in
 * a Chromium context of its own (the in-meeting Chromium tests: chat, lobby, breakout rooms). Page errors are
 * collected; close() fails the test when there were any.
 */
export interface AppMeeting {
  t: TestServer;
  meeting: { number: string; password: string };
  /** Each joined page's participant id, by the label it joined with. */
  uuid: Record<string, string>;
  /** Opens the app and asks to join (signed in with `account`, else as a guest with the passcode); does not wait. */
  knock(label: string, name: string, account?: Account): Promise<Page>;
  /** knock(), then waits until the page is in the meeting and notes its participant id. */
  join(label: string, name: string, account?: Account): Promise<Page>;
  close(): Promise<void>;
}

export async function startAppMeeting(host: Account, meetingName: string): Promise<AppMeeting> {
  const t = await startTestServer('sqlite');
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let browser: Browser | undefined;
  const meeting = { number: '', password: '' };
  try {
    await t.createUser(host.username, host.password);
    const token = await t.signIn(host.username, host.password, 'test-setup');
    const created = await instantMeeting(t, token, 'test-setup', meetingName);
    Object.assign(meeting, { number: created.meeting_number, password: created.meeting_password });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    await t.close();
    throw error;
  }
  const app: AppMeeting = {
    t,
    meeting,
    uuid: {},
    async knock(label, name, account) {
      const context = await browser!.newContext({ ignoreHTTPSErrors: true });
      context.setDefaultTimeout(WAIT_MS);
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
      page.on('dialog', (d) => void d.accept());
      await page.goto(`${t.url}/app/`);
      await page.locator('body[data-ready="true"]').waitFor();
      await page.fill('#meeting-number', meeting.number);
      await page.fill('#display-name', name);
      if (account) {
        await page.click('#sign-in summary');
        await page.fill('#username', account.username);
        await page.fill('#password', account.password);
      } else {
        await page.fill('#passcode', meeting.password);
      }
      await page.click('#join-button');
      return page;
    },
    async join(label, name, account) {
      const page = await app.knock(label, name, account);
      await page.locator('#meeting-screen').waitFor();
      await page.locator('#roster li .badge.you').waitFor();
      app.uuid[label] = (await page.locator('#roster li:has(.badge.you)').getAttribute('data-uuid')) ?? '';
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser?.close();
      await t.close();
      assert.deepEqual(pageErrors, [], 'no errors in the pages');
    },
  };
  return app;
}
