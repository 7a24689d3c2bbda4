import ipaddr from 'ipaddr.js';

/**
 * The key a per-address limit counts under: an IPv4 address as it is (also when it arrives IPv4-mapped, ::ffff:a.b.c.d),
 * an IPv6 address by its /64 — one subscriber usually holds a whole /64, so counting single IPv6 addresses would hand
 * out 2^64 fresh budgets. Anything unparsable is counted as given.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
