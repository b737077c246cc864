/**
 * How a `threads` worker hands a predict reply to piscina: with the result's mask buffers moved, not copied.
 * @internal
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { resultTransferList, type WireReply } from './wire.js';

/**
 * `reply`, or when its result has masks, piscina's movable wrapper of it (typed as the reply it stands for): the worker posts `[valueSymbol]` with
 * `[transferableSymbol]` as the transfer list, and the main thread's task resolves with the reply. The worker's
 * own result is dropped right after, so nothing there reads the detached masks.
 */
export function withTransfers(reply: WireReply): WireReply {
  const transferList = reply.ok ? resultTransferList(reply.result) : [];
  if (transferList.length === 0) return reply;
  return move({ [transferableSymbol]: transferList, [valueSymbol]: reply }) as unknown as WireReply;
}
