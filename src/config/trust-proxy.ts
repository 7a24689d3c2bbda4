import ipaddr from 'ipaddr.js';

/**
 * Which X-Forwarded-For entries to believe: none (false), the last `n` hops (a number: the entries the proxies in front
 * of Convene appended), or those appended by the listed proxies (addresses, CIDRs, or proxy-addr's names `loopback`,
 * `linklocal`, `uniquelocal`).
 */
export type TrustProxy = false | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 16;

/** Reads CONVENE_TRUST_PROXY; throws an Error whose message says what is wrong and what to write instead. */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true') {
    throw new Error(
      '"true" is refused: it would believe the first X-Forwarded-For entry, which the client writes itself, so anyone could ' +
        'choose the address every per-address limit counts. Give the number of proxies in front of Convene (e.g. 1) or ' +
        'their addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) throw new Error(`${hops} proxy hops: at most ${MAX_HOPS}`);
    return hops;
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (!(NAMED_RANGES.has(entry) || ipaddr.isValid(entry) || ipaddr.isValidCIDR(entry))) {
      throw new Error(`"${entry}" is neither an IP address nor a CIDR (write a hop count, or e.g. 127.0.0.1,10.0.0.0/8)`);
    }
  }
  return entries;
}
