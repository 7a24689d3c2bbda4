/**
 * Liberal reading of what the FRTC clients send (contract §1, §3.1): numbers as numeric strings, booleans as
 * "true"/"false" (or 1/0), `null` for "not set", numbers where strings are meant. Coercion follows the schema, so a
 * value is only converted where the schema asks for that type; anything that still does not fit is left as it is for
 * the validator to reject with a message naming the field. `null` object members are dropped (treated as absent).
 */
type SchemaLike = {
  type?: string | string[];
  properties?: Record<string, SchemaLike>;
  items?: SchemaLike;
  anyOf?: SchemaLike[];
  const?: unknown;
};

const NUMERIC = /^\s*[-+]?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/;

export function coerce(schema: SchemaLike, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (schema.anyOf) return coerceUnion(schema.anyOf, value);
  switch (schema.type) {
    case 'integer':
    case 'number':
      return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
    case 'boolean':
      return toBoolean(value);
    case 'string':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    case 'array':
      return Array.isArray(value) && schema.items
        ? value.filter((v) => v !== null && v !== undefined).map((v) => coerce(schema.items!, v))
        : value;
    case 'object':
      return isPlainObject(value) ? coerceObject(schema, value) : value;
    default:
      return value;
  }
}

function coerceObject(schema: SchemaLike, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === null || member === undefined || key === '__proto__') continue;
    const sub = schema.properties?.[key];
    out[key] = sub ? coerce(sub, member) : member;
  }
  return out;
}

function coerceUnion(members: SchemaLike[], value: unknown): unknown {
  if (Array.isArray(value)) {
    const arrayMember = members.find((m) => m.type === 'array');
    return arrayMember ? coerce(arrayMember, value) : value;
  }
  // A value that already fits a scalar member is kept as it is: in string | integer, 2 stays 2 (not "2").
  if (members.some((m) => (m.const !== undefined ? value === m.const : SCALARS.has(m.type as string) && matchesType(m.type, value)))) return value;
  for (const member of members) {
    if (member.type === 'array') continue;
    const converted = coerce(member, value);
    if (member.const !== undefined ? converted === member.const : matchesType(member.type, converted)) return converted;
  }
  return value;
}

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

function matchesType(type: SchemaLike['type'], v: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'object':
      return isPlainObject(v);
    default:
      return false;
  }
}

function toBoolean(v: unknown): unknown {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  if (v === 1) return true;
  if (v === 0) return false;
  return v;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
