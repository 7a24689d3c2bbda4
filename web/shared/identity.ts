/** What the browser remembers: its client_id (the participant uuid, one per browser profile) and the last name used. */
const CLIENT_ID = 'convene.client_id';
const NAME = 'convene.display_name';
const USERNAME = 'convene.username';

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled
  }
}

function newUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function clientId(): string {
  const s = storage();
  const known = s?.getItem(CLIENT_ID);
  if (known) return known;
  const id = newUuid();
  s?.setItem(CLIENT_ID, id);
  return id;
}

export const remembered = {
  name: () => storage()?.getItem(NAME) ?? '',
  username: () => storage()?.getItem(USERNAME) ?? '',
  save(name: string, username: string) {
    const s = storage();
    s?.setItem(NAME, name);
    if (username) s?.setItem(USERNAME, username);
  },
};

const TOKEN = 'convene.console.token';
const CONSOLE_USERNAME = 'convene.console.username';

/**
 * The signed-in session of the web console, kept as the FRTC apps keep theirs (in storage, until the server ends it).
 * The meeting app on the same origin joins with it, so that "Join in the browser" in the console hosts as that user.
 */
export const storedSession = {
  token: (): string | undefined => storage()?.getItem(TOKEN) || undefined,
  username: (): string => storage()?.getItem(CONSOLE_USERNAME) ?? '',
  save(token: string, username: string) {
    const s = storage();
    s?.setItem(TOKEN, token);
    s?.setItem(CONSOLE_USERNAME, username);
  },
  /** Forgets the token; the username stays, to fill the next sign-in. */
  forget() {
    storage()?.removeItem(TOKEN);
  },
};
