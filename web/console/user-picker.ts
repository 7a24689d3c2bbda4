/**
 * Choosing people from the user directory (GET /api/v1/user/public/users?filter=…): a search field, up to ten matches
 * as buttons, the chosen people as a list with remove buttons. `single` keeps one person (a room's owner).
 */
import { publicUsers } from '../../contract/rest/user.ts';
import { h } from '../shared/dom.ts';
import { t } from './i18n.ts';
import type { Session } from './session.ts';
import { button, inlineError, uid } from './ui.ts';

export interface Person {
  user_id: string;
  username: string;
  real_name: string;
}

const RESULTS = 10;
const TYPING_PAUSE_MS = 250;

export const personName = (p: Person): string => (p.real_name && p.real_name !== p.username ? `${p.real_name} (${p.username})` : p.username);

export class UserPicker {
  /** The field: label, search, matches, chosen list and error slot; its `data-fields` names the API field. */
  readonly element: HTMLElement;
  private readonly chosen = new Map<string, Person>();
  private readonly chosenList: HTMLUListElement;
  private readonly results: HTMLUListElement;
  private readonly search: HTMLInputElement;
  private readonly single: boolean;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Number of the latest search: answers to older ones are dropped. */
  private query = 0;

  constructor(
    private readonly session: Session,
    options: { label: string; apiField: string; single?: boolean; initial?: Person[] },
  ) {
    this.single = options.single ?? false;
    const id = uid('picker');
    this.search = h('input', { id, type: 'search', autocomplete: 'off', name: `${options.apiField}-search`, 'aria-describedby': `${id}-hint` });
    this.results = h('ul', { class: 'picker-results', 'aria-label': t('picker.matches'), 'aria-live': 'polite' });
    this.chosenList = h('ul', { class: 'picker-chosen', 'aria-label': t('picker.chosen') });
    this.element = h(
      'div',
      { class: 'field picker', 'data-fields': options.apiField },
      h('label', { for: id }, options.label),
      this.search,
      h('p', { class: 'note hint', id: `${id}-hint` }, t('picker.hint')),
      this.results,
      this.chosenList,
      h('p', { class: 'error field-error', id: uid('e'), hidden: true }),
    );
    for (const p of options.initial ?? []) this.chosen.set(p.user_id, p);
    this.search.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.find(), TYPING_PAUSE_MS);
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault(); // Enter searches at once instead of submitting the form
      clearTimeout(this.timer);
      void this.find();
    });
    this.drawChosen();
  }

  get ids(): string[] {
    return [...this.chosen.keys()];
  }

  get people(): Person[] {
    return [...this.chosen.values()];
  }

  private async find(): Promise<void> {
    const filter = this.search.value.trim();
    const mine = ++this.query;
    if (filter === '') {
      this.results.replaceChildren();
      return;
    }
    try {
      const page = await this.session.rest.call(publicUsers, { method: 'GET', query: { filter, page_size: RESULTS, page_num: 1 } });
      if (mine !== this.query) return;
      inlineError(this.search, undefined);
      this.results.replaceChildren(
        ...page.users.map((p) =>
          h('li', {}, button(t('picker.add', { name: personName(p) }), () => this.choose(p), { class: 'small', 'data-user': p.username, disabled: this.chosen.has(p.user_id) })),
        ),
      );
      if (page.users.length === 0) this.results.append(h('li', { class: 'note' }, t('picker.none')));
    } catch (e) {
      inlineError(this.search, e);
    }
  }

  private choose(p: Person): void {
    if (this.single) this.chosen.clear();
    this.chosen.set(p.user_id, p);
    this.results.replaceChildren();
    this.search.value = '';
    this.drawChosen();
    this.search.focus();
  }

  private drawChosen(): void {
    this.chosenList.replaceChildren(
      ...this.people.map((p) =>
        h(
          'li',
          { 'data-user': p.username },
          h('span', {}, personName(p)),
          button(t('picker.remove'), () => {
            this.chosen.delete(p.user_id);
            this.drawChosen();
            this.search.focus();
          }, { class: 'small', 'aria-label': t('picker.removeName', { name: personName(p) }) }),
        ),
      ),
    );
    this.chosenList.hidden = this.chosen.size === 0;
  }
}
