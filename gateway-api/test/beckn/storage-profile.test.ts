import { readStorageTags, STORAGE_TAG_GROUP, storageTags, type StorageAttributes } from '../../src';
import { bodySchema } from '../../src/beckn/schemas';

const battery: StorageAttributes = {
  'capacity-wh': 13_500,
  'reservable-wh': 10_000,
  'max-charge-w': 5_000,
  'max-discharge-w': 5_000,
  'round-trip-efficiency-ppm': 900_000,
  'price-stored-micro-per-kwh': 40_000,
  'price-reserved-micro-per-kwh-day': 5_000,
  zone: 'feeder-1',
  'meter-id': 'meter-battery-1',
  'source-type': 'BATTERY',
};

describe('the storage profile tags', () => {
  it('carry a battery offer as Beckn tags and back, exactly', () => {
    const group = storageTags(battery);
    expect(group.descriptor?.code).toBe(STORAGE_TAG_GROUP);
    expect(group.list?.find((t) => t.descriptor?.code === 'round-trip-efficiency-ppm')?.value).toBe('900000');
    expect(readStorageTags([group])).toEqual({ ok: true, value: battery });
    // The tags sit in a catalog item that our on_search schema takes.
    const item = { id: 'battery-1', descriptor: { code: 'battery-storage' }, tags: [group] };
    const context = {
      domain: 'deg:energy-storage',
      action: 'on_search',
      version: '1.1.0',
      bap_id: 'bap.example.net',
      bap_uri: 'https://bap.example.net/beckn',
      transaction_id: '0f8c6d1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
      message_id: '1f8c6d1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
      timestamp: '2026-12-06T12:00:00.000Z',
    };
    expect(bodySchema('on_search').safeParse({ context, message: { catalog: { providers: [{ id: 'p', items: [item] }] } } }).success).toBe(
      true,
    );
  });

  it.each([
    [
      'a missing tag',
      (g: ReturnType<typeof storageTags>) => ({ ...g, list: g.list!.filter((t) => t.descriptor?.code !== 'zone') }),
      /^tag zone/,
    ],
    ['a fraction', (g: ReturnType<typeof storageTags>) => withValue(g, 'capacity-wh', '13.5'), /^tag capacity-wh: expected a whole number/],
    [
      'an efficiency above 100 %',
      (g: ReturnType<typeof storageTags>) => withValue(g, 'round-trip-efficiency-ppm', '1000001'),
      /^tag round-trip/,
    ],
    ['another source type', (g: ReturnType<typeof storageTags>) => withValue(g, 'source-type', 'SOLAR'), /^tag source-type/],
    ['no storage group', (g: ReturnType<typeof storageTags>) => ({ ...g, descriptor: { code: 'other' } }), /^no tag group storage/],
  ])('refuses %s', (_, change, problem) => {
    const read = readStorageTags([change(storageTags(battery))]);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.problem).toMatch(problem);
  });
});

function withValue(group: ReturnType<typeof storageTags>, code: string, value: string) {
  return { ...group, list: group.list!.map((t) => (t.descriptor?.code === code ? { ...t, value } : t)) };
}
