import { settleStorage } from '@gridledger/core/storage';
import { order as orderSchema } from '../../src/beckn/schemas';
import { invoiceOf, microsText } from '../../src/beckn/storage-invoice';
import { orderOf } from '../../src/beckn/storage-offer';

const asked = { batteryId: 'bat-1', reservedWh: 4_000, from: '2026-12-02T10:00:00Z', to: '2026-12-02T10:01:00Z', buyerId: 'h1' };
const money = { reservationFeeMicros: 666, maxStorageFeeMicros: 200_000, escrowMicros: 200_666 };
const contract = { ...asked, contractId: 's1', providerId: 'bp-1', escrowMicros: 200_666 };
// docs/storage.md's worked example: 3,000 Wh in, 2,000 Wh out, 90 % declared, 100,000 µ/kWh penalty.
const settlement = {
  ...settleStorage({
    reservedWh: 4_000,
    roundTripEfficiencyPpm: 900_000,
    reservationFeeMicros: 666,
    escrowMicros: 200_666,
    storedPriceMicrosPerKwh: 50_000,
    reservedPriceMicrosPerKwhDay: 240_000,
    penaltyMicrosPerKwh: 100_000,
    inWh: 3_000,
    outWh: 2_000,
  }),
  inWh: 3_000,
  outWh: 2_000,
  settledAt: '2026-12-02T10:02:05Z',
  txId: 'tx-settle',
};
const sum = (values: string[]) => values.reduce((a, v) => a + Math.round(Number(v) * 1e6), 0);

it('bills a settled contract from its settlement record: the breakup adds up to what the provider was paid', () => {
  const order = orderOf(asked, money, 'bp-1', { ...contract, status: 'completed', settlement });
  expect(order.status).toBe('COMPLETE');
  expect(order.billing).toEqual({ name: 'h1', time: { range: { start: asked.from, end: asked.to } } });
  expect(order.quote!.price).toEqual({ currency: 'CREDIT', value: '0.080666' });
  expect(order.quote!.breakup!.map((b) => [b.title, b.price!.value])).toEqual([
    ['reserved capacity', '0.000666'],
    ['stored energy: 3000 Wh', '0.150000'],
    ['penalty: 700 Wh not delivered', '-0.070000'],
  ]);
  expect(sum(order.quote!.breakup!.map((b) => b.price!.value!))).toBe(settlement.paymentMicros);
  expect(order.payments).toMatchObject([
    {
      status: 'PAID',
      params: { amount: '0.200666', currency: 'CREDIT', transaction_id: 'tx-settle' },
      time: { timestamp: settlement.settledAt },
    },
  ]);
  const split = Object.fromEntries(order.payments![0].tags![0].list!.map((t) => [t.descriptor!.code, Number(t.value)]));
  expect(split).toEqual({ 'paid-to-provider-micros': 80_666, 'refunded-to-buyer-micros': 120_000 });
  expect(orderSchema.safeParse(order).success).toBe(true);
});

it('bills a late cancellation its fee, an open contract nothing, and writes negative amounts exactly', () => {
  const cancelled = invoiceOf({ ...contract, status: 'cancelled', cancellation: { refundMicros: 200_333, feeMicros: 333, txId: 'tx-c' } });
  expect(cancelled!.quote).toEqual({
    price: { currency: 'CREDIT', value: '0.000333' },
    breakup: [{ title: 'cancellation fee', price: { currency: 'CREDIT', value: '0.000333' } }],
  });
  expect(cancelled!.payments![0].params!.transaction_id).toBe('tx-c');
  expect(invoiceOf({ ...contract, status: 'confirmed' })).toBeUndefined();
  // An open contract keeps the quote it was confirmed with.
  expect(orderOf(asked, money, 'bp-1', { ...contract, status: 'confirmed' }).quote!.price!.value).toBe('0.200666');
  expect([microsText(-70_000), microsText(-12_000_001), microsText(0)]).toEqual(['-0.070000', '-12.000001', '0.000000']);
});
