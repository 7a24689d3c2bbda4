/**
 * The message maps of the supervisor ↔ media worker channel. A side of a channel is described by the requests it
 * answers and the notifications it sends; Channel<Local, Remote> is typed by method name from these maps.
 *
 * Everything that crosses is JSON (the channel uses Node's 'json' IPC serialization, see channel.ts), which the `Json`
 * constraint checks at compile time: a Map, a Buffer or a class instance in a message is a type error, not a silently
 * emptied object on the other side. Media never crosses this channel: workers own their UDP sockets.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** Params or result of a request that carries nothing. */
export type Empty = Record<string, never>;

export type RequestMap = Record<string, { params: JsonObject; result: JsonObject }>;
export type NotificationMap = Record<string, JsonObject>;

/** One side of a channel: the requests it serves and the notifications (one-way events) it sends. */
export interface Side {
  requests: RequestMap;
  notifications: NotificationMap;
}

import type { MediaTransport, RecorderEvent, RtpLegSettings, RecorderSpec, RoomPolicy, SlotAssignment, SubscribeOffer } from '../engine.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The media worker process (src/media/worker/main.ts). */
export type WorkerSide = {
  requests: {
    /** Health check; also what the pool's periodic ping sends. */
    ping: { params: Empty; result: { pid: number; rss: number } };
    /** Idempotent: opening an open room succeeds. */
    openRoom: { params: { roomId: string }; result: Empty };
    /** Idempotent: closing an unknown room succeeds. */
    closeRoom: { params: { roomId: string }; result: Empty };
    roomCount: { params: Empty; result: { count: number } };
    /** Replaces the room's policy (the room must be open). */
    setPolicy: { params: { roomId: string; policy: RoomPolicy }; result: Empty };
    /**
     * The participant's publish offer → the SFU's answer (WebRTC unless `transport` says plain RTP). An SDP that
     * cannot be served fails as `BadMediaRequest`.
     */
    publish: { params: { roomId: string; participantId: string; sdp: string; transport?: MediaTransport }; result: { sdp: string } };
    /** Dial-out: a plain RTP leg's offer (see MediaEngine.offerRtp), and the device's answer to it. */
    offerRtp: { params: { roomId: string; participantId: string; leg: RtpLegSettings }; result: { sdp: string } };
    acceptRtp: { params: { roomId: string; participantId: string; sdp: string }; result: Empty };
    subscribe: { params: { roomId: string; participantId: string }; result: SubscribeOffer };
    accept: { params: { roomId: string; participantId: string; sdp: string }; result: Empty };
    /**
     * Starts a recorder the room's policy lists: its ffmpeg runs when this answers. Fails as `BadMediaRequest` when
     * the policy does not list it or it runs already, as `RecorderFailed` when ffmpeg cannot be started.
     */
    startRecorder: { params: { roomId: string; recorder: RecorderSpec }; result: Empty };
    /** Asks a recorder to finish; its `recorder` notification with an `ended` event follows. Unknown: no-op. */
    stopRecorder: { params: { roomId: string; recorderId: string }; result: Empty };
    /** Packet counters of a room (tests, diagnostics): received per participant/kind, forwarded per viewer/mid. */
    roomStats: { params: { roomId: string }; result: { received: Record<string, number>; forwarded: Record<string, number> } };
    /**
     * DIAGNOSTIC, served only by a worker started with diagnostics on (WorkerPool option `diagnostics`, used by the
     * tests; never by the server): answers after `ms` (at most 60 000) without blocking the worker, to exercise
     * request deadlines. Without diagnostics it fails as an unknown method.
     */
    sleep: { params: { ms: number }; result: Empty };
    /**
     * DIAGNOSTIC, same guard: busy-waits `ms` (at most 60 000), so the worker's event loop is wedged and its pings go
     * unanswered, as in a worker stuck in a loop.
     */
    block: { params: { ms: number }; result: Empty };
  };
  notifications: {
    /** Sent once, when the worker's handlers are installed; the pool sends nothing before it. */
    ready: { pid: number };
    log: { level: LogLevel; msg: string };
    slots: { roomId: string; participantId: string; assignment: SlotAssignment };
    speaker: { roomId: string; participantId: string };
    recorder: { roomId: string; recorderId: string; event: RecorderEvent };
    rtpSilent: { roomId: string; participantId: string };
  };
};

/** The supervisor (WorkerPool): serves no requests and sends no notifications yet. */
export type SupervisorSide = {
  requests: Record<never, never>;
  notifications: Record<never, never>;
};

/** Longest `sleep`/`block` a diagnostic request may ask for. */
export const DIAGNOSTIC_MAX_MS = 60_000;
