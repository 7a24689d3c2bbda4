import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { coerce } from './coerce.ts';
import { DomainError, type DomainErrorKind } from './domain-error.ts';

type Issue = { keyword: string; instancePath: string; schemaPath: string; params: Record<string, unknown>; message: string };

export type Checked<T> = { value: T; error?: undefined } | { value?: undefined; error: DomainError };

/**
 * A validator for one schema: coerce liberally (see coerce.ts), apply schema defaults, then check strictly. Failures
 * become a DomainError whose message names the field, e.g. `schedule_start_time: must be integer`. `label` names the
 * root (e.g. "body") for errors about the value as a whole.
 */
export function compileValidator<T = unknown>(schema: TSchema, label: string): (input: unknown) => Checked<T> {
  const validator = Compile(schema);
  const isObject = (schema as { type?: string }).type === 'object';
  // Applying defaults walks the whole value; most schemas (every query) have none to apply.
  const withDefaults = hasDefault(schema);
  return (input) => {
    const start = input === undefined || input === null || input === '' ? (isObject ? {} : input) : input;
    const coerced = coerce(schema as never, start);
    const value = withDefaults ? validator.Default(coerced) : coerced;
    if (validator.Check(value)) return { value: value as T };
    return { error: describe(validator.Errors(value) as Issue[], schema, label) };
  };
}

/** Whether a `default` keyword appears anywhere in the schema. */
function hasDefault(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if (!Array.isArray(schema) && 'default' in schema) return true;
  return Object.values(schema).some(hasDefault);
}

function describe(issues: Issue[], schema: TSchema, label: string): DomainError {
  const first = issues[0];
  if (!first) return new DomainError('input.invalid', `${label}: invalid`);
  const field = (path: string) => path.split('/').filter(Boolean).join('.') || label;
  if (first.keyword === 'required') {
    const missing = (first.params.requiredProperties as string[] | undefined)?.[0] ?? '';
    const parent = field(first.instancePath);
    return new DomainError('input.invalid', `${parent === label ? missing : `${parent}.${missing}`}: is required`);
  }
  const at = issues.filter((i) => i.instancePath === first.instancePath);
  const name = field(first.instancePath);
  const allowed = at.filter((i) => i.keyword === 'const').map((i) => JSON.stringify(i.params.allowedValue));
  if (allowed.length > 0) return new DomainError('input.invalid', `${name}: must be one of ${allowed.join(', ')}`);
  const [kind, text] = explain(first, subschema(schema, first.schemaPath));
  return new DomainError(kind, `${name}: ${text}`);
}

function explain(issue: Issue, sub: Record<string, unknown> | undefined): [DomainErrorKind, string] {
  const p = issue.params;
  switch (issue.keyword) {
    case 'maxLength':
      return ['input.tooLong', `must be at most ${p.limit} characters`];
    case 'minLength':
      return ['input.invalid', p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`];
    case 'pattern':
    case 'format': {
      const hint = typeof sub?.description === 'string' ? ` (${sub.description})` : '';
      return ['input.format', `has an invalid format${hint}`];
    }
    case 'maxItems':
      return ['input.tooLong', `must have at most ${p.limit} items`];
    case 'minimum':
      return ['input.invalid', `must be ≥ ${p.limit}`];
    case 'maximum':
      return ['input.invalid', `must be ≤ ${p.limit}`];
    default:
      return ['input.invalid', issue.message];
  }
}

function subschema(schema: TSchema, pointer: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  return node as Record<string, unknown> | undefined;
}
