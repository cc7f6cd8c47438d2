import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventCheckpoints, followEvents, resetCheckpoints } from '../src/event-follower';
import type { LedgerEvent } from '../src';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

const event = (blockNumber: number, txId: string): LedgerEvent => ({
  blockNumber: BigInt(blockNumber),
  txId,
  name: 'Something',
  payload: Buffer.from('{}'),
});

const until = async (ok: () => boolean) => {
  for (let k = 0; k < 400 && !ok(); k++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
};

/** A listener over `ledger` with its checkpoints in `file`; what it processed, in order. */
function listener(ledger: FakeLedger, file: string, onEvent: (e: LedgerEvent) => void = () => undefined, checkpoints?: EventCheckpoints) {
  const seen: string[] = [];
  const log = new CapturingLogger();
  const follower = followEvents({
    ledger,
    user: user('op', 'operator'),
    checkpoints: checkpoints ?? new EventCheckpoints(new DatabaseSync(file)),
    listener: 'test',
    log,
    reconnectMs: 10,
    onEvent: (e) => {
      onEvent(e);
      seen.push(e.txId);
    },
  });
  return { seen, log, follower };
}

describe('an event listener with a checkpoint', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'gl-follower-')), 'state.sqlite');

  it('starts at block 0 without a checkpoint, and after a restart resumes after the last event it processed', async () => {
    const ledger = new FakeLedger();
    ledger.events = [event(1, 'a'), event(2, 'b1'), event(2, 'b2')];
    const path = file();
    const first = listener(ledger, path);
    await until(() => first.seen.length === 3);
    await first.follower.stop();
    expect(ledger.opened).toEqual([0n]);
    expect(new EventCheckpoints(new DatabaseSync(path)).load('test')).toEqual({ blockNumber: 2n, txId: 'b2' });

    // Committed while the listener was stopped: processed after the restart, and nothing before them again.
    ledger.events.push(event(2, 'b3'), event(5, 'c'));
    const second = listener(ledger, path);
    await until(() => second.seen.length === 2);
    await second.follower.stop();
    expect(second.seen).toEqual(['b3', 'c']);
    expect(ledger.opened).toEqual([0n, 2n]); // from the checkpoint's block, not from 0
  });

  it('processes again, after a crash between processing an event and saving its checkpoint, that event only', async () => {
    const ledger = new FakeLedger();
    ledger.events = [event(1, 'a'), event(2, 'b'), event(3, 'c')];
    const path = file();
    // What the events did, durable across the restart; the handler is idempotent (an effect once per event).
    const effects: string[] = [];
    const handle = (e: LedgerEvent) => {
      if (!effects.includes(e.txId)) effects.push(e.txId);
    };
    // The process dies after processing b, before its checkpoint is saved: from then on nothing is saved.
    const dying = new EventCheckpoints(new DatabaseSync(path));
    const save = dying.save.bind(dying);
    let dead = false;
    dying.save = (name, e) => {
      if (e.txId === 'b') dead = true;
      if (dead) throw new Error('the process died');
      save(name, e);
    };
    const first = listener(ledger, path, handle, dying);
    await until(() => dead);
    await first.follower.stop();
    expect(first.seen.slice(0, 2)).toEqual(['a', 'b']);
    expect(first.seen).not.toContain('c');

    // The restarted listener: b again (no new effect), then c; a not again.
    const second = listener(ledger, path, handle);
    await until(() => second.seen.length === 2);
    await second.follower.stop();
    expect(second.seen).toEqual(['b', 'c']);
    expect(effects).toEqual(['a', 'b', 'c']);
    expect(ledger.opened.at(-1)).toBe(1n);
    expect(new EventCheckpoints(new DatabaseSync(path)).load('test')).toEqual({ blockNumber: 3n, txId: 'c' });
  });

  it('does not checkpoint an event whose processing failed: it is processed again from the checkpoint', async () => {
    const ledger = new FakeLedger();
    ledger.events = [event(1, 'a'), event(2, 'b'), event(3, 'c')];
    let failures = 1;
    const l = listener(ledger, file(), (e) => {
      if (e.txId === 'b' && failures-- > 0) throw new Error('the ledger read failed');
    });
    await until(() => l.seen.length === 3);
    await l.follower.stop();
    expect(l.seen).toEqual(['a', 'b', 'c']);
    expect(ledger.opened).toEqual([0n, 1n]);
    expect(l.log.lines.filter((x) => x.level === 'warn').map((x) => x.msg)).toEqual([
      'event listener failed; resuming from its checkpoint',
    ]);
  });

  it('is reset by resetCheckpoints: the listener starts at block 0 again', async () => {
    const ledger = new FakeLedger();
    ledger.events = [event(1, 'a'), event(4, 'b')];
    const path = file();
    const first = listener(ledger, path);
    await until(() => first.seen.length === 2);
    await first.follower.stop();
    expect(resetCheckpoints(path)).toEqual(['test']);
    expect(resetCheckpoints(join(tmpdir(), 'no-such-dir', 'x.sqlite'))).toEqual([]);
    const second = listener(ledger, path);
    await until(() => second.seen.length === 2);
    await second.follower.stop();
    expect(ledger.opened).toEqual([0n, 0n]);
  });
});
