import type { EventOf, RosterEntry } from '../contract/signal/protocol.ts';

export type Roster = ReadonlyMap<string, RosterEntry>;

/**
 * The roster after one `roster` event, as a new map (the input map and its entries are never modified).
 *
 * - `full: true`: the event's participants are the whole roster; everything else is dropped.
 * - `full: false` (a delta), applied in this order:
 *   1. `all_audio_mute` {muted, except}: every entry already known and not in `except` gets `audio_mute = muted`;
 *   2. `participants`: each entry is inserted or replaces the known one (they carry the participant's state when the
 *      delta was sent, so they win over the blanket `all_audio_mute` of the same delta);
 *   3. `left`: those uuids are removed.
 */
export function applyRoster(map: Roster, event: EventOf<'roster'>): Map<string, RosterEntry> {
  if (event.full) return new Map(event.participants.map((p) => [p.uuid, { ...p }]));
  const next = new Map(map);
  const all = event.all_audio_mute;
  if (all) {
    const except = new Set(all.except);
    for (const [uuid, entry] of next) {
      if (!except.has(uuid) && entry.audio_mute !== all.muted) next.set(uuid, { ...entry, audio_mute: all.muted });
    }
  }
  for (const p of event.participants) next.set(p.uuid, { ...p });
  for (const uuid of event.left) next.delete(uuid);
  return next;
}
