import type { ChatMessage } from '../contract/signal/protocol.ts';
import type { SignalClient } from '../sdk/signal-client.ts';
import { byId, h, input } from './shared/dom.ts';

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The chat beside the stage: the messages the SignalClient keeps (signal.chat), a recipient (everyone or one
 * participant) and a line to write. Messages are text nodes only — a link or markup in a message stays a string — and
 * hosts get a delete button on messages to everyone. Whether this participant may write follows meeting.info's
 * guest_chat.
 */
export class ChatPanel {
  private shown = '';

  constructor(
    private readonly signal: SignalClient,
    private readonly act: (label: string, run: () => Promise<unknown>) => void,
    controls: AbortSignal,
  ) {
    byId('chat-form').addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const field = input('chat-input');
        const text = field.value.trim();
        if (text === '') return;
        const to = byId<HTMLSelectElement>('chat-to').value;
        this.act('Chat', async () => {
          await this.signal.sendChat(text, to === '' ? undefined : to);
          field.value = '';
        });
      },
      { signal: controls },
    );
  }

  render(): void {
    const self = this.signal.self;
    const host = self?.role === 'host';
    const policy = this.signal.info?.guest_chat ?? 'all';
    const guest = self?.role === 'guest';
    const mayWrite = !guest || policy !== 'none';
    const mayPrivate = !guest || policy === 'all';
    this.renderRecipients(self?.uuid ?? '', mayPrivate);
    byId<HTMLInputElement>('chat-input').disabled = !mayWrite;
    byId<HTMLButtonElement>('chat-send').disabled = !mayWrite;
    const note = byId('chat-note');
    note.hidden = mayWrite && mayPrivate;
    note.textContent = !mayWrite ? 'The host has turned chat off for guests.' : !mayPrivate ? 'The host has turned private messages off for guests.' : '';
    this.renderMessages(this.signal.chat, self?.uuid ?? '', host);
  }

  private renderRecipients(selfUuid: string, mayPrivate: boolean): void {
    const select = byId<HTMLSelectElement>('chat-to');
    const chosen = select.value;
    const others = mayPrivate ? [...this.signal.roster.values()].filter((p) => p.uuid !== selfUuid).sort((a, b) => a.display_name.localeCompare(b.display_name)) : [];
    const key = JSON.stringify(others.map((p) => [p.uuid, p.display_name]));
    if (key !== select.dataset.key) {
      select.dataset.key = key;
      select.replaceChildren(h('option', { value: '' }, 'Everyone'), ...others.map((p) => h('option', { value: p.uuid }, `${p.display_name} (private)`)));
    }
    select.value = others.some((p) => p.uuid === chosen) ? chosen : '';
  }

  private renderMessages(messages: readonly ChatMessage[], selfUuid: string, host: boolean): void {
    const key = `${host}|${messages.length}|${messages[0]?.id ?? ''}|${messages[messages.length - 1]?.id ?? ''}`;
    if (key === this.shown) return;
    this.shown = key;
    const list = byId('chat-list');
    // Follow new messages only when the reader is at the bottom already (not while scrolled back to read).
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...messages.map((m) =>
        h(
          'li',
          { 'data-id': m.id, 'data-private': String(m.private), 'data-from': m.from, class: m.from === selfUuid ? 'own' : undefined },
          h('span', { class: 'meta' }, `${time(m.time)} `, h('span', { class: 'from' }, m.from_name), m.private ? ` → ${m.to_name} (private)` : ''),
          host && !m.private
            ? h('button', { type: 'button', class: 'small', 'data-action': 'delete-message', 'aria-label': 'Delete message', onclick: () => this.act('Delete', () => this.signal.deleteChat(m.id)) }, '🗑')
            : null,
          h('div', { class: 'text' }, m.text),
        ),
      ),
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
}
