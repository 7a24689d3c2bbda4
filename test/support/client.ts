import { Agent, request } from 'node:https';

export interface Reply<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: T;
  /** The body's bytes (a file download). */
  raw: Buffer;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** An object is sent as JSON; a string is sent as it is (to test raw and empty bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A plain HTTPS client like the FRTC apps: certificate checks off (they skip them too), credentials in the query,
 * `Content-Type: application/json` whenever there is a body.
 */
export class HttpsClient {
  private readonly agent: Agent;

  /** `localAddress`: the loopback address to connect from (e.g. 127.0.0.2), to act as another client machine. */
  constructor(
    readonly baseUrl: string,
    options: { localAddress?: string } = {},
  ) {
    this.agent = new Agent({ rejectUnauthorized: false, keepAlive: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  }

  call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          let body: unknown = undefined;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T, raw });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
