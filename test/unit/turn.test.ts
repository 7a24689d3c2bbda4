import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { parseTurnUrls } from '../../src/config/turn.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { IceServers, turnCredential } from '../../src/live/ice-servers.ts';

const SECRET = 'correct-horse-battery-staple';

describe('TURN credentials (the TURN REST API scheme coturn checks with use-auth-secret)', () => {
  it('the password is the base64 HMAC-SHA1 of "<expiry>:<id>" under the shared secret', () => {
    // Computed independently: printf '%s' '1767225600:7f1c2b' | openssl dgst -sha1 -hmac "$SECRET" -binary | base64
    assert.deepEqual(turnCredential(SECRET, '7f1c2b', 1767225600), { username: '1767225600:7f1c2b', credential: 'pfl3tq6dN3H+0CJRJy6wOuHwshk=' });
  });

  it('each participant gets the configured URLs and a credential of its own that expires the configured time from now', () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0, 400));
    const urls = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'];
    const ice = new IceServers({ urls, secret: SECRET, lifetimeSeconds: 3600 }, clock);
    const expiry = Math.floor(clock.now() / 1000) + 3600;
    const a = ice.for('participant-a');
    assert.deepEqual(a, {
      iceServers: [{ urls, username: `${expiry}:participant-a`, credential: createHmac('sha1', SECRET).update(`${expiry}:participant-a`).digest('base64') }],
      expires: expiry * 1000,
    });
    assert.notEqual(ice.for('participant-b').iceServers[0]!.credential, a.iceServers[0]!.credential);
    clock.advance(60_000);
    assert.equal(ice.for('participant-a').iceServers[0]!.username, `${expiry + 60}:participant-a`, 'a later connection gets a fresh credential');
    assert.ok(!JSON.stringify(a).includes(SECRET));
  });

  it('without a TURN server there are no ICE servers (browsers reach the SFU directly)', () => {
    assert.deepEqual(new IceServers(undefined, new ManualClock()).for('p'), { iceServers: [], expires: 0 });
  });
});

describe('CONVENE_TURN_* settings', () => {
  const loadError = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    assert.fail('expected loadConfig() to throw');
  };
  const secret = { CONVENE_TURN_SECRET: 'a-long-enough-secret-123' };

  it('takes turn: and turns: URIs over UDP, TCP and TLS, with or without port and transport', () => {
    const value = 'turn:turn.example.org:3478?transport=udp, turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:443?transport=tcp,turn:192.0.2.7,turns:[2001:db8::1]:5349';
    const c = loadConfig({ CONVENE_TURN_URLS: value, ...secret, CONVENE_TURN_CREDENTIAL_SECONDS: '3600' });
    assert.deepEqual(parseTurnUrls(c.turnUrls), [
      'turn:turn.example.org:3478?transport=udp',
      'turn:turn.example.org:3478?transport=tcp',
      'turns:turn.example.org:443?transport=tcp',
      'turn:192.0.2.7',
      'turns:[2001:db8::1]:5349',
    ]);
    assert.equal(c.turnCredentialSeconds, 3600);
    assert.equal(loadConfig({}).turnCredentialSeconds, 86400);
    assert.deepEqual(parseTurnUrls(loadConfig({}).turnUrls), []);
  });

  it('refuses what is not a TURN URI, naming the variable and the entry; turns: over UDP; a port out of range', () => {
    for (const [bad, why] of [
      ['stun:turn.example.org', /"stun:turn.example.org" is not a turn: or turns: URI/],
      ['https://turn.example.org', /is not a turn: or turns: URI/],
      ['turn:turn.example.org:3478?transport=sctp', /is not a turn: or turns: URI/],
      ['turns:turn.example.org:443?transport=udp', /turns: runs over TCP only/],
      ['turn:turn.example.org:70000', /port 70000 is out of range/],
    ] as const) {
      assert.match(loadError({ CONVENE_TURN_URLS: bad, ...secret }), new RegExp(`CONVENE_TURN_URLS: .*${why.source}`), bad);
    }
  });

  it('a TURN server needs its secret and a secret its server; a short secret is refused without being echoed', () => {
    assert.match(loadError({ CONVENE_TURN_URLS: 'turn:turn.example.org' }), /CONVENE_TURN_URLS: needs CONVENE_TURN_SECRET \(--turn-secret\)/);
    assert.match(loadError(secret), /CONVENE_TURN_SECRET: needs CONVENE_TURN_URLS \(--turn-urls\)/);
    const message = loadError({ CONVENE_TURN_URLS: 'turn:turn.example.org', CONVENE_TURN_SECRET: 'short-s3cret' });
    assert.match(message, /CONVENE_TURN_SECRET/);
    assert.ok(!message.includes('short-s3cret'), message);
    assert.match(loadError({ CONVENE_TURN_CREDENTIAL_SECONDS: '10' }), /CONVENE_TURN_CREDENTIAL_SECONDS/);
  });
});
