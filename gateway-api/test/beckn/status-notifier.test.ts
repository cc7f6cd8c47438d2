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
function bpp(contracts: Map<string, () => ContractRecord>) {
  const db = openBecknDatabase(':memory:');
  const ledger = new FakeLedger();
  ledger.evaluateHandler = (fn, args) => {
    if (fn === catalogue.storage.getStorageContract.fn) return contracts.get(args[0])!();
    if (fn === catalogue.storage.getBattery.fn) return { batteryId: args[0], stateOfCharge: null };
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
  const reads = () => ledger.calls.filter((c) => c.fn === catalogue.storage.getStorageContract.fn).length;
  return { ledger, watch, checkpoints, start, told, reads };
}

const record = (contractId: string, status: ContractRecord['status'], fromSeconds: number): ContractRecord => ({
  contractId,
  batteryId: 'bat-1',
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

it('tells a contract cancelled outside Beckn from its ledger event once, also when the event is processed again', async () => {
  const tomorrow = Math.floor(Date.now() / 1000) + 86_400;
  const h = bpp(new Map([['s1', () => record('s1', 'cancelled', tomorrow)]]));
  h.watch.add('s1', context(), 'active');
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
  h.watch.add('s2', context(), 'confirmed');
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
