/** The typed failures of an IPC channel. Every pending request ends in a result or in exactly one of these. */
export class IpcError extends Error {
  override name = 'IpcError';
}

/** The request got no response before its deadline (the other side is wedged, or slow). */
export class IpcTimeoutError extends IpcError {
  override name = 'IpcTimeoutError';
  constructor(
    readonly method: string,
    readonly requestId: number,
    readonly timeoutMs: number,
  ) {
    super(`IPC request ${method}#${requestId} got no response within ${timeoutMs} ms`);
  }
}

/** The channel closed (the other process exited or disconnected, or this side closed it) before a response came. */
export class ChannelClosedError extends IpcError {
  override name = 'ChannelClosedError';
  constructor(
    readonly reason: string,
    readonly method?: string,
  ) {
    super(method ? `IPC request ${method} failed: channel closed (${reason})` : `IPC channel closed (${reason})`);
  }
}

/** A message was larger than the channel's limit; it was not sent. */
export class IpcMessageTooLargeError extends IpcError {
  override name = 'IpcMessageTooLargeError';
  constructor(
    readonly method: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`IPC message ${method} is ${bytes} bytes, over the limit of ${limit}`);
  }
}

/** The other side answered the request with an error (its handler threw, or it does not know the method). */
export class IpcRemoteError extends IpcError {
  override name = 'IpcRemoteError';
  constructor(
    readonly method: string,
    /** The `name` of the error on the other side, e.g. 'Error', 'IpcUnknownMethod'. */
    readonly remoteName: string,
    message: string,
  ) {
    super(`${method}: ${remoteName}: ${message}`);
  }
}
