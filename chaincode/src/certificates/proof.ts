/**
 * The evidence behind an issuance (docs/certificates.md, "Provenance"): the asset and its
 * verification, the meter and its registered public key, and the meter's readings of the hour.
 * Readings are whole (import and signature) only for whom seesHousehold allows, on a member's
 * peer; everyone else, the public included, gets their public part with the import's salted hash.
 */
import { Context } from 'fabric-contract-api';
import { PublicReading, StoredReading } from '@gridledger/core';
import { KeyTypes, readingHourOf } from '../keys';
import { listRecords } from '../paging';
import { loadMeter } from '../registry';
import { loadAsset } from '../energy/assets';
import { publicPart, readingView, SharedReading } from '../energy/privacy';

export interface Evidence {
  asset: { assetId: string; participantId?: string; meterId: string; source: string; verification: unknown };
  meter: { meterId: string; publicKeyPem: string };
  readings: (PublicReading | StoredReading)[];
}

/** The evidence of an asset's hour; `publicOnly` gives every reader the public parts alone. */
export async function evidenceOf(ctx: Context, assetId: string, hourStart: string, publicOnly: boolean): Promise<Evidence> {
  const asset = await loadAsset(ctx, assetId);
  const meter = await loadMeter(ctx, asset.meterId);
  const readings = [];
  for (const shared of await listRecords<SharedReading>(ctx, KeyTypes.reading, [readingHourOf(hourStart), asset.meterId]))
    readings.push(publicOnly ? publicPart(shared) : await readingView(ctx, shared, asset.participantId));
  return {
    asset: {
      assetId: asset.assetId,
      ...(publicOnly ? {} : { participantId: asset.participantId }),
      meterId: asset.meterId,
      source: asset.source,
      verification: asset.verification,
    },
    meter: { meterId: meter.meterId, publicKeyPem: meter.publicKeyPem },
    readings,
  };
}
