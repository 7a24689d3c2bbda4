import type { RosterEntry } from '../contract/signal/protocol.ts';

/**
 * Which participants get a tile, and which one is large: pure, so it is testable without a page. What each tile
 * shows is the media layer's business (web/media.ts); this only decides the arrangement.
 */
export interface Tile {
  uuid: string;
  /** The large tile (lecturer, pinned, or the only one). */
  big: boolean;
  pinned: boolean;
  lecturer: boolean;
  self: boolean;
  speaking: boolean;
  /** The screen share of `uuid`, not the participant. */
  content: boolean;
}

export interface TilePlan {
  /** grid: equal tiles; focus: one large tile, the others small; single: one tile (max_cell_count 1). */
  mode: 'grid' | 'focus' | 'single';
  tiles: Tile[];
}

export interface PlanInput {
  roster: readonly RosterEntry[];
  self: string;
  /** layout.setting max_cell_count: 1 or 9. */
  maxCells: number;
  /** layout.setting lecturer; '' = none. */
  lecturer: string;
  /** pin.changed pin_speaker_uuid; '' = none. */
  pinned: string;
  /** Dominant speaker from the media layer; '' = nobody. */
  activeSpeaker: string;
  /** Who fills this viewer's video slot 0 (the SFU's choice); '' = unknown or nobody. */
  mediaFocus: string;
  /** Whose screen share is shown; '' = none. */
  content: string;
}

export function planTiles(p: PlanInput): TilePlan {
  const present = new Set(p.roster.map((e) => e.uuid));
  const pinned = present.has(p.pinned) ? p.pinned : '';
  const lecturer = present.has(p.lecturer) ? p.lecturer : '';
  const speaker = present.has(p.activeSpeaker) ? p.activeSpeaker : '';
  const mediaFocus = present.has(p.mediaFocus) ? p.mediaFocus : '';
  const content = present.has(p.content) ? p.content : '';
  // The pin is the viewer's (or the meeting's) explicit choice and wins over the lecturer.
  const focus = pinned || lecturer;
  const tile = (uuid: string, big: boolean, isContent = false): Tile => ({
    uuid,
    big,
    pinned: !isContent && uuid === pinned,
    lecturer: !isContent && uuid === lecturer,
    self: uuid === p.self,
    speaking: !isContent && uuid === speaker,
    content: isContent,
  });
  if (p.roster.length === 0) return { mode: 'grid', tiles: [] };
  if (p.maxCells <= 1) {
    // A shared screen is what everyone is meant to look at; otherwise whoever the SFU sends in the large slot.
    if (content) return { mode: 'single', tiles: [tile(content, true, true)] };
    const other = p.roster.find((e) => e.uuid !== p.self)?.uuid;
    const only = focus || mediaFocus || speaker || other || p.roster[0]!.uuid;
    return { mode: 'single', tiles: [tile(only, true)] };
  }
  const max = Math.max(1, p.maxCells);
  if (content) {
    const ordered = focus ? [focus, ...p.roster.map((e) => e.uuid).filter((u) => u !== focus)] : p.roster.map((e) => e.uuid);
    return { mode: 'focus', tiles: [tile(content, true, true), ...ordered.slice(0, max - 1).map((u) => tile(u, false))] };
  }
  if (focus) {
    const rest = p.roster.filter((e) => e.uuid !== focus).slice(0, max - 1);
    return { mode: 'focus', tiles: [tile(focus, true), ...rest.map((e) => tile(e.uuid, false))] };
  }
  return { mode: 'grid', tiles: p.roster.slice(0, max).map((e) => tile(e.uuid, false)) };
}
