import { catalogue } from '@gridledger/core/catalogue';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { Harness, startHarness } from './support/fakes';

const { market } = catalogue;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const order = {
  clientOrderId: 'c1',
  communityId: 'sunny',
  intervalStart: '2026-11-23T10:00:00Z',
  side: 'buy',
  energyWh: 1000,
  priceMicrosPerKwh: 200_000,
};
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('market routes', () => {
  it('places an order as the caller: 201 when new, 200 when the clientOrderId was placed before', async () => {
    h.ledger.submitHandler = (_fn, args) => ({
      order: { ...JSON.parse(args[0]), orderId: 'o1' },
      replayed: JSON.parse(args[0]).clientOrderId === 'again',
    });
    const first = await h.fetch('/api/v1/orders', { method: 'POST', key: h.key.alice, json: order });
    expect(first.status).toBe(201);
    expect(h.ledger.calls.at(-1)).toMatchObject({ kind: 'submit', user: 'alice', fn: market.placeOrder.fn });
    const again = await h.fetch('/api/v1/orders', { method: 'POST', key: h.key.alice, json: { ...order, clientOrderId: 'again' } });
    expect(again.status).toBe(200);
  });

  it('refuses before the ledger what the role can never do (403), and invalid bodies (400)', async () => {
    const refused = async (path: string, method: string, key: string, json?: unknown) => {
      const before = h.ledger.calls.length;
      const res = await h.fetch(path, { method, key, json });
      expect(h.ledger.calls.length).toBe(before);
      return [res.status, await codeOf(res)];
    };
    expect(
      await refused('/api/v1/credits/deposits', 'POST', h.key.alice, { participantId: 'alice', amountMicros: 5, reference: 'r1' }),
    ).toEqual([403, 'ACCESS_DENIED']);
    expect(await refused('/api/v1/markets/sunny/params', 'PATCH', h.key.alice, { kPpm: 1 })).toEqual([403, 'ACCESS_DENIED']);
    expect(await refused('/api/v1/markets/sunny/intervals/2026-11-23T10:00:00Z/clear', 'POST', h.key.alice)).toEqual([
      403,
      'ACCESS_DENIED',
    ]);
    expect(await refused('/api/v1/credits/bob', 'GET', h.key.alice)).toEqual([403, 'ACCESS_DENIED']);
    expect(await refused('/api/v1/orders', 'POST', h.key.operator, order)).toEqual([403, 'ACCESS_DENIED']);
    expect(await refused('/api/v1/orders', 'POST', h.key.alice, { ...order, side: 'both' })).toEqual([400, 'REQUEST_INVALID']);
    expect(await refused('/api/v1/orders', 'POST', h.key.alice, { ...order, intervalStart: 'tomorrow' })).toEqual([400, 'REQUEST_INVALID']);
  });

  it("reads an order as the caller before cancelling it: someone else's is 403 and never submitted", async () => {
    h.ledger.evaluateHandler = (_fn, _args, u) => {
      if (u.id === 'bob') throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'not yours');
      return { orderId: 'o1' };
    };
    h.ledger.submitHandler = () => ({ order: { orderId: 'o1', status: 'cancelled' } });
    const bob = await h.fetch('/api/v1/orders/o1', { method: 'DELETE', key: h.key.bob });
    expect(bob.status).toBe(403);
    expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(0);
    const alice = await h.fetch('/api/v1/orders/o1', { method: 'DELETE', key: h.key.alice });
    expect(alice.status).toBe(200);
    expect(h.ledger.calls.at(-1)).toMatchObject({ kind: 'submit', fn: market.cancelOrder.fn, args: ['o1'] });
  });

  it('maps the chaincode codes of the market to their statuses', async () => {
    for (const [code, status] of [
      [ErrorCodes.INSUFFICIENT_CREDITS, 422],
      [ErrorCodes.INTERVAL_CLOSED, 409],
      [ErrorCodes.CLIENT_ID_REUSED, 409],
      [ErrorCodes.SELLER_CAPACITY_EXCEEDED, 422],
    ] as const) {
      h.ledger.submitHandler = () => {
        throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(code, 'no'))), { code: 2 });
      };
      const res = await h.fetch('/api/v1/orders', { method: 'POST', key: h.key.alice, json: order });
      expect([res.status, await codeOf(res)]).toEqual([status, code]);
    }
  });
});
