/**
 * Issuance: per regulator-verified renewable asset and hour, the verified export of its meter in
 * the hour's intervals, minus the Wh its owner sold peer to peer in them (those carry the green
 * attribute to the buyer with the energy, as bundled claims), becomes one bundle of certificates.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { formatInstant } from '../core/units';
import { AssetRegistration } from '../metering/assets';
import { attributeSurplus, MeteredAsset } from '../metering/position';
import { MeterContribution } from '../metering/window';
import {
  certificateInputInvalid,
  CertificateBundle,
  certificateText,
  expiryOf,
  HOUR_SECONDS,
  IssuedFrom,
  issuanceIdOf,
  parseHourStart,
} from './bundle';

/** The sources whose production is renewable; `storage` releases certificates only from its metered discharge. */
export const RENEWABLE_SOURCES = ['solar', 'wind', 'hydro', 'biomass'] as const;

/** EnergyTag's device technology type, from the asset's registered source (the registration names no finer technology). */
export const TECHNOLOGY_OF_SOURCE: Readonly<Record<string, string>> = {
  solar: 'solar photovoltaic',
  wind: 'wind turbine',
  hydro: 'hydro',
  biomass: 'biomass',
  storage: 'battery storage',
};

/** An asset as issuance needs it: its registration and whether the regulator verified it. */
export interface CertifiableAsset extends Pick<
  AssetRegistration,
  'assetId' | 'participantId' | 'meterId' | 'source' | 'capacityW' | 'zone' | 'location' | 'commissionedOn'
> {
  /** True once the regulator verified the asset (AssetRecord.verification not null). */
  verified: boolean;
  /** The device name on the certificate; the asset id when the registration gives none. */
  name?: string;
}

/** One metering interval of the hour, for the asset's meter. */
export interface HourInterval {
  intervalStart: string;
  /** The interval's metering window is closed (positions fixed). */
  windowClosed: boolean;
  /** The interval's market is settled, or it had nothing to settle: the P2P Wh of the interval are final. */
  settled: boolean;
  /** The meter's values in the interval as window close fixed them; undefined when the meter had no position. */
  meter?: MeterContribution;
}

/** The EnergyTag GC v2 attributes every bundle of one issuance shares. */
export interface CertificateAttributes {
  issuanceId: string;
  energyCarrier: 'electricity';
  technology: string;
  deviceId: string;
  deviceName: string;
  deviceCapacityW: number;
  deviceOperationalOn: string;
  deviceLocation: string;
  zone: string;
  productionStart: string;
  productionEnd: string;
  issuingBody: string;
  issuedFrom: IssuedFrom;
}

/**
 * The record of one asset and hour (one ledger key, written only by the hour's issuances and
 * withdrawals): the figures it was issued on, and how many certificate numbers it handed out.
 */
export interface IssuanceRecord {
  issuanceId: string;
  assetId: string;
  hourStart: string;
  verifiedExportWh: number;
  bundledWh: number;
  /** Certificate numbers handed out so far, 1..issuedWh; never reused, not even after a withdrawal. */
  issuedWh: number;
  /** Of those, withdrawn because the verified figure was lowered (they no longer count against it). */
  correctedWh: number;
}

/** The asset's share of its meter's export in one interval: the meter's export over the meter's assets by capacity. */
function assetShare(asset: CertifiableAsset, meterAssets: readonly MeteredAsset[], meter: MeterContribution): number {
  if (meter.exportWh === 0) return 0;
  const own = meterAssets.filter((a) => a.meterId === asset.meterId);
  if (!own.some((a) => a.assetId === asset.assetId))
    throw certificateInputInvalid('meterAssets', "the meter's assets must include the asset");
  const shares = attributeSurplus(meter.exportWh, [{ meterId: meter.meterId, importWh: meter.importWh, exportWh: meter.exportWh }], own);
  return shares.find((s) => s.assetId === asset.assetId)?.energyWh ?? 0;
}

/**
 * The verified export of the asset in the hour: the hour's intervals, each exactly once, all with
 * closed windows and settled markets (CERTIFICATE_HOUR_OPEN), none with an estimated reading of
 * the asset's meter (CERTIFICATE_HOUR_ESTIMATED). The asset's share of a meter shared by several
 * assets is the one its energy tokens get (largest remainders by capacity).
 */
export function verifiedHourExport(
  asset: CertifiableAsset,
  meterAssets: readonly MeteredAsset[],
  hourStart: string,
  intervalSeconds: number,
  intervals: readonly HourInterval[],
): number {
  const start = parseHourStart(hourStart);
  if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1 || HOUR_SECONDS % intervalSeconds !== 0) {
    throw certificateInputInvalid('intervalSeconds', 'the metering interval must divide an hour');
  }
  const expected = Array.from({ length: HOUR_SECONDS / intervalSeconds }, (_, k) => formatInstant(start + k * intervalSeconds));
  const given = intervals.map((i) => i.intervalStart).sort();
  if (given.length !== expected.length || given.some((s, k) => s !== expected[k])) {
    throw certificateInputInvalid('intervals', `the hour's intervals must be ${expected.join(', ')}, each once`);
  }
  let exportWh = 0;
  for (const interval of [...intervals].sort((a, b) => (a.intervalStart < b.intervalStart ? -1 : 1))) {
    if (!interval.windowClosed || !interval.settled) {
      const what = interval.windowClosed ? 'market settlement' : 'metering window';
      throw new GridLedgerError(ErrorCodes.CERTIFICATE_HOUR_OPEN, `the ${what} of ${interval.intervalStart} is not closed`, {
        intervalStart: interval.intervalStart,
      });
    }
    const meter = interval.meter;
    if (meter === undefined) continue;
    if (meter.meterId !== asset.meterId) throw certificateInputInvalid('intervals', 'an interval of another meter');
    if (meter.estimated) {
      throw new GridLedgerError(
        ErrorCodes.CERTIFICATE_HOUR_ESTIMATED,
        `the reading of ${meter.meterId} at ${interval.intervalStart} is estimated`,
        {
          meterId: meter.meterId,
          intervalStart: interval.intervalStart,
        },
      );
    }
    exportWh += assetShare(asset, meterAssets, meter);
  }
  return exportWh;
}

export interface HourIssuanceInput {
  asset: CertifiableAsset;
  /** Every asset registered on the asset's meter (verified or not): the export is shared over them. */
  meterAssets: readonly MeteredAsset[];
  hourStart: string;
  intervalSeconds: number;
  intervals: readonly HourInterval[];
  /** Wh of this asset's tokens of the hour's intervals that settled P2P trades moved to buyers (bundled claims). */
  bundledWh: number;
  issuingBody: string;
  /** The issuing transaction's time. */
  issuedAt: string;
  /** The hour's record when it was issued before: a raised figure issues the difference (new numbers). */
  previous?: IssuanceRecord;
}

export interface HourIssuance {
  record: IssuanceRecord;
  attributes: CertificateAttributes;
  /** The new bundle, owned by the asset's participant; null when nothing is left to certify. */
  bundle: CertificateBundle | null;
}

/** The attributes of an asset's issuance for an hour. */
export function attributesOf(
  asset: CertifiableAsset,
  hourStart: string,
  issuingBody: string,
  issuedFrom: IssuedFrom,
): CertificateAttributes {
  const start = parseHourStart(hourStart);
  return {
    issuanceId: issuanceIdOf(asset.assetId, hourStart),
    energyCarrier: 'electricity',
    technology: TECHNOLOGY_OF_SOURCE[asset.source] ?? asset.source,
    deviceId: asset.assetId,
    deviceName: asset.name ?? asset.assetId,
    deviceCapacityW: asset.capacityW,
    deviceOperationalOn: asset.commissionedOn,
    deviceLocation: asset.location,
    zone: asset.zone,
    productionStart: hourStart,
    productionEnd: formatInstant(start + HOUR_SECONDS),
    issuingBody: certificateText(issuingBody, 'issuingBody'),
    issuedFrom,
  };
}

/** A new bundle of numbers [from, from + wh − 1] of an issuance, held by `owner`. */
export function newBundle(
  attributes: CertificateAttributes,
  owner: string,
  energySource: string,
  from: number,
  wh: number,
  issuedAt: string,
): CertificateBundle {
  return {
    issuanceId: attributes.issuanceId,
    rangeStart: from,
    rangeEnd: from + wh - 1,
    owner,
    status: 'active',
    deviceId: attributes.deviceId,
    energySource,
    issuedFrom: attributes.issuedFrom,
    productionStart: attributes.productionStart,
    productionEnd: attributes.productionEnd,
    issuedAt,
    expiresAt: expiryOf(attributes.productionEnd),
  };
}

/**
 * Issues an asset's hour: certificates = verified export − bundled P2P Wh − certificates that
 * still count (issued before and not withdrawn for a lowered figure), in whole Wh, never below
 * zero. A first issuance with nothing to certify still records the hour; a repeated one with
 * nothing new is refused (CERTIFICATE_HOUR_ISSUED), so issuing an hour twice is a no-op at most.
 */
export function issueHour(input: HourIssuanceInput): HourIssuance {
  const { asset, previous } = input;
  if (!asset.verified) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${asset.assetId} is not verified by the regulator`, {
      assetId: asset.assetId,
    });
  }
  if (!(RENEWABLE_SOURCES as readonly string[]).includes(asset.source)) {
    throw new GridLedgerError(
      ErrorCodes.CERTIFICATE_ASSET_NOT_RENEWABLE,
      `asset ${asset.assetId} is ${asset.source}, not renewable production`,
      {
        assetId: asset.assetId,
      },
    );
  }
  if (!Number.isSafeInteger(input.bundledWh) || input.bundledWh < 0)
    throw certificateInputInvalid('bundledWh', 'bundledWh must be a non-negative integer');
  const attributes = attributesOf(asset, input.hourStart, input.issuingBody, 'production');
  if (previous !== undefined && previous.issuanceId !== attributes.issuanceId)
    throw certificateInputInvalid('previous', 'the record of another asset or hour');
  const verifiedExportWh = verifiedHourExport(asset, input.meterAssets, input.hourStart, input.intervalSeconds, input.intervals);
  const issuedWh = previous?.issuedWh ?? 0;
  const counting = issuedWh - (previous?.correctedWh ?? 0);
  const newWh = Math.max(0, verifiedExportWh - input.bundledWh - counting);
  if (previous !== undefined && newWh === 0) {
    throw new GridLedgerError(
      ErrorCodes.CERTIFICATE_HOUR_ISSUED,
      `${attributes.issuanceId} is issued and its verified figure allows no more`,
      {
        issuanceId: attributes.issuanceId,
        issuedWh,
      },
    );
  }
  const record: IssuanceRecord = {
    issuanceId: attributes.issuanceId,
    assetId: asset.assetId,
    hourStart: input.hourStart,
    verifiedExportWh,
    bundledWh: input.bundledWh,
    issuedWh: issuedWh + newWh,
    correctedWh: previous?.correctedWh ?? 0,
  };
  const bundle = newWh === 0 ? null : newBundle(attributes, asset.participantId, asset.source, issuedWh + 1, newWh, input.issuedAt);
  return { record, attributes, bundle };
}
