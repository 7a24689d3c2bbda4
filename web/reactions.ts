import { REACTIONS } from '../contract/signal/protocol.ts';
import type { SignalClient } from '../sdk/signal-client.ts';
import { byId, h } from './shared/dom.ts';

/** How long a reaction stays on a tile. */
export const REACTION_SHOWN_MS = 4000;

/**
 * Reactions: the buttons that send them, and who shows which emoji right now (uuid → emoji, each for
 * REACTION_SHOWN_MS after it arrived; a newer one from the same person replaces it). Nothing is kept longer.
 */
export class Reactions {
  private readonly shown = new Map<string, { emoji: string; at: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    signal: SignalClient,
    act: (label: string, run: () => Promise<unknown>) => void,
    private readonly changed: () => void,
    controls: AbortSignal,
  ) {
    byId('reaction-bar').replaceChildren(
      ...REACTIONS.map((emoji) =>
        h('button', { type: 'button', class: 'small', 'data-emoji': emoji, title: `React ${emoji}`, onclick: () => act('Reaction', () => signal.react(emoji)) }, emoji),
      ),
    );
    const off = signal.on('reaction', (e) => this.show(e.uuid, e.emoji));
    controls.addEventListener('abort', () => {
      off();
      for (const { timer } of this.shown.values()) clearTimeout(timer);
      this.shown.clear();
    });
  }

  /** The emoji `uuid` shows now, if any, and for how long it has (so a redrawn tile does not restart its animation). */
  of(uuid: string): { emoji: string; age: number } | undefined {
    const r = this.shown.get(uuid);
    return r && { emoji: r.emoji, age: Date.now() - r.at };
  }

  private show(uuid: string, emoji: string): void {
    clearTimeout(this.shown.get(uuid)?.timer);
    const timer = setTimeout(() => {
      this.shown.delete(uuid);
      this.changed();
    }, REACTION_SHOWN_MS);
    this.shown.set(uuid, { emoji, at: Date.now(), timer });
    this.changed();
  }
}
