/**
 * Sign-in, and the expired-session screen (the same form under a heading that says why): the password is turned into
 * the FRTC secret in the browser (sdk/secret.ts, WebCrypto SHA-1) and never leaves it.
 */
import { RestError } from '../../../sdk/rest-client.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import type { Session } from '../session.ts';
import { errorText, field, placeError, submitForm } from '../ui.ts';

/** Sign-in answers in words people act on (the API's messages name fields; these name what to do). */
function signInError(e: unknown): string {
  if (e instanceof RestError) {
    if (e.errorCode === '0x00003001') return t('signIn.frozen');
    if (e.errorCode === '0x00003002') return t('signIn.locked');
    if (e.status === 429) return t('signIn.tooMany');
    if (e.status === 401) return t('signIn.wrong');
  }
  return errorText(e);
}

export function signInScreen(session: Session, expired: boolean, signedIn: () => void): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64, value: session.lastUsername, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { novalidate: true },
    field(t('signIn.username'), username),
    field(t('signIn.password'), password),
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('signIn.submit'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (username.value.trim() === '') return placeError(form, 'username', t('form.required'));
    if (password.value === '') return placeError(form, 'password', t('form.required'));
    void submitForm(form, async () => {
      try {
        await session.signIn(username.value.trim(), password.value);
      } catch (err) {
        // Wrong credentials belong to the password field; the rest (frozen, locked, network) to the form.
        const where = err instanceof RestError && err.status === 401 && err.errorCode !== '0x00003001' && err.errorCode !== '0x00003002' ? 'password' : undefined;
        placeError(form, where, signInError(err));
        return;
      }
      signedIn();
    });
  });
  const card = h(
    'section',
    { class: 'card sign-in', 'data-expired': String(expired) },
    h('h1', {}, expired ? t('signIn.expiredTitle') : t('signIn.title')),
    expired ? h('p', { role: 'alert', class: 'expired' }, t('signIn.expired')) : h('p', { class: 'note' }, t('signIn.intro')),
    form,
  );
  queueMicrotask(() => (username.value ? password : username).focus());
  return card;
}
