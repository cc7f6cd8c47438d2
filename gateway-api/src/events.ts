import type { Request, Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { ErrorCodes, errorBody, fromFabricError, GridLedgerError, httpStatusOf } from './errors';
import { noteOwnMeter, Viewer, visiblePayload } from './event-visibility';
import type { EventStream, LedgerEvent, LedgerPort, Logger } from './ports';

/**
 * Server-sent events from the chaincode's events, resumable from a checkpoint.
 *
 * A checkpoint `<blockNumber>:<txId>` says: every event up to and including the one of that
 * transaction has been delivered (a transaction emits at most one chaincode event). `<blockNumber>`
 * alone says the whole block has been delivered. Resuming asks the peer for events from the
 * checkpoint's block and drops those the checkpoint covers.
 */
export interface Checkpoint {
  blockNumber: bigint;
  txId?: string;
}

const CHECKPOINT = /^(\d{1,19})(?::([^\s:]+))?$/;

export function parseCheckpoint(text: string | undefined): Checkpoint | undefined {
  if (text === undefined) return undefined;
  const m = CHECKPOINT.exec(text.trim());
  if (!m) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'a checkpoint is <blockNumber>:<txId> or <blockNumber>', { path: 'after' });
  return { blockNumber: BigInt(m[1]), txId: m[2] };
}

export const formatCheckpoint = (event: Pick<LedgerEvent, 'blockNumber' | 'txId'>): string => `${event.blockNumber}:${event.txId}`;

/**
 * Decides for each event, in the order the peer delivers them, whether it is new. Events of blocks
 * before the position and events already passed in the current block are dropped, so a stream
 * that is re-opened from the current block (after a peer restart) repeats nothing.
 */
export class ResumePosition {
  private block: bigint;
  /** In `block`, the transaction up to which events are already delivered (a checkpoint's txId). */
  private skipUntil?: string;
  private seen = new Set<string>();

  constructor(from?: { checkpoint?: Checkpoint; fromBlock?: bigint }) {
    const cp = from?.checkpoint;
    if (cp) {
      this.block = cp.txId === undefined ? cp.blockNumber + 1n : cp.blockNumber;
      this.skipUntil = cp.txId;
    } else {
      this.block = from?.fromBlock ?? 0n;
    }
  }

  /** Where to (re)open the peer's stream. */
  startBlock(): bigint {
    return this.block;
  }

  accept(event: Pick<LedgerEvent, 'blockNumber' | 'txId'>): boolean {
    if (event.blockNumber < this.block) return false;
    if (event.blockNumber > this.block) {
      this.block = event.blockNumber;
      this.skipUntil = undefined;
      this.seen = new Set();
    }
    if (this.skipUntil !== undefined) {
      if (event.txId === this.skipUntil) this.skipUntil = undefined;
      return false;
    }
    if (this.seen.has(event.txId)) return false;
    this.seen.add(event.txId);
    return true;
  }
}

function payloadOf(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

export function sseFrame(event: LedgerEvent, payload: unknown = payloadOf(event.payload)): string {
  const data = {
    name: event.name,
    blockNumber: Number(event.blockNumber),
    txId: event.txId,
    payload,
  };
  return `id: ${formatCheckpoint(event)}\nevent: ${event.name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The event's frame as the viewer may see it, or undefined when it may see nothing of it. */
export function visibleFrame(event: LedgerEvent, viewer: Viewer | undefined): string | undefined {
  const payload = payloadOf(event.payload);
  if (viewer === undefined) return sseFrame(event, payload);
  noteOwnMeter(viewer, event.name, payload);
  const visible = visiblePayload(viewer, event.name, payload);
  return visible === undefined ? undefined : sseFrame(event, visible);
}

export interface EventStreamOptions {
  ledger: LedgerPort;
  user: WalletUser;
  /** What of each event the caller may see (event-visibility.ts); everything when absent. */
  viewer?: Viewer;
  log: Logger;
  /** Open streams, so that shutdown can end them. */
  open: Set<Response>;
  heartbeatMs?: number;
  /** Wait before re-opening the peer's stream after it failed. */
  reconnectMs?: number;
}

/** Serves GET /events: validates the resume position, opens the peer's stream, relays events. */
export async function serveEvents(req: Request, res: Response, opts: EventStreamOptions): Promise<void> {
  const header = req.get('Last-Event-ID');
  const after = typeof req.query.after === 'string' ? req.query.after : undefined;
  const checkpoint = parseCheckpoint(header ?? after);
  // Without a position the stream starts at the next block; fixing that block now means that a
  // re-opened stream loses nothing committed meanwhile.
  const fromBlock =
    req.query.fromBlock !== undefined
      ? BigInt(String(req.query.fromBlock))
      : checkpoint === undefined
        ? await opts.ledger.blockHeight()
        : undefined;
  const position = new ResumePosition({ checkpoint, fromBlock });

  // Subscribe before answering: a failure to reach the ledger is an ordinary error response.
  let stream: EventStream | undefined = await opts.ledger.chaincodeEvents(opts.user, position.startBlock());

  res.status(200);
  res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  opts.open.add(res);

  let closed = false;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    opts.open.delete(res);
    stream?.close();
  };
  res.on('close', finish);

  const fail = (error: GridLedgerError) => {
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`);
    opts.log.error({ msg: 'event stream failed', code: error.code, status: httpStatusOf(error.code) });
  };

  try {
    for (;;) {
      if (stream) {
        try {
          for await (const event of stream) {
            if (closed) return;
            if (position.accept(event)) {
              const frame = visibleFrame(event, opts.viewer);
              if (frame !== undefined) res.write(frame);
            }
          }
          // The peer ended the stream: re-open it from where we are.
        } catch (e) {
          if (closed) return;
          const error = fromFabricError(e);
          if (error.code !== ErrorCodes.LEDGER_UNAVAILABLE) return fail(error);
          res.write(': ledger unavailable, resuming\n\n');
        }
        stream.close();
        stream = undefined;
      }
      if (closed) return;
      await new Promise((r) => setTimeout(r, opts.reconnectMs ?? 2_000));
      if (closed) return;
      try {
        stream = await opts.ledger.chaincodeEvents(opts.user, position.startBlock());
      } catch (e) {
        const error = fromFabricError(e);
        if (error.code !== ErrorCodes.LEDGER_UNAVAILABLE) return fail(error);
      }
    }
  } finally {
    finish();
    res.end();
  }
}
