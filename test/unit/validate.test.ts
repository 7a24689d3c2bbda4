import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type from 'typebox';
import { createUser, signIn } from '../../contract/rest/user.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { type Checked, compileValidator } from '../../src/kernel/validate.ts';

/** The error of a failed check; fails the test when the check passed. */
function errorOf<T>(result: Checked<T>): DomainError {
  assert.ok(result.error, `expected a validation error, got ${JSON.stringify(result.value)}`);
  assert.ok(result.error instanceof DomainError);
  return result.error;
}

const SECRET = 'a'.repeat(40);
const checkSignIn = compileValidator(signIn.body!, 'body');
const checkCreateUser = compileValidator(createUser.body!, 'body');

describe('compileValidator() messages', () => {
  it('compileValidator() names the field and the pattern description for a bad format → input.format', () => {
    const e = errorOf(checkSignIn({ username: 'alice', secret: 'not-hex' }));
    assert.equal(e.message, 'secret: has an invalid format (hex SHA-1 of password + FRTC salt)');
    assert.equal(e.kind, 'input.format');
  });

  it('compileValidator() reports a bad format without a description as a bare invalid format', () => {
    const e = errorOf(checkCreateUser({ username: 'alice', secret: SECRET, email: 'no-at-sign' }));
    assert.equal(e.message, 'email: has an invalid format');
    assert.equal(e.kind, 'input.format');
  });

  it('compileValidator() names a missing required field → input.invalid', () => {
    const e = errorOf(checkSignIn({ secret: SECRET }));
    assert.equal(e.message, 'username: is required');
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() joins nested paths with dots for a missing nested field', () => {
    const check = compileValidator(Type.Object({ schedule: Type.Object({ start: Type.Integer() }) }), 'body');
    assert.equal(errorOf(check({ schedule: {} })).message, 'schedule.start: is required');
  });

  it('compileValidator() joins nested paths with dots for a wrong nested type', () => {
    const check = compileValidator(
      Type.Object({ schedule: Type.Object({ slots: Type.Array(Type.Object({ start: Type.Integer() })) }) }),
      'body',
    );
    const e = errorOf(check({ schedule: { slots: [{ start: 1 }, { start: 'soon' }] } }));
    assert.match(e.message, /^schedule\.slots\.1\.start: /);
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() lists the allowed literals for a wrong role → input.invalid', () => {
    const e = errorOf(checkCreateUser({ username: 'alice', secret: SECRET, role: 'Root' }));
    assert.equal(e.message, 'role: must be one of "Normal", "MeetingOperator", "SystemAdmin"');
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() rejects an unknown role inside the role array', () => {
    const e = errorOf(checkCreateUser({ username: 'alice', secret: SECRET, role: ['Root'] }));
    assert.match(e.message, /^role\b.*must be one of "Normal", "MeetingOperator", "SystemAdmin"$/);
  });

  it('compileValidator() reports a too-long string → input.tooLong', () => {
    const e = errorOf(checkSignIn({ username: 'x'.repeat(65), secret: SECRET }));
    assert.equal(e.message, 'username: must be at most 64 characters');
    assert.equal(e.kind, 'input.tooLong');
  });

  it('compileValidator() reports too many array items → input.tooLong', () => {
    const check = compileValidator(Type.Object({ ids: Type.Array(Type.String(), { maxItems: 2 }) }), 'body');
    const e = errorOf(check({ ids: ['a', 'b', 'c'] }));
    assert.equal(e.message, 'ids: must have at most 2 items');
    assert.equal(e.kind, 'input.tooLong');
  });

  it('compileValidator() reports an empty string where one is required → input.invalid', () => {
    const e = errorOf(checkSignIn({ username: '', secret: SECRET }));
    assert.equal(e.message, 'username: must not be empty');
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() reports bounds → input.invalid', () => {
    const check = compileValidator(Type.Object({ page: Type.Integer({ minimum: 1, maximum: 500 }) }), 'query');
    const low = errorOf(check({ page: '0' }));
    assert.equal(low.message, 'page: must be ≥ 1');
    assert.equal(low.kind, 'input.invalid');
    const high = errorOf(check({ page: 501 }));
    assert.equal(high.message, 'page: must be ≤ 500');
    assert.equal(high.kind, 'input.invalid');
  });

  it('compileValidator() names the root label for an error about the whole value', () => {
    const check = compileValidator(Type.Integer(), 'page');
    const e = errorOf(check('many'));
    assert.match(e.message, /^page: /);
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() rejects a non-object body for an object schema', () => {
    const e = errorOf(checkSignIn([1, 2]));
    assert.match(e.message, /^body: /);
  });
});

describe('compileValidator() values', () => {
  const optionalOnly = compileValidator(Type.Object({ filter: Type.Optional(Type.String()) }), 'query');

  it('compileValidator() validates undefined, null and "" for an object schema as {}', () => {
    for (const input of [undefined, null, '']) {
      const r = optionalOnly(input);
      assert.equal(r.error, undefined, String(input));
      assert.deepEqual(r.value, {});
    }
  });

  it('compileValidator() still requires fields when the input is empty', () => {
    assert.equal(errorOf(checkSignIn(undefined)).message, 'username: is required');
  });

  it('compileValidator() applies schema defaults to absent and null members', () => {
    const check = compileValidator(
      Type.Object({ page: Type.Integer({ default: 1 }), size: Type.Integer({ default: 20 }), q: Type.String({ default: '' }) }),
      'query',
    );
    assert.deepEqual(check(undefined).value, { page: 1, size: 20, q: '' });
    assert.deepEqual(check({ page: '3', size: null }).value, { page: 3, size: 20, q: '' });
  });

  it('compileValidator() returns the coerced value on success', () => {
    const check = compileValidator(Type.Object({ n: Type.Integer(), on: Type.Boolean(), s: Type.String() }), 'body');
    assert.deepEqual(check({ n: '12', on: '0', s: 34 }).value, { n: 12, on: false, s: '34' });
  });

  it('compileValidator() rejects "1.5" for an integer instead of truncating it', () => {
    const check = compileValidator(Type.Object({ n: Type.Integer() }), 'body');
    const r = check({ n: '1.5' });
    assert.equal(r.value, undefined);
    assert.match(errorOf(r).message, /^n: /);
  });

  it('compileValidator() rejects a non-numeric string for an integer, naming the field', () => {
    const check = compileValidator(Type.Object({ n: Type.Integer() }), 'body');
    const e = errorOf(check({ n: 'abc' }));
    assert.match(e.message, /^n: /);
    assert.equal(e.kind, 'input.invalid');
  });

  it('compileValidator() accepts an upper-case hex secret and a role array', () => {
    const r = checkCreateUser({ username: 'alice', secret: SECRET.toUpperCase(), role: ['MeetingOperator'] });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.value, { username: 'alice', secret: SECRET.toUpperCase(), role: ['MeetingOperator'] });
  });
});
