/**
 * The part of the npm `sip` package (a SIP stack in JavaScript, no types of its own) that the gateway uses: a stack
 * made by create() with its transports (UDP, TCP) and transaction layer; messages as parsed objects.
 */
declare module 'sip' {
  export interface NameAddr {
    name?: string;
    uri: string;
    params: Record<string, string | null | undefined>;
  }
  export interface SipMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version?: string;
    headers: {
      via?: Array<{ host: string; port?: number; protocol?: string; params: Record<string, string | null | undefined> }>;
      from?: NameAddr;
      to?: NameAddr;
      'call-id'?: string;
      cseq?: { seq: number; method: string };
      contact?: NameAddr[] | '*';
      'content-type'?: string;
      [header: string]: unknown;
    };
    content?: string;
  }
  export interface Remote {
    protocol: string;
    address: string;
    port: number;
  }
  export interface StackOptions {
    address?: string;
    port?: number;
    udp?: boolean;
    tcp?: boolean;
    publicAddress?: string;
    hostname?: string;
    maxBytesHeaders?: number;
    maxContentLength?: number;
    logger?: { error?: (e: unknown) => void; send?: (m: SipMessage, target: unknown) => void; recv?: (m: SipMessage, remote: Remote) => void };
  }
  export interface Stack {
    send(message: SipMessage, callback?: (response: SipMessage) => void): void;
    destroy(): void;
    hostname(): string;
  }
  export interface ParsedUri {
    schema: string;
    user?: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
  }
  const sip: {
    create(options: StackOptions, onRequest: (request: SipMessage, remote: Remote) => void): Stack;
    makeResponse(request: SipMessage, status: number, reason?: string, extension?: Partial<SipMessage>): SipMessage;
    parseUri(uri: string): ParsedUri;
    generateBranch(): string;
  };
  export default sip;
}
