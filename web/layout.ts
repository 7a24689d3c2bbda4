import type { RosterEntry } from '../contract/signal/protocol.ts';

/**
 * Which participants get a tile, and which one is large: pure, so the media layer can use the same plan to decide
 * which video streams to request.
 */
export interface Tile {
  uuid: string;
  /** The large tile (lecturer, pinned, or the only one). */
  big: boolean;
  pinned: boolean;
  lecturer: boolean;
  self: boolean;
  speaking: boolean;
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
  /** From the media layer later; '' = unknown. */
  activeSpeaker: string;
}

export function planTiles(p: PlanInput): TilePlan {
  const present = new Set(p.roster.map((e) => e.uuid));
  const pinned = present.has(p.pinned) ? p.pinned : '';
  const lecturer = present.has(p.lecturer) ? p.lecturer : '';
  const speaker = present.has(p.activeSpeaker) ? p.activeSpeaker : '';
  // The pin is the viewer's (or the meeting's) explicit choice and wins over the lecturer.
  const focus = pinned || lecturer;
  const tile = (uuid: string, big: boolean): Tile => ({
    uuid,
    big,
    pinned: uuid === pinned,
    lecturer: uuid === lecturer,
    self: uuid === p.self,
    speaking: uuid === speaker,
  });
  if (p.roster.length === 0) return { mode: 'grid', tiles: [] };
  if (p.maxCells <= 1) {
    const other = p.roster.find((e) => e.uuid !== p.self)?.uuid;
    const only = focus || speaker || other || p.roster[0]!.uuid;
    return { mode: 'single', tiles: [tile(only, true)] };
  }
  const max = Math.max(1, p.maxCells);
  if (focus) {
    const rest = p.roster.filter((e) => e.uuid !== focus).slice(0, max - 1);
    return { mode: 'focus', tiles: [tile(focus, true), ...rest.map((e) => tile(e.uuid, false))] };
  }
  return { mode: 'grid', tiles: p.roster.slice(0, max).map((e) => tile(e.uuid, false)) };
}
