import { performance } from 'node:perf_hooks';
import { RTP_EXTENSION_URI, type RTCRtpTransceiver } from 'werift';
import { FEEDBACK_INTERVAL_MS, TransportFeedback } from '../policy/transport-feedback.ts';

/**
 * Transport-wide congestion control feedback on one publisher connection: notes when each video packet carrying a
 * transport-wide sequence number arrives (camera and screen share share one sequence: the connection is bundled) and
 * sends the reports every FEEDBACK_INTERVAL_MS over the connection's SRTCP. With it, the browser's send-side estimator
 * ramps up to the answer's b=AS cap within seconds and backs off when the path queues or loses.
 */
export class PublisherFeedback {
  private readonly feedback: TransportFeedback;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly transceivers: RTCRtpTransceiver[],
    private readonly report: (error: unknown, context: string) => void,
  ) {
    const first = transceivers[0]!;
    this.feedback = new TransportFeedback(first.receiver.rtcpSsrc);
    let ssrcKnown = false;
    for (const t of transceivers) {
      for (const track of t.receiver.tracks) {
        const { unSubscribe } = track.onReceiveRtp.subscribe((packet, extensions) => {
          const seq = extensions?.[RTP_EXTENSION_URI.transportWideCC];
          if (typeof seq !== 'number') return;
          if (!ssrcKnown) {
            ssrcKnown = true;
            this.feedback.setMediaSsrc(packet.header.ssrc);
          }
          this.feedback.record(seq, performance.now() * 1000);
        });
        this.unsubscribe.push(unSubscribe);
      }
    }
    this.timer = setInterval(() => this.send(), FEEDBACK_INTERVAL_MS);
    this.timer.unref();
  }

  private send(): void {
    try {
      const reports = this.feedback.report();
      if (reports.length === 0) return;
      const transport = this.transceivers[0]!.receiver.dtlsTransport;
      if (transport.state !== 'connected') return;
      // werift's sendRtcp serializes each packet it is given: a ready buffer passes through as it is.
      const packets = reports.map((buffer) => ({ serialize: () => buffer }));
      transport.sendRtcp(packets as unknown as Parameters<typeof transport.sendRtcp>[0]).catch((error: unknown) => this.report(error, 'sending transport-cc feedback'));
    } catch (error) {
      this.report(error, 'building transport-cc feedback');
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
