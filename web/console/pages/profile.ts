/** Profile (#/profile): who one is signed in as, and changing one's password (other sessions of the account end). */
import { changePassword } from '../../../contract/rest/user.ts';
import { clientSecret } from '../../../sdk/secret.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../page.ts';
import { facts, field, heading, note, placeError, submitForm } from '../ui.ts';

export function profilePage(ctx: PageContext): void {
  const p = ctx.session.profile!;
  ctx.title(t('profile.title'));
  const old = h('input', { type: 'password', name: 'secret_old', autocomplete: 'current-password', required: true });
  const fresh = h('input', { type: 'password', name: 'secret_new', autocomplete: 'new-password', required: true, minlength: 8 });
  const again = h('input', { type: 'password', name: 'repeat', autocomplete: 'new-password', required: true });
  const done = note('', { role: 'status' });
  const form = h(
    'form',
    { class: 'panel', novalidate: true },
    h('h2', {}, t('profile.changePassword')),
    field(t('profile.oldPassword'), old),
    field(t('profile.newPassword'), fresh, { hint: t('profile.newPasswordHint') }),
    field(t('profile.repeatPassword'), again),
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('profile.changePassword'))),
    done,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    done.textContent = '';
    void submitForm(form, async () => {
      if (fresh.value.length < 8) return placeError(form, 'secret_new', t('profile.tooShort'));
      if (fresh.value !== again.value) return placeError(form, 'repeat', t('profile.mismatch'));
      await ctx.session.rest.call(changePassword, { body: { secret_old: await clientSecret(old.value), secret_new: await clientSecret(fresh.value) } });
      form.reset();
      done.textContent = t('profile.changed');
    });
  });
  ctx.main.replaceChildren(
    heading(t('profile.title')),
    facts([
      [t('profile.username'), p.username],
      [t('profile.realName'), p.real_name],
      [t('profile.role'), t(`role.${p.role[0] ?? 'Normal'}`)],
      [t('profile.email'), p.email],
      [t('profile.department'), p.department],
      [t('profile.mobile'), p.mobile],
    ]),
    form,
  );
}
