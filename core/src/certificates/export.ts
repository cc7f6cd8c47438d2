/**
 * Exports. A bundle in the shape of EnergyTag's API v2 GC bundle (its snake_case field names), and
 * a whole-MWh view for registries that count MWh (I-REC style), carrying the remainder forward.
 * Views only: nothing here is stored or compared across peers.
 */
import { PPM } from '../market/order';
import { bundleWh, CertificateBundle, effectiveStatus } from './bundle';
import { CertificateAttributes } from './issuance';
import { StorageChargeRecord } from './storage';

/** EnergyTag GC v2 bundle statuses. */
export type EnergyTagStatus = 'Active' | 'Reserved' | 'Cancelled' | 'Claimed' | 'Expired' | 'Withdrawn';

export interface EnergyTagBundle {
  issuance_id: string;
  certificate_bundle_id_range_start: number;
  certificate_bundle_id_range_end: number;
  bundle_quantity: number;
  face_value: 1;
  certificate_bundle_status: EnergyTagStatus;
  account_id: string;
  beneficiary: string | null;
  energy_carrier: 'Electricity';
  energy_source: string;
  issuance_post_energy_carrier_conversion: false;
  device_id: string;
  device_name: string;
  device_technology_type: string;
  device_production_start_date: string;
  device_capacity: number;
  device_location: string;
  production_starting_interval: string;
  production_ending_interval: string;
  issuance_datestamp: string;
  expiry_datestamp: string;
  is_storage: boolean;
  allocated_storage_record_id: string | null;
  discharging_start_datetime: string | null;
  discharging_end_datetime: string | null;
  storage_efficiency_factor: number | null;
  connected_grid_identification: string;
  issuing_body: string;
  issue_market_zone: string;
}

function statusOf(bundle: CertificateBundle, now: string): EnergyTagStatus {
  const status = effectiveStatus(bundle, now);
  if (status === 'cancelled') return bundle.cancellation?.kind === 'claim' ? 'Claimed' : 'Cancelled';
  return (status.charAt(0).toUpperCase() + status.slice(1)) as EnergyTagStatus;
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * One bundle as EnergyTag's API v2 returns it. Our numbers count within the issuance
 * (issuance_id), so a range is unique with its issuance id, as EnergyTag's issuance ids are. The
 * storage efficiency factor is the record's ppm as a fraction (a view: the ledger keeps the ppm).
 */
export function toEnergyTagBundle(
  attributes: CertificateAttributes,
  bundle: CertificateBundle,
  now: string,
  chargeRecord?: Pick<StorageChargeRecord, 'chargeRecordId' | 'efficiencyPpm'>,
): EnergyTagBundle {
  if (attributes.issuanceId !== bundle.issuanceId) throw new RangeError('the attributes of another issuance');
  const storage = bundle.issuedFrom === 'storage';
  return {
    issuance_id: bundle.issuanceId,
    certificate_bundle_id_range_start: bundle.rangeStart,
    certificate_bundle_id_range_end: bundle.rangeEnd,
    bundle_quantity: bundleWh(bundle),
    face_value: 1,
    certificate_bundle_status: statusOf(bundle, now),
    account_id: bundle.owner,
    beneficiary: bundle.cancellation?.kind === 'claim' ? bundle.cancellation.beneficiary : null,
    energy_carrier: 'Electricity',
    energy_source: capitalised(bundle.energySource),
    issuance_post_energy_carrier_conversion: false,
    device_id: attributes.deviceId,
    device_name: attributes.deviceName,
    device_technology_type: attributes.technology,
    device_production_start_date: attributes.deviceOperationalOn,
    device_capacity: attributes.deviceCapacityW,
    device_location: attributes.deviceLocation,
    production_starting_interval: attributes.productionStart,
    production_ending_interval: attributes.productionEnd,
    issuance_datestamp: bundle.issuedAt.slice(0, 10),
    expiry_datestamp: bundle.expiresAt.slice(0, 10),
    is_storage: storage,
    allocated_storage_record_id: storage ? (bundle.chargeRecordId ?? null) : null,
    discharging_start_datetime: storage ? attributes.productionStart : null,
    discharging_end_datetime: storage ? attributes.productionEnd : null,
    storage_efficiency_factor: storage && chargeRecord !== undefined ? chargeRecord.efficiencyPpm / PPM : null,
    connected_grid_identification: attributes.zone,
    issuing_body: attributes.issuingBody,
    issue_market_zone: attributes.zone,
  };
}

export const WH_PER_MWH = 1_000_000;

export interface MwhPeriod {
  period: string;
  energyWh: number;
  /** Wh carried in from the periods before. */
  carriedInWh: number;
  /** Whole MWh of (carried in + energy). */
  mwh: number;
  /** What is left below a whole MWh, carried into the next period. */
  carriedOutWh: number;
}

/**
 * Whole MWh per period (for example per device and month, in order), the remainder below a MWh
 * carried into the next period and never rounded up: Σ mwh × 10^6 + last carriedOutWh = Σ energy + carriedInWh.
 */
export function toMwhView(periods: readonly { period: string; energyWh: number }[], carriedInWh = 0): MwhPeriod[] {
  let carry = carriedInWh;
  return periods.map(({ period, energyWh }) => {
    if (!Number.isSafeInteger(energyWh) || energyWh < 0 || !Number.isSafeInteger(carry + energyWh))
      throw new RangeError('energyWh must be a non-negative safe integer');
    const total = carry + energyWh;
    const row = { period, energyWh, carriedInWh: carry, mwh: Math.floor(total / WH_PER_MWH), carriedOutWh: total % WH_PER_MWH };
    carry = row.carriedOutWh;
    return row;
  });
}
