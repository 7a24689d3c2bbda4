import Type, { type Static, type TSchema } from 'typebox';

/**
 * Every setting, once: its schema (type, bounds, default) and description. Environment variable names are derived
 * (`httpsPort` → `CONVENE_HTTPS_PORT`) unless `env` says otherwise; the CLI flag likewise (`--https-port`).
 */
const option = <T extends TSchema>(
  schema: T,
  extra: { env?: string; secret?: boolean } = {},
) => Object.assign(schema, { 'x-env': extra.env, 'x-secret': extra.secret ?? false });

export const ConfigSchema = Type.Object({
  dataDir: option(Type.String({ minLength: 1, default: './data', description: 'Directory for the database, TLS certificate and bootstrap files' })),
  databaseUrl: option(
    Type.String({ default: '', description: 'postgres://… for PostgreSQL; empty = SQLite file convene.db in the data directory' }),
    { env: 'DATABASE_URL', secret: true },
  ),
  sqliteSynchronous: option(
    Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL')], {
      default: 'FULL',
      description: 'SQLite only: FULL = every acknowledged write survives a power loss or OS crash; NORMAL = faster commits, survives a process kill but may lose the last writes on a power loss (README, Durability)',
    }),
  ),
  host: option(Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address the listeners bind to' })),
  httpsPort: option(Type.Integer({ minimum: 0, maximum: 65535, default: 7443, description: 'HTTPS port (the FRTC apps only speak HTTPS)' })),
  httpPort: option(Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: 'Plain-HTTP port for a TLS-terminating reverse proxy; 0 = off' })),
  httpHost: option(
    Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the plain-HTTP port binds to; loopback unless the proxy runs on another machine' }),
  ),
  metricsToken: option(
    Type.String({
      default: '',
      pattern: '^$|^[\\x21-\\x7e]{16,}$',
      description: 'Bearer token (16+ printable characters) that opens /metrics on the API ports; empty = /metrics is not served there (404)',
    }),
    { secret: true },
  ),
  metricsPort: option(
    Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: 'Port on 127.0.0.1 serving /metrics over plain HTTP without a token; 0 = off' }),
  ),
  tlsCert: option(Type.String({ default: '', description: 'PEM certificate file; empty = self-signed certificate generated in the data directory' })),
  tlsKey: option(Type.String({ default: '', description: 'PEM private key file for tlsCert' })),
  publicUrl: option(Type.String({ default: '', pattern: '^$|^https?://[^\\s/]+(/[^\\s]*)?$', description: 'Base URL of meeting links, e.g. https://meet.example.org; empty = https://<host name>:<https port>' })),
  timezone: option(Type.String({ default: '', description: 'IANA time zone for schedules (e.g. Europe/Berlin); empty = the machine zone' })),
  adminPassword: option(Type.String({ default: '', maxLength: 128, description: 'Password of the bootstrap admin on first start; empty = generated and printed once' }), { secret: true }),
  meetingNumberLength: option(Type.Integer({ minimum: 6, maximum: 12, default: 9, description: 'Digits of generated meeting numbers' })),
  minPasscodeLength: option(
    Type.Integer({ minimum: 1, maximum: 16, default: 6, description: 'Fewest digits of a meeting or room passcode people choose ("" for none stays allowed; existing passcodes keep working)' }),
  ),
  maxOccurrences: option(Type.Integer({ minimum: 1, maximum: 20000, default: 5000, description: 'Most occurrences one recurring series may have' })),
  maxMeetingsPerUser: option(Type.Integer({ minimum: 1, default: 10000, description: 'Most meetings and occurrences that have not ended one person may own (creating more is refused with 0x10000006)' })),
  maxSeriesPerUser: option(Type.Integer({ minimum: 1, default: 100, description: 'Most recurring series with an occurrence that has not ended one person may own' })),
  maxCalls: option(Type.Integer({ minimum: 0, default: 100, description: 'Licence: concurrent calls' })),
  maxUsers: option(Type.Integer({ minimum: 1, default: 1000, description: 'Licence: registered users' })),
  gatewayMaxCalls: option(Type.Integer({ minimum: 0, default: 0, description: 'Licence: concurrent gateway (SIP/H.323) calls' })),
  maxParticipantsPerMeeting: option(Type.Integer({ minimum: 0, default: 0, description: 'Most participants in one meeting (MeetingFull beyond); 0 = only maxCalls limits' })),
  endGraceSeconds: option(Type.Integer({ minimum: 0, maximum: 86400, default: 60, description: 'A live meeting ends this long after its end time (hosts can move the end time)' })),
  emptyMeetingSeconds: option(Type.Integer({ minimum: 1, maximum: 86400, default: 600, description: 'An instant meeting or meeting room with nobody in it ends after this long' })),
  resumeSeconds: option(Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'A participant whose connection drops keeps its place this long, to resume' })),
  heartbeatSeconds: option(Type.Integer({ minimum: 1, maximum: 300, default: 15, description: 'Signalling ping interval; a ping unanswered when the next is due means the connection is lost' })),
  passcodeAttempts: option(Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'Wrong meeting passcodes allowed per participant and meeting within passcodeWindowSeconds' })),
  passcodeAttemptsPerAddress: option(
    Type.Integer({ minimum: 1, maximum: 10000, default: 20, description: 'Wrong meeting passcodes allowed per network address (IPv6: per /64) within passcodeWindowSeconds' }),
  ),
  passcodeWindowSeconds: option(Type.Integer({ minimum: 1, maximum: 86400, default: 600, description: 'The window of the per-participant and per-address passcode limits' })),
  passcodeFailuresPerMeeting: option(
    Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 50,
      description: 'Wrong passcodes a meeting takes from everyone together within passcodeMeetingWindowSeconds; beyond, only its hosts and holders of its meeting link can join until the window ends',
    }),
  ),
  passcodeMeetingWindowSeconds: option(Type.Integer({ minimum: 1, maximum: 86400, default: 3600, description: 'The window of the per-meeting passcode budget' })),
  passcodeTimeoutSeconds: option(Type.Integer({ minimum: 5, maximum: 600, default: 60, description: 'How long the server waits for an answer to a passcode prompt' })),
  passcodePromptsPerAddress: option(
    Type.Integer({ minimum: 1, maximum: 10000, default: 20, description: 'Signalling connections from one network address (IPv6: per /64) that may wait at a passcode prompt at once' }),
  ),
  unknownNumbersPerAddress: option(
    Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 30,
      description: 'Signed-in joins and meeting-control calls naming a meeting number that does not exist, allowed per network address (IPv6: per /64) in 10 minutes; beyond, that address gets only refusals',
    }),
  ),
  signalFramesPerSecond: option(Type.Integer({ minimum: 1, maximum: 10000, default: 20, description: 'Signalling frames a connection may send per second on average; a connection that sends faster is closed (4004)' })),
  signalFrameBurst: option(Type.Integer({ minimum: 1, maximum: 100000, default: 100, description: 'Signalling frames a connection may send at once above that rate' })),
  sharePolicy: option(
    Type.Union([Type.Literal('everyone'), Type.Literal('hosts')], { default: 'everyone', description: 'Who may share their screen in a new live meeting (hosts change it per meeting): everyone, or hosts only' }),
  ),
  chatMaxLength: option(Type.Integer({ minimum: 1, maximum: 4096, default: 2000, description: 'Longest chat message, in characters' })),
  chatMessagesPerMinute: option(
    Type.Integer({ minimum: 1, maximum: 6000, default: 30, description: 'Chat messages a participant may send per minute on average (5 at once); faster ones are refused (0x10000006)' }),
  ),
  chatHistory: option(
    Type.Integer({ minimum: 0, maximum: 2000, default: 200, description: 'Recent chat messages a live meeting keeps in memory: what late joiners are shown and hosts can still delete (the transcript keeps all)' }),
  ),
  tokenIdleMinutes: option(Type.Integer({ minimum: 1, default: 43200, description: 'A token unused for this long expires (default 30 days)' })),
  tokenMaxAgeMinutes: option(
    Type.Integer({ minimum: 1, default: 129600, description: 'A token expires this long after its sign-in, however often it is used (default 90 days)' }),
  ),
  signInFailuresPerMinute: option(Type.Integer({ minimum: 1, default: 30, description: 'Failed sign-ins allowed per source address per minute, over all accounts; more get HTTP 429' })),
  signInFreezeSeconds: option(
    Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 300,
      description: 'Five wrong passwords from one address freeze that address (only) out of the account this long; each further freeze doubles it, up to 256 times',
    }),
  ),
  signInFailuresPerAccount: option(
    Type.Integer({
      minimum: 1,
      default: 60,
      description: 'Wrong passwords per account per hour, from all addresses together, before addresses that have not signed in to it lately must wait for the hour to end',
    }),
  ),
  publicUserDirectory: option(Type.Boolean({ default: false, description: 'Allow /api/v1/user/public/users without sign-in' })),
  trustProxy: option(
    Type.String({
      default: '',
      description:
        'Which X-Forwarded-For entries give the client address behind a reverse proxy: empty or false = none; a hop count (1 = the entry the one proxy in front appended; only when nothing but the proxy can reach Convene); or the proxies\' addresses/CIDRs, e.g. 127.0.0.1,10.0.0.0/8. "true" is refused',
    }),
  ),
  media: option(Type.Boolean({ default: true, description: 'Run the SFU (audio and video in the browser app); false = signalling and REST only' })),
  mediaAddress: option(
    Type.String({ default: '', pattern: '^$|^\\d{1,3}(\\.\\d{1,3}){3}$', description: 'IPv4 address the SFU binds and offers to browsers for WebRTC; empty = every non-loopback interface' }),
  ),
  mediaPorts: option(Type.String({ default: '', pattern: '^$|^\\d{1,5}-\\d{1,5}$', description: 'UDP port range for WebRTC, e.g. 40000-40999, shared out between the workers; empty = any free port' })),
  mediaWorkers: option(Type.Integer({ minimum: 0, maximum: 256, default: 0, description: 'Media worker processes (the SFU); 0 = one per CPU core' })),
  redisUrl: option(
    Type.String({ default: '', pattern: '^$|^rediss?://', description: 'redis://… turns on cluster mode: several nodes serve one organisation (needs DATABASE_URL to PostgreSQL and CONVENE_CLUSTER_SECRET); empty = one node' }),
    { secret: true },
  ),
  redisPrefix: option(Type.String({ default: 'convene:', maxLength: 64, description: 'Prefix of every Redis key and channel of this cluster' })),
  clusterSecret: option(Type.String({ default: '', maxLength: 256, description: 'Shared by the nodes of a cluster: signs the connections one node relays to another (at least 16 characters)' }), { secret: true }),
  nodeId: option(Type.String({ default: '', maxLength: 128, pattern: '^$|^[A-Za-z0-9._:-]+$', description: 'This node in the cluster; empty = <host name>:<https port>. Keep it across restarts' })),
  nodeAddress: option(Type.String({ default: '', pattern: '^$|^https://[^\\s/]+$', description: 'https://host:port the other nodes reach this node at; empty = https://<host name>:<https port>' })),
  nodeLeaseSeconds: option(Type.Integer({ minimum: 1, maximum: 60, default: 5, description: 'A node that stops renewing its lease for this long counts as lost: its meetings move to other nodes' })),
  turnUrls: option(
    Type.String({
      default: '',
      maxLength: 2000,
      description:
        'TURN servers handed to browsers, comma-separated turn:/turns: URIs, e.g. turn:turn.example.org:3478?transport=udp,turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:443?transport=tcp; empty = no relay (browsers must reach the media address directly)',
    }),
  ),
  turnSecret: option(
    Type.String({
      default: '',
      pattern: '^$|^[\\x21-\\x7e]{16,}$',
      description: 'Shared secret of the TURN server (coturn static-auth-secret, 16+ printable characters): signs the short-lived credentials; required with turnUrls, never sent or logged',
    }),
    { secret: true },
  ),
  turnCredentialSeconds: option(
    Type.Integer({
      minimum: 60,
      maximum: 604800,
      default: 86400,
      description: 'How long a TURN credential handed out works for new allocations (the TURN REST API expiry); each media connection gets a fresh one',
    }),
  ),
  ffmpeg: option(Type.String({ minLength: 1, default: 'ffmpeg', description: 'The ffmpeg program recordings and live streams run (Debian package ffmpeg); a name on PATH or a path' })),
  ffprobe: option(Type.String({ minLength: 1, default: 'ffprobe', description: 'The ffprobe program (comes with ffmpeg): measures finished recordings' })),
  recordingsDir: option(Type.String({ default: '', description: 'Folder of the recordings; empty = recordings/ in the data directory' })),
  maxRecordings: option(Type.Integer({ minimum: 0, maximum: 1000, default: 20, description: 'Recordings running at once on this server; more are refused (0x0000f004)' })),
  recordingLayout: option(
    Type.Union([Type.Literal('speaker'), Type.Literal('gallery')], {
      default: 'speaker',
      description: 'Layout of a recording or live stream whose start names none: speaker (the large picture, not re-encoded) or gallery (a 3×3 grid, re-encoded)',
    }),
  ),
  recordingMinFreeMb: option(
    Type.Integer({ minimum: 0, default: 500, description: 'A recording is refused, and one running is stopped (its file finished), when the recordings disk has less free space (MiB)' }),
  ),
  maxLiveStreams: option(Type.Integer({ minimum: 0, maximum: 1000, default: 5, description: 'Live streams running at once on this server; more are refused (0x00010004)' })),
  livePasscodeAttemptsPerAddress: option(
    Type.Integer({ minimum: 1, maximum: 10000, default: 10, description: 'Wrong live-stream passcodes per network address (IPv6: per /64) in 10 minutes; then 429' }),
  ),
  liveGrantMinutes: option(
    Type.Integer({ minimum: 1, maximum: 1440, default: 30, description: 'How long a live viewer\'s grant (given for the right passcode) lasts; the viewer page renews it while it plays' }),
  ),
  sipPort: option(
    Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: 'Port of the SIP gateway (UDP, and TCP unless CONVENE_SIP_TCP is false): SIP phones and room systems dial sip:{meeting number}@host; 0 = off' }),
  ),
  sipAddress: option(
    Type.String({
      default: '',
      pattern: '^$|^\\d{1,3}(\\.\\d{1,3}){3}$',
      description: 'IPv4 address the SIP gateway binds and that devices reach it at (its Contact and the RTP address in its SDP); required when CONVENE_SIP_PORT is set',
    }),
  ),
  sipTcp: option(Type.Boolean({ default: true, description: 'The SIP gateway also listens on TCP (same port); false = UDP only' })),
  h323Gateway: option(
    Type.String({
      default: '',
      maxLength: 256,
      pattern: '^$|^sips?:[^\\s]+$',
      description: 'SIP URI of an H.323↔SIP gateway (e.g. sip:gw.example.com:5060): H.323 entries of the cascading call are called through it as sip:{escaped H.323 address}@gateway; empty = H.323 entries are refused (400)',
    }),
  ),
  sipRequestsPerSecond: option(
    Type.Integer({ minimum: 1, maximum: 100000, default: 30, description: 'SIP requests taken per source address per second; more are dropped unanswered (a PBX trunk carries many calls from one address: raise it)' }),
  ),
  sipInvitesPerMinute: option(
    Type.Integer({ minimum: 1, maximum: 100000, default: 30, description: 'New SIP calls (INVITEs) per source address per minute, counted in the budget store (shared by a cluster); beyond: 503 with Retry-After' }),
  ),
  sipMediaTimeoutSeconds: option(
    Type.Integer({ minimum: 0, maximum: 3600, default: 30, description: 'A SIP call whose device sends no RTP for this long is hung up (BYE) and leaves the meeting; 0 = never (calls on hold are kept)' }),
  ),
  sipMenuAttempts: option(
    Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'Tries a SIP caller gets in the spoken menu for the meeting number and for the passcode (DTMF entry), within the passcode budgets' }),
  ),
  logLevel: option(Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info', description: 'Log level' })),
});

export type Config = Static<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

export const envName = (key: string): string => {
  const schema = ConfigSchema.properties[key as ConfigKey] as { 'x-env'?: string };
  return schema['x-env'] ?? `CONVENE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
};

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
