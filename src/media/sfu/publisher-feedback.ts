import { performance } from 'node:perf_hooks';
import { type RTCDtlsTransport, RTP_EXTENSION_URI, type RTCRtpTransceiver } from 'werift';
import { FEEDBACK_INTERVAL_MS, TransportFeedback } from '../policy/transport-feedback.ts';

/**
 * Transport-wide congestion control feedback on one publisher connection: notes when each packet carrying a
 * transport-wide sequence number arrives and sends the reports every FEEDBACK_INTERVAL_MS over the connection's SRTCP.
 * With it, the browser's send-side estimator ramps up to the answer's b=AS cap within seconds and backs off when the
 * path queues or loses.
 *
 * Packets are taken from the transport (every decrypted RTP packet of the bundle), not from the tracks: a packet werift
 * routes to no track (a probe on an SSRC it does not know, a simulcast layer before it is bound) still used a sequence
 * number at the sender, and left out of the feedback it would read as lost, which stops the sender's probing.
 */
export class PublisherFeedback {
  private readonly feedback: TransportFeedback;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly transport: RTCDtlsTransport;

  constructor(
    transceiver: RTCRtpTransceiver,
    private readonly report: (error: unknown, context: string) => void,
  ) {
    this.transport = transceiver.receiver.dtlsTransport;
    this.feedback = new TransportFeedback(transceiver.receiver.rtcpSsrc);
    // One id for the whole bundle (the SFU's answer gives each extension one id across m-lines).
    const id = transceiver.headerExtensions.find((e) => e.uri === RTP_EXTENSION_URI.transportWideCC)?.id;
    let ssrcKnown = false;
    this.unsubscribe = this.transport.onRtp.subscribe((packet) => {
      try {
        const element = packet.header.extensions.find((e) => e.id === id);
        if (!element || element.payload.length < 2) return;
        if (!ssrcKnown) {
          ssrcKnown = true;
          this.feedback.setMediaSsrc(packet.header.ssrc);
        }
        this.feedback.record(element.payload.readUInt16BE(0), performance.now() * 1000);
      } catch (error) {
        this.report(error, 'reading a transport-wide sequence number');
      }
    }).unSubscribe;
    this.timer = setInterval(() => this.send(), FEEDBACK_INTERVAL_MS);
    this.timer.unref();
  }

  private send(): void {
    try {
      const reports = this.feedback.report();
      if (reports.length === 0 || this.transport.state !== 'connected') return;
      // werift's sendRtcp serializes each packet it is given: a ready buffer passes through as it is.
      const packets = reports.map((buffer) => ({ serialize: () => buffer }));
      this.transport.sendRtcp(packets as unknown as Parameters<RTCDtlsTransport['sendRtcp']>[0]).catch((error: unknown) => this.report(error, 'sending transport-cc feedback'));
    } catch (error) {
      this.report(error, 'building transport-cc feedback');
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }
}
