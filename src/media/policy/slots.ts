/**
 * Stable slot placement: which outgoing position (slot) of a viewer each selected source occupies. Every slot is one
 * outgoing RTP stream with a fixed SSRC on the viewer's connection, so moving a source from slot 2 to slot 5 costs
 * two switches (two rewriter rebases, two keyframe waits) although nothing the viewer sees has changed. Hence: a
 * source that was in slot k and is still selected stays in slot k; only newcomers take the free slots.
 */

/** One outgoing stream position of a viewer; `source` is the participant whose media fills it. */
export interface Slot {
  slot: number;
  source: string;
}

export interface Placement {
  /** Number of slots (max views, or audio slots). */
  count: number;
  /**
   * Slot 0 by role, not by stability: a source id, `null` to keep slot 0 empty (reserved for a focus that has no
   * stream to send), or `undefined` when slot 0 is an ordinary stable slot (audio).
   */
  head?: string | null;
  /** The other selected sources, most important first; at most count (or count - 1 with a head) are placed. */
  rest: readonly string[];
  /** The viewer's previous slots for this kind of media, if any. */
  previous?: readonly Slot[];
}

/** Places the sources; returns the filled slots in slot order. */
export function placeStable({ count, head, rest, previous = [] }: Placement): Slot[] {
  if (count <= 0) return [];
  const out: (string | null)[] = new Array<string | null>(count).fill(null);
  const firstFree = head === undefined ? 0 : 1;
  if (head != null) out[0] = head;
  const chosen = rest.filter((s) => s !== head).slice(0, count - firstFree);
  const before = new Map(previous.map((p) => [p.source, p.slot]));

  const unplaced: string[] = [];
  for (const source of chosen) {
    const k = before.get(source);
    if (k !== undefined && k >= firstFree && k < count && out[k] === null) out[k] = source;
    else unplaced.push(source);
  }

  // The one who was large and is now a tile takes the tile the new large one left: a swap, two switches, which is
  // the minimum when two sources trade places (otherwise the old slot of the new head would go to a third source).
  const oldHead = previous.find((p) => p.slot === 0)?.source;
  const vacated = head != null ? before.get(head) : undefined;
  const swappable = firstFree === 1 && oldHead !== undefined && vacated !== undefined && vacated >= 1 && vacated < count;
  if (swappable && out[vacated] === null) {
    const i = unplaced.indexOf(oldHead);
    if (i >= 0) {
      out[vacated] = oldHead;
      unplaced.splice(i, 1);
    }
  }

  let next = firstFree;
  for (const source of unplaced) {
    while (out[next] !== null) next++;
    out[next] = source;
  }
  const slots: Slot[] = [];
  out.forEach((source, slot) => {
    if (source !== null) slots.push({ slot, source });
  });
  return slots;
}
