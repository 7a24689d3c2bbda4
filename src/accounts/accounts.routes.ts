import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import * as ops from '../../contract/rest/user.ts';
import type { Authenticate } from '../http/route.ts';
import { JsonText, registerOperation } from '../http/route.ts';
import type { AccountsService } from './accounts.service.ts';
import type { SignedInCaller } from './caller.ts';
import type { UserSummary } from './ports.ts';
import type { Paging, UsersService } from './users.service.ts';
import type { Role, User, UserProfileInput } from './user.ts';

const profile = (user: User, token: string): Static<typeof ops.UserProfile> => ({
  user_token: token,
  user_id: user.id,
  username: user.username,
  real_name: user.realName,
  email: user.email,
  department: user.department,
  mobile: user.mobile,
  role: [user.role],
  security_level: user.securityLevel,
  password_expired_time: 0,
});

const adminView = (user: User): Static<typeof ops.AdminUserView> => ({
  user_id: user.id,
  username: user.username,
  real_name: user.realName,
  email: user.email,
  department: user.department,
  mobile: user.mobile,
  role: [user.role],
  security_level: user.securityLevel,
  locked: user.locked,
  // UsersService has already cleared a freeze that ended (by the server's clock).
  frozen_until: user.frozenUntil,
  created_time: user.createdAt,
});

type ProfileBody = {
  username?: string;
  real_name?: string;
  email?: string;
  department?: string;
  mobile?: string;
  role?: Role | Role[];
  security_level?: 'NORMAL' | 'HIGH';
};

const profileInput = (b: ProfileBody): UserProfileInput => ({
  username: b.username,
  realName: b.real_name,
  email: b.email,
  department: b.department,
  mobile: b.mobile,
  role: Array.isArray(b.role) ? b.role[0] : b.role,
  securityLevel: b.security_level,
});

const paging = (q: { page_num?: number; page_size?: number; filter?: string }): Paging => ({
  pageNum: q.page_num ?? 1,
  pageSize: q.page_size ?? 50,
  filter: q.filter?.trim() ?? '',
});

const pageOf = <T>(key: 'users', items: T[], total: number, pageSize: number) => ({
  [key]: items,
  total_page_num: Math.ceil(total / pageSize),
  total_size: total,
});

export function accountsRoutes(app: FastifyInstance, accounts: AccountsService, users: UsersService, authenticate: Authenticate): void {
  const signedIn = (c: { user?: User }) => c as SignedInCaller;

  registerOperation(app, ops.signIn, authenticate, async ({ body, caller, request }) => {
    const { token, user } = await accounts.signIn(body.username, body.secret, caller.clientId, request.ip);
    return profile(user, token);
  });
  registerOperation(app, ops.signOut, authenticate, async ({ caller }) => {
    await accounts.signOut(signedIn(caller));
    return {};
  });
  registerOperation(app, ops.userInfo, authenticate, async ({ caller, query }) => profile(signedIn(caller).user, query.token!));
  registerOperation(app, ops.changePassword, authenticate, async ({ caller, body, request }) => {
    await accounts.changePassword(signedIn(caller), body.secret_old, body.secret_new, request.ip);
    return {};
  });
  // The directory answers the same question with the same page (directory-index.ts): its text is made once.
  const directoryTexts = new WeakMap<readonly UserSummary[], JsonText>();
  registerOperation(app, ops.publicUsers, authenticate, async ({ caller, query }) => {
    const page = await users.directory(caller, paging(query));
    let text = directoryTexts.get(page.users);
    if (!text) {
      const items = page.users.map((u) => ({ user_id: u.id, username: u.username, real_name: u.realName }));
      text = new JsonText(JSON.stringify(pageOf('users', items, page.total, page.pageSize)));
      directoryTexts.set(page.users, text);
    }
    return text;
  });
  registerOperation(app, ops.listUsers, authenticate, async ({ caller, query }) => {
    const page = await users.list(caller, paging(query));
    return pageOf('users', page.users.map(adminView), page.total, page.pageSize) as Static<(typeof ops.listUsers)['response']>;
  });
  registerOperation(app, ops.getUser, authenticate, async ({ caller, params }) => adminView(await users.get(caller, params.user_id)));
  registerOperation(app, ops.createUser, authenticate, async ({ caller, body }) => {
    const user = await users.create(caller, { ...profileInput(body), username: body.username }, body.secret);
    return { user_id: user.id };
  });
  registerOperation(app, ops.updateUser, authenticate, async ({ caller, params, body }) => {
    const user = await users.update(caller, params.user_id, profileInput(body), body.secret);
    return { user_id: user.id };
  });
  registerOperation(app, ops.lockUser, authenticate, async ({ caller, params }) => {
    await users.setLocked(caller, params.user_id, true);
    return { user_id: params.user_id };
  });
  registerOperation(app, ops.unlockUser, authenticate, async ({ caller, params }) => {
    await users.setLocked(caller, params.user_id, false);
    return { user_id: params.user_id };
  });
  registerOperation(app, ops.resetPassword, authenticate, async ({ caller, params, body }) => {
    const { user, password } = await users.resetPassword(caller, params.user_id, body.secret);
    return password === undefined ? { user_id: user.id } : { user_id: user.id, password };
  });
  registerOperation(app, ops.deleteUser, authenticate, async ({ caller, params }) => {
    await users.delete(caller, params.user_id);
    return {};
  });
}
