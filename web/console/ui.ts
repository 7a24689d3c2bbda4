/**
 * The console's building blocks over web/shared/dom.ts: labelled fields, errors shown next to what caused them, buttons
 * that show progress while their call runs, dialogs, copy buttons, paging.
 */
import { RestError } from '../../sdk/rest-client.ts';
import { h } from '../shared/dom.ts';
import { apiErrorText, t } from './i18n.ts';
import { SESSION_EXPIRED } from './session.ts';

let ids = 0;
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** The field an API error names: its messages start with the field, e.g. `meeting_password: must be digits`. */
export function apiField(e: unknown): string | undefined {
  if (!(e instanceof RestError)) return undefined;
  return /^([A-Za-z_][\w.]*)(?:\[\d+\])?:\s/.exec(e.error)?.[1];
}

/** A sentence for any failure: API errors in the console's language with the server's own words, else the message. */
export function errorText(e: unknown): string {
  if (e instanceof RestError) return apiErrorText(e.status, e.errorCode, e.error);
  if (e instanceof TypeError) return t('error.network');
  return e instanceof Error ? e.message : String(e);
}

/** The expired-session screen takes over: nothing more to show where the call was made. */
const isExpired = (e: unknown) => e instanceof RestError && e.status === 401 && e.errorCode === SESSION_EXPIRED;

/** `<h1>` that receives focus after navigation, so screen readers announce the new page. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: '-1' }, text);
}

export interface FieldOptions {
  /** API field names this input stands for: their errors are shown under it. Defaults to the input's `name`. */
  fields?: string;
  hint?: string;
  /** A button beside the control (e.g. "Generate" next to a password). */
  beside?: HTMLElement;
}

/** A label, its control, an optional hint and the place for the control's error, wired up with ids for assistive tech. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, options: FieldOptions = {}): HTMLDivElement {
  control.id ||= uid('f');
  const error = h('p', { class: 'error field-error', id: uid('e'), hidden: true });
  const hint = options.hint ? h('p', { class: 'note hint', id: uid('h') }, options.hint) : null;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  return h(
    'div',
    { class: 'field', 'data-fields': options.fields ?? control.name },
    h('label', { for: control.id }, label),
    options.beside ? h('div', { class: 'control-row' }, control, options.beside) : control,
    hint,
    error,
  );
}

/** A group of checkboxes or radios with a legend, and the place for its error. */
export function fieldset(legend: string, fields: string, ...children: (Node | null)[]): HTMLFieldSetElement {
  return h('fieldset', { class: 'field', 'data-fields': fields }, h('legend', {}, legend), ...children, h('p', { class: 'error field-error', id: uid('e'), hidden: true }));
}

export function checkbox(label: string, name: string, checked = false, attrs: Record<string, string> = {}): HTMLLabelElement {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked, ...attrs }), label);
}

/** Clears the errors a form shows. */
export function clearErrors(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('.field-error, .form-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => !id.startsWith('e-'));
    if (described.length > 0) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Shows an error where it belongs: under the field the API names when the form has it (focused, marked invalid),
 * else in the form's own error line next to its buttons.
 */
export function showFormError(form: HTMLElement, e: unknown): void {
  if (isExpired(e)) return;
  placeError(form, apiField(e), errorText(e));
}

/** Puts `text` under the form's field for the API field `name` when there is one, else in the form's error line. */
export function placeError(form: HTMLElement, name: string | undefined, text: string): void {
  const holder = name ? form.querySelector<HTMLElement>(`[data-fields~="${CSS.escape(name)}"]`) : null;
  const slot = holder?.querySelector<HTMLElement>(':scope > .field-error');
  if (holder && slot && !holder.closest('[hidden]')) {
    slot.textContent = text;
    slot.hidden = false;
    const control = holder.querySelector<HTMLElement>('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), slot.id].filter(Boolean).join(' '));
      control.focus();
    }
    return;
  }
  const line = formErrorLine(form);
  line.textContent = text;
  line.hidden = false;
}

/** The form's general error line (created on first use, before its action row). */
function formErrorLine(form: HTMLElement): HTMLElement {
  let line = form.querySelector<HTMLElement>(':scope .form-error');
  if (!line) {
    line = h('p', { class: 'error form-error', role: 'alert' });
    const actions = form.querySelector(':scope > .actions');
    if (actions) actions.before(line);
    else form.append(line);
  }
  return line;
}

/** The error line right after `anchor` (a button's row, a list item), created on first use; role=alert announces it. */
export function inlineError(anchor: HTMLElement, e: unknown | undefined): void {
  let line = anchor.nextElementSibling instanceof HTMLElement && anchor.nextElementSibling.classList.contains('inline-error') ? anchor.nextElementSibling : null;
  if (e === undefined || isExpired(e)) {
    line?.remove();
    return;
  }
  if (!line) {
    line = h('p', { class: 'error inline-error', role: 'alert' });
    anchor.after(line);
  }
  line.textContent = errorText(e);
}

/**
 * Runs a button's action: the button is disabled and marked busy while it runs; a failure is shown next to
 * `errorAnchor` (default: the button's row). Resolves with the action's result, or undefined after a failure.
 */
export async function act<T>(button: HTMLButtonElement, action: () => Promise<T>, errorAnchor?: HTMLElement): Promise<T | undefined> {
  const anchor = errorAnchor ?? (button.closest('.row, .actions') as HTMLElement | null) ?? button;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const result = await action();
    inlineError(anchor, undefined);
    return result;
  } catch (e) {
    inlineError(anchor, e);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Submits a form: errors cleared, the submit button busy, the API's error placed by showFormError. Resolves with the
 * result, or undefined after a failure.
 */
export async function submitForm<T>(form: HTMLFormElement, action: () => Promise<T>): Promise<T | undefined> {
  clearErrors(form);
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await action();
  } catch (e) {
    showFormError(form, e);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

export function button(label: string, onClick: (event: Event) => void, attrs: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: onClick }, label);
}

/** A link styled as a button. */
export function linkButton(label: string, href: string, attrs: Record<string, string | undefined> = {}): HTMLAnchorElement {
  return h('a', { class: 'button', href, ...attrs }, label);
}

/** A modal question; resolves true when confirmed. Native <dialog>: focus is kept inside and Escape cancels. */
export function confirmDialog(message: string, confirmLabel: string, danger = true): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'primary' }, confirmLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-label': confirmLabel },
      h('form', { method: 'dialog' }, h('p', {}, message), h('div', { class: 'row actions' }, ok, h('button', { type: 'submit', value: 'cancel' }, t('common.cancel')))),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A modal asking for one line of text; resolves with it, or undefined when cancelled. */
export function promptDialog(label: string, value: string, confirmLabel: string, attrs: Record<string, string | number> = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const text = h('input', { name: 'value', value, required: true, ...attrs });
    const form = h(
      'form',
      { method: 'dialog' },
      field(label, text),
      h('div', { class: 'row actions' }, h('button', { type: 'submit', value: 'ok', class: 'primary' }, confirmLabel), h('button', { type: 'button', onclick: () => dialog.close('cancel') }, t('common.cancel'))),
    );
    const dialog = h('dialog', { class: 'dialog', 'aria-label': label }, form);
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok' ? text.value : undefined);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    text.select();
  });
}

/** Copies text to the clipboard; the button says so for a moment, and shows the text to copy by hand if it cannot. */
export function copyButton(label: string, text: () => string, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = button(label, () => {
    const value = text();
    const done = (ok: boolean) => {
      b.textContent = ok ? t('common.copied') : label;
      b.dataset.copied = String(ok);
      if (ok) setTimeout(() => (b.textContent = label), 2000);
      else inlineError(b, new Error(t('common.copyFailed')));
    };
    if (!navigator.clipboard) return done(false);
    navigator.clipboard.writeText(value).then(
      () => done(true),
      () => done(false),
    );
  }, attrs);
  return b;
}

/** "Page 2 of 5" with previous and next; `go` receives the new page number. */
export function pager(page: number, totalPages: number, go: (page: number) => void): HTMLElement | null {
  if (totalPages <= 1) return null;
  return h(
    'nav',
    { class: 'row pager', 'aria-label': t('common.pages') },
    button(t('common.previous'), () => go(page - 1), { disabled: page <= 1 }),
    h('span', { 'aria-live': 'polite' }, t('common.pageOf', { page, pages: totalPages })),
    button(t('common.next'), () => go(page + 1), { disabled: page >= totalPages }),
  );
}

/** A definition list from label/value pairs (values left out when undefined). */
export function facts(rows: [string, Node | string | undefined][]): HTMLDListElement {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value] of rows) if (value !== undefined && value !== '') dl.append(h('dt', {}, label), h('dd', {}, value));
  return dl;
}

/** A short status note in a live region (progress, empty lists, results). */
export function note(text: string, attrs: Record<string, string> = {}): HTMLParagraphElement {
  return h('p', { class: 'note', ...attrs }, text);
}

/** Shows a page-level load failure in place of the page's content. */
export function loadFailed(container: HTMLElement, e: unknown): void {
  if (isExpired(e)) return;
  const message = h('p', { class: 'error', role: 'alert', 'data-load-error': e instanceof RestError ? e.errorCode : 'network' }, errorText(e));
  container.replaceChildren(container instanceof HTMLUListElement ? h('li', { class: 'empty' }, message) : message);
}
