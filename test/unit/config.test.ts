import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { ConfigSchema, envName, flagName } from '../../src/config/options.ts';
import { parseTrustProxy } from '../../src/config/trust-proxy.ts';

/** The message of the ConfigError that loading throws; fails the test when loading succeeds. */
function loadError(env: NodeJS.ProcessEnv, flags: Record<string, unknown> = {}): string {
  try {
    loadConfig(env, flags);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected loadConfig() to throw');
}

describe('loadConfig() defaults', () => {
  it('loadConfig() with no environment and no flags gives the schema defaults', () => {
    const c = loadConfig({});
    assert.equal(c.httpsPort, 7443);
    assert.equal(c.httpPort, 0);
    assert.equal(c.dataDir, './data');
    assert.equal(c.tokenIdleMinutes, 43200);
    assert.equal(c.publicUserDirectory, false);
    assert.equal(c.trustProxy, '');
    assert.equal(c.databaseUrl, '');
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.tlsCert, '');
    assert.equal(c.tlsKey, '');
    assert.equal(c.timezone, '');
  });

  it('loadConfig() ignores environment variables that are not settings', () => {
    const c = loadConfig({ PATH: '/usr/bin', CONVENE_NOT_A_SETTING: 'x', HTTPS_PORT: '1' });
    assert.equal(c.httpsPort, 7443);
    assert.equal(Object.hasOwn(c, 'notASetting'), false);
  });
});

describe('loadConfig() sources', () => {
  it('loadConfig() reads CONVENE_* variables and converts their types', () => {
    const c = loadConfig({
      CONVENE_HTTPS_PORT: '8443',
      CONVENE_HTTP_PORT: '8080',
      CONVENE_DATA_DIR: '/var/lib/convene',
      CONVENE_TOKEN_IDLE_MINUTES: '60',
      CONVENE_PUBLIC_USER_DIRECTORY: 'true',
      CONVENE_LOG_LEVEL: 'debug',
      CONVENE_TIMEZONE: 'Europe/Berlin',
      CONVENE_PUBLIC_URL: 'https://meet.example.org',
    });
    assert.equal(c.httpsPort, 8443);
    assert.equal(c.httpPort, 8080);
    assert.equal(c.dataDir, '/var/lib/convene');
    assert.equal(c.tokenIdleMinutes, 60);
    assert.equal(c.publicUserDirectory, true);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.timezone, 'Europe/Berlin');
    assert.equal(c.publicUrl, 'https://meet.example.org');
  });

  it('loadConfig() reads the database URL from DATABASE_URL, not CONVENE_DATABASE_URL', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://db/convene' }).databaseUrl, 'postgres://db/convene');
    assert.equal(loadConfig({ CONVENE_DATABASE_URL: 'postgres://db/convene' }).databaseUrl, '');
  });

  it('loadConfig() reads "true" and "false" for booleans', () => {
    assert.equal(loadConfig({}, { publicUserDirectory: 'true' }).publicUserDirectory, true);
    assert.equal(loadConfig({ CONVENE_PUBLIC_USER_DIRECTORY: 'true' }, { publicUserDirectory: false }).publicUserDirectory, false);
  });

  it('CONVENE_TRUST_PROXY takes a hop count or proxy addresses and CIDRs; "true" is refused saying why and what to write', () => {
    for (const value of ['', 'false', '0', '1', '2', '127.0.0.1', '127.0.0.1, 10.0.0.0/8', '::1,fd00::/8', 'loopback,uniquelocal']) {
      assert.equal(loadConfig({ CONVENE_TRUST_PROXY: value }).trustProxy, value, value);
    }
    assert.deepEqual(parseTrustProxy(''), false);
    assert.deepEqual(parseTrustProxy('false'), false);
    assert.deepEqual(parseTrustProxy('1'), 1);
    assert.deepEqual(parseTrustProxy('127.0.0.1, 10.0.0.0/8'), ['127.0.0.1', '10.0.0.0/8']);
    const refusal = loadError({ CONVENE_TRUST_PROXY: 'true' });
    assert.match(refusal, /CONVENE_TRUST_PROXY/);
    assert.match(refusal, /X-Forwarded-For/);
    assert.match(refusal, /e\.g\. 1\b/);
    assert.match(refusal, /10\.0\.0\.0\/8/);
    assert.match(loadError({}, { trustProxy: 'true' }), /--trust-proxy/);
    assert.match(loadError({ CONVENE_TRUST_PROXY: '10.0.0.0/8,proxy.example' }), /"proxy\.example" is neither an IP address nor a CIDR/);
    assert.match(loadError({ CONVENE_TRUST_PROXY: '10.0.0.0/33' }), /10\.0\.0\.0\/33/);
    assert.match(loadError({ CONVENE_TRUST_PROXY: '99' }), /at most 16/);
  });

  it('CONVENE_METRICS_TOKEN is empty or 16+ printable characters; CONVENE_HTTP_HOST defaults to loopback', () => {
    assert.equal(loadConfig({}).metricsToken, '');
    assert.equal(loadConfig({}).httpHost, '127.0.0.1');
    assert.equal(loadConfig({ CONVENE_METRICS_TOKEN: 'abcdefghijklmnop' }).metricsToken, 'abcdefghijklmnop');
    assert.match(loadError({ CONVENE_METRICS_TOKEN: 'short' }), /CONVENE_METRICS_TOKEN/);
    assert.match(loadError({ CONVENE_METRICS_TOKEN: 'has a space in it, long enough' }), /CONVENE_METRICS_TOKEN/);
  });

  it('loadConfig() lets flags override the environment', () => {
    const c = loadConfig(
      { CONVENE_HTTPS_PORT: '8443', CONVENE_DATA_DIR: '/env', DATABASE_URL: 'postgres://env/db' },
      { httpsPort: '9443', dataDir: '/flag' },
    );
    assert.equal(c.httpsPort, 9443);
    assert.equal(c.dataDir, '/flag');
    assert.equal(c.databaseUrl, 'postgres://env/db');
  });

  it('loadConfig() accepts numbers from flags as they are', () => {
    assert.equal(loadConfig({}, { httpPort: 8080 }).httpPort, 8080);
  });

  it('loadConfig() accepts an empty public URL and one with a path', () => {
    assert.equal(loadConfig({ CONVENE_PUBLIC_URL: '' }).publicUrl, '');
    assert.equal(loadConfig({ CONVENE_PUBLIC_URL: 'http://10.0.0.5:8080/meet' }).publicUrl, 'http://10.0.0.5:8080/meet');
  });

  it('loadConfig() accepts a certificate together with its key', () => {
    const c = loadConfig({ CONVENE_TLS_CERT: '/etc/c.pem' }, { tlsKey: '/etc/k.pem' });
    assert.equal(c.tlsCert, '/etc/c.pem');
    assert.equal(c.tlsKey, '/etc/k.pem');
  });
});

describe('loadConfig() errors', () => {
  it('loadConfig() names the environment variable for a port above 65535', () => {
    assert.equal(loadError({ CONVENE_HTTPS_PORT: '70000' }), 'invalid configuration: environment variable CONVENE_HTTPS_PORT: must be ≤ 65535');
  });

  it('loadConfig() names the flag for a port above 65535', () => {
    assert.equal(loadError({}, { httpsPort: 70000 }), 'invalid configuration: option --https-port: must be ≤ 65535');
  });

  it('loadConfig() names the variable for a non-numeric port', () => {
    assert.match(loadError({ CONVENE_HTTP_PORT: 'abc' }), /^invalid configuration: environment variable CONVENE_HTTP_PORT: must be integer/);
  });

  it('loadConfig() names the flag, not the variable, when the flag carries the bad value', () => {
    const message = loadError({ CONVENE_HTTPS_PORT: '8443' }, { httpsPort: 'abc' });
    assert.match(message, /option --https-port: /);
    assert.doesNotMatch(message, /CONVENE_HTTPS_PORT/);
  });

  it('loadConfig() rejects a fractional number for an integer setting', () => {
    assert.match(loadError({ CONVENE_MAX_CALLS: '1.5' }), /environment variable CONVENE_MAX_CALLS: /);
  });

  it('loadConfig() rejects a negative port', () => {
    assert.equal(loadError({ CONVENE_HTTP_PORT: '-1' }), 'invalid configuration: environment variable CONVENE_HTTP_PORT: must be ≥ 0');
  });

  it('loadConfig() rejects a boolean that is not true/false/1/0', () => {
    assert.match(loadError({ CONVENE_PUBLIC_USER_DIRECTORY: 'yes' }), /environment variable CONVENE_PUBLIC_USER_DIRECTORY: must be boolean/);
  });

  it('loadConfig() names the variable for an unknown time zone', () => {
    assert.equal(
      loadError({ CONVENE_TIMEZONE: 'Mars/Base' }),
      'invalid configuration: environment variable CONVENE_TIMEZONE: "Mars/Base" is not an IANA time zone',
    );
  });

  it('loadConfig() names the flag for an unknown time zone', () => {
    assert.match(loadError({}, { timezone: 'Mars/Base' }), /^invalid configuration: option --timezone: "Mars\/Base" is not an IANA time zone$/);
  });

  it('loadConfig() names the variable for a public URL that is not http(s)', () => {
    for (const url of ['ftp://meet.example.org', 'meet.example.org', 'https://', 'https://a b']) {
      assert.match(loadError({ CONVENE_PUBLIC_URL: url }), /^invalid configuration: environment variable CONVENE_PUBLIC_URL: has an invalid format/, url);
    }
  });

  it('loadConfig() lists the allowed log levels for an unknown one', () => {
    assert.match(loadError({ CONVENE_LOG_LEVEL: 'loud' }), /environment variable CONVENE_LOG_LEVEL: must be one of "fatal", .*"silent"$/);
  });

  it('loadConfig() rejects an empty data directory', () => {
    assert.match(loadError({ CONVENE_DATA_DIR: '' }), /environment variable CONVENE_DATA_DIR: must not be empty/);
  });

  it('loadConfig() refuses a certificate without a key, naming the variable given and the one missing', () => {
    const message = loadError({ CONVENE_TLS_CERT: '/etc/c.pem' });
    assert.match(message, /^invalid configuration: environment variable CONVENE_TLS_CERT: /);
    assert.match(message, /CONVENE_TLS_KEY/);
  });

  it('loadConfig() refuses a key flag without a certificate, naming the flag', () => {
    const message = loadError({}, { tlsKey: '/etc/k.pem' });
    assert.match(message, /^invalid configuration: option --tls-key: /);
    assert.match(message, /CONVENE_TLS_CERT/);
  });

  it('loadConfig() throws a ConfigError that is an Error', () => {
    try {
      loadConfig({ CONVENE_HTTPS_PORT: 'x' });
      assert.fail('expected loadConfig() to throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.ok(e instanceof Error);
    }
  });
});

describe('envName() and flagName()', () => {
  it('envName() derives CONVENE_ + upper snake case from the key', () => {
    assert.equal(envName('httpsPort'), 'CONVENE_HTTPS_PORT');
    assert.equal(envName('dataDir'), 'CONVENE_DATA_DIR');
    assert.equal(envName('publicUserDirectory'), 'CONVENE_PUBLIC_USER_DIRECTORY');
    assert.equal(envName('host'), 'CONVENE_HOST');
  });

  it('envName() uses the explicit name where the schema gives one', () => {
    assert.equal(envName('databaseUrl'), 'DATABASE_URL');
  });

  it('flagName() derives -- + kebab case from the key', () => {
    assert.equal(flagName('httpsPort'), '--https-port');
    assert.equal(flagName('publicUserDirectory'), '--public-user-directory');
    assert.equal(flagName('databaseUrl'), '--database-url');
    assert.equal(flagName('host'), '--host');
  });

  it('envName() and flagName() are distinct for every setting', () => {
    const keys = Object.keys(ConfigSchema.properties);
    assert.ok(keys.length >= 10);
    assert.equal(new Set(keys.map(envName)).size, keys.length);
    assert.equal(new Set(keys.map(flagName)).size, keys.length);
    for (const k of keys) {
      assert.match(envName(k), /^[A-Z][A-Z0-9_]*$/, k);
      assert.match(flagName(k), /^--[a-z][a-z0-9-]*$/, k);
    }
  });
});

describe('loadConfig() cluster mode (CONVENE_REDIS_URL)', () => {
  const cluster = { CONVENE_REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://u@127.0.0.1/convene', CONVENE_CLUSTER_SECRET: 'a-secret-of-enough-length' };
  it('takes PostgreSQL, a secret of 16+ characters and no SIP gateway', () => {
    assert.equal(loadConfig(cluster).redisUrl, cluster.CONVENE_REDIS_URL);
  });
  it('refuses SQLite, a short secret and the SIP gateway, naming the setting', () => {
    const { DATABASE_URL: _pg, ...sqlite } = cluster;
    assert.match(loadError(sqlite), /CONVENE_REDIS_URL: cluster mode keeps its data in PostgreSQL/);
    assert.match(loadError({ ...cluster, CONVENE_CLUSTER_SECRET: 'short' }), /needs CONVENE_CLUSTER_SECRET/);
    assert.match(loadError({ ...cluster, CONVENE_SIP_PORT: '5060' }), /CONVENE_SIP_PORT: the SIP gateway does not run in cluster mode/);
  });
});
