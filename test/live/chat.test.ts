/**
 * The chat of a live meeting over the signalling protocol (docs/protocol.md, Chat) and its transcript over REST, on
 * SQLite and PostgreSQL: the order everyone sees, private messages reaching only their two parties, what late joiners
 * are shown, the hosts' guest setting and deletion, the limits, and who reads the transcript afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SignalClient } from '../../sdk/signal-client.ts';
import { RestError } from '../../sdk/rest-client.ts';
import { SignalError } from '../../sdk/signal-client.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const quiet = (clients: SignalClient[]) => Promise.all(clients.filter((c) => c.connected).map((c) => c.ping()));
const texts = (c: SignalClient) => c.chat.map((m) => m.text);

async function refused(p: Promise<unknown>, errorCode: string, field: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof SignalError && e.errorCode === errorCode && field.test(e.error));
}

for (const dialect of testDialects()) {
  describe(`chat in a live meeting [${dialect}]`, () => {
    let t: TestServer;
    const tokens = { owner: '', user: '', outsider: '', operator: '' };
    let number = '';
    let password = '';
    let owner: SignalClient;
    let user: SignalClient;
    let g1: SignalClient;
    let g2: SignalClient;
    const clients: SignalClient[] = [];
    const join = async (clientId: string, name: string, token?: string) => {
      const c = await joinAs(t, { meeting_number: number, client_id: clientId, display_name: name, passcode: password, ...(token ? { token } : {}) });
      clients.push(c);
      return c;
    };

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_CHAT_MAX_LENGTH: '100', CONVENE_CHAT_MESSAGES_PER_MINUTE: '60' });
      for (const [name, role] of [['chat-owner', 'Normal'], ['chat-user', 'Normal'], ['chat-outsider', 'Normal'], ['chat-operator', 'MeetingOperator']] as const) {
        await t.createUser(name, `${name}-pw-1`, role);
      }
      tokens.owner = await t.signIn('chat-owner', 'chat-owner-pw-1', 'chat-owner-app');
      tokens.user = await t.signIn('chat-user', 'chat-user-pw-1', 'chat-user-app');
      tokens.outsider = await t.signIn('chat-outsider', 'chat-outsider-pw-1', 'chat-outsider-app');
      tokens.operator = await t.signIn('chat-operator', 'chat-operator-pw-1', 'chat-operator-app');
      ({ meeting_number: number, meeting_password: password } = await instantMeeting(t, tokens.owner, 'chat-owner-app', 'Chat meeting'));
      owner = await join('chat-owner-app', 'Olga', tokens.owner);
      user = await join('chat-user-app', 'Uwe', tokens.user);
      g1 = await join('chat-g1', 'Gina');
      g2 = await join('chat-g2', 'Gus');
    });
    after(async () => {
      await closeAll(clients);
      await t.close();
    });

    it('everyone receives every message to everyone, in the order the server accepted them, their own included', async () => {
      const sent = [owner.sendChat('one'), g1.sendChat('two <b>bold</b> https://example.org/?a=1&b=2'), owner.sendChat('three'), user.sendChat('four\r\nlines')];
      await Promise.all(sent);
      await quiet(clients);
      const order = texts(owner);
      assert.deepEqual([...order].sort(), ['four\nlines', 'one', 'three', 'two <b>bold</b> https://example.org/?a=1&b=2'].sort(), 'text kept as written (CRLF → LF)');
      assert.ok(order.indexOf('one') < order.indexOf('three'), 'one sender’s messages keep their order');
      for (const c of clients) assert.deepEqual(texts(c), order, `${c.self!.display_name} sees the same order`);
      const ids = owner.chat.map((m) => m.id);
      assert.equal(new Set(ids).size, 4);
      const two = g1.chat.find((m) => m.text.startsWith('two'))!;
      assert.deepEqual({ from: two.from, from_name: two.from_name, to: two.to, private: two.private }, { from: 'chat-g1', from_name: 'Gina', to: '', private: false });
    });

    it('a private message reaches its sender and its recipient and nobody else', async () => {
      const before = clients.map((c) => c.chat.length);
      await user.sendChat('psst, Gina', 'chat-g1');
      await quiet(clients);
      const last = (c: SignalClient) => c.chat[c.chat.length - 1]!;
      for (const c of [user, g1]) assert.deepEqual({ text: last(c).text, private: last(c).private, to: last(c).to, to_name: last(c).to_name }, { text: 'psst, Gina', private: true, to: 'chat-g1', to_name: 'Gina' });
      assert.equal(owner.chat.length, before[0], 'the host does not see it');
      assert.equal(g2.chat.length, before[3], 'another guest does not see it');
      await refused(user.sendChat('to nobody', 'chat-nobody'), '0x10000004', /^to:/);
      await refused(user.sendChat('to me', 'chat-user-app'), '0x10000001', /^to:/);
    });

    it('a late joiner is shown the messages to everyone in order, and no one else’s private messages', async () => {
      const late = await join('chat-late', 'Lee');
      assert.deepEqual(texts(late), texts(owner));
      assert.ok(!texts(late).includes('psst, Gina'));
      // The recipient coming back on its place (resume) sees its private message again; someone else joining under a
      // guest's client id later does not.
      await g1.close();
      await g1.resume();
      await g1.ping();
      assert.ok(texts(g1).includes('psst, Gina'));
      await g1.leave();
      const impostor = await join('chat-g1', 'Not Gina');
      assert.ok(!texts(impostor).includes('psst, Gina'), 'a new party under the same client id');
      assert.deepEqual(texts(impostor), texts(owner));
    });

    it('hosts turn private messages or all chat off for guests; hosts and signed-in participants still write', async () => {
      const host = restFor(t, 'chat-owner-app', tokens.owner);
      owner.mark();
      await host.setGuestChat(number, 'public');
      assert.equal((await owner.waitFor('meeting.info')).guest_chat, 'public');
      await refused(g2.sendChat('secret', 'chat-owner-app'), '0x10000006', /^to: .*private messages off for guests/);
      await g2.sendChat('still public');
      await host.setGuestChat(number, 'none');
      await refused(g2.sendChat('anyone?'), '0x10000006', /^chat: .*off for guests/);
      await user.sendChat('members still chat');
      await owner.sendChat('so do hosts', 'chat-g2');
      await quiet(clients);
      assert.ok(texts(g2).includes('members still chat') && texts(g2).includes('so do hosts'), 'guests still read');
      assert.ok(!texts(owner).includes('anyone?'));
      await host.setGuestChat(number, 'all');
      await g2.sendChat('back again', 'chat-owner-app');
      // Not the guests' to choose: a participant's own token-less call is refused.
      await assert.rejects(restFor(t, 'chat-g2').setGuestChat(number, 'all'), (e: unknown) => e instanceof RestError && e.status === 401);
    });

    it('limits: the length, the rate, empty messages', async () => {
      await refused(user.sendChat('x'.repeat(101)), '0x10000008', /^text: at most 100 characters/);
      await refused(user.sendChat(' \u0000\u202e '), '0x10000001', /^text: must not be empty/);
      // 5 at once, then the allowance (60 a minute) is spent for a second.
      const burst = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => g2.sendChat(`burst ${i}`)));
      const limited = burst.filter((r) => r.status === 'rejected');
      assert.ok(limited.length >= 1, 'some are refused');
      for (const r of limited) assert.ok((r as PromiseRejectedResult).reason instanceof SignalError && (r as PromiseRejectedResult).reason.errorCode === '0x10000006');
    });

    it('a host deletes a message for everyone; others may not; late joiners no longer see it', async () => {
      const lee = clients.find((c) => c.self?.uuid === 'chat-late')!;
      await lee.sendChat('regrettable');
      await quiet(clients);
      const id = owner.chat.find((m) => m.text === 'regrettable')!.id;
      await refused(user.deleteChat(id), '0x10000003', /^message_id: only hosts/);
      for (const c of clients) c.mark();
      await restFor(t, 'chat-owner-app', tokens.owner).deleteChatMessage(number, id);
      await Promise.all(clients.filter((c) => c.connected).map((c) => c.waitFor('chat.deleted', (e) => e.message_id === id)));
      for (const c of clients.filter((x) => x.connected)) assert.ok(!texts(c).includes('regrettable'));
      const late = await join('chat-late2', 'Lou');
      assert.ok(!texts(late).includes('regrettable'));
      // A private message is not the hosts' to delete.
      const priv = user.chat.find((m) => m.private)!.id;
      await refused(owner.deleteChat(priv), '0x10000004', /^message_id/);
      await assert.rejects(restFor(t, 'chat-owner-app', tokens.owner).deleteChatMessage(number, 'main:99999'), (e: unknown) => e instanceof RestError && e.status === 404);
    });

    it('afterwards the owner reads the transcript (JSON pages and plain text); private messages only to their parties', async () => {
      await user.sendChat('for Olga only', 'chat-owner-app');
      await quiet(clients);
      const host = restFor(t, 'chat-owner-app', tokens.owner);
      await host.stop(number);
      const [session] = (await host.history(number)).sessions;
      const all = await host.chatTranscript(number, session!.session_id);
      assert.equal(all.meeting_name, 'Chat meeting');
      assert.equal(all.total, all.messages.length);
      const lines = all.messages.map((m) => (m.deleted ? '(deleted)' : m.text));
      assert.deepEqual(lines.slice(0, 4), texts(owner).slice(0, 4), 'in the order sent');
      assert.ok(lines.includes('(deleted)') && !lines.includes('regrettable'), 'a deleted message keeps its place, not its text');
      assert.ok(lines.includes('for Olga only') && lines.includes('so do hosts'), 'the owner’s own private messages');
      assert.ok(!lines.includes('psst, Gina'), 'not other people’s');
      const page2 = await host.chatTranscript(number, session!.session_id, { page_num: 2, page_size: 3 });
      assert.deepEqual(page2.messages.map((m) => m.id), all.messages.slice(3, 6).map((m) => m.id));

      const operator = await restFor(t, 'chat-operator-app', tokens.operator).chatTranscript(number, session!.session_id);
      assert.ok(!operator.messages.some((m) => m.private), 'an operator reads the messages to everyone only');
      assert.equal(operator.total, all.total - all.messages.filter((m) => m.private).length);
      await assert.rejects(restFor(t, 'chat-outsider-app', tokens.outsider).chatTranscript(number, session!.session_id), (e: unknown) => e instanceof RestError && e.status === 403);
      await assert.rejects(host.chatTranscript(number, 'no-such-session'), (e: unknown) => e instanceof RestError && e.status === 404 && /session_id/.test(e.error));

      const text = await t.call('GET', `/api/v1/meeting/${number}/history/${session!.session_id}/chat.txt`, { query: { client_id: 'chat-owner-app', token: tokens.owner } });
      assert.equal(text.status, 200, text.text);
      assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
      assert.match(String(text.headers['content-disposition']), /^attachment; filename="chat-\d+-\d{4}-\d\d-\d\d\.txt"$/);
      assert.match(text.text, /^Chat of “Chat meeting” \(meeting \d+\)/);
      assert.match(text.text, /Z Gina: two <b>bold<\/b> https:\/\/example\.org\/\?a=1&b=2\n/);
      assert.match(text.text, /Z Uwe → Olga \(private\): for Olga only\n/);
      assert.match(text.text, /Z Uwe: four\n {4}lines\n/);
      assert.match(text.text, /Z Lee: \(deleted by a host\)\n/);
      assert.doesNotMatch(text.text, /psst/);
      const denied = await t.call('GET', `/api/v1/meeting/${number}/history/${session!.session_id}/chat.txt`, { query: { client_id: 'chat-outsider-app', token: tokens.outsider } });
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.errorCode, '0x10000003');
      const anonymous = await t.call('GET', `/api/v1/meeting/${number}/history/${session!.session_id}/chat.txt`, { query: { client_id: 'chat-g2' } });
      assert.equal(anonymous.status, 401, anonymous.text);
    });
  });
}
