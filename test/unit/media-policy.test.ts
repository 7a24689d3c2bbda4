/**
 * The SFU's pure policies, without media: the forwarding decision (enforcement of mutes, per-viewer video choice,
 * stable slots, diff), active-speaker detection from RFC 6464 levels, and per-slot RTP rewriting with VP8 keyframe
 * detection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActiveSpeakerDetector } from '../../src/media/policy/active-speaker.ts';
import {
  decideForwarding,
  diff,
  type ForwardingInput,
  type ForwardingPlan,
  keyframeRequests,
  type MediaParticipant,
  type Viewer,
} from '../../src/media/policy/forwarding.ts';
import { isVp8Keyframe, type RtpPacketIn, SlotRewriter } from '../../src/media/policy/rtp-rewriter.ts';
import { placeStable } from '../../src/media/policy/slots.ts';

// ---------------------------------------------------------------------------------------------------------------
// forwarding

const pub = (id: string, over: Partial<MediaParticipant> = {}): MediaParticipant => ({
  id,
  publishesAudio: true,
  publishesVideo: true,
  publishesContent: false,
  audioAllowed: true,
  videoAllowed: true,
  contentAllowed: true,
  ...over,
});
const viewer = (id: string, over: Partial<Viewer> = {}): Viewer => ({ id, pin: null, maxViews: 9, ...over });

/** A ForwardingInput whose lists the tests may change in place. */
type Input = ForwardingInput & { participants: MediaParticipant[]; viewers: Viewer[] };

/** Everyone publishes and views (max 9) unless told otherwise. */
function input(ids: string[], over: Partial<Input> = {}): Input {
  return {
    participants: ids.map((id) => pub(id)),
    meeting: { lecturer: null, meetingPin: null },
    viewers: ids.map((id) => viewer(id)),
    speakers: [],
    ...over,
  };
}

const videoOf = (plan: ForwardingPlan, id: string): string[] => plan.get(id)!.video.map((s) => `${s.slot}:${s.source}`);
const audioOf = (plan: ForwardingPlan, id: string): string[] => plan.get(id)!.audio.map((s) => s.source).sort();
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

describe('forwarding with breakout rooms', () => {
  it('a viewer hears and sees only the participants of its own room (focus, speakers and content included)', () => {
    const groups: Record<string, string> = { h: '', a: 'r1', b: 'r1', c: 'r2', d: 'r2' };
    const ids = Object.keys(groups);
    const plan = decideForwarding({
      participants: ids.map((id) => pub(id, { group: groups[id]!, publishesContent: id === 'c' })),
      viewers: ids.map((id) => viewer(id, { group: groups[id]! })),
      // The main meeting's lecturer and the loudest speaker are in other rooms: they do not reach room 1.
      meeting: { lecturer: 'h', meetingPin: null, contentOwners: ['c'] },
      speakers: ['c', 'h'],
      audioSlots: 3,
    });
    const sources = (id: string) => {
      const f = plan.get(id)!;
      return [...new Set([...f.audio, ...f.video].map((s) => s.source).concat(f.content ? [f.content] : []))].sort();
    };
    assert.deepEqual(sources('a'), ['b']);
    assert.deepEqual(sources('b'), ['a']);
    assert.deepEqual(sources('c'), ['d']);
    assert.deepEqual(sources('d'), ['c']);
    assert.equal(plan.get('d')!.content, 'c', 'a screen shared in room 2 is seen in room 2');
    assert.deepEqual(sources('h'), [], 'the main meeting is empty but for the host');
    // Without groups, everyone sees everyone (the meeting as before).
    const flat = decideForwarding(input(ids, { audioSlots: Infinity }));
    assert.deepEqual(flat.get('a')!.audio.map((s) => s.source).sort(), ['b', 'c', 'd', 'h']);
  });

  it('each room sees its own screen share: one in room 2 does not take room 1’s over; in one group the latest counts', () => {
    const groups: Record<string, string> = { h: '', a: 'r1', b: 'r1', c: 'r2', d: 'r2' };
    const ids = Object.keys(groups);
    const plan = (contentOwners: string[]) =>
      decideForwarding({
        participants: ids.map((id) => pub(id, { group: groups[id]!, publishesContent: id === 'a' || id === 'b' || id === 'c' })),
        viewers: ids.map((id) => viewer(id, { group: groups[id]! })),
        meeting: { lecturer: null, meetingPin: null, contentOwners },
        speakers: [],
        audioSlots: 3,
      });
    const both = plan(['a', 'c']);
    assert.deepEqual(ids.map((id) => both.get(id)!.content), [null, null, 'a', null, 'c'], 'room 1 sees a, room 2 sees c, the sharers not themselves');
    const later = plan(['a', 'c', 'b']);
    assert.equal(later.get('a')!.content, 'b', 'the latest sharer in room 1 is shown there');
    assert.equal(later.get('d')!.content, 'c');
  });
});

describe('decideForwarding()', () => {
  it('decideForwarding() forwards no audio of a host-muted participant, even as the top speaker', () => {
    const inp = input(['a', 'b', 'c'], { speakers: ['b'] });
    inp.participants[1]!.audioAllowed = false;
    const plan = decideForwarding(inp);
    assert.deepEqual(audioOf(plan, 'a'), ['c']);
    assert.deepEqual(audioOf(plan, 'c'), ['a']);
  });

  it('decideForwarding() forwards no video of a video-muted participant', () => {
    const inp = input(['a', 'b', 'c']);
    inp.participants[1]!.videoAllowed = false;
    const plan = decideForwarding(inp);
    assert.deepEqual(videoOf(plan, 'a'), ['0:c']);
    assert.ok(plan.get('c')!.video.every((s) => s.source !== 'b'));
  });

  it('decideForwarding() skips participants that publish no audio or video', () => {
    const inp = input(['a', 'b', 'c']);
    inp.participants[1] = pub('b', { publishesAudio: false, publishesVideo: false });
    const plan = decideForwarding(inp);
    assert.deepEqual(audioOf(plan, 'a'), ['c']);
    assert.deepEqual(videoOf(plan, 'a'), ['0:c']);
  });

  it('decideForwarding() never gives a viewer its own audio, video or content', () => {
    const inp = input(['a', 'b'], { speakers: ['a'], meeting: { lecturer: 'a', meetingPin: 'a', contentOwners: ['a'] } });
    inp.participants[0]!.publishesContent = true;
    inp.viewers = [viewer('a', { pin: 'a' })];
    const plan = decideForwarding(inp);
    assert.deepEqual(plan.get('a'), { audio: [{ slot: 0, source: 'b' }], video: [{ slot: 0, source: 'b' }], content: null });
  });

  it('decideForwarding() fills 3 audio slots by speaker ranking, then join order', () => {
    const plan = decideForwarding(input(ids(8), { speakers: ['p6', 'p5'] }));
    assert.deepEqual(audioOf(plan, 'p7'), ['p0', 'p5', 'p6']);
    assert.deepEqual(audioOf(plan, 'p0'), ['p1', 'p5', 'p6']);
  });

  it('decideForwarding() with audioSlots Infinity forwards every allowed publisher but the viewer', () => {
    const inp = input(ids(12), { audioSlots: Infinity });
    inp.participants[4]!.audioAllowed = false;
    const plan = decideForwarding(inp);
    assert.equal(plan.get('p0')!.audio.length, 10);
    assert.ok(!audioOf(plan, 'p0').includes('p4') && !audioOf(plan, 'p0').includes('p0'));
  });

  it('decideForwarding() gives a hidden viewer (a recorder) every allowed microphone and the meeting’s large picture', () => {
    const inp = input(ids(6), { speakers: ['p3'], meeting: { lecturer: null, meetingPin: 'p5' } });
    inp.participants[1]!.audioAllowed = false;
    inp.viewers.push(viewer('rec', { maxViews: 1, audioSlots: Infinity }));
    const plan = decideForwarding(inp);
    assert.deepEqual(audioOf(plan, 'rec'), ['p0', 'p2', 'p3', 'p4', 'p5'], 'everyone allowed is mixed, not the top three');
    assert.equal(plan.get('p0')!.audio.length, 3, 'participants keep three audio slots');
    assert.deepEqual(videoOf(plan, 'rec'), ['0:p5'], 'the meeting pin is the picture');
    inp.meeting.meetingPin = null;
    assert.deepEqual(videoOf(decideForwarding(inp), 'rec'), ['0:p3'], 'without a pin, the dominant speaker');
  });

  it('decideForwarding() gives a viewer at most maxViews video slots (1 or 9)', () => {
    const inp = input(ids(20));
    inp.viewers = [viewer('p0', { maxViews: 1 }), viewer('p1', { maxViews: 9 })];
    const plan = decideForwarding(inp);
    assert.deepEqual(videoOf(plan, 'p0'), ['0:p1']);
    assert.deepEqual(
      plan.get('p1')!.video.map((s) => s.slot),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.ok(plan.get('p1')!.video.every((s) => s.source !== 'p1'));
  });

  it('decideForwarding() puts the viewer pin, else the meeting pin, else the lecturer, else the dominant speaker in slot 0', () => {
    const base = input(['a', 'b', 'c', 'd', 'e'], { speakers: ['e'] });
    base.viewers = [viewer('a', { pin: 'b', maxViews: 1 }), viewer('b', { maxViews: 1 })];
    const large = (meeting: ForwardingInput['meeting']) => {
      const plan = decideForwarding({ ...base, meeting });
      return [videoOf(plan, 'a')[0], videoOf(plan, 'b')[0]];
    };
    assert.deepEqual(large({ lecturer: 'd', meetingPin: 'c' }), ['0:b', '0:c']);
    assert.deepEqual(large({ lecturer: 'd', meetingPin: null }), ['0:b', '0:d']);
    assert.deepEqual(large({ lecturer: null, meetingPin: null }), ['0:b', '0:e']);
  });

  it('decideForwarding() forwards the focus once when it is also the top speaker', () => {
    const plan = decideForwarding(input(['a', 'b', 'c'], { speakers: ['b'], meeting: { lecturer: null, meetingPin: 'b' } }));
    assert.deepEqual(videoOf(plan, 'a'), ['0:b', '1:c']);
  });

  it('decideForwarding() in lecturer mode shows the lecturer large to everyone, and the lecturer the speaker', () => {
    const inp = input(['a', 'l', 'b', 'c'], { speakers: ['b'], meeting: { lecturer: 'l', meetingPin: null } });
    const plan = decideForwarding(inp);
    for (const v of ['a', 'b', 'c']) assert.equal(videoOf(plan, v)[0], '0:l');
    assert.equal(videoOf(plan, 'l')[0], '0:b');
  });

  it('decideForwarding() keeps slot 0 empty when the focus sends no video, and fills the others', () => {
    const inp = input(['a', 'b', 'c', 'd'], { meeting: { lecturer: null, meetingPin: 'b' } });
    inp.participants[1]!.videoAllowed = false;
    inp.viewers = [viewer('a', { maxViews: 9 }), viewer('c', { maxViews: 1 })];
    const plan = decideForwarding(inp);
    assert.deepEqual(videoOf(plan, 'a'), ['1:c', '2:d']);
    assert.deepEqual(videoOf(plan, 'c'), []);
  });

  it('decideForwarding() ignores a pin naming someone absent and falls back to the meeting pin', () => {
    const inp = input(['a', 'b', 'c'], { meeting: { lecturer: null, meetingPin: 'c' } });
    inp.viewers = [viewer('a', { pin: 'gone', maxViews: 1 })];
    assert.deepEqual(videoOf(decideForwarding(inp), 'a'), ['0:c']);
  });

  it('decideForwarding() without focus or speakers puts the first joiner in slot 0', () => {
    assert.deepEqual(videoOf(decideForwarding(input(['a', 'b', 'c'])), 'c'), ['0:a', '1:b']);
  });

  it('decideForwarding() does not make a muted participant large, whatever the ranking says', () => {
    const inp = input(['a', 'b', 'c'], { speakers: ['c', 'b'] });
    inp.participants[2]!.audioAllowed = false;
    assert.equal(videoOf(decideForwarding(inp), 'a')[0], '0:b');
  });

  it('decideForwarding() sends the shared content to everyone but the sharer, and none when nothing is published', () => {
    const inp = input(['a', 'b', 'c'], { meeting: { lecturer: null, meetingPin: null, contentOwners: ['b'] } });
    assert.equal(decideForwarding(inp).get('a')!.content, null);
    inp.participants[1]!.publishesContent = true;
    const plan = decideForwarding(inp);
    assert.deepEqual([plan.get('a')!.content, plan.get('b')!.content, plan.get('c')!.content], ['b', null, 'b']);
  });

  it('decideForwarding() forwards no screen of a participant the share policy does not allow, even as the content owner', () => {
    const inp = input(['host', 'guest', 'c'], { meeting: { lecturer: null, meetingPin: null, contentOwners: ['guest'] } });
    inp.participants[1]!.publishesContent = true;
    inp.participants[1]!.contentAllowed = false;
    const plan = decideForwarding(inp);
    assert.deepEqual([plan.get('host')!.content, plan.get('c')!.content], [null, null]);
    // The same participant allowed again (the host chose "everyone"): its screen reaches the others.
    inp.participants[1]!.contentAllowed = true;
    const allowed = decideForwarding(inp, plan);
    assert.deepEqual([allowed.get('host')!.content, allowed.get('c')!.content], ['guest', 'guest']);
    assert.deepEqual(diff(allowed, decideForwarding({ ...inp, participants: inp.participants.map((p) => ({ ...p, contentAllowed: p.id !== 'guest' })) }, allowed)).get('c')!.emptied, [
      { kind: 'content', slot: 0, from: 'guest', to: null },
    ]);
  });

  it('decideForwarding() with a previous plan keeps sources in their slots when the ranking reorders', () => {
    const first = decideForwarding(input(ids(12), { speakers: ['p1', 'p2', 'p3', 'p4'] }));
    // The same top 3 (audio) and top 9 (video) in another order.
    const again = decideForwarding(input(ids(12), { speakers: ['p1', 'p3', 'p2', 'p4'] }), first);
    assert.deepEqual(videoOf(again, 'p0'), videoOf(first, 'p0'));
    assert.deepEqual(again.get('p0')!.audio, first.get('p0')!.audio);
  });

  it('decideForwarding() with a previous plan puts a newcomer in the freed slot and moves nobody else', () => {
    const first = decideForwarding(input(ids(12)));
    const inp = input(ids(12));
    inp.participants[3]!.videoAllowed = false; // p3 turns its camera off; p10 is next in join order
    const next = decideForwarding(inp, first);
    const before = videoOf(first, 'p0');
    assert.deepEqual(before, ['0:p1', '1:p2', '2:p3', '3:p4', '4:p5', '5:p6', '6:p7', '7:p8', '8:p9']);
    assert.deepEqual(videoOf(next, 'p0'), ['0:p1', '1:p2', '2:p10', '3:p4', '4:p5', '5:p6', '6:p7', '7:p8', '8:p9']);
  });

  it('decideForwarding() at a dominant speaker change swaps the old and new speakers, two slots switching', () => {
    const first = decideForwarding(input(ids(10), { speakers: ['p5'] }));
    assert.equal(videoOf(first, 'p0')[0], '0:p5');
    const p7slot = first.get('p0')!.video.find((s) => s.source === 'p7')!.slot;
    const next = decideForwarding(input(ids(10), { speakers: ['p7', 'p5'] }), first);
    assert.equal(videoOf(next, 'p0')[0], '0:p7');
    assert.deepEqual(next.get('p0')!.video.find((s) => s.source === 'p5'), { slot: p7slot, source: 'p5' });
    assert.equal(diff(first, next).get('p0')!.switched.filter((c) => c.kind === 'video').length, 2);
  });

  it('decideForwarding() after a layout change from 9 to 1 keeps only slot 0', () => {
    const inp = input(ids(5), { speakers: ['p2'] });
    const first = decideForwarding(inp);
    inp.viewers = inp.viewers.map((v) => ({ ...v, maxViews: 1 }));
    assert.deepEqual(videoOf(decideForwarding(inp, first), 'p0'), ['0:p2']);
  });

  it('decideForwarding() for 1000 participants and viewers gives each at most 9 video and 3 audio slots', () => {
    const inp = input(ids(1000), { speakers: ['p500', 'p7'] });
    const started = performance.now();
    const plan = decideForwarding(inp, decideForwarding(inp));
    assert.ok(performance.now() - started < 2000);
    assert.equal(plan.size, 1000);
    for (const f of plan.values()) assert.ok(f.video.length <= 9 && f.audio.length <= 3);
    assert.equal(videoOf(plan, 'p1')[0], '0:p500');
  });
});

describe('placeStable()', () => {
  it('placeStable() drops previous slots beyond the count and fills gaps lowest first', () => {
    const previous = [
      { slot: 0, source: 'a' },
      { slot: 2, source: 'b' },
      { slot: 5, source: 'c' },
    ];
    assert.deepEqual(placeStable({ count: 3, rest: ['c', 'b', 'a'], previous }), [
      { slot: 0, source: 'a' },
      { slot: 1, source: 'c' },
      { slot: 2, source: 'b' },
    ]);
  });

  it('placeStable() with count 0 places nothing', () => {
    assert.deepEqual(placeStable({ count: 0, head: 'a', rest: ['b'] }), []);
  });
});

describe('diff()', () => {
  const two = (speakers: string[]) => decideForwarding(input(['a', 'b', 'c'], { speakers, audioSlots: 1 }));

  it('diff() of identical plans reports no viewer', () => {
    assert.equal(diff(two(['b']), two(['b'])).size, 0);
  });

  it('diff() lists a switched video slot with a keyframe request for its new source', () => {
    const prev = decideForwarding(input(['a', 'b', 'c'], { viewers: [viewer('a', { maxViews: 1 })] }));
    const next = decideForwarding(input(['a', 'b', 'c'], { viewers: [viewer('a', { maxViews: 1 })], speakers: ['c'] }), prev);
    const changes = diff(prev, next).get('a')!;
    assert.deepEqual(changes.switched.filter((c) => c.kind === 'video'), [{ kind: 'video', slot: 0, from: 'b', to: 'c' }]);
    assert.deepEqual(changes.keyframes, [{ kind: 'video', source: 'c' }]);
  });

  it('diff() lists emptied slots and asks no keyframe for audio switches', () => {
    const prev = decideForwarding(input(['a', 'b', 'c'], { audioSlots: 1 }));
    const inp = input(['a', 'b', 'c'], { audioSlots: 1, speakers: ['c'] });
    inp.participants[1]!.videoAllowed = false; // b's camera goes off as c starts talking
    const changes = diff(prev, decideForwarding(inp, prev)).get('a')!;
    assert.deepEqual(changes.switched, [
      { kind: 'audio', slot: 0, from: 'b', to: 'c' },
      { kind: 'video', slot: 0, from: 'b', to: 'c' },
    ]);
    assert.deepEqual(changes.emptied, [{ kind: 'video', slot: 1, from: 'c', to: null }]);
    assert.deepEqual(changes.keyframes, [{ kind: 'video', source: 'c' }]);
  });

  it('diff() of a viewer that left empties all its slots; of a new viewer switches all from null', () => {
    const prev = decideForwarding(input(['a', 'b']));
    const next = decideForwarding(input(['b', 'c']), prev);
    const gone = diff(prev, next).get('a')!;
    assert.equal(gone.switched.length, 0);
    assert.deepEqual(gone.emptied.map((c) => c.kind), ['audio', 'video']);
    const fresh = diff(prev, next).get('c')!;
    assert.ok(fresh.switched.every((c) => c.from === null));
    assert.deepEqual(fresh.keyframes, [{ kind: 'video', source: 'b' }]);
  });

  it('diff() reports a content change with a keyframe request for the content stream', () => {
    const inp = input(['a', 'b']);
    const prev = decideForwarding(inp);
    inp.participants[1]!.publishesContent = true;
    inp.meeting = { lecturer: null, meetingPin: null, contentOwners: ['b'] };
    const changes = diff(prev, decideForwarding(inp, prev)).get('a')!;
    assert.deepEqual(changes.switched, [{ kind: 'content', slot: 0, from: null, to: 'b' }]);
    assert.deepEqual(changes.keyframes, [{ kind: 'content', source: 'b' }]);
    assert.equal(diff(prev, decideForwarding(inp, prev)).has('b'), false);
  });

  it('keyframeRequests() asks each new source once, however many viewers switched to it', () => {
    const inp = input(ids(6), { viewers: ids(6).map((id) => viewer(id, { maxViews: 1 })) });
    const prev = decideForwarding(inp);
    const next = decideForwarding({ ...inp, speakers: ['p4'] }, prev);
    const changes = diff(prev, next);
    assert.deepEqual([...changes.keys()].sort(), ['p0', 'p1', 'p2', 'p3', 'p5']);
    assert.deepEqual(keyframeRequests(changes), [{ kind: 'video', source: 'p4' }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// active speaker

type Voice = number | ((t: number) => number) | null;

/** Feeds a 20 ms packet per talker (null = no packets) and ranks every 250 ms, from `from` to `to` ms. */
function simulate(det: ActiveSpeakerDetector, voices: Record<string, Voice>, from: number, to: number): { ranking: string[]; switches: [number, string | null][] } {
  let ranking: string[] = [];
  const switches: [number, string | null][] = [];
  for (let t = from; t < to; t += 10) {
    if (t % 20 === 0) {
      for (const [id, v] of Object.entries(voices)) if (v !== null) det.record(id, { v: true, level: typeof v === 'number' ? v : v(t) }, t);
    }
    if (t % 250 === 0) {
      const before = det.dominant;
      ranking = det.rank(t);
      if (det.dominant !== before) switches.push([t, det.dominant]);
    }
  }
  return { ranking, switches };
}

describe('ActiveSpeakerDetector', () => {
  it('rank() makes a lone talker dominant within half a second', () => {
    const det = new ActiveSpeakerDetector();
    const { switches, ranking } = simulate(det, { a: 30, b: 127 }, 0, 2000);
    assert.deepEqual(ranking, ['a']);
    assert.ok(switches[0]![0] <= 500, `became dominant at ${switches[0]![0]} ms`);
  });

  it('isSpeaking() turns true within 400 ms of a talker starting', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 127 }, 0, 1000);
    simulate(det, { a: 30 }, 1000, 1400);
    assert.equal(det.isSpeaking('a', 1400), true);
  });

  it('rank() never ranks someone whose level stays under the threshold (background noise)', () => {
    const det = new ActiveSpeakerDetector();
    const { ranking } = simulate(det, { a: 75, b: 127 }, 0, 5000);
    assert.deepEqual(ranking, []);
    assert.equal(det.dominant, null);
  });

  it('rank() keeps a talker speaking through the pauses between words', () => {
    const det = new ActiveSpeakerDetector();
    const words = (t: number) => (t % 300 < 200 ? 30 : 95);
    simulate(det, { a: words }, 0, 1000);
    for (let t = 1000; t < 5000; t += 250) {
      simulate(det, { a: words }, t, t + 250);
      assert.equal(det.isSpeaking('a', t + 240), true, `silent at ${t}`);
    }
  });

  it('rank() keeps the dominant speaker against an equally loud challenger', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 35 }, 0, 3000);
    const { switches, ranking } = simulate(det, { a: 35, b: 35 }, 3000, 10_000);
    assert.deepEqual(switches, []);
    assert.deepEqual(ranking, ['a', 'b']);
  });

  it('rank() hands the floor to a louder challenger holdMs later than without hysteresis', () => {
    const switchAt = (holdMs: number) => {
      const det = new ActiveSpeakerDetector({ holdMs });
      simulate(det, { a: 40 }, 0, 3000);
      const { switches } = simulate(det, { a: 40, b: 10 }, 3000, 8000);
      assert.equal(switches.length, 1);
      assert.equal(switches[0]![1], 'b');
      return switches[0]![0];
    };
    const immediate = switchAt(0);
    const held = switchAt(1000);
    assert.ok(immediate > 3000 && immediate <= 4500, `louder from ${immediate}`);
    assert.ok(held - immediate >= 1000 && held - immediate <= 1250, `${immediate} → ${held}`);
  });

  it('rank() does not switch for a short loud burst (a cough)', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 40 }, 0, 3000);
    const { switches } = simulate(det, { a: 40, b: (t) => (t < 3300 ? 0 : 127) }, 3000, 8000);
    assert.deepEqual(switches, []);
  });

  it('rank() gives the floor to the next talker within 2 s of the dominant one falling silent', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 30 }, 0, 3000);
    const { switches } = simulate(det, { a: 127, b: 35 }, 3000, 8000);
    assert.equal(switches[0]![1], 'b');
    assert.ok(switches[0]![0] <= 5000, `switched at ${switches[0]![0]}`);
  });

  it('rank() keeps the last dominant first through silence, then earlier speakers most recent first', () => {
    const det = new ActiveSpeakerDetector({ holdMs: 1000 });
    simulate(det, { a: 30 }, 0, 3000);
    simulate(det, { a: 127, b: 30 }, 3000, 3600); // too short to take the floor
    simulate(det, { a: 127, b: 127, c: 30 }, 3600, 4200);
    const { ranking, switches } = simulate(det, { a: 127, b: 127, c: 127 }, 4200, 20_000);
    assert.deepEqual(switches, []);
    assert.equal(det.dominant, 'a');
    assert.deepEqual(ranking, ['a', 'c', 'b']);
  });

  it('remove() takes a participant out of the ranking and off the floor', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 30, b: 45 }, 0, 3000);
    assert.equal(det.dominant, 'a');
    det.remove('a');
    assert.equal(det.dominant, null);
    assert.deepEqual(det.rank(3000), ['b']);
    assert.equal(det.dominant, 'b');
  });

  it('rank() treats a talker whose packets stop (muted) as silent within 2 s', () => {
    const det = new ActiveSpeakerDetector();
    simulate(det, { a: 30 }, 0, 3000);
    assert.equal(det.isSpeaking('a', 3000), true);
    assert.equal(det.isSpeaking('a', 5000), false);
    assert.equal(det.loudness('nobody', 5000), 0);
  });

  it('record() with out-of-range levels and a clock going backwards keeps finite averages', () => {
    const det = new ActiveSpeakerDetector();
    det.record('a', { level: -5 }, 1000);
    det.record('a', { level: 400 }, 900);
    det.record('a', { level: Number.NaN }, 1020);
    assert.ok(Number.isFinite(det.loudness('a', 1020)));
    assert.deepEqual(det.rank(1020), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// RTP rewriting and VP8 keyframes

const KEY_HEADER = [0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]; // P = 0, start code, 640x360
const DELTA_HEADER = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]; // P = 1
const vp8 = (descriptor: number[], header: number[]) => new Uint8Array([...descriptor, ...header, 0xaa, 0xbb]);

const pkt = (ssrc: number, seq: number, timestamp: number, over: Partial<RtpPacketIn> = {}): RtpPacketIn => ({
  ssrc,
  seq,
  timestamp,
  marker: false,
  payload: new Uint8Array([0x00]),
  ...over,
});
const key = (ssrc: number, seq: number, timestamp: number) => pkt(ssrc, seq, timestamp, { isKeyframe: true });

describe('SlotRewriter', () => {
  const video = () => new SlotRewriter({ ssrc: 777, kind: 'video', clockRate: 90_000 });
  const audio = () => new SlotRewriter({ ssrc: 555, kind: 'audio', clockRate: 48_000 });

  it('rewrite() of the first source keeps its numbers and sets the slot SSRC', () => {
    const r = video();
    r.switchTo(1);
    assert.deepEqual(r.rewrite(key(1, 100, 5000), 0), { ssrc: 777, seq: 100, timestamp: 5000, marker: false });
    assert.deepEqual(r.rewrite(pkt(1, 101, 5000, { marker: true }), 1), { ssrc: 777, seq: 101, timestamp: 5000, marker: true });
  });

  it('rewrite() drops packets of other SSRCs, and everything when the slot has no source', () => {
    const r = audio();
    assert.equal(r.rewrite(pkt(1, 1, 1), 0), 'drop');
    r.switchTo(1);
    assert.equal(r.rewrite(pkt(2, 1, 1), 0), 'drop');
    assert.notEqual(r.rewrite(pkt(1, 1, 1), 0), 'drop');
    r.switchTo(null);
    assert.equal(r.rewrite(pkt(1, 2, 961), 20), 'drop');
  });

  it('rewrite() of a new video source drops packets until its keyframe', () => {
    const r = video();
    r.switchTo(1);
    assert.equal(r.waitingForKeyframe, true);
    assert.equal(r.rewrite(pkt(1, 10, 0), 0), 'drop');
    assert.notEqual(r.rewrite(key(1, 11, 3000), 33), 'drop');
    assert.equal(r.waitingForKeyframe, false);
    assert.notEqual(r.rewrite(pkt(1, 12, 6000), 66), 'drop');
  });

  it('rewrite() after switchTo() continues the sequence at last + 1 and the timestamp by elapsed time × clock rate', () => {
    const r = video();
    r.switchTo(1);
    r.rewrite(key(1, 500, 90_000), 1000);
    r.rewrite(pkt(1, 501, 93_000), 1033);
    r.switchTo(2);
    assert.equal(r.rewrite(pkt(2, 40_000, 7), 1100), 'drop');
    const first = r.rewrite(key(2, 40_001, 1_000_000), 1233);
    assert.deepEqual(first, { ssrc: 777, seq: 502, timestamp: 93_000 + 200 * 90, marker: false });
    assert.deepEqual(r.rewrite(pkt(2, 40_002, 1_003_000), 1266), { ssrc: 777, seq: 503, timestamp: 93_000 + 18_000 + 3000, marker: false });
  });

  it('rewrite() wraps sequence numbers at 65536 and timestamps at 2^32, across a switch too', () => {
    const r = audio();
    r.switchTo(1);
    r.rewrite(pkt(1, 65_534, 0xffff_fc00), 0);
    assert.deepEqual(r.rewrite(pkt(1, 65_535, 0xffff_ffc0), 20), { ssrc: 555, seq: 65_535, timestamp: 0xffff_ffc0, marker: false });
    assert.deepEqual(r.rewrite(pkt(1, 0, 0x0000_0380), 40), { ssrc: 555, seq: 0, timestamp: 0x380, marker: false });
    r.switchTo(2);
    const out = r.rewrite(pkt(2, 9, 123), 60);
    assert.ok(out !== 'drop');
    assert.equal(out.seq, 1);
    assert.equal(out.timestamp, 0x380 + 960);
  });

  it('rewrite() stays continuous over a run longer than 65536 packets', () => {
    const r = audio();
    r.switchTo(1);
    let expected = 0;
    for (let i = 0; i < 70_000; i++) {
      const out = r.rewrite(pkt(1, (30_000 + i) % 65_536, i * 960), i * 20);
      assert.ok(out !== 'drop' && out.seq === (30_000 + i) % 65_536, `packet ${i}`);
      expected = out.seq;
    }
    r.switchTo(2);
    const out = r.rewrite(pkt(2, 5, 5), 70_000 * 20);
    assert.ok(out !== 'drop' && out.seq === (expected + 1) % 65_536);
  });

  it('rewrite() drops packets older than the new source\'s first one and maps later reordered ones', () => {
    const r = video();
    r.switchTo(1);
    r.rewrite(key(1, 100, 0), 0);
    r.switchTo(2);
    r.rewrite(key(2, 1000, 0), 100); // → seq 101
    assert.equal(r.rewrite(pkt(2, 999, 0), 101), 'drop');
    const late = r.rewrite(pkt(2, 1002, 3000), 102);
    const early = r.rewrite(pkt(2, 1001, 0), 103);
    assert.ok(late !== 'drop' && early !== 'drop');
    assert.deepEqual([late.seq, early.seq], [103, 102]);
    r.switchTo(1);
    const next = r.rewrite(key(1, 200, 0), 200);
    assert.ok(next !== 'drop' && next.seq === 104, 'continues after the highest sent, not the last sent');
  });

  it('rewrite() of a new audio source needs no keyframe, sets the marker and advances at least one 20 ms frame', () => {
    const r = audio();
    r.switchTo(1);
    r.rewrite(pkt(1, 10, 48_000), 0);
    r.switchTo(2);
    assert.equal(r.waitingForKeyframe, false);
    assert.deepEqual(r.rewrite(pkt(2, 7000, 1), 0), { ssrc: 555, seq: 11, timestamp: 48_000 + 960, marker: true });
    assert.deepEqual(r.rewrite(pkt(2, 7001, 961), 20), { ssrc: 555, seq: 12, timestamp: 48_000 + 1920, marker: false });
  });

  it('switchTo() of the current source changes nothing; switching back rebases and waits for a keyframe again', () => {
    const r = video();
    r.switchTo(1);
    r.rewrite(key(1, 1, 0), 0);
    r.switchTo(1);
    assert.equal(r.waitingForKeyframe, false);
    assert.deepEqual(r.rewrite(pkt(1, 2, 3000), 33), { ssrc: 777, seq: 2, timestamp: 3000, marker: false });
    r.switchTo(2);
    r.switchTo(1);
    assert.equal(r.waitingForKeyframe, true);
    assert.equal(r.rewrite(pkt(1, 3, 6000), 66), 'drop');
    assert.deepEqual(r.rewrite(key(1, 4, 9000), 100), { ssrc: 777, seq: 3, timestamp: 3000 + 67 * 90, marker: false });
  });

  it('rewrite() without an isKeyframe flag parses the payload as VP8', () => {
    const r = video();
    r.switchTo(1);
    assert.equal(r.rewrite(pkt(1, 1, 0, { payload: vp8([0x10], DELTA_HEADER) }), 0), 'drop');
    assert.notEqual(r.rewrite(pkt(1, 2, 0, { payload: vp8([0x10], KEY_HEADER) }), 0), 'drop');
  });
});

describe('isVp8Keyframe()', () => {
  it('isVp8Keyframe() is true for the first packet of a key frame with the minimal descriptor', () => {
    assert.equal(isVp8Keyframe(vp8([0x10], KEY_HEADER)), true);
  });

  it('isVp8Keyframe() skips the extended descriptor: 15-bit picture id, TL0PICIDX, TID/KEYIDX', () => {
    assert.equal(isVp8Keyframe(vp8([0x90, 0xe0, 0x81, 0x23, 0x05, 0x40], KEY_HEADER)), true);
    assert.equal(isVp8Keyframe(vp8([0x90, 0x80, 0x12], KEY_HEADER)), true);
    assert.equal(isVp8Keyframe(vp8([0x90, 0x80, 0x12], DELTA_HEADER)), false);
  });

  it('isVp8Keyframe() is false for a delta frame, a continuation packet or a later partition', () => {
    assert.equal(isVp8Keyframe(vp8([0x10], DELTA_HEADER)), false);
    assert.equal(isVp8Keyframe(vp8([0x00], KEY_HEADER)), false);
    assert.equal(isVp8Keyframe(vp8([0x11], KEY_HEADER)), false);
  });

  it('isVp8Keyframe() is false for empty, truncated or start-code-less payloads', () => {
    assert.equal(isVp8Keyframe(new Uint8Array()), false);
    assert.equal(isVp8Keyframe(new Uint8Array([0x90])), false);
    assert.equal(isVp8Keyframe(new Uint8Array([0x90, 0x80])), false);
    assert.equal(isVp8Keyframe(new Uint8Array([0x10, ...KEY_HEADER.slice(0, 6)])), false);
    assert.equal(isVp8Keyframe(vp8([0x10], [0x00, 0, 0, 0x9d, 0x01, 0x2b, 0, 0, 0, 0])), false);
  });
});
