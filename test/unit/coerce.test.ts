import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type, { type TSchema } from 'typebox';
import { createUser } from '../../contract/rest/user.ts';
import { coerce } from '../../src/kernel/coerce.ts';

const run = (schema: TSchema, value: unknown): unknown => coerce(schema as never, value);

describe('coerce() numbers', () => {
  it('coerce() turns numeric strings into numbers for integer and number fields', () => {
    const schema = Type.Object({ page: Type.Integer(), ratio: Type.Number(), big: Type.Number(), neg: Type.Integer() });
    assert.deepEqual(run(schema, { page: '2', ratio: '0.25', big: '1e3', neg: '-7' }), { page: 2, ratio: 0.25, big: 1000, neg: -7 });
  });

  it('coerce() trims the whitespace around a numeric string', () => {
    assert.equal(run(Type.Integer(), ' 12 '), 12);
  });

  it('coerce() keeps numeric strings as strings where the schema says string', () => {
    const schema = Type.Object({ meeting_number: Type.String(), page: Type.Integer() });
    assert.deepEqual(run(schema, { meeting_number: '007', page: '1' }), { meeting_number: '007', page: 1 });
  });

  it('coerce() turns numbers into strings where the schema says string', () => {
    const schema = Type.Object({ username: Type.String(), mobile: Type.String() });
    assert.deepEqual(run(schema, { username: 42, mobile: 1.5 }), { username: '42', mobile: '1.5' });
  });

  it('coerce() converts numeric strings inside integer arrays', () => {
    const schema = Type.Object({ ids: Type.Array(Type.Integer()) });
    assert.deepEqual(run(schema, { ids: ['1', '3'] }), { ids: [1, 3] });
  });

  it('coerce() converts members of objects nested inside objects and arrays', () => {
    const schema = Type.Object({
      outer: Type.Object({ inner: Type.Object({ n: Type.Integer(), on: Type.Boolean() }) }),
      list: Type.Array(Type.Object({ n: Type.Number(), s: Type.String() })),
    });
    assert.deepEqual(run(schema, { outer: { inner: { n: '5', on: 'true' } }, list: [{ n: '1.5', s: 9 }, { n: '2', s: 'x' }] }), {
      outer: { inner: { n: 5, on: true } },
      list: [
        { n: 1.5, s: '9' },
        { n: 2, s: 'x' },
      ],
    });
  });

  it('coerce() leaves non-numeric strings for the validator to reject', () => {
    for (const text of ['abc', '', ' ', '0x10', '1,5', 'Infinity', 'NaN', '1.', '.5', '12abc']) {
      assert.equal(run(Type.Integer(), text), text, JSON.stringify(text));
      assert.equal(run(Type.Number(), text), text, JSON.stringify(text));
    }
  });

  it('coerce() leaves a fractional string as a fractional number for an integer field (no truncation)', () => {
    assert.equal(run(Type.Integer(), '1.5'), 1.5);
  });
});

describe('coerce() booleans', () => {
  it('coerce() reads "true"/"1"/1 as true and "false"/"0"/0 as false where a boolean is meant', () => {
    const schema = Type.Object({ a: Type.Boolean(), b: Type.Boolean(), c: Type.Boolean(), d: Type.Boolean(), e: Type.Boolean(), f: Type.Boolean() });
    assert.deepEqual(run(schema, { a: 'true', b: '1', c: 1, d: 'false', e: '0', f: 0 }), {
      a: true,
      b: true,
      c: true,
      d: false,
      e: false,
      f: false,
    });
  });

  it('coerce() reads boolean words in any case', () => {
    assert.equal(run(Type.Boolean(), 'TRUE'), true);
    assert.equal(run(Type.Boolean(), 'False'), false);
  });

  it('coerce() leaves other values for a boolean field unchanged', () => {
    for (const v of ['yes', 'on', '2', 2, -1, '']) assert.equal(run(Type.Boolean(), v), v, JSON.stringify(v));
  });

  it('coerce() does not turn "1"/"0" into booleans where a number or string is meant', () => {
    const schema = Type.Object({ n: Type.Integer(), s: Type.String() });
    assert.deepEqual(run(schema, { n: '1', s: '0' }), { n: 1, s: '0' });
  });

  it('coerce() does not turn booleans into numbers or strings', () => {
    const schema = Type.Object({ n: Type.Integer(), s: Type.String() });
    assert.deepEqual(run(schema, { n: true, s: false }), { n: true, s: false });
  });
});

describe('coerce() objects', () => {
  it('coerce() drops members that are null (treated as absent)', () => {
    const schema = Type.Object({ a: Type.Optional(Type.String()), b: Type.Optional(Type.Integer()), c: Type.String() });
    const out = run(schema, { a: null, b: null, c: 'x', extra: null }) as Record<string, unknown>;
    assert.deepEqual(out, { c: 'x' });
    assert.equal(Object.hasOwn(out, 'a'), false);
  });

  it('coerce() drops null items from arrays', () => {
    assert.deepEqual(run(Type.Array(Type.Integer()), [null, '4', null]), [4]);
  });

  it('coerce() returns undefined for a null or undefined value', () => {
    assert.equal(run(Type.Object({}), null), undefined);
    assert.equal(run(Type.Integer(), undefined), undefined);
  });

  it('coerce() keeps unknown keys untouched', () => {
    const nested = { deep: '1' };
    const out = run(Type.Object({ n: Type.Integer() }), { n: '1', other: '2', flag: 'true', nested }) as Record<string, unknown>;
    assert.deepEqual(out, { n: 1, other: '2', flag: 'true', nested: { deep: '1' } });
    assert.equal(out.nested, nested);
  });

  it('coerce() returns a new object and leaves the caller\'s input unchanged', () => {
    const input = { n: '1', list: ['2'] };
    const out = run(Type.Object({ n: Type.Integer(), list: Type.Array(Type.Integer()) }), input);
    assert.notEqual(out, input);
    assert.deepEqual(input, { n: '1', list: ['2'] });
  });

  it('coerce() never changes the prototype through a "__proto__" key', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "yes", "n": "9"}, "n": "1"}') as Record<string, unknown>;
    assert.equal(Object.hasOwn(input, '__proto__'), true, 'fixture must carry an own __proto__ key');
    const out = run(Type.Object({ n: Type.Integer() }), input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(Object.hasOwn(out, '__proto__'), false);
    assert.equal(out.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(out), ['n']);
    assert.equal(out.n, 1);
  });

  it('coerce() leaves a non-object value for an object field unchanged', () => {
    const schema = Type.Object({ o: Type.Object({ n: Type.Integer() }) });
    assert.deepEqual(run(schema, { o: '1' }), { o: '1' });
    assert.deepEqual(run(schema, { o: ['1'] }), { o: ['1'] });
  });

  it('coerce() leaves a non-array value for an array field unchanged', () => {
    assert.equal(run(Type.Array(Type.Integer()), '1'), '1');
  });
});

describe('coerce() unions', () => {
  it('coerce() picks the literal a numeric string stands for in a union of number literals', () => {
    const schema = Type.Union([Type.Literal(1), Type.Literal(2)]);
    assert.equal(run(schema, '2'), 2);
    assert.equal(run(schema, 2), 2);
  });

  it('coerce() leaves a value matching no literal of the union unchanged', () => {
    const schema = Type.Union([Type.Literal(1), Type.Literal(2)]);
    assert.equal(run(schema, '3'), '3');
    assert.equal(run(schema, 'x'), 'x');
  });

  it('coerce() keeps a string literal of a union of string literals', () => {
    const schema = Type.Union([Type.Literal('NORMAL'), Type.Literal('HIGH')]);
    assert.equal(run(schema, 'HIGH'), 'HIGH');
    assert.equal(run(schema, 5), 5);
  });

  it('coerce() accepts the role field of createUser as one string or as an array', () => {
    const body = createUser.body!;
    assert.deepEqual(run(body, { username: 'a', role: 'MeetingOperator' }), { username: 'a', role: 'MeetingOperator' });
    assert.deepEqual(run(body, { username: 'a', role: ['SystemAdmin'] }), { username: 'a', role: ['SystemAdmin'] });
    assert.deepEqual(run(body, { username: 'a', role: [null, 'Normal'] }), { username: 'a', role: ['Normal'] });
    assert.deepEqual(run(body, { username: 7, role: null }), { username: '7' });
  });

  it('coerce() converts a literal-or-array union of integers in both shapes', () => {
    const schema = Type.Object({ v: Type.Union([Type.Integer(), Type.Array(Type.Integer())]) });
    assert.deepEqual(run(schema, { v: '3' }), { v: 3 });
    assert.deepEqual(run(schema, { v: ['1', '3'] }), { v: [1, 3] });
  });

  it('coerce() keeps a value that already fits a member of a string-or-integer union (signalling command ids)', () => {
    const schema = Type.Union([Type.String(), Type.Integer()]);
    assert.equal(run(schema, 2), 2);
    assert.equal(run(schema, '2'), '2');
    assert.equal(run(schema, 2.5), '2.5');
  });

  it('coerce() leaves an array for a union without an array member unchanged', () => {
    const schema = Type.Union([Type.Literal(1), Type.Literal(2)]);
    assert.deepEqual(run(schema, ['1']), ['1']);
  });
});
