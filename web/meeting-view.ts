import type { EventOf, RosterEntry } from '../contract/signal/protocol.ts';
import { userInfo } from '../contract/rest/user.ts';
import { RestError, type RestClient } from '../sdk/rest-client.ts';
import { SignalError, type SignalClient } from '../sdk/signal-client.ts';
import { ChatPanel } from './chat-panel.ts';
import { byId, h, input } from './shared/dom.ts';
import { planTiles } from './layout.ts';
import type { MediaSession, MediaStatus } from './media.ts';
import { Reactions } from './reactions.ts';
import { drawStage } from './stage.ts';

/** What the header says about audio and video while they are not simply working. */
const MEDIA_BADGE: Record<MediaStatus, string> = {
  off: '',
  connecting: 'Connecting audio and video…',
  connected: '',
  unavailable: 'No audio or video on this server',
  failed: 'Audio and video could not connect',
};

/**
 * The meeting screen: header, tiles, overlay, watermark, roster, own controls and, for hosts, the control panel.
 * State comes from the SignalClient (roster, self, mute lock, info) plus the events kept here; every change
 * re-renders (coalesced into one render per task). Host actions go through the REST API with the signed-in token.
 */
export class MeetingView {
  private layout: EventOf<'layout.setting'> | undefined;
  private pin: EventOf<'pin.changed'> | undefined;
  private overlay: EventOf<'overlay'> | undefined;
  private session: EventOf<'session.status'> | undefined;
  private requests: EventOf<'unmute.requested'>['requests'] = [];
  private waiting: EventOf<'lobby'>['waiting'] = [];
  /** Until when (ms) wrong passwords have closed the meeting's password (hosts are told); 0 = not. */
  private lockoutUntil = 0;
  private lockoutTimer: ReturnType<typeof setTimeout> | undefined;
  private scheduled = false;
  private overlayKey = '';
  private watermarkKey = '';
  private readonly off: (() => void)[] = [];
  private readonly controls = new AbortController();
  private readonly chat: ChatPanel;
  private readonly reactions: Reactions;
  /** The signed-in user may stream live (MeetingOperator, SystemAdmin: the apps show the button to them only). */
  private mayStream = false;

  constructor(
    private readonly signal: SignalClient,
    private readonly rest: RestClient,
    private readonly media: MediaSession,
    private readonly toast: (text: string) => void,
  ) {
    const render = () => this.schedule();
    this.off.push(
      signal.on('roster', render),
      signal.on('meeting.info', render),
      signal.on('participant.count', render),
      signal.on('mute.lock', render),
      signal.on('meeting.status', render),
      signal.on('chat.message', render),
      signal.on('chat.history', render),
      signal.on('chat.deleted', render),
      signal.on('layout.setting', (e) => {
        this.layout = e;
        render();
      }),
      signal.on('pin.changed', (e) => {
        this.pin = e;
        render();
      }),
      signal.on('overlay', (e) => {
        this.overlay = e;
        render();
      }),
      signal.on('session.status', (e) => {
        this.session = e;
        render();
      }),
      signal.on('recording.stopped', (e) => {
        this.toast(`The ${e.what === 'recording' ? 'recording' : 'live stream'} stopped: ${e.message}`);
      }),
      signal.on('unmute.requested', (e) => {
        this.requests = e.requests;
        render();
      }),
      signal.on('lobby', (e) => {
        if (e.waiting.length > this.waiting.length) this.toast(`${e.waiting[e.waiting.length - 1]!.display_name} is waiting in the lobby.`);
        this.waiting = e.waiting;
        render();
      }),
      signal.on('unmute.allowed', () => {
        this.toast('The host allows you to speak: you can unmute yourself.');
        render();
      }),
      signal.on('passcode.lockout', (e) => {
        this.lockoutUntil = e.until;
        this.toast(e.message);
        clearTimeout(this.lockoutTimer);
        this.lockoutTimer = setTimeout(render, Math.max(0, e.until - Date.now()) + 100);
        render();
      }),
      signal.on('meeting.info', (e) => {
        // The hosts let only hosts share now: a share of ours ends (the server has stopped forwarding it already).
        if (e.share_policy === 'hosts' && !this.mayShare && this.media.state.sharing) {
          this.media.share(false).catch(() => undefined);
          this.toast('The host lets only hosts share their screen now.');
        }
      }),
    );
    this.off.push(media.onChange(render));
    this.chat = new ChatPanel(signal, (label, run) => this.act(label, run), this.controls.signal);
    this.reactions = new Reactions(signal, (label, run) => this.act(label, run), render, this.controls.signal);
    this.wireControls();
    if (rest.token !== undefined) {
      rest.call(userInfo, { method: 'GET' }).then(
        (profile) => {
          this.mayStream = profile.role.some((r) => r === 'MeetingOperator' || r === 'SystemAdmin');
          render();
        },
        () => undefined,
      );
    }
  }

  /** Stops listening (the screen is left). */
  dispose(): void {
    clearTimeout(this.lockoutTimer);
    for (const off of this.off) off();
    this.controls.abort();
    this.media.close();
  }

  private get number(): string {
    return this.signal.info?.meeting_number ?? '';
  }

  private get isHost(): boolean {
    return this.signal.self?.role === 'host' && this.rest.token !== undefined;
  }

  /** May this participant share its screen under the meeting's share policy? */
  private get mayShare(): boolean {
    return this.signal.info?.share_policy !== 'hosts' || this.signal.self?.role === 'host';
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.render();
    }, 0);
  }

  render(): void {
    const info = this.signal.info;
    const self = this.signal.self;
    const roster = [...this.signal.roster.values()];
    byId('meeting-name').textContent = info?.meeting_name ?? '';
    byId('meeting-number-label').textContent = info?.meeting_number ?? '';
    byId('lock-badge').hidden = !info?.locked;
    this.renderLockout();
    this.renderMediaBadge();
    this.renderCapture();
    const count = this.signal.participantCount ?? roster.length;
    const countEl = byId('participant-count');
    countEl.textContent = `${count} ${count === 1 ? 'participant' : 'participants'}`;
    countEl.dataset.count = String(count);
    document.title = info ? `${info.meeting_name} · Convene` : 'Convene';
    this.renderStage(roster, self?.uuid ?? '');
    this.renderOverlay();
    this.renderWatermark(info?.display_name || self?.display_name || '');
    this.renderRoster(roster, self?.uuid ?? '');
    this.renderOwnControls(self);
    this.renderHostPanel();
    this.chat.render();
  }

  private renderLockout(): void {
    const badge = byId('lockout-badge');
    const on = this.lockoutUntil > Date.now();
    badge.hidden = !on;
    badge.dataset.until = on ? String(this.lockoutUntil) : '';
    if (!on) return;
    const until = new Date(this.lockoutUntil).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    badge.textContent = `Password closed until ${until}`;
    badge.title = 'Too many wrong passwords were tried: until then only hosts and people joining from the meeting link get in.';
  }

  private renderMediaBadge(): void {
    const status = this.media.state.status;
    const text = MEDIA_BADGE[status];
    const badge = byId('media-badge');
    badge.textContent = text;
    badge.hidden = text === '';
    badge.dataset.status = status;
  }

  /** Recording and live streaming, as session.status tells everyone (a participant joining later too). */
  private renderCapture(): void {
    const s = this.session;
    const recording = s?.recording_status === 'STARTED';
    const live = s?.streaming_status === 'STARTED';
    byId('rec-badge').hidden = !recording;
    const liveBadge = byId('live-badge');
    liveBadge.hidden = !live;
    liveBadge.title = live ? `Streamed live at ${s!.streaming_url}` : '';
  }

  // ---- stage ----------------------------------------------------------------------------------------------------

  private renderStage(roster: RosterEntry[], selfUuid: string): void {
    const maxCells = this.layout?.max_cell_count ?? 9;
    const plan = planTiles({
      roster,
      self: selfUuid,
      maxCells,
      lecturer: this.layout?.lecturer ?? '',
      pinned: this.pin?.pin_speaker_uuid ?? '',
      activeSpeaker: this.media.state.speaker,
      mediaFocus: this.media.state.focus,
      content: this.media.state.content,
    });
    drawStage(byId('stage'), plan, this.signal.roster, this.media, maxCells, (uuid) => this.reactions.of(uuid));
  }

  private renderOverlay(): void {
    const o = this.overlay;
    const el = byId('overlay');
    const text = byId('overlay-text');
    if (!o || !o.enabled || o.text === '') {
      el.hidden = true;
      this.overlayKey = '';
      return;
    }
    // Only a new overlay restarts the animation; re-renders for other reasons leave it running (or finished).
    const key = JSON.stringify(o);
    if (key === this.overlayKey) return;
    this.overlayKey = key;
    el.hidden = false;
    el.dataset.position = o.vertical_position <= 0 ? 'top' : o.vertical_position >= 100 ? 'bottom' : 'middle';
    const scroll = o.display_speed !== 'static';
    el.dataset.scroll = String(scroll);
    const alpha = Math.min(1, Math.max(0, 1 - o.background_transparency / (o.background_transparency > 100 ? 255 : 100)));
    el.style.background = `rgba(0, 0, 0, ${alpha.toFixed(2)})`;
    const fresh = h('span', { id: 'overlay-text' }, o.text);
    fresh.style.color = o.color;
    fresh.style.fontSize = `${Math.min(72, Math.max(10, o.font_size))}px`;
    if (o.font) fresh.style.fontFamily = o.font;
    if (scroll) {
      const repeat = Math.max(1, o.display_repetition);
      // About 8 characters a second across the width of the stage, at least 8 s a pass.
      fresh.style.animationDuration = `${Math.max(8, o.text.length / 8 + 6)}s`;
      fresh.style.animationIterationCount = String(repeat);
      fresh.addEventListener('animationend', () => {
        el.hidden = true;
        el.dataset.finished = 'true';
      });
    }
    delete el.dataset.finished;
    text.replaceWith(fresh);
  }

  private renderWatermark(name: string): void {
    const el = byId('watermark');
    const on = this.session?.watermark.enable === true && name !== '';
    el.hidden = !on;
    const key = on ? name : '';
    if (key === this.watermarkKey) return;
    this.watermarkKey = key;
    el.dataset.text = key;
    el.replaceChildren(...(on ? Array.from({ length: 24 }, () => h('span', {}, name)) : []));
  }

  // ---- roster ---------------------------------------------------------------------------------------------------

  private renderRoster(roster: RosterEntry[], selfUuid: string): void {
    const host = this.isHost;
    const lecturer = this.layout?.lecturer ?? '';
    const pinned = this.pin?.scope === 'meeting' ? this.pin.pin_speaker_uuid : '';
    const list = byId('roster');
    // Hosts first, then by name: the order people expect in a participant list.
    const sorted = [...roster].sort((a, b) => Number(b.role === 'host') - Number(a.role === 'host') || a.display_name.localeCompare(b.display_name));
    list.replaceChildren(
      ...sorted.map((p) => {
        const icons = h(
          'span',
          { class: 'icons' },
          h('span', { class: 'mic', 'data-muted': String(p.audio_mute), title: p.audio_mute ? 'Microphone off' : 'Microphone on' }, p.audio_mute ? '🔇' : '🎙️'),
          h('span', { class: 'cam', 'data-muted': String(p.video_mute), title: p.video_mute ? 'Camera off' : 'Camera on' }, p.video_mute ? '🚫' : '📷'),
          p.hand_raised ? h('span', { class: 'hand', title: 'Hand raised' }, '✋') : null,
          this.reactions.of(p.uuid) ? h('span', { class: 'reaction' }, this.reactions.of(p.uuid)!.emoji) : null,
        );
        const badges = [
          p.role === 'host' ? h('span', { class: 'badge host' }, 'Host') : null,
          p.role === 'guest' ? h('span', { class: 'badge guest' }, 'Guest') : null,
          p.uuid === selfUuid ? h('span', { class: 'badge you' }, 'You') : null,
          p.uuid === lecturer ? h('span', { class: 'badge lecturer' }, 'Lecturer') : null,
        ];
        const actions = host ? this.participantActions(p, selfUuid, lecturer, pinned) : null;
        return h(
          'li',
          { 'data-uuid': p.uuid, 'data-role': p.role, 'data-hand': String(p.hand_raised), 'data-audio-muted': String(p.audio_mute) },
          h('span', { class: 'name' }, p.display_name),
          ...badges,
          icons,
          actions,
        );
      }),
    );
  }

  private participantActions(p: RosterEntry, selfUuid: string, lecturer: string, pinned: string): HTMLElement {
    const n = this.number;
    const b = (action: string, label: string, run: () => Promise<unknown>) =>
      h('button', { type: 'button', class: 'small', 'data-action': action, onclick: () => this.act(label, run) }, label);
    return h(
      'div',
      { class: 'actions' },
      p.audio_mute
        ? b('unmute', 'Unmute', () => this.rest.unmute(n, [p.uuid]))
        : b('mute', 'Mute', () => this.rest.mute(n, [p.uuid], input('mute-all-allow').checked)),
      p.hand_raised ? b('allow', 'Allow to speak', () => this.rest.allowUnmute(n, [p.uuid])) : null,
      p.hand_raised ? b('lower-hand', 'Lower hand', () => this.rest.lowerHands(n, [p.uuid])) : null,
      p.uuid === lecturer ? b('unset-lecturer', 'Unset lecturer', () => this.rest.unsetLecturer(n)) : b('lecturer', 'Make lecturer', () => this.rest.setLecturer(n, p.uuid)),
      p.uuid === pinned ? b('unpin', 'Unpin', () => this.rest.unpin(n)) : b('pin', 'Pin', () => this.rest.pin(n, p.uuid)),
      p.uuid === selfUuid ? null : b('remove', 'Remove', () => this.rest.disconnect(n, [p.uuid])),
    );
  }

  // ---- own controls ---------------------------------------------------------------------------------------------

  private renderOwnControls(self: RosterEntry | undefined): void {
    const mic = byId<HTMLButtonElement>('mic');
    const camera = byId<HTMLButtonElement>('camera');
    const hand = byId<HTMLButtonElement>('hand');
    const note = byId('mic-note');
    const audioMuted = self?.audio_mute ?? true;
    const lock = this.signal.muteLock;
    // Muted by a host who did not allow self-unmute: the microphone stays off until a host unmutes or allows it.
    const locked = audioMuted && lock?.muted === true && !lock.allow_self_unmute;
    mic.textContent = audioMuted ? '🔇 Unmute' : '🎙️ Mute';
    mic.dataset.muted = String(audioMuted);
    mic.dataset.locked = String(locked);
    const media = this.media.state;
    // Without a device there is nothing to switch on (switching off stays possible).
    mic.disabled = locked || (audioMuted && !media.microphone);
    mic.dataset.device = String(media.microphone);
    note.hidden = !locked;
    note.textContent = locked ? 'The host muted you. Raise your hand to ask to speak.' : '';
    const videoMuted = self?.video_mute ?? true;
    camera.textContent = videoMuted ? '📷 Start video' : '🚫 Stop video';
    camera.dataset.muted = String(videoMuted);
    camera.disabled = videoMuted && !media.camera;
    camera.dataset.device = String(media.camera);
    const share = byId<HTMLButtonElement>('share');
    share.hidden = (!media.canShare || !this.mayShare) && !media.sharing;
    share.dataset.allowed = String(this.mayShare);
    share.textContent = media.sharing ? '🛑 Stop sharing' : '🖥️ Share screen';
    share.dataset.sharing = String(media.sharing);
    const raised = self?.hand_raised ?? false;
    hand.textContent = raised ? '✋ Lower hand' : '✋ Raise hand';
    hand.dataset.raised = String(raised);
  }

  private renderHostPanel(): void {
    const host = this.isHost;
    byId('host-panel').hidden = !host;
    byId('requests').hidden = !host || this.requests.length === 0;
    byId('lobby').hidden = !host || this.waiting.length === 0;
    if (!host) return;
    byId<HTMLSelectElement>('lobby-mode').value = this.signal.info?.lobby ?? 'off';
    const n = this.number;
    const b = (action: string, label: string, run: () => Promise<unknown>) =>
      h('button', { type: 'button', class: 'small', 'data-action': action, onclick: () => this.act(label, run) }, label);
    byId('lobby-list').replaceChildren(
      ...this.waiting.map((w) =>
        h(
          'li',
          { 'data-uuid': w.uuid, 'data-guest': String(w.guest) },
          w.display_name,
          ' ',
          h('span', { class: `badge ${w.guest ? 'guest' : 'member'}` }, w.guest ? 'Guest' : 'Signed in'),
          ' ',
          b('admit', 'Admit', () => this.rest.lobbyAdmit(n, [w.uuid])),
          b('refuse', 'Refuse', () => this.rest.lobbyRefuse(n, [w.uuid])),
        ),
      ),
    );
    byId('lock-toggle').textContent = this.signal.info?.locked ? 'Unlock meeting' : 'Lock meeting';
    const s = this.session;
    const recording = s?.recording_status === 'STARTED';
    const live = s?.streaming_status === 'STARTED';
    const record = byId('record-toggle');
    record.textContent = recording ? 'Stop recording' : 'Start recording';
    record.dataset.recording = String(recording);
    const liveToggle = byId('live-toggle');
    liveToggle.hidden = !this.mayStream;
    liveToggle.textContent = live ? 'Stop live stream' : 'Start live stream';
    liveToggle.dataset.live = String(live);
    const liveInfo = byId('live-info');
    liveInfo.hidden = !live;
    liveInfo.textContent = live ? `Live at ${s!.streaming_url} · passcode ${s!.streaming_pwd}` : '';
    input('share-hosts-only').checked = this.signal.info?.share_policy === 'hosts';
    byId<HTMLSelectElement>('guest-chat').value = this.signal.info?.guest_chat ?? 'all';
    byId<HTMLButtonElement>('unset-lecturer').disabled = (this.layout?.lecturer ?? '') === '';
    byId<HTMLButtonElement>('unpin').disabled = !(this.pin?.scope === 'meeting' && this.pin.pin_speaker_uuid !== '');
    // In the order the hands went up (the server keeps the queue).
    byId('request-list').replaceChildren(
      ...this.requests.map((r, i) =>
        h(
          'li',
          { 'data-uuid': r.uuid, 'data-position': i + 1 },
          h('span', { class: 'position' }, `${i + 1}.`),
          ' ',
          r.display_name,
          ' ',
          h('button', { type: 'button', class: 'small', 'data-action': 'allow', onclick: () => this.act('Allow', () => this.rest.allowUnmute(this.number, [r.uuid])) }, 'Allow'),
          h('button', { type: 'button', class: 'small', 'data-action': 'lower-hand', onclick: () => this.act('Lower hand', () => this.rest.lowerHands(this.number, [r.uuid])) }, 'Lower'),
        ),
      ),
    );
  }

  private wireControls(): void {
    const on = (id: string, type: string, handler: (event: Event) => void) =>
      byId(id).addEventListener(type, handler, { signal: this.controls.signal });
    on('mic', 'click', () => {
      const muted = this.signal.self?.audio_mute ?? true;
      // The local track follows the roster once the server has accepted it (web/webrtc-media.ts).
      this.act(muted ? 'Unmute' : 'Mute', () => this.signal.mute({ audio: !muted }));
    });
    on('camera', 'click', () => {
      const muted = this.signal.self?.video_mute ?? true;
      this.act(muted ? 'Start video' : 'Stop video', () => this.signal.mute({ video: !muted }));
    });
    on('share', 'click', () => {
      const sharing = this.media.state.sharing;
      this.act(sharing ? 'Stop sharing' : 'Share screen', () =>
        this.media.share(!sharing).catch((e: unknown) => {
          // Cancelled in the browser's picker: nothing to report.
          if (!(e instanceof DOMException && e.name === 'NotAllowedError')) throw e;
        }),
      );
    });
    on('hand', 'click', () => {
      const raised = this.signal.self?.hand_raised ?? false;
      this.act('Hand', () => (raised ? this.signal.lowerHand() : this.signal.raiseHand()));
    });
    on('rename', 'click', () => {
      const name = prompt('Your name in the meeting', this.signal.self?.display_name ?? '');
      if (name === null || name.trim() === '') return;
      this.act('Rename', () => this.signal.rename(name.trim().slice(0, 128)));
    });
    const n = () => this.number;
    on('mute-all', 'click', () => this.act('Mute all', () => this.rest.muteAll(n(), { allow_self_unmute: input('mute-all-allow').checked })));
    on('unmute-all', 'click', () => this.act('Unmute all', () => this.rest.unmuteAll(n())));
    on('allow-all', 'click', () => this.act('Allow all', () => this.rest.allowUnmuteAll(n())));
    on('lobby-admit-all', 'click', () => this.act('Admit all', () => this.rest.lobbyAdmit(n())));
    on('lobby-refuse-all', 'click', () => this.act('Refuse all', () => this.rest.lobbyRefuse(n())));
    on('lobby-mode', 'change', () => this.act('Lobby', () => this.rest.setLobby(n(), byId<HTMLSelectElement>('lobby-mode').value as 'off' | 'guests' | 'uninvited')));
    on('lower-all', 'click', () => this.act('Lower all hands', () => this.rest.lowerHands(n())));
    on('lock-toggle', 'click', () => this.act('Lock', () => (this.signal.info?.locked ? this.rest.unlock(n()) : this.rest.lock(n()))));
    on('unset-lecturer', 'click', () => this.act('End lecturer mode', () => this.rest.unsetLecturer(n())));
    on('share-hosts-only', 'change', () => this.act('Screen sharing', () => this.rest.setSharePolicy(n(), input('share-hosts-only').checked ? 'hosts' : 'everyone')));
    on('unpin', 'click', () => this.act('Unpin', () => this.rest.unpin(n())));
    on('guest-chat', 'change', () =>
      this.act('Guest chat', () => this.rest.setGuestChat(n(), byId<HTMLSelectElement>('guest-chat').value as 'all' | 'public' | 'none')),
    );
    on('record-toggle', 'click', () => {
      const recording = this.session?.recording_status === 'STARTED';
      this.act(recording ? 'Stop recording' : 'Start recording', () => this.rest.recording(n(), !recording));
    });
    on('live-toggle', 'click', () => {
      const live = this.session?.streaming_status === 'STARTED';
      if (live) return this.act('Stop live stream', () => this.rest.liveStreaming(n(), false));
      // Viewers need a passcode: the host chooses one, or the server makes one up (shown here once it runs).
      const passcode = prompt('Passcode for the viewers (4–16 digits; empty: the server chooses one)', '');
      if (passcode === null) return;
      this.act('Start live stream', () => this.rest.liveStreaming(n(), true, passcode.trim() ? { live_password: passcode.trim() } : {}));
    });
    on('overlay-form', 'submit', (event) => {
      event.preventDefault();
      const content = input('overlay-input').value.trim();
      if (content === '') return;
      const position = Number(byId<HTMLSelectElement>('overlay-position').value) as 0 | 50 | 100;
      const repeat = Math.min(999, Math.max(1, Math.trunc(Number(input('overlay-repeat').value) || 3)));
      this.act('Overlay', () => this.rest.startOverlay(n(), { content, position, enable_scroll: input('overlay-scroll').checked, repeat }));
    });
    on('overlay-stop', 'click', () => this.act('Remove overlay', () => this.rest.stopOverlay(n())));
    on('stop-meeting', 'click', () => {
      if (!confirm('End the meeting for everyone?')) return;
      this.act('End meeting', () => this.rest.stop(n()));
    });
  }

  /** Runs an action; a refusal is shown as a toast with the server's reason. */
  private act(label: string, run: () => Promise<unknown>): void {
    run().then(
      () => this.schedule(),
      (e: unknown) => {
        const why = e instanceof RestError || e instanceof SignalError ? e.error : e instanceof Error ? e.message : String(e);
        this.toast(`${label}: ${why}`);
      },
    );
  }
}
