import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import * as ops from '../../contract/rest/meeting-room.ts';
import { displayName } from '../accounts/people.ts';
import type { Authenticate } from '../http/route.ts';
import { registerOperation } from '../http/route.ts';
import type { RoomsService, RoomView, RoomViewPage } from './rooms.service.ts';

type WireRoom = Static<typeof ops.MeetingRoomView>;

const wireRoom = ({ room, owner, creator }: RoomView): WireRoom => ({
  meeting_room_id: room.id,
  meeting_number: room.meetingNumber,
  meetingroom_name: room.name,
  meeting_password: room.password,
  lobby: room.lobby,
  owner_id: room.ownerId,
  owner_name: displayName(owner),
  creator_id: room.creatorId,
  creator_name: displayName(creator),
  created_time: room.createdAt,
});

const wirePage = (page: RoomViewPage) => ({
  meeting_rooms: page.rooms.map(wireRoom),
  total_page_num: Math.ceil(page.total / page.pageSize),
  total_size: page.total,
});

export function roomsRoutes(
  app: FastifyInstance,
  rooms: RoomsService,
  authenticate: Authenticate,
  /** Told the number of every edited room, so a live session in it can follow its new name. */
  onChanged: (meetingNumber: string) => void = () => {},
): void {
  registerOperation(app, ops.listOwnMeetingRooms, authenticate, async ({ caller, query }) =>
    wirePage(await rooms.listOwn(caller, { pageNum: query.page_num ?? 1, pageSize: query.page_size ?? 500 })),
  );
  registerOperation(app, ops.listMeetingRooms, authenticate, async ({ caller, query }) =>
    wirePage(await rooms.listAll(caller, { pageNum: query.page_num ?? 1, pageSize: query.page_size ?? 50, filter: query.filter?.trim() ?? '' })),
  );
  registerOperation(app, ops.getMeetingRoom, authenticate, async ({ caller, params }) => wireRoom(await rooms.get(caller, params.meeting_room_id)));
  registerOperation(app, ops.createMeetingRoom, authenticate, async ({ caller, body }) =>
    wireRoom(await rooms.create(caller, { name: body.meetingroom_name, ownerId: body.owner_id, password: body.meeting_password, lobby: body.lobby })),
  );
  registerOperation(app, ops.updateMeetingRoom, authenticate, async ({ caller, params, body }) => {
    const view = await rooms.update(caller, params.meeting_room_id, {
      name: body.meetingroom_name,
      ownerId: body.owner_id,
      password: body.meeting_password,
      lobby: body.lobby,
    });
    onChanged(view.room.meetingNumber);
    return wireRoom(view);
  });
  registerOperation(app, ops.deleteMeetingRoom, authenticate, async ({ caller, params }) => {
    await rooms.delete(caller, params.meeting_room_id);
    return {};
  });
}
