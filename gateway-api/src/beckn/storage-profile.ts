import { z } from 'zod';
import type { tagGroup } from './schemas';

/**
 * The storage profile's names (docs/beckn.md#the-storage-profile-draft): the domain, the item's
 * descriptor code, and the tag group a battery offer carries. Amounts are integers, as on the
 * ledger: energy in Wh, power in W, efficiency in ppm, money in micro-units of the currency.
 * Beckn carries tag values as text; readStorageTags turns them back and refuses what is not exact.
 */
export const STORAGE_DOMAIN = 'deg:energy-storage';
/** The descriptor code of a storage item (a battery's capacity offered over a window). */
export const STORAGE_ITEM_CODE = 'battery-storage';
/** The fulfillment type of a storage contract: charge in, keep, discharge out. */
export const STORAGE_FULFILLMENT_TYPE = 'STORAGE';
/** The tag group's descriptor code. */
export const STORAGE_TAG_GROUP = 'storage';

const count = z
  .string()
  .regex(/^(0|[1-9]\d{0,15})$/, 'expected a whole number')
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER));

/** Each tag's code and the value it holds. */
export const STORAGE_TAGS = {
  'capacity-wh': count,
  'reservable-wh': count,
  'max-charge-w': count,
  'max-discharge-w': count,
  'round-trip-efficiency-ppm': count.pipe(z.number().min(1).max(1_000_000)),
  'price-stored-micro-per-kwh': count,
  'price-reserved-micro-per-kwh-day': count,
  zone: z.string().min(1),
  'meter-id': z.string().min(1),
  'source-type': z.literal('BATTERY'),
} as const;

export type StorageTagCode = keyof typeof STORAGE_TAGS;
export type StorageAttributes = { [K in StorageTagCode]: z.output<(typeof STORAGE_TAGS)[K]> };

type TagGroup = z.infer<typeof tagGroup>;

/** The tag group of a battery offer, in the order of STORAGE_TAGS. */
export function storageTags(attributes: StorageAttributes): TagGroup {
  return {
    display: true,
    descriptor: { code: STORAGE_TAG_GROUP, name: 'Storage' },
    list: (Object.keys(STORAGE_TAGS) as StorageTagCode[]).map((code) => ({ descriptor: { code }, value: String(attributes[code]) })),
  };
}

/** The attributes in an item's tags, or the first problem found (a missing tag, a value not exact). */
export function readStorageTags(
  groups: readonly TagGroup[] | undefined,
): { ok: true; value: StorageAttributes } | { ok: false; problem: string } {
  const group = groups?.find((g) => g.descriptor?.code === STORAGE_TAG_GROUP);
  if (!group) return { ok: false, problem: `no tag group ${STORAGE_TAG_GROUP}` };
  const values = new Map((group.list ?? []).map((t) => [t.descriptor?.code, t.value]));
  const out: Record<string, unknown> = {};
  for (const [code, schema] of Object.entries(STORAGE_TAGS)) {
    const parsed = (schema as z.ZodType).safeParse(values.get(code));
    if (!parsed.success) return { ok: false, problem: `tag ${code}: ${parsed.error.issues[0].message}` };
    out[code] = parsed.data;
  }
  return { ok: true, value: out as StorageAttributes };
}
