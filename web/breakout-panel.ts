import type { EventOf, RosterEntry } from '../contract/signal/protocol.ts';
import type { SignalClient } from '../sdk/signal-client.ts';
import { byId, h, input } from './shared/dom.ts';

/** "4:05" for a number of ms left (never negative). */
const clock = (ms: number) => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/**
 * Breakout rooms in the browser app. Everyone: a banner naming the room one is in and the countdowns (the timer, the
 * grace period before everyone is back), the rooms' names in the roster, the host's broadcasts as toasts, and a room
 * picker when the host lets participants choose. Hosts: create rooms, assign people (at random, or one by one in the
 * roster), open them for a time, broadcast, visit a room and come back, close them. Everything goes over the
 * signalling connection (breakout.* commands); the state comes from the `breakout` event.
 */
export class BreakoutPanel {
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly signal: SignalClient,
    private readonly act: (label: string, run: () => Promise<unknown>) => void,
    private readonly toast: (text: string) => void,
    render: () => void,
    controls: AbortSignal,
  ) {
    const off = [
      signal.on('breakout', (e) => {
        this.tick(e);
        render();
      }),
      signal.on('breakout.message', (e) => this.toast(`📢 ${e.from_name} to all rooms: ${e.text}`)),
    ];
    controls.addEventListener('abort', () => {
      for (const o of off) o();
      clearInterval(this.ticker);
    });
    const on = (id: string, handler: () => void) => byId(id).addEventListener(id.endsWith('form') ? 'submit' : 'click', (event) => {
      event.preventDefault();
      handler();
    }, { signal: controls });
    on('breakout-create', () => {
      const count = Math.min(50, Math.max(1, Math.trunc(Number(input('breakout-count').value) || 2)));
      this.act('Create rooms', () => this.signal.createBreakouts(count, input('breakout-choose').checked));
    });
    on('breakout-random', () => this.act('Assign at random', () => this.signal.assignBreakouts('random')));
    on('breakout-open', () => {
      const minutes = Math.min(1440, Math.max(0, Number(input('breakout-minutes').value) || 0));
      const grace = Math.min(600, Math.max(0, Math.trunc(Number(input('breakout-grace').value) || 0)));
      this.act('Open rooms', () => this.signal.openBreakouts(Math.round(minutes * 60), grace));
    });
    on('breakout-close', () => {
      const grace = Math.min(600, Math.max(0, Math.trunc(Number(input('breakout-grace').value) || 0)));
      this.act('Close rooms', () => this.signal.closeBreakouts(grace));
    });
    on('breakout-return', () => this.act('Return', () => this.signal.visitBreakout('')));
    on('breakout-broadcast-form', () => {
      const field = input('breakout-broadcast-text');
      const text = field.value.trim();
      if (text === '') return;
      this.act('Broadcast', async () => {
        await this.signal.broadcastToBreakouts(text);
        field.value = '';
      });
    });
    byId('breakout-pick').addEventListener('change', () => this.act('Choose room', () => this.signal.chooseBreakout(byId<HTMLSelectElement>('breakout-pick').value)), {
      signal: controls,
    });
  }

  private get state(): EventOf<'breakout'> | undefined {
    return this.signal.breakout;
  }

  /** The room's name ('' for the main meeting or an unknown id). */
  nameOf(room: string): string {
    return this.state?.rooms.find((r) => r.id === room)?.name ?? '';
  }

  /** The room this participant is in ('' = the main meeting): the stage and the chat show that room only. */
  get myRoom(): string {
    return this.signal.self?.room ?? '';
  }

  /** Re-renders every second while a countdown runs. */
  private tick(e: EventOf<'breakout'>): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (e.ends_at > 0 || e.closes_at > 0) this.ticker = setInterval(() => this.renderBanner(), 1000);
  }

  /** A host's select for one participant's room (in the roster), while there are rooms. */
  assignControl(p: RosterEntry): HTMLElement | null {
    const s = this.state;
    if (!s || s.state === 'none') return null;
    const planned = s.assignments?.find((a) => a.uuid === p.uuid)?.room ?? '';
    const select = h(
      'select',
      { class: 'small', 'data-action': 'assign', 'aria-label': `Breakout room of ${p.display_name}` },
      h('option', { value: '' }, 'Main meeting'),
      ...s.rooms.map((r) => h('option', { value: r.id }, r.name)),
    ) as HTMLSelectElement;
    select.value = s.state === 'open' || s.state === 'closing' ? p.room : planned;
    select.addEventListener('change', () => this.act('Assign', () => this.signal.assignBreakouts({ [p.uuid]: select.value })));
    return select;
  }

  /** The room's badge in the roster ("" = in the main meeting: none). */
  badge(p: RosterEntry): HTMLElement | null {
    return p.room === '' ? null : h('span', { class: 'badge room', 'data-room': p.room }, this.nameOf(p.room) || 'Breakout room');
  }

  render(host: boolean): void {
    const s = this.state;
    const active = s?.state === 'open' || s?.state === 'closing';
    this.renderBanner();
    // Participants pick their room when the host lets them.
    const pick = byId<HTMLSelectElement>('breakout-pick');
    const picking = !host && s !== undefined && s.allow_choose && s.state !== 'none';
    byId('breakout-choose-row').hidden = !picking;
    if (picking) {
      const key = JSON.stringify(s.rooms);
      if (pick.dataset.key !== key) {
        pick.dataset.key = key;
        pick.replaceChildren(h('option', { value: '' }, 'Main meeting'), ...s.rooms.map((r) => h('option', { value: r.id }, r.name)));
      }
      pick.value = active ? this.myRoom : (s.assignments?.find((a) => a.uuid === this.signal.self?.uuid)?.room ?? pick.value);
    }
    if (!host) return;
    const section = byId('breakout-host');
    section.dataset.state = s?.state ?? 'none';
    byId<HTMLButtonElement>('breakout-create').disabled = active;
    byId<HTMLButtonElement>('breakout-random').disabled = !s || s.state === 'none';
    byId<HTMLButtonElement>('breakout-open').disabled = !s || s.state !== 'planned';
    byId<HTMLButtonElement>('breakout-close').disabled = s?.state !== 'open';
    byId('breakout-broadcast-form').hidden = !active;
    byId('breakout-return').hidden = this.myRoom === '';
    const people = [...this.signal.roster.values()];
    byId('breakout-rooms').replaceChildren(
      ...(s?.rooms ?? []).map((r) => {
        const inside = people.filter((p) => p.room === r.id);
        const assigned = (s?.assignments ?? []).filter((a) => a.room === r.id).length;
        return h(
          'li',
          { 'data-room': r.id },
          h('span', { class: 'name' }, r.name),
          ' ',
          h('span', { class: 'note count' }, active ? `${inside.length} in` : `${assigned} assigned`),
          ' ',
          active && this.myRoom !== r.id
            ? h('button', { type: 'button', class: 'small', 'data-action': 'visit', onclick: () => this.act('Visit', () => this.signal.visitBreakout(r.id)) }, 'Visit')
            : null,
        );
      }),
    );
  }

  private renderBanner(): void {
    const s = this.state;
    const banner = byId('breakout-banner');
    const active = s?.state === 'open' || s?.state === 'closing';
    banner.hidden = !active;
    if (!s || !active) {
      banner.dataset.room = '';
      return;
    }
    const room = this.myRoom;
    const where = room === '' ? 'Main meeting' : `Breakout room: ${this.nameOf(room)}`;
    const now = Date.now();
    const when =
      s.state === 'closing'
        ? ` · everyone returns to the main meeting in ${clock(s.closes_at - now)}`
        : s.ends_at > 0
          ? ` · rooms close in ${clock(s.ends_at - now)}`
          : '';
    banner.dataset.room = room;
    banner.dataset.state = s.state;
    banner.textContent = `${where}${when}`;
  }
}
