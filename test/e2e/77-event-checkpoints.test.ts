/**
 * Event checkpoints on the real network (docs/operations.md, "Event checkpoints"): the listener of
 * FlexEventCalled that the VTN and the baseline scheduler run (followFlexEvents), started in-process
 * against the Community peer with its checkpoint in a SQLite file, as a gateway that had processed
 * every block so far. It sees an event, is stopped; two events are called while it is stopped; a new
 * listener on the same file (a restarted gateway) opens the peer's stream at the block of the last
 * event processed, not at block 0, and processes the two events, and not the first again. The events
 * are of a community of their own, a day ahead: nobody else's figures or schedulers see them.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { FlexEvent } from '@gridledger/core';
import { formatInstant } from '@gridledger/core/core';
import { EventCheckpoints, followFlexEvents } from '@gridledger/gateway-api';
import { silentLogger } from '@gridledger/network';
import { operatorLedger, useMeteringInterval } from './market-support';
import { api, eventually, operatorKey, uid } from './support';

useMeteringInterval(60);

const LISTENER = 'e2e-77';
const community = uid('ckpt');
const start = Math.ceil((Date.now() / 1000 + 86_400) / 3600) * 3600;

/** Calls a demand-response event of the test's community (the Community's operator); its id. */
async function callEvent(): Promise<string> {
  const eventId = uid('ev');
  const res = await api('community', operatorKey(), 'POST', '/flex/events', {
    eventId,
    programId: `dr-${community}`,
    communityId: community,
    zoneIds: ['z1'],
    start: formatInstant(start),
    end: formatInstant(start + 600),
    targetReductionW: 1_000,
    priceMicrosPerKwh: 100_000,
    optInDeadline: formatInstant(start - 600),
    baseline: { adjustmentIntervals: 2, adjustmentGapIntervals: 1, lookbackDays: 20 },
  });
  expect(res.status).toBe(201);
  return eventId;
}

it('resumes a stopped listener from its checkpoint: the events committed meanwhile, nothing before them, not from block 0', async () => {
  const { ledger, operator } = operatorLedger();
  const opened = jest.spyOn(ledger, 'chaincodeEvents');
  const file = join(mkdtempSync(join(tmpdir(), 'gl-e2e-77-')), 'listener.sqlite');
  /** A listener on the checkpoint file (a new connection each time: a restarted process); the test community's events it processed. */
  const listen = () => {
    const seen: string[] = [];
    const follower = followFlexEvents(
      ledger,
      operator,
      new EventCheckpoints(new DatabaseSync(file)),
      LISTENER,
      (e: FlexEvent) => {
        if (e.communityId === community) seen.push(e.eventId);
      },
      silentLogger,
    );
    return { seen, follower };
  };
  try {
    // A gateway that has processed every block so far.
    const height = await ledger.blockHeight();
    new EventCheckpoints(new DatabaseSync(file)).save(LISTENER, { blockNumber: height - 1n });

    const first = listen();
    const a = await callEvent();
    await eventually(async () => first.seen.length === 1, 20_000, 100);
    await first.follower.stop();
    expect(first.seen).toEqual([a]);
    expect(opened.mock.calls.map((c) => c[1])).toEqual([height]);
    const checkpoint = new EventCheckpoints(new DatabaseSync(file)).load(LISTENER)!;
    expect(checkpoint.blockNumber).toBeGreaterThanOrEqual(height);

    // Committed while no listener runs.
    const b = await callEvent();
    const c = await callEvent();

    const second = listen();
    try {
      await eventually(async () => second.seen.length >= 2, 20_000, 100);
    } finally {
      await second.follower.stop();
    }
    expect(second.seen).toEqual([b, c]);
    // Opened at the checkpoint's block (the last event processed may not be the test's), far from block 0.
    expect(opened.mock.calls.map((x) => x[1])).toEqual([height, checkpoint.blockNumber]);
    expect(checkpoint.blockNumber).toBeGreaterThan(0n);
  } finally {
    ledger.close();
  }
});
