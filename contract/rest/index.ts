import { inMeetingOperations } from './in-meeting.ts';
import { meetingControlOperations } from './meeting-control.ts';
import { meetingLinkOperations } from './meeting-links.ts';
import { meetingRoomOperations } from './meeting-room.ts';
import { meetingScheduleOperations } from './meeting-schedule.ts';
import type { Operation } from './operation.ts';
import { recordingOperations } from './recordings.ts';
import { systemOperations } from './system.ts';
import { userOperations } from './user.ts';

/** Every REST operation of the contract, for checks that must cover them all (handlers, security matrix). */
export const allOperations: readonly Operation[] = [
  ...userOperations,
  ...systemOperations,
  ...meetingRoomOperations,
  ...meetingLinkOperations,
  ...meetingScheduleOperations,
  ...meetingControlOperations,
  ...inMeetingOperations,
  ...recordingOperations,
];
