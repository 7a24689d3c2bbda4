import type { RosterEntry } from '../contract/signal/protocol.ts';
import { h } from './shared/dom.ts';
import type { TilePlan } from './layout.ts';
import type { MediaSession } from './media.ts';

/**
 * Draws the tiles of a plan into the stage and lets the media session fill them. The data attributes state what is
 * shown (who is large, who speaks, which media slot plays where) for styling and for tests.
 */
export function drawStage(
  stage: HTMLElement,
  plan: TilePlan,
  roster: ReadonlyMap<string, RosterEntry>,
  media: MediaSession,
  maxCells: number,
  /** The reaction a participant shows now, and since how many ms. */
  reactionOf: (uuid: string) => { emoji: string; age: number } | undefined = () => undefined,
): void {
  const m = media.state;
  stage.dataset.mode = plan.mode;
  stage.dataset.maxCells = String(maxCells);
  stage.dataset.media = m.status;
  stage.dataset.mediaConnects = String(m.connects);
  stage.dataset.focus = m.focus;
  stage.dataset.content = m.content;
  stage.dataset.speaker = m.speaker;
  const cols = plan.mode === 'grid' ? Math.ceil(Math.sqrt(plan.tiles.length || 1)) : 1;
  stage.style.setProperty('--cols', String(cols));
  stage.replaceChildren(
    ...plan.tiles.map((t) => {
      const entry = roster.get(t.uuid);
      const name = entry?.display_name ?? '';
      const slot = h('div', { class: 'media' });
      const reaction = t.content ? undefined : reactionOf(t.uuid);
      const label = t.content
        ? `🖥️ ${name}${t.self ? ' (you)' : ''}`
        : `${t.pinned ? '📌 ' : ''}${t.lecturer ? '🎤 ' : ''}${name}${t.self ? ' (you)' : ''}${entry?.audio_mute ? ' 🔇' : ''}`;
      const tile = h(
        'div',
        {
          class: ['tile', t.big && 'big', t.pinned && 'pinned', t.lecturer && 'lecturer', t.speaking && 'speaking', t.content && 'content'].filter(Boolean).join(' '),
          'data-uuid': t.uuid,
          'data-big': String(t.big),
          'data-pinned': String(t.pinned),
          'data-speaking': String(t.speaking),
          'data-content': String(t.content),
          'data-hand': String(!t.content && entry?.hand_raised === true),
          'data-reaction': reaction?.emoji ?? '',
        },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, t.content ? '🖥️' : (name.trim()[0] ?? '?').toUpperCase()),
        slot,
        h('span', { class: 'label' }, label),
        !t.content && entry?.hand_raised ? h('span', { class: 'hand', title: 'Hand raised' }, '✋') : null,
        reaction ? h('span', { class: 'reaction', 'aria-label': `reacts ${reaction.emoji}`, style: `animation-delay: -${reaction.age}ms` }, reaction.emoji) : null,
      );
      if (t.content) media.attachContent(slot);
      else media.attachTile(t.uuid, slot);
      return tile;
    }),
  );
}
