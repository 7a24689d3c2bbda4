/**
 * The forwarding decision as data: given who publishes what, who may be heard and seen, the meeting's focus settings
 * and the active-speaker ranking, what each viewer receives. The SFU worker recomputes it on every relevant change
 * (mute, pin, lecturer, layout, join/leave, speaker ranking tick), applies `diff(previous, next)` and never decides
 * anything itself, so the enforcement rules live here, tested without media.
 *
 * Enforcement: a participant whose audio (video) is not allowed — host-muted, or self-muted — is never a source of an
 * audio (video) slot, whatever its client sends; a participant whose screen share is not allowed (the meeting lets
 * only hosts share) is never the source of the content slot, even when named as the content owner.
 *
 * Audio: top-N slots, not "every allowed publisher". Each viewer gets `audioSlots` (default 3) audio streams, filled
 * with the active speakers, then the recent speakers, then join order. Why:
 *  - forwarding every unmuted publisher costs viewers × unmuted streams and one transceiver per publisher on every
 *    viewer's connection (renegotiated at each join); with the 1000-participant meetings Convene is sized for that
 *    is unbounded, while N fixed slots are negotiated once and cost viewers × N;
 *  - people cannot follow more than two or three simultaneous talkers; Google Meet forwards the three loudest too;
 *  - slots are filled even with silent publishers, so a meeting with at most N + 1 unmuted participants (every
 *    small meeting) forwards all of them, exactly as "everyone" would, with no onset clipping.
 * The cost: in a crowd, a new talker is heard once the detector ranks them (~0.25 s). `audioSlots: Infinity` gives
 * the "every allowed publisher" behaviour.
 *
 * Video, per viewer, at most maxViews slots, the viewer never receiving itself. Slot 0 is the large one: the focus —
 * the viewer's pin, else the meeting pin, else the lecturer (entries naming the viewer or an absent participant are
 * skipped) — kept empty if the focus sends no video (the client shows the focus's avatar large: a pin means "show me
 * this person", not "show me whoever has a camera"); with no focus, the dominant speaker. The other slots take the
 * active speakers, then join order. Content share has its own slot (`content`).
 *
 * Breakout rooms: every participant and viewer belongs to a group ('' = the main meeting, else its room). Each group is
 * a meeting of its own: a viewer's slots are filled only from its group (focus, speakers, join order and content
 * included), so nobody hears or sees another room. Hidden viewers (recorders) belong to the main meeting.
 */
import { placeStable, type Slot } from './slots.ts';

export type { Slot } from './slots.ts';

export interface MediaParticipant {
  id: string;
  publishesAudio: boolean;
  publishesVideo: boolean;
  publishesContent: boolean;
  /** False when host-muted (and not yet allowed and self-unmuted) or self-muted. */
  audioAllowed: boolean;
  videoAllowed: boolean;
  /** False when the meeting's share policy does not let this participant share its screen. */
  contentAllowed: boolean;
  /** Breakout room; '' or absent = the main meeting. */
  group?: string;
}

export interface MeetingFocus {
  lecturer: string | null;
  meetingPin: string | null;
  /**
   * Who is sharing content, oldest first: at most one counts per group (breakout room), the latest of that group, and
   * its viewers are those of its group.
   */
  contentOwners?: readonly string[];
}

export interface Viewer {
  id: string;
  /** This viewer's own pin; null = follow the meeting. */
  pin: string | null;
  maxViews: number;
  /**
   * Audio streams this viewer takes, instead of the meeting's `audioSlots`: a recorder mixes every allowed publisher
   * (Infinity), whoever speaks.
   */
  audioSlots?: number;
  /** Breakout room it receives from; '' or absent = the main meeting. */
  group?: string;
}

export interface ForwardingInput {
  /** In join order. */
  participants: readonly MediaParticipant[];
  meeting: MeetingFocus;
  viewers: readonly Viewer[];
  /** Active-speaker ranking, most relevant (dominant) first; ids not in the meeting are ignored. */
  speakers: readonly string[];
  /** Audio streams per viewer (default 3); Infinity forwards every allowed publisher. */
  audioSlots?: number;
}

export interface ViewerForwarding {
  audio: Slot[];
  video: Slot[];
  content: string | null;
}

/** Viewer id → what it receives. */
export type ForwardingPlan = ReadonlyMap<string, ViewerForwarding>;

export const DEFAULT_AUDIO_SLOTS = 3;

/**
 * Computes the plan; `previous` (the last plan) keeps slot assignments stable: a source still selected for a viewer
 * stays in the slot it had.
 */
export function decideForwarding(input: ForwardingInput, previous?: ForwardingPlan): ForwardingPlan {
  const byId = new Map(input.participants.map((p) => [p.id, p]));
  // Muted people are not "speaking" for selection, whatever levels their client sends.
  const speakers = [...new Set(input.speakers)].filter((id) => byId.get(id)?.audioAllowed === true);
  const ranked = [...new Set([...speakers, ...input.participants.map((p) => p.id)])];
  // Computed once per group, then sliced per viewer: O(viewers × slots), not O(viewers × participants).
  const groups = new Map<string, { members: Set<string>; audible: string[]; visible: string[] }>();
  for (const id of ranked) {
    const p = byId.get(id)!;
    const key = p.group ?? '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { members: new Set(), audible: [], visible: [] }));
    g.members.add(id);
    if (audioOk(p)) g.audible.push(id);
    if (videoOk(p)) g.visible.push(id);
  }
  const audioCount = input.audioSlots ?? DEFAULT_AUDIO_SLOTS;
  const { lecturer, meetingPin } = input.meeting;
  // The screen each group sees: its latest sharer who publishes content and may share.
  const sharingIn = new Map<string, string>();
  for (const id of input.meeting.contentOwners ?? []) {
    const owner = byId.get(id);
    if (owner !== undefined && owner.publishesContent && owner.contentAllowed) sharingIn.set(owner.group ?? '', owner.id);
  }
  const none = { members: new Set<string>(), audible: [], visible: [] };

  const plan = new Map<string, ViewerForwarding>();
  for (const viewer of input.viewers) {
    const group = viewer.group ?? '';
    const g = groups.get(group) ?? none;
    const before = previous?.get(viewer.id);
    const sharing = sharingIn.get(group);
    const focus = [viewer.pin, meetingPin, lecturer].find((id) => id != null && id !== viewer.id && g.members.has(id)) ?? null;
    const maxViews = Math.max(0, Math.floor(viewer.maxViews));
    const others = firstOthers(g.visible, viewer.id, focus, maxViews);
    const head = focus === null ? (others.shift() ?? null) : videoOk(byId.get(focus)) ? focus : null;
    const wanted = viewer.audioSlots ?? audioCount;
    const audioTake = Number.isFinite(wanted) ? wanted : g.audible.length;
    plan.set(viewer.id, {
      audio: placeStable({ count: audioTake, rest: firstOthers(g.audible, viewer.id, null, audioTake), previous: before?.audio }),
      video: placeStable({ count: maxViews, head, rest: others, previous: before?.video }),
      content: sharing === undefined || sharing === viewer.id ? null : sharing,
    });
  }
  return plan;
}

const audioOk = (p: MediaParticipant | undefined): boolean => p !== undefined && p.publishesAudio && p.audioAllowed;
const videoOk = (p: MediaParticipant | undefined): boolean => p !== undefined && p.publishesVideo && p.videoAllowed;

/** The first `n` of `ordered` that are neither the viewer nor the focus (which has its own slot). */
function firstOthers(ordered: readonly string[], viewer: string, focus: string | null, n: number): string[] {
  const out: string[] = [];
  for (const id of ordered) {
    if (out.length >= n) break;
    if (id !== viewer && id !== focus) out.push(id);
  }
  return out;
}

/** One slot whose source changed. `from` null = the slot was empty; `to` null = it is empty now. */
export interface SlotChange {
  kind: 'audio' | 'video' | 'content';
  /** Always 0 for content. */
  slot: number;
  from: string | null;
  to: string | null;
}

export interface ViewerChanges {
  /** Slots that now carry a different (non-null) source: rebase the slot's rewriter to it. */
  switched: SlotChange[];
  /** Slots that carry nothing now: stop sending on them. */
  emptied: SlotChange[];
  /** Streams to ask for a keyframe (PLI): the new sources of switched video and content slots. */
  keyframes: KeyframeRequest[];
}

/** A participant's camera (`video`) or screen share (`content`): two streams, each with its own keyframes. */
export interface KeyframeRequest {
  kind: 'video' | 'content';
  source: string;
}

const NOTHING: ViewerForwarding = { audio: [], video: [], content: null };

/**
 * What changed per viewer between two plans; viewers without changes are left out. A viewer missing from `next`
 * (gone) has all its slots emptied; one missing from `previous` (new) has all its slots switched from null.
 */
export function diff(previous: ForwardingPlan, next: ForwardingPlan): Map<string, ViewerChanges> {
  const out = new Map<string, ViewerChanges>();
  for (const viewer of new Set([...previous.keys(), ...next.keys()])) {
    const a = previous.get(viewer) ?? NOTHING;
    const b = next.get(viewer) ?? NOTHING;
    const changes = [
      ...slotChanges('audio', a.audio, b.audio),
      ...slotChanges('video', a.video, b.video),
      ...(a.content === b.content ? [] : [{ kind: 'content' as const, slot: 0, from: a.content, to: b.content }]),
    ];
    if (changes.length === 0) continue;
    const switched = changes.filter((c) => c.to !== null);
    const keyframes = switched.flatMap((c) => (c.kind === 'audio' ? [] : [{ kind: c.kind, source: c.to! }]));
    out.set(viewer, { switched, emptied: changes.filter((c) => c.to === null), keyframes });
  }
  return out;
}

function slotChanges(kind: 'audio' | 'video', before: readonly Slot[], after: readonly Slot[]): SlotChange[] {
  const from = new Map(before.map((s) => [s.slot, s.source]));
  const to = new Map(after.map((s) => [s.slot, s.source]));
  const slots = [...new Set([...from.keys(), ...to.keys()])].sort((x, y) => x - y);
  return slots
    .map((slot) => ({ kind, slot, from: from.get(slot) ?? null, to: to.get(slot) ?? null }))
    .filter((c) => c.from !== c.to);
}

/** Every stream to ask for a keyframe after a recomputation, once each (many viewers may switch to the same one). */
export function keyframeRequests(changes: ReadonlyMap<string, ViewerChanges>): KeyframeRequest[] {
  const unique = new Map<string, KeyframeRequest>();
  for (const c of changes.values()) for (const k of c.keyframes) unique.set(`${k.kind}:${k.source}`, k);
  return [...unique.values()];
}
