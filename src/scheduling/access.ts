import type { User } from '../accounts/user.ts';
import { isMeetingManager } from '../accounts/user.ts';

/** Owners manage their meetings; MeetingOperator and SystemAdmin manage anyone's (contract §9). */
export const canManage = (user: User, meeting: { ownerId: string }): boolean => meeting.ownerId === user.id || isMeetingManager(user);
