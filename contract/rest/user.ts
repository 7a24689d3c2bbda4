import Type, { type TArray, type TSchema } from 'typebox';
import { Empty, PageQuery, Timestamp } from './common.ts';
import { operation } from './operation.ts';

export const RoleName = Type.Union([Type.Literal('Normal'), Type.Literal('MeetingOperator'), Type.Literal('SystemAdmin')], {
  description: 'Normal, MeetingOperator or SystemAdmin',
});

/** The clients hash the password themselves: lowercase hex SHA-1 of password + "49d88eb34f77fc9e81cbdc5190c7efdc". */
export const Secret = Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'hex SHA-1 of password + FRTC salt' });

const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', description: 'Unique, no spaces' });
const RealName = Type.String({ maxLength: 128 });
const Email = Type.String({ maxLength: 254, pattern: '^$|^[^@\\s]+@[^@\\s]+$' });
const Department = Type.String({ maxLength: 128 });
const Mobile = Type.String({ maxLength: 32, pattern: '^[0-9+()\\- ]*$' });
const SecurityLevel = Type.Union([Type.Literal('NORMAL'), Type.Literal('HIGH')]);
/** The document sends one role string; some tools send the array the profile returns. One role per account. */
const RoleInput = Type.Union([RoleName, Type.Array(RoleName, { minItems: 1, maxItems: 1 })]);

export const UserProfile = Type.Object({
  user_token: Type.String(),
  user_id: Type.String(),
  username: Type.String(),
  real_name: Type.String(),
  email: Type.String(),
  department: Type.String(),
  mobile: Type.String(),
  role: Type.Array(RoleName),
  security_level: SecurityLevel,
  password_expired_time: Type.Integer({ description: 'Days until the password must be changed; 0 = never expires' }),
});

export const UserSummary = Type.Object({ user_id: Type.String(), username: Type.String(), real_name: Type.String() });

export const AdminUserView = Type.Object({
  user_id: Type.String(),
  username: Type.String(),
  real_name: Type.String(),
  email: Type.String(),
  department: Type.String(),
  mobile: Type.String(),
  role: Type.Array(RoleName),
  security_level: SecurityLevel,
  locked: Type.Boolean({ description: 'Locked by an administrator' }),
  frozen_until: Type.Integer({
    description:
      'Epoch ms until which some address stays frozen out of this account after wrong passwords from it (or, after ' +
      'too many from everywhere, addresses the account is not used from are held off): someone has been guessing. ' +
      'The owner signing in from her own addresses is not affected. 0 = none; unlocking clears it',
  }),
  created_time: Timestamp,
});

/** A page of `key` items; the key's name is kept in the static type, so that clients read `users` as an array. */
const Paged = <K extends string, T extends TSchema>(key: K, item: T) =>
  Type.Object({
    ...({ [key]: Type.Array(item) } as { [P in K]: TArray<T> }),
    total_page_num: Type.Integer(),
    total_size: Type.Integer(),
  });

const UserIdParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 64 }) });
const UserIdResult = Type.Object({ user_id: Type.String() });

export const signIn = operation({
  id: 'signIn',
  methods: ['POST'],
  paths: ['/api/v1/user/sign_in'],
  tag: 'user',
  summary: 'Sign in with username and hashed secret',
  description:
    'An administrator lock gives 0x00003002 (whether or not the secret is right: it is not checked); a wrong secret ' +
    '0x00003003; an unknown username 0x00003000. Five wrong secrets from one address freeze that address (only) out ' +
    'of the account (0x00003001): for five minutes, doubling with each further freeze; while frozen the secret is not ' +
    'checked. Too many wrong secrets for one account within an hour, from anywhere, hold off addresses that have not ' +
    'signed in to it lately (0x00003001 too). All these are HTTP 401. Too many failures from one address within a ' +
    'minute, over all accounts, give HTTP 429 until the minute has passed.',
  access: 'client',
  body: Type.Object({ username: Username, secret: Secret }),
  response: UserProfile,
  errors: ['input.invalid', 'signIn.failed', 'signIn.frozen', 'signIn.locked', 'signIn.wrongSecret', 'rate.limited'],
});

export const signOut = operation({
  id: 'signOut',
  methods: ['POST'],
  paths: ['/api/v1/user/sign_out'],
  tag: 'user',
  summary: 'Revoke the token used for this call',
  access: 'user',
  response: Empty,
  errors: ['auth.required'],
});

export const userInfo = operation({
  id: 'userInfo',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/user/info'],
  tag: 'user',
  summary: 'Profile of the signed-in user (echoes user_token); the clients use it for automatic sign-in',
  access: 'user',
  response: UserProfile,
  errors: ['auth.required'],
});

export const changePassword = operation({
  id: 'changePassword',
  methods: ['PUT', 'POST'],
  paths: ['/api/v1/user/password'],
  tag: 'user',
  summary: 'Change the own password; other sessions of the user are signed out',
  description:
    'A wrong secret_old (400) counts like a failed sign-in from the caller\'s address: the fifth freezes that address ' +
    'out of the account and, like any attempt while frozen, gets HTTP 429 0x10000006 without the secret being checked.',
  access: 'user',
  body: Type.Object({ secret_old: Secret, secret_new: Secret }),
  response: Empty,
  errors: ['auth.required', 'input.invalid', 'rate.limited'],
});

export const publicUsers = operation({
  id: 'findUsers',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/user/public/users'],
  tag: 'user',
  summary: 'Find users by page (for inviting people)',
  description:
    'Requires sign-in unless the server runs with CONVENE_PUBLIC_USER_DIRECTORY=true. page_size is capped at 500.',
  access: 'optionalUser',
  query: Type.Object(PageQuery),
  response: Paged('users', UserSummary),
  errors: ['auth.required', 'input.invalid'],
});

export const createUser = operation({
  id: 'createUser',
  methods: ['POST'],
  paths: ['/api/v1/user/users'],
  tag: 'user administration',
  summary: 'Create a user (SystemAdmin)',
  access: 'user',
  permission: 'account.manage',
  body: Type.Object({
    username: Username,
    secret: Secret,
    real_name: Type.Optional(RealName),
    email: Type.Optional(Email),
    department: Type.Optional(Department),
    mobile: Type.Optional(Mobile),
    role: Type.Optional(RoleInput),
    security_level: Type.Optional(SecurityLevel),
  }),
  response: UserIdResult,
  errors: ['auth.required', 'permission.denied', 'input.invalid', 'data.conflict', 'license.limit'],
});

export const updateUser = operation({
  id: 'updateUser',
  methods: ['POST', 'PUT'],
  paths: ['/api/v1/user/users/{user_id}'],
  tag: 'user administration',
  summary: 'Update a user (SystemAdmin); secret is optional and, when given, signs the user out everywhere',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  body: Type.Object({
    username: Type.Optional(Username),
    secret: Type.Optional(Secret),
    real_name: Type.Optional(RealName),
    email: Type.Optional(Email),
    department: Type.Optional(Department),
    mobile: Type.Optional(Mobile),
    role: Type.Optional(RoleInput),
    security_level: Type.Optional(SecurityLevel),
  }),
  response: UserIdResult,
  errors: ['auth.required', 'permission.denied', 'notFound', 'input.invalid', 'data.conflict', 'operation.forbidden'],
});

export const listUsers = operation({
  id: 'listUsers',
  methods: ['GET'],
  paths: ['/api/v1/user/users'],
  tag: 'user administration',
  summary: 'List users with their full profile and lock state (SystemAdmin)',
  access: 'user',
  permission: 'account.manage',
  query: Type.Object(PageQuery),
  response: Paged('users', AdminUserView),
  errors: ['auth.required', 'permission.denied', 'input.invalid'],
});

export const getUser = operation({
  id: 'getUser',
  methods: ['GET'],
  paths: ['/api/v1/user/users/{user_id}'],
  tag: 'user administration',
  summary: 'One user with full profile and lock state (SystemAdmin)',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  response: AdminUserView,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const lockUser = operation({
  id: 'lockUser',
  methods: ['POST'],
  paths: ['/api/v1/user/users/{user_id}/lock'],
  tag: 'user administration',
  summary: 'Lock an account (SystemAdmin): sign-in answers 0x00003002 and existing sessions end',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  response: UserIdResult,
  errors: ['auth.required', 'permission.denied', 'notFound', 'operation.forbidden'],
});

export const unlockUser = operation({
  id: 'unlockUser',
  methods: ['DELETE'],
  paths: ['/api/v1/user/users/{user_id}/lock'],
  tag: 'user administration',
  summary: 'Unlock an account and lift every sign-in freeze on it, from any address (SystemAdmin)',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  response: UserIdResult,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const resetPassword = operation({
  id: 'resetUserPassword',
  methods: ['POST'],
  paths: ['/api/v1/user/users/{user_id}/password_reset'],
  tag: 'user administration',
  summary: 'Reset a password (SystemAdmin)',
  description:
    'With `secret` the account gets that secret; without, the server generates a password and returns it once in ' +
    '`password`. Either way the freeze is cleared and all sessions of the user end.',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  body: Type.Object({ secret: Type.Optional(Secret) }),
  response: Type.Object({ user_id: Type.String(), password: Type.Optional(Type.String()) }),
  errors: ['auth.required', 'permission.denied', 'notFound', 'input.invalid'],
});

export const deleteUser = operation({
  id: 'deleteUser',
  methods: ['DELETE'],
  paths: ['/api/v1/user/users/{user_id}'],
  tag: 'user administration',
  summary: 'Delete a user (SystemAdmin); the last SystemAdmin and the caller itself cannot be deleted',
  access: 'user',
  permission: 'account.manage',
  params: UserIdParams,
  response: Empty,
  errors: ['auth.required', 'permission.denied', 'notFound', 'operation.forbidden'],
});

export const userOperations = [
  signIn,
  signOut,
  userInfo,
  changePassword,
  publicUsers,
  createUser,
  updateUser,
  listUsers,
  getUser,
  lockUser,
  unlockUser,
  resetPassword,
  deleteUser,
];
