/**
 * The lobby (waiting room) over the signalling protocol and the REST API, on SQLite and PostgreSQL: who waits (guests,
 * or everyone but invited users), what hosts see, admitting and refusing one or all, admitted people entering without
 * being asked for the passcode again, and the lobby together with passcodes, the lock and the meeting's capacity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventOf } from '../../contract/signal/protocol.ts';
import { RestError } from '../../sdk/rest-client.ts';
import { JoinError, type SignalClient } from '../../sdk/signal-client.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, joinAs, restFor, signalFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

for (const dialect of testDialects()) {
  describe(`the lobby [${dialect}]`, () => {
    let t: TestServer;
    const clients: SignalClient[] = [];
    let token = '';
    let memberToken = '';
    let invitedToken = '';
    let invitedId = '';
    let number = '';
    let password = '';
    let host: SignalClient;
    const hostRest = () => restFor(t, 'lobby-host-app', token);

    /** Starts a join that waits in the lobby; resolves once it waits (`joined` settles when admitted or refused). */
    const waitInLobby = async (clientId: string, name: string, extra: { token?: string; passcode?: string } = {}) => {
      const c = signalFor(t);
      clients.push(c);
      let asked = 0;
      let waiting!: (e: EventOf<'lobby.waiting'>) => void;
      const inLobby = new Promise<EventOf<'lobby.waiting'>>((r) => (waiting = r));
      const joined = c.join(
        { meeting_number: number, client_id: clientId, display_name: name, ...(extra.token ? { token: extra.token } : {}), passcode: extra.passcode ?? password },
        { onLobby: waiting, onPasscode: () => (asked++, password) },
      );
      joined.catch(() => undefined);
      // A join refused before the lobby fails here rather than waiting for ever.
      const lobby = await Promise.race([inLobby, joined.then(() => assert.fail(`${name} joined without waiting`))]);
      return { c, joined, lobby, asked: () => asked };
    };
    const waitingNames = (e: EventOf<'lobby'>) => e.waiting.map((w) => w.display_name);
    const waiters: Record<string, Awaited<ReturnType<typeof waitInLobby>>> = {};

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_MAX_PARTICIPANTS_PER_MEETING: '5' });
      await t.createUser('lobby-host', 'lobby-host-pw-1');
      await t.createUser('lobby-member', 'lobby-member-pw-1');
      invitedId = await t.createUser('lobby-invited', 'lobby-invited-pw-1');
      token = await t.signIn('lobby-host', 'lobby-host-pw-1', 'lobby-host-app');
      memberToken = await t.signIn('lobby-member', 'lobby-member-pw-1', 'lobby-member-app');
      invitedToken = await t.signIn('lobby-invited', 'lobby-invited-pw-1', 'lobby-invited-app');
      const r = await t.call('POST', '/api/v1/meeting_schedule', {
        query: { client_id: 'lobby-host-app', token },
        body: {
          meeting_type: 'reservation',
          meeting_name: 'Class with a lobby',
          schedule_start_time: Date.now() + 60_000,
          schedule_end_time: Date.now() + 2 * 3600_000,
          lobby: 'guests',
          invited_users: [invitedId],
        },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.lobby, 'guests', 'the setting is kept with the meeting');
      number = String(r.body.meeting_number);
      password = String(r.body.meeting_password);
      host = await joinAs(t, { meeting_number: number, client_id: 'lobby-host-app', display_name: 'Hanna Host', token });
      clients.push(host);
      assert.equal(host.info?.lobby, 'guests');
    });
    after(async () => {
      await closeAll(clients);
      await t.close();
    });

    it('a guest waits, told so; hosts see who waits; a signed-in member walks in', async () => {
      host.mark();
      const gina = (waiters.gina = await waitInLobby('lobby-gina', 'Gina'));
      assert.equal(gina.lobby.meeting_name, 'Class with a lobby');
      const seen = await host.waitFor('lobby', (e) => e.waiting.length === 1);
      assert.deepEqual(seen.waiting.map((w) => ({ uuid: w.uuid, display_name: w.display_name, guest: w.guest })), [{ uuid: 'lobby-gina', display_name: 'Gina', guest: true }]);
      assert.equal(host.roster.has('lobby-gina'), false, 'not in the meeting');
      await assert.rejects(gina.c.send({ type: 'hand', raised: true }), (e: unknown) => (e as { errorCode?: string }).errorCode === '0x10000005' || /lobby/.test(String(e)));
      const member = await joinAs(t, { meeting_number: number, client_id: 'lobby-member-app', display_name: 'Mia', token: memberToken, passcode: password });
      clients.push(member);
      assert.deepEqual((await hostRest().lobby(number)).waiting.map((w) => w.uuid), ['lobby-gina']);
    });

    it('a host admits one: it enters without being asked for the passcode again, and everyone sees it', async () => {
      const gus = (waiters.gus = await waitInLobby('lobby-gus', 'Gus'));
      await hostRest().lobbyAdmit(number, ['lobby-gina']);
      const gina = waiters.gina!;
      assert.equal((await gina.joined).status, 'connected');
      assert.equal(gina.asked(), 0, 'no passcode asked again');
      await gina.c.ping();
      assert.ok(gina.c.roster.has('lobby-host-app'), 'the join snapshot arrived');
      await host.waitFor('roster', (e) => e.participants.some((p) => p.uuid === 'lobby-gina'));
      assert.deepEqual(waitingNames(await host.waitFor('lobby', (e) => !e.waiting.some((w) => w.uuid === 'lobby-gina'))), ['Gus']);
      assert.equal(gus.asked(), 0);
      await assert.rejects(hostRest().lobbyAdmit(number, ['lobby-nobody']), (e: unknown) => e instanceof RestError && e.status === 404 && /participants/.test(e.error));
    });

    it('a host refuses: the person is told plainly and is gone from the lobby; participants may not decide', async () => {
      await assert.rejects(restFor(t, 'lobby-member-app', memberToken).lobbyRefuse(number), (e: unknown) => e instanceof RestError && e.status === 403);
      const gus = waiters.gus!;
      host.mark();
      await hostRest().lobbyRefuse(number, ['lobby-gus']);
      await assert.rejects(gus.joined, (e: unknown) => e instanceof JoinError && e.reason === 'ServerReject' && e.message === 'the host did not let you into the meeting');
      assert.deepEqual((await host.waitFor('lobby')).waiting, []);
    });

    it('the passcode comes first: a wrong one never reaches the lobby', async () => {
      const c = signalFor(t);
      clients.push(c);
      let lobby = false;
      await assert.rejects(
        c.join({ meeting_number: number, client_id: 'lobby-wrong', display_name: 'Wrong', passcode: '000000' }, { onLobby: () => (lobby = true), onPasscode: () => undefined }),
        (e: unknown) => e instanceof JoinError && e.reason === 'PasscodeFailed',
      );
      assert.equal(lobby, false);
    });

    it('locked: newcomers are refused, not queued; someone already waiting is still let in by a host', async () => {
      const lea = await waitInLobby('lobby-lea', 'Lea');
      await hostRest().lock(number);
      await assert.rejects(joinAs(t, { meeting_number: number, client_id: 'lobby-late', display_name: 'Late', passcode: password }), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingLocked');
      await hostRest().lobbyAdmit(number);
      assert.equal((await lea.joined).status, 'connected');
      await hostRest().unlock(number);
    });

    it('capacity: a host cannot let in more than the meeting holds', async () => {
      // In: host, member, Gina, Lea = 4 of 5.
      const a = await waitInLobby('lobby-a', 'A');
      const b = await waitInLobby('lobby-b', 'B');
      await assert.rejects(hostRest().lobbyAdmit(number), (e: unknown) => e instanceof RestError && e.status === 409 && /full/.test(e.error));
      assert.equal((await a.joined).status, 'connected', 'the first fitted');
      assert.deepEqual((await hostRest().lobby(number)).waiting.map((w) => w.uuid), ['lobby-b']);
      await hostRest().lobbyRefuse(number);
      await assert.rejects(b.joined, (e: unknown) => e instanceof JoinError && e.reason === 'ServerReject');
      await a.c.leave();
    });

    it('switched live: "uninvited" lets invited users through and holds other members; "off" lets everyone waiting in', async () => {
      host.mark();
      await hostRest().setLobby(number, 'uninvited');
      assert.equal((await host.waitFor('meeting.info')).lobby, 'uninvited');
      const invited = await joinAs(t, { meeting_number: number, client_id: 'lobby-invited-app', display_name: 'Ivo', token: invitedToken, passcode: password });
      clients.push(invited);
      await clients.find((c) => c.self?.uuid === 'lobby-member-app')!.leave();
      const member = await waitInLobby('lobby-member-app', 'Mia', { token: memberToken });
      assert.equal(member.lobby.type, 'lobby.waiting');
      await hostRest().setLobby(number, 'off');
      assert.equal((await member.joined).status, 'connected');
      assert.deepEqual((await hostRest().lobby(number)).waiting, []);
    });

    it('a full meeting refuses newcomers instead of queuing them; leaving the lobby takes one off the hosts’ list', async () => {
      await hostRest().setLobby(number, 'guests');
      // host, Gina, Lea, Ivo, Mia: 5 of 5.
      await assert.rejects(waitInLobby('lobby-crowd', 'Crowd'), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingFull');
      await clients.find((c) => c.self?.uuid === 'lobby-invited-app')!.leave();
      host.mark();
      const w = await waitInLobby('lobby-quitter', 'Quinn');
      await host.waitFor('lobby', (e) => e.waiting.length === 1);
      await w.c.close();
      assert.deepEqual((await host.waitFor('lobby')).waiting, []);
    });
  
    it('a room keeps its lobby setting: its meetings start with it', async () => {
      const admin = await t.adminToken();
      const created = await t.call('POST', '/api/v1/meeting_rooms', {
        query: { client_id: 'lobby-admin', token: admin },
        body: { meetingroom_name: 'Lobby room', owner_id: invitedId, meeting_password: '' , lobby: 'guests' },
      });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.lobby, 'guests');
      const bad = await t.call('PUT', `/api/v1/meeting_rooms/${created.body.meeting_room_id}`, { query: { client_id: 'lobby-admin', token: admin }, body: { lobby: 'sometimes' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /lobby/);
      const roomNumber = String(created.body.meeting_number);
      const owner = await joinAs(t, { meeting_number: roomNumber, client_id: 'lobby-invited-app', display_name: 'Ivo', token: invitedToken });
      clients.push(owner);
      assert.equal(owner.info?.lobby, 'guests');
      const saved = number;
      number = roomNumber;
      try {
        const guest = await waitInLobby('lobby-room-guest', 'Roomie', { passcode: '' });
        await restFor(t, 'lobby-invited-app', invitedToken).lobbyAdmit(roomNumber);
        assert.equal((await guest.joined).status, 'connected');
      } finally {
        number = saved;
      }
    });
  });
}
