/**
 * A long-lived listener of the chaincode's events that resumes after a restart where it stopped
 * (docs/operations.md, "Event checkpoints"). Each listener has a checkpoint `<blockNumber>:<txId>`
 * (events.ts): every event up to and including that transaction's is fully processed. After each
 * event is processed the checkpoint is saved; at start, and after a failure (of the peer's stream or
 * of processing), the listener opens the stream again from the saved checkpoint. Without one it
 * starts at block 0.
 *
 * So nothing is missed: an event committed while the gateway was down is after the checkpoint. An
 * event processed but not yet checkpointed when the process died is processed again: every handler
 * is idempotent (it says how).
 *
 * The checkpoints are a table of the SQLite file that holds what the listener derives from the
 * events (the VTN's store, the Beckn participant's messages, the baseline scheduler's events), not
 * the file checkpointer of @hyperledger/fabric-gateway: state and checkpoint are then kept, backed
 * up and lost together (a checkpoint that outlived its state would skip the events that made it; a
 * state in memory gets a checkpoint in memory), and the file checkpointer rewrites its file in
 * place, so a crash while writing leaves it empty, which it reads as "from the next block".
 */
import { existsSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { WalletUser } from '@gridledger/network';
import { formatCheckpoint, parseCheckpoint, ResumePosition, type Checkpoint } from './events';
import type { EventStream, LedgerEvent, LedgerPort, Logger } from './ports';

const SCHEMA = `CREATE TABLE IF NOT EXISTS event_checkpoints (listener TEXT PRIMARY KEY, checkpoint TEXT NOT NULL) WITHOUT ROWID;`;

/** The listeners' checkpoints in one SQLite file. */
export class EventCheckpoints {
  private readonly read: StatementSync;
  private readonly write: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.read = db.prepare('SELECT checkpoint FROM event_checkpoints WHERE listener = ?');
    this.write = db.prepare(
      'INSERT INTO event_checkpoints (listener, checkpoint) VALUES (?, ?) ON CONFLICT DO UPDATE SET checkpoint = excluded.checkpoint',
    );
  }

  load(listener: string): Checkpoint | undefined {
    return parseCheckpoint((this.read.get(listener) as { checkpoint: string } | undefined)?.checkpoint);
  }

  /** Everything up to this event (or this whole block, without txId) is processed. */
  save(listener: string, done: Checkpoint): void {
    this.write.run(
      listener,
      done.txId === undefined ? String(done.blockNumber) : formatCheckpoint({ blockNumber: done.blockNumber, txId: done.txId }),
    );
  }
}

/**
 * Forgets every checkpoint kept in `file` (a gateway's SQLite file; none there: nothing), so that its
 * listeners start again at block 0; run while the gateway is stopped. The names of the listeners reset.
 */
export function resetCheckpoints(file: string): string[] {
  if (!existsSync(file)) return [];
  const db = new DatabaseSync(file);
  try {
    db.exec(SCHEMA);
    const rows = db.prepare('DELETE FROM event_checkpoints RETURNING listener').all() as { listener: string }[];
    return rows.map((r) => r.listener).sort();
  } finally {
    db.close();
  }
}

export interface FollowOptions {
  ledger: LedgerPort;
  /** Who reads the events. */
  user: WalletUser;
  checkpoints: EventCheckpoints;
  /** The listener's name, the key of its checkpoint. */
  listener: string;
  /** Processes one event (every event of the chaincode, in ledger order); a throw re-opens the stream at the event after `reconnectMs`. */
  onEvent: (event: LedgerEvent) => void | Promise<void>;
  log: Logger;
  reconnectMs?: number;
}

export interface Follower {
  /** Stops reading; resolves once the event being processed (if any) is done and checkpointed. */
  stop(): Promise<void>;
}

export function followEvents(o: FollowOptions): Follower {
  let stopped = false;
  let stream: EventStream | undefined;
  let wake: () => void = () => undefined;
  const run = async () => {
    while (!stopped) {
      const position = new ResumePosition({ checkpoint: o.checkpoints.load(o.listener), fromBlock: 0n });
      try {
        stream = await o.ledger.chaincodeEvents(o.user, position.startBlock());
        for await (const event of stopped ? [] : stream) {
          if (stopped) break;
          if (!position.accept(event)) continue;
          await o.onEvent(event);
          o.checkpoints.save(o.listener, event);
        }
      } catch (e) {
        if (!stopped) o.log.warn({ msg: 'event listener failed; resuming from its checkpoint', listener: o.listener, error: String(e) });
      } finally {
        stream?.close();
      }
      if (stopped) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, o.reconnectMs ?? 2_000);
        wake = () => (clearTimeout(timer), r());
      });
    }
  };
  const running = run();
  return {
    async stop() {
      stopped = true;
      stream?.close();
      wake();
      await running;
    },
  };
}
