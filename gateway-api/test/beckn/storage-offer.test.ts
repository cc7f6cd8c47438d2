import { BecknError } from '../../src';
import { catalogOf, microsText, orderOf, reservationOf, searchRequestOf } from '../../src/beckn/storage-offer';
import { readStorageTags } from '../../src/beckn/storage-profile';
import { battery } from './support';

const window = { start: '2026-12-02T10:00:00.000+00:00', end: '2026-12-02T11:00:00Z' };

it('reads an intent as the ledger search: circle in km or m, the window in the ledger spelling, the storage tags', () => {
  const intent = {
    fulfillment: {
      stops: [{ location: { circle: { gps: '52.5, 13.4', radius: { value: '2.5', unit: 'km' } } }, time: { range: window } }],
    },
    tags: [
      {
        descriptor: { code: 'storage' },
        list: [
          { descriptor: { code: 'reservable-wh' }, value: '4000' },
          { descriptor: { code: 'price-stored-micro-per-kwh' }, value: '60000' },
        ],
      },
    ],
  };
  expect(searchRequestOf(intent)).toEqual({
    latitudeMicro: 52_500_000,
    longitudeMicro: 13_400_000,
    radiusM: 2_500,
    from: '2026-12-02T10:00:00Z',
    to: '2026-12-02T11:00:00Z',
    minFreeWh: 4_000,
    maxStoredPriceMicrosPerKwh: 60_000,
  });
  const inMetres = { fulfillment: { stops: [{ location: { circle: { gps: '1, 2', radius: { value: '700', unit: 'm' } } } }] } };
  expect(searchRequestOf(inMetres).radiusM).toBe(700);
  expect(searchRequestOf(undefined)).toEqual({});
});

it('lists each battery as an item whose storage tags read back exactly, grouped by provider', () => {
  const catalog = catalogOf([{ battery, freeWh: 6_000 }], { from: '2026-12-02T10:00:00Z', to: '2026-12-02T11:00:00Z' });
  expect(catalog.providers).toHaveLength(1);
  const provider = catalog.providers![0];
  expect(provider.locations).toEqual([{ id: 'bat-1.site', gps: '52.52, 13.405', area_code: 'z1' }]);
  const item = provider.items![0];
  expect(item.price).toEqual({ currency: 'CREDIT', value: '0.050000' });
  const tags = readStorageTags(item.tags);
  expect(tags.ok && tags.value).toMatchObject({ 'reservable-wh': 6_000, 'capacity-wh': 10_000, 'max-discharge-w': 4_000, zone: 'z1' });
});

it('reads an order as a reservation and refuses one without its Wh or window', () => {
  const order = {
    items: [{ id: 'bat-1', quantity: { selected: { measure: { value: '4000', unit: 'Wh' } } } }],
    fulfillments: [{ stops: [{ time: { range: window } }] }],
    tags: [{ descriptor: { code: 'buyer' }, list: [{ descriptor: { code: 'participant-id' }, value: 'h1' }] }],
  };
  expect(reservationOf(order)).toEqual({
    batteryId: 'bat-1',
    reservedWh: 4_000,
    from: '2026-12-02T10:00:00Z',
    to: '2026-12-02T11:00:00Z',
    buyerId: 'h1',
  });
  const noWh = { ...order, items: [{ id: 'bat-1', quantity: { selected: { measure: { value: '4000.5' } } } }] };
  expect(() => reservationOf(noWh)).toThrow(BecknError);
  expect(() => reservationOf({ ...order, fulfillments: [] })).toThrow(/window/);
});

it('prices an order in decimal text and marks a confirmed one paid with the contract id', () => {
  expect(microsText(200_666)).toBe('0.200666');
  expect(microsText(12_000_001)).toBe('12.000001');
  const asked = { batteryId: 'bat-1', reservedWh: 4_000, from: '2026-12-02T10:00:00Z', to: '2026-12-02T11:00:00Z' };
  const money = { reservationFeeMicros: 40_000, maxStorageFeeMicros: 200_000, escrowMicros: 240_000 };
  expect(orderOf(asked, money, 'bp-1').payments![0].status).toBe('NOT-PAID');
  const contract = { ...asked, contractId: 's1', providerId: 'bp-1', buyerId: 'h1', escrowMicros: 240_000, status: 'cancelled' as const };
  const cancelled = orderOf(asked, money, 'bp-1', { ...contract, cancellation: { refundMicros: 240_000, feeMicros: 0 } });
  expect(cancelled).toMatchObject({ id: 's1', status: 'CANCELLED', payments: [{ status: 'PAID' }] });
  expect(cancelled.tags!.find((g) => g.descriptor?.code === 'storage-outcome')!.list![0]).toEqual({
    descriptor: { code: 'refund-micros' },
    value: '240000',
  });
});

it("shows a contract's battery state of charge, and once settled its energy in and out, in the fulfillment's storage-state tags", () => {
  const asked = { batteryId: 'bat-1', reservedWh: 4_000, from: '2026-12-02T10:00:00Z', to: '2026-12-02T11:00:00Z' };
  const money = { reservationFeeMicros: 40_000, maxStorageFeeMicros: 200_000, escrowMicros: 240_000 };
  const contract = { ...asked, contractId: 's1', providerId: 'bp-1', buyerId: 'h1', escrowMicros: 240_000, status: 'active' as const };
  const soc = { socWh: 6_500, socPpm: 650_000, reportedAt: '2026-12-02T10:30:00Z' };
  const stateOf = (o: ReturnType<typeof orderOf>) =>
    Object.fromEntries(
      (o.fulfillments![0].tags ?? [])
        .flatMap((g) => (g.descriptor?.code === 'storage-state' ? g.list! : []))
        .map((t) => [t.descriptor!.code, t.value]),
    );
  expect(stateOf(orderOf(asked, money, 'bp-1', contract, soc))).toEqual({
    'soc-wh': '6500',
    'soc-ppm': '650000',
    'soc-reported-at': '2026-12-02T10:30:00Z',
  });
  expect(orderOf(asked, money, 'bp-1', contract, null).fulfillments![0].tags).toBeUndefined();
  const settlement = { inWh: 3_000, outWh: 2_000, efficiencyPpm: 666_666, paymentMicros: 1, refundMicros: 1 };
  const settled = { ...contract, status: 'completed' as const, settlement: settlement as never };
  expect(stateOf(orderOf(asked, money, 'bp-1', settled, soc))).toMatchObject({
    'in-wh': '3000',
    'out-wh': '2000',
    'efficiency-ppm': '666666',
  });
});
