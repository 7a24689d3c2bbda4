/**
 * Reactions and the queue of raised hands over the signalling protocol and the REST API, on SQLite and PostgreSQL:
 * a reaction reaches everyone (and only as one of the fixed emoji, at a bounded rate); hosts see hands in the order
 * they went up and lower one or all of them without letting anyone speak.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestError } from '../../sdk/rest-client.ts';
import { type SignalClient, SignalError } from '../../sdk/signal-client.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const quiet = (clients: SignalClient[]) => Promise.all(clients.filter((c) => c.connected).map((c) => c.ping()));
const queue = (c: SignalClient) => c.waitFor('unmute.requested');

for (const dialect of testDialects()) {
  describe(`reactions and raised hands [${dialect}]`, () => {
    let t: TestServer;
    let number = '';
    let ownerToken = '';
    let owner: SignalClient;
    let ann: SignalClient;
    let ben: SignalClient;
    let cat: SignalClient;
    const clients: SignalClient[] = [];

    before(async () => {
      t = await startTestServer(dialect);
      await t.createUser('react-owner', 'react-owner-pw-1');
      await t.createUser('react-other', 'react-other-pw-1');
      ownerToken = await t.signIn('react-owner', 'react-owner-pw-1', 'react-owner-app');
      const m = await instantMeeting(t, ownerToken, 'react-owner-app', 'Reactions');
      number = m.meeting_number;
      const join = async (clientId: string, name: string, token?: string) => {
        const c = await joinAs(t, { meeting_number: number, client_id: clientId, display_name: name, passcode: m.meeting_password, ...(token ? { token } : {}) });
        clients.push(c);
        return c;
      };
      owner = await join('react-owner-app', 'Olga', ownerToken);
      ann = await join('react-ann', 'Ann');
      ben = await join('react-ben', 'Ben');
      cat = await join('react-cat', 'Cat');
    });
    after(async () => {
      await closeAll(clients);
      await t.close();
    });

    it('a reaction reaches everyone in the meeting, the sender included, naming who reacted', async () => {
      for (const c of clients) c.mark();
      await ann.react('👏');
      for (const c of clients) assert.deepEqual(await c.waitFor('reaction'), { type: 'reaction', uuid: 'react-ann', emoji: '👏' });
    });

    it('only the fixed emoji, and at most 5 at once', async () => {
      await assert.rejects(ben.send({ type: 'react', emoji: '<b>hi</b>' } as never), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000001' && /emoji/.test(e.error));
      const burst = await Promise.allSettled(Array.from({ length: 7 }, () => ben.react('🎉')));
      const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(refused.length >= 1, 'some are refused');
      for (const r of refused) assert.ok(r.reason instanceof SignalError && r.reason.errorCode === '0x10000006' && /^emoji: at most/.test(r.reason.error));
      await quiet(clients);
      assert.ok(cat.count('reaction') <= 1 + 5 + 1, 'the refused ones reach nobody');
    });

    it('hosts see raised hands in the order they went up; a hand raised again goes to the back', async () => {
      owner.mark();
      await cat.raiseHand();
      await ann.raiseHand();
      await ben.raiseHand();
      let e = await owner.waitFor('unmute.requested', (r) => r.requests.length === 3);
      assert.deepEqual(e.requests.map((r) => r.display_name), ['Cat', 'Ann', 'Ben']);
      owner.mark();
      await cat.lowerHand();
      await cat.raiseHand();
      e = await owner.waitFor('unmute.requested', (r) => r.requests.length === 3 && r.requests[2]?.uuid === 'react-cat');
      assert.deepEqual(e.requests.map((r) => r.display_name), ['Ann', 'Ben', 'Cat']);
      // A host joining now is shown the queue in the same order.
      const second = await joinAs(t, { meeting_number: number, client_id: 'react-owner-2', display_name: 'Olga 2', token: ownerToken });
      clients.push(second);
      assert.deepEqual((await queue(second)).requests.map((r) => r.display_name), ['Ann', 'Ben', 'Cat']);
    });

    it('a host lowers one hand, then all of them, without letting anyone speak; participants may not', async () => {
      const host = restFor(t, 'react-owner-app', ownerToken);
      owner.mark();
      await host.lowerHands(number, ['react-ben']);
      assert.deepEqual((await queue(owner)).requests.map((r) => r.display_name), ['Ann', 'Cat']);
      await ben.waitFor('roster', (r) => r.participants.some((p) => p.uuid === 'react-ben' && !p.hand_raised));
      await assert.rejects(restFor(t, 'react-ann').lowerHands(number), (e: unknown) => e instanceof RestError && e.status === 401);
      const otherToken = await t.signIn('react-other', 'react-other-pw-1', 'react-other-app');
      await assert.rejects(restFor(t, 'react-other-app', otherToken).lowerHands(number), (e: unknown) => e instanceof RestError && e.status === 403);
      await assert.rejects(host.lowerHands(number, ['react-nobody']), (e: unknown) => e instanceof RestError && e.status === 404 && /participants/.test(e.error));
      owner.mark();
      for (const c of [ann, cat]) c.mark();
      await host.lowerHands(number);
      assert.deepEqual((await queue(owner)).requests, []);
      await quiet(clients);
      for (const c of [ann, ben, cat]) assert.equal(owner.roster.get(c.self!.uuid)?.hand_raised, false);
      assert.equal(ann.count('unmute.allowed'), 0, 'lowering is not allowing');
    });
  });
}
