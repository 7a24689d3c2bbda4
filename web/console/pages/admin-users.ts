/**
 * Users, for SystemAdmin (#/admin/users, #/admin/users/new, #/admin/users/<user_id>): list and search, create, edit
 * (roles included), lock and unlock, reset the password, delete. The API enforces the rules (the last SystemAdmin is
 * never demoted, locked or deleted; administrators cannot lock or delete themselves); the console shows its answers.
 */
import type { Static } from 'typebox';
import type { RoleName } from '../../../contract/permissions.ts';
import { type AdminUserView, createUser, deleteUser, getUser, listUsers, lockUser, resetPassword, unlockUser, updateUser } from '../../../contract/rest/user.ts';
import { clientSecret } from '../../../sdk/secret.ts';
import { h } from '../../shared/dom.ts';
import { lang, t } from '../i18n.ts';
import { go, href, type PageContext } from '../page.ts';
import { formatInstant } from '../time.ts';
import { act, button, confirmDialog, facts, field, heading, linkButton, loadFailed, note, pager, placeError, submitForm } from '../ui.ts';

type AdminUser = Static<typeof AdminUserView>;

const PAGE_SIZE = 25;
const ROLES: RoleName[] = ['Normal', 'MeetingOperator', 'SystemAdmin'];
/** Shortest password the console sets (the server sees only its hash and cannot check). */
export const MIN_PASSWORD = 8;

export async function usersPage(ctx: PageContext): Promise<void> {
  const q = ctx.query.get('q') ?? '';
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  ctx.title(t('users.title'));
  const search = h('input', { type: 'search', name: 'filter', value: q, maxlength: 128 });
  const searchForm = h('form', { class: 'row search', role: 'search' }, field(t('users.search'), search), h('button', { type: 'submit' }, t('common.search')));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    go('/admin/users', { q: search.value.trim() });
  });
  const list = h('ul', { class: 'cards', 'aria-label': t('users.title') });
  const paging = h('div');
  ctx.main.replaceChildren(heading(t('users.title')), h('div', { class: 'row toolbar' }, linkButton(t('users.new'), '#/admin/users/new', { class: 'button primary' })), searchForm, list, paging);
  try {
    const r = await ctx.session.rest.call(listUsers, { query: { page_num: page, page_size: PAGE_SIZE, ...(q ? { filter: q } : {}) } });
    if (ctx.signal.aborted) return;
    list.replaceChildren(
      ...r.users.map((u) =>
        h(
          'li',
          { class: 'card-item', 'data-user': u.username },
          h('h2', {}, h('a', { href: `#/admin/users/${encodeURIComponent(u.user_id)}` }, u.username)),
          h(
            'p',
            {},
            u.real_name ? h('span', {}, u.real_name) : '',
            h('span', { class: 'badge', 'data-role': u.role[0] ?? '' }, t(`role.${u.role[0] ?? 'Normal'}`)),
            u.locked ? h('span', { class: 'badge warn' }, t('users.locked')) : '',
            u.frozen_until > Date.now() ? h('span', { class: 'badge warn' }, t('users.frozen')) : '',
          ),
        ),
      ),
    );
    if (r.users.length === 0) list.append(h('li', { class: 'empty' }, note(t('users.none'))));
    paging.replaceChildren(pager(page, r.total_page_num, (p) => go('/admin/users', { q, page: p })) ?? '');
  } catch (e) {
    loadFailed(list, e);
  }
}

/** A random password people can type: letters and digits without look-alikes. */
function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(crypto.getRandomValues(new Uint32Array(14)), (n) => alphabet[n % alphabet.length]).join('');
}

function profileFields(u?: AdminUser) {
  const username = h('input', { name: 'username', required: true, maxlength: 64, autocomplete: 'off', value: u?.username ?? '' });
  const realName = h('input', { name: 'real_name', maxlength: 128, autocomplete: 'off', value: u?.real_name ?? '' });
  const email = h('input', { type: 'email', name: 'email', maxlength: 254, autocomplete: 'off', value: u?.email ?? '' });
  const department = h('input', { name: 'department', maxlength: 128, value: u?.department ?? '' });
  const mobile = h('input', { type: 'tel', name: 'mobile', maxlength: 32, value: u?.mobile ?? '' });
  const role = h('select', { name: 'role' }, ...ROLES.map((r) => h('option', { value: r, selected: r === (u?.role[0] ?? 'Normal') }, t(`role.${r}`))));
  const level = h(
    'select',
    { name: 'security_level' },
    ...(['NORMAL', 'HIGH'] as const).map((l) => h('option', { value: l, selected: l === (u?.security_level ?? 'NORMAL') }, t(`users.level.${l}`))),
  );
  const elements = h(
    'div',
    {},
    field(t('users.username'), username, { hint: t('users.usernameHint') }),
    h('div', { class: 'grid2' }, field(t('profile.realName'), realName), field(t('profile.email'), email)),
    h('div', { class: 'grid2' }, field(t('profile.department'), department), field(t('profile.mobile'), mobile)),
    h('div', { class: 'grid2' }, field(t('profile.role'), role, { hint: t('users.roleHint') }), field(t('users.securityLevel'), level)),
  );
  const values = () => ({
    username: username.value.trim(),
    real_name: realName.value.trim(),
    email: email.value.trim(),
    department: department.value.trim(),
    mobile: mobile.value.trim(),
    role: role.value as RoleName,
    security_level: level.value as 'NORMAL' | 'HIGH',
  });
  return { elements, values };
}

/** A password field with a button that fills in a random password, shown in clear so it can be passed on. */
function passwordField(name: string, label: string): { element: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'password', name, autocomplete: 'new-password', minlength: MIN_PASSWORD });
  const generate = button(t('users.generate'), () => {
    input.type = 'text';
    input.value = randomPassword();
    input.focus();
    input.select();
  });
  return { element: field(label, input, { fields: `${name} secret`, hint: t('users.passwordHint', { min: MIN_PASSWORD }), beside: generate }), input };
}

export function newUserPage(ctx: PageContext): void {
  ctx.title(t('users.new'));
  const profile = profileFields();
  const password = passwordField('password', t('users.password'));
  const form = h(
    'form',
    { class: 'panel', novalidate: true },
    profile.elements,
    password.element,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('users.create')), h('a', { class: 'button', href: '#/admin/users' }, t('common.cancel'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitForm(form, async () => {
      const v = profile.values();
      if (v.username === '') return placeError(form, 'username', t('form.required'));
      if (password.input.value.length < MIN_PASSWORD) return placeError(form, 'password', t('users.passwordShort', { min: MIN_PASSWORD }));
      const created = await ctx.session.rest.call(createUser, { body: { ...v, secret: await clientSecret(password.input.value) } });
      go(`/admin/users/${encodeURIComponent(created.user_id)}`, { created: 1 });
    });
  });
  ctx.main.replaceChildren(heading(t('users.new')), form);
}

export async function editUserPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  const id = ctx.params.id!;
  let u: AdminUser;
  try {
    u = await session.rest.call(getUser, { params: { user_id: id } });
  } catch (e) {
    ctx.title(t('users.title'));
    ctx.main.replaceChildren(heading(t('users.title')));
    loadFailed(ctx.main, e);
    return;
  }
  if (ctx.signal.aborted) return;
  ctx.title(u.username);
  const reload = () => void editUserPage(ctx);

  const profile = profileFields(u);
  const saved = note('', { role: 'status' });
  const form = h(
    'form',
    { class: 'panel', novalidate: true, 'aria-labelledby': 'profile-title' },
    h('h2', { id: 'profile-title' }, t('users.profile')),
    profile.elements,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('form.save'))),
    saved,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saved.textContent = '';
    void submitForm(form, async () => {
      await session.rest.call(updateUser, { params: { user_id: id }, body: profile.values() });
      saved.textContent = t('users.saved');
    });
  });

  const lockToggle = button(u.locked ? t('users.unlock') : t('users.lock'), async () => {
    if (!u.locked && !(await confirmDialog(t('users.confirmLock', { name: u.username }), t('users.lock')))) return;
    if (await act(lockToggle, () => (u.locked ? session.rest.call(unlockUser, { params: { user_id: id } }) : session.rest.call(lockUser, { params: { user_id: id } })))) reload();
  }, { 'data-action': u.locked ? 'unlock' : 'lock' });
  const access = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'access-title' },
    h('h2', { id: 'access-title' }, t('users.access')),
    facts([
      [t('users.state'), u.locked ? t('users.locked') : t('users.active')],
      [t('users.frozenUntil'), u.frozen_until > Date.now() ? formatInstant(u.frozen_until, lang()) : undefined],
      [t('users.created'), formatInstant(u.created_time, lang())],
    ]),
    note(t('users.lockHint')),
    h('div', { class: 'row actions' }, lockToggle),
  );

  const newPassword = passwordField('secret', t('users.newPassword'));
  const resetResult = h('p', { role: 'status', class: 'reset-result' });
  const setPassword = h('button', { type: 'submit' }, t('users.setPassword'));
  const generated = button(t('users.resetGenerated'), async () => {
    resetResult.textContent = '';
    const r = await act(generated, () => session.rest.call(resetPassword, { params: { user_id: id }, body: {} }));
    if (r?.password) resetResult.replaceChildren(t('users.generatedPassword'), ' ', h('code', { 'data-password': '' }, r.password));
  });
  const reset = h(
    'form',
    { class: 'panel', novalidate: true, 'aria-labelledby': 'reset-title' },
    h('h2', { id: 'reset-title' }, t('users.resetPassword')),
    note(t('users.resetHint')),
    h('div', { class: 'row actions' }, generated),
    newPassword.element,
    h('div', { class: 'row actions' }, setPassword),
    resetResult,
  );
  reset.addEventListener('submit', (e) => {
    e.preventDefault();
    resetResult.textContent = '';
    void submitForm(reset, async () => {
      if (newPassword.input.value.length < MIN_PASSWORD) return placeError(reset, 'secret', t('users.passwordShort', { min: MIN_PASSWORD }));
      await session.rest.call(resetPassword, { params: { user_id: id }, body: { secret: await clientSecret(newPassword.input.value) } });
      newPassword.input.value = '';
      resetResult.textContent = t('users.passwordSet');
    });
  });

  const del = button(t('users.delete'), async () => {
    if (!(await confirmDialog(t('users.confirmDelete', { name: u.username }), t('common.delete')))) return;
    if (await act(del, () => session.rest.call(deleteUser, { params: { user_id: id } }))) go('/admin/users');
  }, { class: 'danger', 'data-action': 'delete' });

  ctx.main.replaceChildren(
    heading(u.username),
    ctx.query.has('created') ? note(t('users.createdNote'), { role: 'status', class: 'note success' }) : '',
    h('p', {}, h('a', { href: href('/admin/users') }, t('users.back'))),
    form,
    access,
    reset,
    h('section', { class: 'panel', 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, t('users.delete')), note(t('users.deleteHint')), h('div', { class: 'row actions' }, del)),
  );
}
