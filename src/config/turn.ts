/**
 * CONVENE_TURN_URLS: the TURN servers browsers are told to use, as RFC 7065 URIs. Checked at start so that a typo stops
 * the server with a message instead of leaving every relayed participant without media.
 */
const TURN_URI = /^(turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/;

/** The URIs of a comma-separated list (blanks around entries ignored); throws naming the first bad entry. */
export function parseTurnUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const url of urls) {
    const m = TURN_URI.exec(url);
    if (!m) throw new Error(`"${url}" is not a turn: or turns: URI (turn:host[:port][?transport=udp|tcp])`);
    const port = m[3] === undefined ? undefined : Number(m[3]);
    if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`"${url}": port ${m[3]} is out of range`);
    // Browsers speak TURN over TLS only on TCP (no DTLS to the relay).
    if (m[1] === 'turns' && m[4] === 'udp') throw new Error(`"${url}": turns: runs over TCP only (use ?transport=tcp or none)`);
  }
  if (urls.length > 10) throw new Error(`${urls.length} URIs: at most 10`);
  return urls;
}
