import type { ChildProcess } from 'node:child_process';

/** How {@link waitUntilReady} words its failures. */
export interface ReadyMessages {
  readonly timedOut: () => string;
  readonly exited: (codeOrSignal: number | string | null) => string;
}

/**
 * Resolves once `isReady()` holds after output on the child's stdout (the caller collects that output), and
 * rejects when the child fails to spawn, exits first, or `timeoutMs` passes.
 */
export function waitUntilReady(child: ChildProcess, isReady: () => boolean, timeoutMs: number, messages: ReadyMessages): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(messages.timedOut())), timeoutMs);
    const onData = (): void => {
      if (isReady()) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(messages.exited(code ?? signal)));
    });
  });
}
