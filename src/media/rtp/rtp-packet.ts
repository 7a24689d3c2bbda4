/**
 * One plain RTP packet (RFC 3550: version 2, no padding, extension or CSRCs): the 12-byte header and the payload. The
 * SIP legs, their prompts and the recorders' feed to ffmpeg all send such packets; SRTP goes through werift's path.
 */
export function rtpPacket(payloadType: number, seq: number, timestamp: number, ssrc: number, payload: Uint8Array, marker = false): Buffer {
  const packet = Buffer.allocUnsafe(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  packet.set(payload, 12);
  return packet;
}
