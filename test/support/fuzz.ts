import type { TSchema } from 'typebox';

/**
 * What the fuzz tests (test/api/fuzz.test.ts, test/live/signal-fuzz.test.ts) build bad input from: a seeded random
 * source, so a failure repeats with its seed, and values no field of the API or the protocol takes as they are.
 */

/** The seed (CONVENE_FUZZ_SEED) and the rounds per case (CONVENE_FUZZ_ROUNDS) of a run; the suite uses the defaults. */
export const fuzzSeed = (): number => Number(process.env.CONVENE_FUZZ_SEED ?? 20261203);
export const fuzzRounds = (suiteDefault: number): number => Number(process.env.CONVENE_FUZZ_ROUNDS ?? suiteDefault);

/** mulberry32: small and seeded; good enough to pick values. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

let nested: unknown = 'deep';
for (let i = 0; i < 40; i++) nested = { a: nested };

/** Wrong types, out of range, empty, huge, nested and hostile values (some valid only after the liberal coercion). */
export const BAD_VALUES: readonly unknown[] = [
  null, '', ' ', 'true', 'false', 'null', '-1', -1, 0, 1.5, 2 ** 53 + 1, 1e308, 'NaN', '1e999', '0x10', '+7',
  'x'.repeat(5000), '\u0000', '\u202e', '../../etc/passwd', '<script>alert(1)</script>', '%', '%00', "' OR 1=1 --",
  '😀'.repeat(300), [], [1, 'a', null], Array.from({ length: 2000 }, (_, i) => i), {}, { $gt: '' }, nested, true, false,
  '9'.repeat(40), '2026-13-45T99:99:99Z', 'FREQ=SECONDLY;INTERVAL=0', 'toString', '__proto__',
  'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n', 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
];

/** The properties an object schema (or any member of a union of them) declares. */
export function propertiesOf(schema: TSchema | undefined): string[] {
  if (!schema) return [];
  const s = schema as { properties?: Record<string, unknown>; anyOf?: TSchema[]; oneOf?: TSchema[]; allOf?: TSchema[] };
  const own = Object.keys(s.properties ?? {});
  const members = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(propertiesOf);
  return [...new Set([...own, ...members])];
}
