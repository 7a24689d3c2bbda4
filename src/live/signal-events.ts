import type { ChatMessage, EventOf, RosterEntry, ServerEvent } from '../../contract/signal/protocol.ts';
import { REASON_CODES, type Reason } from '../../contract/signal/reasons.ts';
import { type LinkBase, meetingUrl } from '../scheduling/links.ts';
import { pinSeen } from './live-meeting.ts';
import type { ChatView, Notice, ParticipantView, Viewer } from './notices.ts';
import { type Participant, viewOf } from './participant.ts';

/** Notices whose event differs per recipient (their own name, their own pin and layout). */
export const isPerViewer = (notice: Notice): boolean => notice.kind === 'info' || notice.kind === 'layout' || notice.kind === 'pin';

export const rosterEntry = (v: ParticipantView): RosterEntry => ({
  uuid: v.clientId,
  display_name: v.displayName,
  user_id: v.userId,
  audio_mute: v.audioMuted,
  video_mute: v.videoMuted,
  role: v.role,
  hand_raised: v.handRaised,
});

export const chatEntry = (m: ChatView): ChatMessage => ({
  id: m.id,
  time: m.at,
  from: m.from,
  from_name: m.fromName,
  to: m.to,
  to_name: m.toName,
  private: m.to !== '',
  text: m.text,
});

/** The protocol event for one notice, as `viewer` receives it (one function per shape: the wire names live here). */
export function renderNotice(notice: Notice, viewer: Viewer, links: LinkBase): ServerEvent {
  switch (notice.kind) {
    case 'info': {
      const m = notice.meeting;
      return {
        type: 'meeting.info',
        meeting_number: m.meetingNumber,
        meeting_name: m.name,
        display_name: viewer.displayName,
        owner_id: m.ownerId,
        owner_name: m.ownerName,
        meeting_url: m.infoKey ? meetingUrl(links, m.infoKey) : '',
        group_meeting_url: m.groupKey ? meetingUrl(links, m.groupKey) : '',
        start_time: m.startedAt,
        end_time: m.endTime ?? 0,
        is_guest: viewer.userId === '',
        locked: m.locked,
        share_policy: m.sharePolicy,
        guest_chat: m.guestChat,
        lobby: m.lobby,
      };
    }
    case 'count':
      return { type: 'participant.count', count: notice.count };
    case 'roster':
      return {
        type: 'roster',
        full: notice.full,
        participants: notice.participants.map(rosterEntry),
        left: notice.left,
        ...(notice.allAudio ? { all_audio_mute: notice.allAudio } : {}),
      };
    case 'muteLock':
      return { type: 'mute.lock', muted: notice.muted, allow_self_unmute: notice.allowSelfUnmute };
    case 'unmuteRequests':
      return { type: 'unmute.requested', requests: notice.requests.map((r) => ({ uuid: r.clientId, display_name: r.displayName })) };
    case 'unmuteAllowed':
      return { type: 'unmute.allowed' };
    case 'layout':
      return {
        type: 'layout.setting',
        lecturer: notice.lecturer ?? '',
        lectures: notice.lecturer ? [notice.lecturer] : [],
        max_cell_count: viewer.maxViews,
        layout: viewer.layout,
      };
    case 'pin': {
      const pin = pinSeen(viewer, notice.meetingPin);
      return { type: 'pin.changed', pin_speaker_uuid: pin.clientId, scope: pin.scope };
    }
    case 'overlay':
      return {
        type: 'overlay',
        enabled: notice.overlay.enabled,
        text: notice.overlay.text,
        font: 'sans-serif',
        font_size: 24,
        color: '#ffffff',
        vertical_position: notice.overlay.position,
        background_transparency: 50,
        display_repetition: notice.overlay.repeat,
        display_speed: notice.overlay.scroll ? 'slow' : 'static',
        text_overlay_type: 'global',
      };
    case 'session': {
      const watermark = { enable: notice.watermark, style: notice.watermarkType };
      return {
        type: 'session.status',
        watermark,
        watermark_msg: JSON.stringify(watermark),
        recording_status: notice.recording ? 'STARTED' : 'NOT_STARTED',
        streaming_status: notice.streaming ? 'STARTED' : 'NOT_STARTED',
        streaming_url: notice.streaming?.url ?? '',
        streaming_pwd: notice.streaming?.passcode ?? '',
      };
    }
    case 'ended':
      return disconnectedStatus(notice.reason, notice.message);
    case 'mediaSlots':
      return { type: 'media.slots', audio: notice.audio, video: notice.video, content: notice.content };
    case 'speaker':
      return { type: 'media.speaker', uuid: notice.clientId };
    case 'mediaRestart':
      return { type: 'media.restart', message: notice.message };
    case 'captureStopped':
      return { type: 'recording.stopped', what: notice.what, reason: notice.reason, message: notice.message };
    case 'passcodeLockout':
      return {
        type: 'passcode.lockout',
        until: notice.until,
        message: 'Too many wrong passwords were tried for this meeting: for now only hosts and people who join from the meeting link can get in.',
      };
    case 'chat':
      return { type: 'chat.message', message: chatEntry(notice.message) };
    case 'chatHistory':
      return { type: 'chat.history', messages: notice.messages.map(chatEntry) };
    case 'chatDeleted':
      return { type: 'chat.deleted', message_id: notice.id };
    case 'reaction':
      return { type: 'reaction', uuid: notice.clientId, emoji: notice.emoji };
    case 'lobby':
      return { type: 'lobby', waiting: notice.waiting.map((w) => ({ uuid: w.clientId, display_name: w.displayName, guest: w.guest, since: w.since })) };
  }
}

export const connectedStatus = (p: Participant, resumed: boolean): EventOf<'meeting.status'> => ({
  type: 'meeting.status',
  status: 'connected',
  reason: 'StatusOk',
  reason_code: REASON_CODES.StatusOk,
  message: resumed ? 'connection resumed' : 'joined',
  resume_token: p.resumeToken,
  resumed,
  self: rosterEntry(viewOf(p)),
});

export const disconnectedStatus = (reason: Reason, message: string): EventOf<'meeting.status'> => ({
  type: 'meeting.status',
  status: 'disconnected',
  reason,
  reason_code: REASON_CODES[reason],
  message,
});

export const joinFailed = (reason: Reason, message: string): EventOf<'join.failed'> => ({
  type: 'join.failed',
  reason,
  reason_code: REASON_CODES[reason],
  message,
});
