import { compileValidator } from '../kernel/validate.ts';
import { parseTrustProxy } from './trust-proxy.ts';
import { parseTurnUrls } from './turn.ts';
import { type Config, type ConfigKey, ConfigSchema, envName, flagName } from './options.ts';

export class ConfigError extends Error {}

const validate = compileValidator<Config>(ConfigSchema, 'configuration');

/**
 * Defaults from the schema, then environment variables, then CLI flags (given as camelCase keys, e.g. from commander).
 * Fails with a message naming the variable or flag at fault.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<ConfigKey, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined) {
      raw[key] = fromEnv;
      source[key] = `environment variable ${envName(key)}`;
    }
    const fromFlag = flags[key as ConfigKey];
    if (fromFlag !== undefined) {
      raw[key] = fromFlag;
      source[key] = `option ${flagName(key)}`;
    }
  }
  const result = validate(raw);
  if (result.error) {
    const [field, ...rest] = result.error.message.split(': ');
    const where = source[field ?? ''] ?? field;
    throw new ConfigError(`invalid configuration: ${where}: ${rest.join(': ')}`);
  }
  const config = result.value;
  if (config.timezone !== '' && !isTimeZone(config.timezone)) {
    throw new ConfigError(`invalid configuration: ${source.timezone}: "${config.timezone}" is not an IANA time zone`);
  }
  if ((config.tlsCert === '') !== (config.tlsKey === '')) {
    const [given, missing] = config.tlsCert !== '' ? (['tlsCert', 'tlsKey'] as const) : (['tlsKey', 'tlsCert'] as const);
    throw new ConfigError(
      `invalid configuration: ${source[given]}: needs ${envName(missing)} (${flagName(missing)}) as well; certificate and key must be given together`,
    );
  }
  if (config.redisUrl !== '') {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
      throw new ConfigError(
        `invalid configuration: ${source.redisUrl}: cluster mode keeps its data in PostgreSQL; set ${envName('databaseUrl')} to postgres://… (SQLite is one node's own file)`,
      );
    }
    if (config.clusterSecret.length < 16) {
      throw new ConfigError(`invalid configuration: ${source.redisUrl}: cluster mode needs ${envName('clusterSecret')} (at least 16 characters, the same on every node)`);
    }
    // A SIP call joins the meeting in the gateway's own process; it is not routed to the node holding the meeting yet.
    if (config.sipPort !== 0) {
      throw new ConfigError(`invalid configuration: ${source.sipPort}: the SIP gateway does not run in cluster mode yet (${envName('redisUrl')} is set); run it on a single-node server`);
    }
  }
  try {
    parseTrustProxy(config.trustProxy);
  } catch (e) {
    throw new ConfigError(`invalid configuration: ${source.trustProxy}: ${(e as Error).message}`);
  }
  let turnUrls: string[];
  try {
    turnUrls = parseTurnUrls(config.turnUrls);
  } catch (e) {
    throw new ConfigError(`invalid configuration: ${source.turnUrls}: ${(e as Error).message}`);
  }
  if ((turnUrls.length === 0) !== (config.turnSecret === '')) {
    const [given, missing] = turnUrls.length > 0 ? (['turnUrls', 'turnSecret'] as const) : (['turnSecret', 'turnUrls'] as const);
    throw new ConfigError(`invalid configuration: ${source[given]}: needs ${envName(missing)} (${flagName(missing)}) as well; a TURN server needs its shared secret`);
  }
  return config;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const machineTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
