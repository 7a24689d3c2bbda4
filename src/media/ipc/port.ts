import type { ChildProcess } from 'node:child_process';

/**
 * The transport under a Channel: one end of a Node IPC pipe. Two implementations: the supervisor's end
 * (childPort, around the ChildProcess from fork()) and the worker's end (processPort, around `process`).
 */
export interface IpcPort {
  /** Sends one message; `done` gets the error when it could not be written (the pipe is closed). */
  send(message: object, done: (error: Error | null) => void): void;
  /**
   * Starts delivering messages and the close of the pipe (the other process exited or disconnected); called once.
   * Returns the function that stops delivery.
   */
  attach(onMessage: (message: unknown) => void, onClose: (reason: string) => void): () => void;
  /** Closes the pipe from this side; the other side sees its channel close. */
  disconnect(): void;
}

/** The supervisor's end of a forked worker's IPC pipe. */
export function childPort(child: ChildProcess): IpcPort {
  return {
    send(message, done) {
      if (!child.connected) {
        queueMicrotask(() => done(new Error('IPC channel is not connected')));
        return;
      }
      child.send(message, (error) => done(error ?? null));
    },
    attach(onMessage, onClose) {
      const exit = (code: number | null, signal: NodeJS.Signals | null) =>
        onClose(signal ? `worker exited on ${signal}` : `worker exited with code ${code}`);
      const disconnect = () => onClose('worker disconnected');
      child.on('message', onMessage);
      child.on('exit', exit);
      child.on('disconnect', disconnect);
      if (!child.connected) queueMicrotask(disconnect);
      return () => {
        child.off('message', onMessage);
        child.off('exit', exit);
        child.off('disconnect', disconnect);
      };
    },
    disconnect() {
      if (child.connected) child.disconnect();
    },
  };
}

/** The worker's end: `process` of a process started by fork(). */
export function processPort(proc: NodeJS.Process = process): IpcPort {
  return {
    send(message, done) {
      if (!proc.send || !proc.connected) {
        queueMicrotask(() => done(new Error('IPC channel is not connected')));
        return;
      }
      proc.send(message, undefined, undefined, (error: Error | null) => done(error ?? null));
    },
    attach(onMessage, onClose) {
      const disconnect = () => onClose('supervisor disconnected');
      proc.on('message', onMessage);
      proc.on('disconnect', disconnect);
      if (!proc.connected) queueMicrotask(disconnect);
      return () => {
        proc.off('message', onMessage);
        proc.off('disconnect', disconnect);
      };
    },
    disconnect() {
      if (proc.connected) proc.disconnect?.();
    },
  };
}
