/** Query parameters that carry credentials (the FRTC apps put the token in every URL). Compared in lower case. */
const SENSITIVE_PARAMETERS = new Set(['token', 'user_token', 'secret', 'secret_old', 'secret_new', 'password', 'live_password']);

const REDACTED = '[REDACTED]';

/**
 * The URL with the values of credential parameters replaced, judged by each parameter's decoded name — the name the
 * server itself reads, so `%74oken=` is caught like `token=`. Everything else stays exactly as it was sent. A name that
 * cannot be decoded has its value replaced as well: what it might mean is unknown, and a log can do without it.
 */
export function redactQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = decodedName(pair.slice(0, eq));
      return name === undefined || SENSITIVE_PARAMETERS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    });
  return `${url.slice(0, start)}?${pairs.join('&')}`;
}

function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim();
  } catch {
    return undefined;
  }
}
