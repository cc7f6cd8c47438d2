import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BapClient, openBecknDatabase, Outbox } from '../../src';
import { BapTransactions, KEEP_MS } from '../../src/beckn/bap-transactions';
import type { Incoming } from '../../src/beckn/router';
import type { CallbackAction, Context } from '../../src/beckn/schemas';
import { catalogOf } from '../../src/beckn/storage-offer';
import { StorageBap } from '../../src/beckn/storage-bap';
import { battery, participantKeys } from './support';

const BPP = { bppId: 'bpp.example', bppUri: 'http://127.0.0.1:9/beckn' };
const self = { role: 'bap' as const, subscriberId: 'bap.example', uri: 'http://127.0.0.1:8/beckn', domain: 'deg:energy-storage' };

let dir: string;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bap-tx-'));
  clock = Date.parse('2026-12-06T10:00:00Z');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A BAP on the file `path`; its outbox is not started, so requests are only stored (what is sent is not this test's business). */
function bapOn(path: string) {
  const db = openBecknDatabase(path);
  const outbox = new Outbox(db, { signer: participantKeys(self.subscriberId, 'k1').signer, maxAttempts: 3, backoffMs: 10 });
  const bap = new StorageBap(
    new BapClient(self, outbox, () => clock),
    new BapTransactions(db),
    async () => [BPP],
    () => clock,
  );
  return { db, outbox, bap };
}

const callback = (transactionId: string, action: CallbackAction, messageId: string, message: unknown) =>
  ({
    action,
    context: { transaction_id: transactionId, message_id: messageId, bpp_id: BPP.bppId, bpp_uri: BPP.bppUri } as Context,
    message,
  }) as Incoming<CallbackAction>;

it("keeps a transaction, its callbacks and which were asked for across a restart of the BAP's gateway", async () => {
  const path = join(dir, 'messages.db');
  const first = bapOn(path);
  const { transactionId, messageIds } = await first.bap.search('alice', { minFreeWh: 4_000 });
  expect(first.outbox.entries('pending').map((e) => e.action)).toEqual(['search']);
  await first.bap.receive(callback(transactionId, 'on_search', messageIds[0]!, { catalog: catalogOf([{ battery, freeWh: 6_000 }]) }));
  const order = { id: 'c-1', status: 'ACTIVE' };
  await first.bap.receive(callback(transactionId, 'on_status', '11111111-1111-4111-8111-111111111111', { order }));
  const before = first.bap.view('alice', transactionId);
  first.db.close();

  const second = bapOn(path);
  const after = second.bap.view('alice', transactionId);
  expect(after).toEqual(before);
  expect(after.offers).toMatchObject([{ bppId: BPP.bppId, batteryId: 'bat-1', freeWh: 6_000, storedPriceMicrosPerKwh: 50_000 }]);
  expect(after.callbacks.map((c) => [c.action, c.unsolicited])).toEqual([
    ['on_search', false],
    ['on_status', true],
  ]);
  expect(after.order).toEqual(order);
  // The BPP met in the transaction is still known: a quote can be asked after the restart.
  const quote = second.bap.send('alice', transactionId, 'select', {
    bppId: BPP.bppId,
    batteryId: 'bat-1',
    reservedWh: 1_000,
    from: '2026-12-02T10:00:00Z',
    to: '2026-12-02T11:00:00Z',
  });
  await second.bap.receive(callback(transactionId, 'on_select', quote, { order: { items: [] } }));
  expect(second.bap.view('alice', transactionId).callbacks.at(-1)).toMatchObject({ action: 'on_select', unsolicited: false });
  // The outbox kept both requests for sending.
  expect(second.outbox.entries('pending').map((e) => e.action)).toEqual(['search', 'select']);
  // Another user does not see it; a callback for a transaction we never started is dropped.
  expect(() => second.bap.view('bob', transactionId)).toThrow(/no transaction/);
  await second.bap.receive(callback('22222222-2222-4222-8222-222222222222', 'on_status', quote, { order }));
  expect(() => second.bap.view('alice', '22222222-2222-4222-8222-222222222222')).toThrow(/no transaction/);
  second.db.close();
});

it('drops a transaction without an order an hour after its last activity, and keeps one with an order', async () => {
  const { db, bap } = bapOn(':memory:');
  const searchOnly = (await bap.search('alice', {})).transactionId;
  const ordered = (await bap.search('alice', {})).transactionId;
  await bap.receive(callback(ordered, 'on_confirm', '33333333-3333-4333-8333-333333333333', { order: { id: 'c-2', status: 'ACTIVE' } }));
  clock += KEEP_MS - 1;
  await bap.search('alice', {}); // pruning runs when a transaction opens
  expect(bap.view('alice', searchOnly).transactionId).toBe(searchOnly);
  clock += 2;
  await bap.search('alice', {});
  expect(() => bap.view('alice', searchOnly)).toThrow(/no transaction/);
  expect(bap.view('alice', ordered).order).toEqual({ id: 'c-2', status: 'ACTIVE' });
  db.close();
});
