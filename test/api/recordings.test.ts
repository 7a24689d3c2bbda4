/**
 * The recordings API without media (rows and files put straight into the server's storage): who sees and deletes
 * which recording, paging and the meeting filter, downloads with HTTP range requests, and recordings not finished.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KyselyRecordings } from '../../src/recording/recordings.repo.ts';
import { testDialects } from '../support/dialects.ts';
import { finishedRecording } from '../support/recording.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

for (const dialect of testDialects()) {
  describe(`recordings API [${dialect}]`, () => {
    let t: TestServer;
    let ann = '';
    let bob = '';
    const tokens = { ann: '', bob: '', operator: '', admin: '' };
    const as = (who: keyof typeof tokens) => ({ client_id: `${who}-device`, token: tokens[who] });

    before(async () => {
      t = await startTestServer(dialect);
      ann = await t.createUser('rec-ann', 'ann-pw-1');
      bob = await t.createUser('rec-bob', 'bob-pw-1');
      await t.createUser('rec-operator', 'operator-pw-1', 'MeetingOperator');
      tokens.ann = await t.signIn('rec-ann', 'ann-pw-1', 'ann-device');
      tokens.bob = await t.signIn('rec-bob', 'bob-pw-1', 'bob-device');
      tokens.operator = await t.signIn('rec-operator', 'operator-pw-1', 'operator-device');
      tokens.admin = await t.signIn('admin', 'Admin-Passw0rd!', 'admin-device');
      for (let i = 0; i < 5; i++) await finishedRecording(t, ann, `ann-${i}`, i < 3 ? '111111111' : '222222222');
      await finishedRecording(t, bob, 'bob-0', '333333333');
    });
    after(() => t.close());

    it('owners see their meetings’ recordings, MeetingOperator and SystemAdmin all; paged, filtered by meeting, newest first', async () => {
      const mine = await t.call('GET', '/api/v1/recordings', { query: as('ann') });
      assert.equal(mine.status, 200, mine.text);
      assert.equal(mine.body.total_size, 5);
      assert.ok(mine.body.recordings.every((r: { owner_id: string }) => r.owner_id === ann));
      assert.equal((await t.call('GET', '/api/v1/recordings', { query: as('bob') })).body.total_size, 1);
      for (const who of ['operator', 'admin'] as const) assert.equal((await t.call('GET', '/api/v1/recordings', { query: as(who) })).body.total_size, 6);

      const page = await t.call('GET', '/api/v1/recordings', { query: { ...as('ann'), page_num: 2, page_size: 2 } });
      assert.equal(page.body.total_page_num, 3);
      assert.equal(page.body.recordings.length, 2);
      const filtered = await t.call('GET', '/api/v1/recordings', { query: { ...as('admin'), meeting_number: '111111111' } });
      assert.deepEqual(filtered.body.recordings.map((r: { meeting_number: string }) => r.meeting_number), ['111111111', '111111111', '111111111']);
      const item = filtered.body.recordings[0];
      assert.deepEqual(Object.keys(item).sort(), [
        'duration', 'end_time', 'file_url', 'layout', 'meeting_name', 'meeting_number', 'notes', 'owner_id', 'recording_id', 'session_id', 'size',
        'start_time', 'started_by', 'started_by_name', 'status',
      ]);
      assert.equal(item.status, 'FINISHED');
      assert.equal(item.file_url, `/api/v1/recordings/${item.recording_id}/file`);
      const big = await t.call('GET', '/api/v1/recordings', { query: { ...as('admin'), page_size: 100_000 } });
      assert.equal(big.status, 200);
    });

    it('a recording is read and downloaded by its owner and administrators; others get 403, unknown ids 404', async () => {
      assert.equal((await t.call('GET', '/api/v1/recordings/ann-1', { query: as('ann') })).status, 200);
      assert.equal((await t.call('GET', '/api/v1/recordings/ann-1', { query: as('operator') })).status, 200);
      const other = await t.call('GET', '/api/v1/recordings/ann-1', { query: as('bob') });
      assert.equal(other.status, 403);
      assert.equal(other.body.errorCode, '0x10000003');
      assert.equal((await t.call('GET', '/api/v1/recordings/ann-1/file', { query: as('bob') })).status, 403);
      assert.equal((await t.call('GET', '/api/v1/recordings/nope/file', { query: as('admin') })).body.errorCode, '0x10000004');

      const file = await t.call('GET', '/api/v1/recordings/ann-1/file', { query: as('ann') });
      assert.equal(file.status, 200);
      assert.equal(file.headers['accept-ranges'], 'bytes');
      assert.equal(file.raw.length, 4096);
      const ranges: Array<[string, number, string | undefined, number]> = [
        ['bytes=0-0', 206, 'bytes 0-0/4096', 1],
        ['bytes=4000-', 206, 'bytes 4000-4095/4096', 96],
        ['bytes=-10', 206, 'bytes 4086-4095/4096', 10],
        ['bytes=4000-99999', 206, 'bytes 4000-4095/4096', 96],
        ['bytes=4096-', 416, 'bytes */4096', -1],
        ['bytes=0-1,5-6', 200, undefined, 4096],
        ['items=0-1', 200, undefined, 4096],
      ];
      for (const [range, status, contentRange, length] of ranges) {
        const r = await t.call('GET', '/api/v1/recordings/ann-1/file', { query: as('ann'), headers: { range } });
        assert.equal(r.status, status, range);
        assert.equal(r.headers['content-range'], contentRange, range);
        if (length >= 0) assert.equal(r.raw.length, length, range);
      }
    });

    it('a recording still running or being finished cannot be downloaded or deleted (409); a finished one is deleted with its file', async () => {
      const repo = new KyselyRecordings(t.server.database.db);
      await finishedRecording(t, ann, 'ann-running', '444444444');
      await repo.update('ann-running', { status: 'recording', fileName: '' });
      for (const [method, path] of [['GET', '/api/v1/recordings/ann-running/file'], ['DELETE', '/api/v1/recordings/ann-running']] as const) {
        const r = await t.call(method, path, { query: as('ann') });
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.errorCode, '0x10000007');
      }
      assert.equal((await t.call('DELETE', '/api/v1/recordings/ann-0', { query: as('bob') })).status, 403);
      assert.equal((await t.call('DELETE', '/api/v1/recordings/ann-0', { query: as('ann') })).status, 200);
      assert.ok(!existsSync(join(t.dataDir, 'recordings', 'ann-0.webm')), 'the file is gone');
      assert.equal((await t.call('GET', '/api/v1/recordings/ann-0', { query: as('ann') })).status, 404);
    });
  });
}
