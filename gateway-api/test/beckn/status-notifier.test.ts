/** The BPP's unsolicited on_status from the ledger's contract events and the window's start, without polling. */
import { randomUUID } from 'node:crypto';
import { catalogue } from '@gridledger/core/catalogue';
import { formatInstant } from '@gridledger/core/core';
import { openBecknDatabase, Outbox, STORAGE_DOMAIN } from '../../src';
import { ContractWatch } from '../../src/beckn/status-watch';
import { BPP_LISTENER, notifyContractChanges } from '../../src/beckn/status-notifier';
import type { ContractRecord } from '../../src/beckn/storage-offer';
import { BECKN_VERSION, type Context } from '../../src/beckn/schemas';
import { EventCheckpoints } from '../../src/event-follower';
import { storageService } from '../../src/storage/service';
import { CapturingLogger, FakeLedger, user } from '../support/fakes';
import { participantKeys, until } from './support';

const self = { role: 'bpp' as const, subscriberId: 'bpp.gridledger.test', uri: 'http://127.0.0.1:1/beckn', domain: STORAGE_DOMAIN };
const context = (): Context => ({
  domain: STORAGE_DOMAIN,
  action: 'confirm',
  version: BECKN_VERSION,
  bap_id: 'bap.gridledger.test',
  bap_uri: 'http://127.0.0.1:2/beckn',
  bpp_id: self.subscriberId,
  bpp_uri: self.uri,
  transaction_id: randomUUID(),
  message_id: randomUUID(),
  timestamp: new Date().toISOString(),
  ttl: 'PT30S',
});

/** A BPP's database, watch and outbox (not started: what it would send stays in it) over a fake ledger of `contracts`. */
function bpp(contracts: Map<string, () => ContractRecord>, socs = new Map<string, { socWh: number; txId: string }>()) {
  const db = openBecknDatabase(':memory:');
  const ledger = new FakeLedger();
  ledger.evaluateHandler = (fn, args) => {
    if (fn === catalogue.storage.getStorageContract.fn) return contracts.get(args[0])!();
    if (fn === catalogue.storage.getBattery.fn) {
      const soc = socs.get(args[0]);
      const stateOfCharge =
        soc === undefined ? null : { batteryId: args[0], ...soc, socPpm: soc.socWh * 100, reportedAt: 'x', reportedBy: 'bp' };
      return { batteryId: args[0], stateOfCharge };
    }
    throw new Error(fn);
  };
  const watch = new ContractWatch(db);
  const outbox = new Outbox(db, { signer: participantKeys(self.subscriberId, 'k1').signer, maxAttempts: 2, backoffMs: 10 });
  const checkpoints = new EventCheckpoints(db);
  const start = (tickMs: number) =>
    notifyContractChanges({
      ledger,
      service: storageService(ledger),
      reader: user('op', 'operator'),
      watch,
      outbox,
      self,
      checkpoints,
      log: new CapturingLogger(),
      tickMs,
    });
  const told = () => outbox.entries().map((e) => JSON.parse(e.body.toString('utf8')).message.order.status as string);
  /** Each on_status sent: its contract and the state of charge it shows (soc-wh), or null. */
  const socTold = () =>
    outbox.entries().map((e) => {
      const order = JSON.parse(e.body.toString('utf8')).message.order;
      const tags = (order.fulfillments[0].tags ?? []).flatMap((g: { list: { descriptor: { code: string }; value: string }[] }) => g.list);
      return [order.id as string, tags.find((t: { descriptor: { code: string } }) => t.descriptor.code === 'soc-wh')?.value ?? null];
    });
  const reads = () => ledger.calls.filter((c) => c.fn === catalogue.storage.getStorageContract.fn).length;
  return { db, ledger, watch, checkpoints, start, told, socTold, reads };
}

const record = (contractId: string, status: ContractRecord['status'], fromSeconds: number, batteryId = 'bat-1'): ContractRecord => ({
  contractId,
  batteryId,
  providerId: 'bp-1',
  buyerId: 'h1',
  reservedWh: 4_000,
  from: formatInstant(fromSeconds),
  to: formatInstant(fromSeconds + 3600),
  escrowMicros: 240_000,
  status,
});
const event = (blockNumber: number, name: string, contractId: string) => ({
  blockNumber: BigInt(blockNumber),
  txId: `tx-${blockNumber}`,
  name,
  payload: Buffer.from(JSON.stringify({ contractId })),
});
const socEvent = (blockNumber: number, batteryId: string, socWh: number) => ({
  blockNumber: BigInt(blockNumber),
  txId: `tx-${blockNumber}`,
  name: 'BatteryStateOfCharge',
  payload: Buffer.from(JSON.stringify({ batteryId, socWh, txId: `tx-${blockNumber}` })),
});

it('tells a contract cancelled outside Beckn from its ledger event once, also when the event is processed again', async () => {
  const tomorrow = Math.floor(Date.now() / 1000) + 86_400;
  const h = bpp(new Map([['s1', () => record('s1', 'cancelled', tomorrow)]]));
  h.watch.add('s1', context(), 'active', 'bat-1');
  h.ledger.events = [event(5, 'StorageCancelled', 's1'), event(6, 'StorageCancelled', 'not-ours'), event(7, 'OrderAccepted', 's1')];
  const first = h.start(3_600_000);
  await until(() => h.checkpoints.load(BPP_LISTENER)?.blockNumber === 7n);
  await first.stop();
  expect(h.told()).toEqual(['CANCELLED']);
  expect(h.reads()).toBe(1); // the watched contract's event only

  // The checkpoint lost (a crash before it was saved, or a reset): the events again, nothing told twice, nothing read while idle.
  h.checkpoints.save(BPP_LISTENER, { blockNumber: 4n });
  const second = h.start(5);
  await until(() => h.checkpoints.load(BPP_LISTENER)?.blockNumber === 7n);
  await new Promise((r) => setTimeout(r, 50));
  await second.stop();
  expect(h.told()).toEqual(['CANCELLED']);
  expect(h.reads()).toBe(1); // cancelled is final: no longer watched, not read again
});

it('tells a confirmed contract active at its window start, reading it once before and once after', async () => {
  const from = Math.floor(Date.now() / 1000) + 2;
  const h = bpp(new Map([['s2', () => record('s2', Date.now() / 1000 >= from ? 'active' : 'confirmed', from)]]));
  h.watch.add('s2', context(), 'confirmed', 'bat-1');
  const n = h.start(10);
  try {
    await until(() => h.told().length === 1, 5_000, 'the unsolicited on_status');
    expect(h.told()).toEqual(['ACTIVE']);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(from);
    await new Promise((r) => setTimeout(r, 50));
    // Ticking every 10 ms for about 2 s: one read to learn the start, one (or two, at the boundary) once it has passed.
    expect(h.reads()).toBeGreaterThanOrEqual(2);
    expect(h.reads()).toBeLessThanOrEqual(3);
  } finally {
    await n.stop();
  }
});

it('tells the open contracts of a battery its new state of charge once per report, never again when the events come again', async () => {
  const started = Math.floor(Date.now() / 1000) - 60;
  const socs = new Map([
    ['bat-1', { socWh: 2_500, txId: 'tx-5' }],
    ['bat-2', { socWh: 100, txId: 'tx-6' }],
  ]);
  const h = bpp(
    new Map([
      ['s3', () => record('s3', 'active', started)],
      ['s4', () => record('s4', 'active', started, 'bat-2')],
      ['s5', () => record('s5', 'cancelled', started)],
    ]),
    socs,
  );
  h.watch.add('s3', context(), 'active', 'bat-1');
  h.watch.add('s4', context(), 'active', 'bat-2');
  h.watch.add('s5', context(), 'cancelled', 'bat-1');
  h.ledger.events = [socEvent(5, 'bat-1', 2_500), socEvent(6, 'bat-2', 100)];
  const first = h.start(3_600_000);
  await until(() => h.checkpoints.load(BPP_LISTENER)?.blockNumber === 6n);
  await first.stop();
  expect(h.socTold()).toEqual([
    ['s3', '2500'],
    ['s4', '100'],
  ]);

  // The events again (a lost checkpoint): nothing told twice. A new report of bat-1 is told to s3 only.
  h.checkpoints.save(BPP_LISTENER, { blockNumber: 4n });
  socs.set('bat-1', { socWh: 3_000, txId: 'tx-7' });
  h.ledger.events = [socEvent(5, 'bat-1', 2_500), socEvent(6, 'bat-2', 100), socEvent(7, 'bat-1', 3_000)];
  const second = h.start(3_600_000);
  await until(() => h.checkpoints.load(BPP_LISTENER)?.blockNumber === 7n);
  await second.stop();
  // Event 5 read the latest report (tx-7) and told it; event 7 found it told.
  expect(h.socTold()).toEqual([
    ['s3', '2500'],
    ['s4', '100'],
    ['s3', '3000'],
  ]);
});

it("adds the battery and state-of-charge columns to an older gateway's watch table, and learns the battery at the next read", () => {
  const db = openBecknDatabase(':memory:');
  db.exec(
    'CREATE TABLE beckn_storage_contracts (contract_id TEXT PRIMARY KEY, bap_id TEXT NOT NULL, context TEXT NOT NULL, ' +
      'status TEXT NOT NULL) WITHOUT ROWID',
  );
  db.prepare('INSERT INTO beckn_storage_contracts VALUES (?, ?, ?, ?)').run('old', 'bap', JSON.stringify(context()), 'active');
  const watch = new ContractWatch(db);
  expect(watch.get('old')).toMatchObject({ batteryId: null, socTxId: null });
  // A row whose battery is unknown is checked for any battery's report; once read, only for its own.
  expect(watch.openOf('bat-9').map((w) => w.contractId)).toEqual(['old']);
  watch.setBattery('old', 'bat-1');
  expect(watch.openOf('bat-9')).toEqual([]);
  watch.seenSoc('old', 'tx-1');
  expect(new ContractWatch(db).get('old')).toMatchObject({ batteryId: 'bat-1', socTxId: 'tx-1' });
});
