/**
 * A holder's certificates counted in whole MWh (docs/certificates.md, "Exports"): the Wh of its
 * active bundles per device and production month (UTC), each device's remainder below a MWh
 * carried from month to month (toMwhView). A view: nothing here is stored.
 */
import { bundleWh, CertificateBundle, effectiveStatus } from './bundle';
import { MwhPeriod, toMwhView } from './export';

export interface DeviceMwhPeriod extends MwhPeriod {
  deviceId: string;
}

/** Devices in id order, months in order; only what the holder holds active at `now` counts. */
export function mwhByDeviceMonth(bundles: readonly CertificateBundle[], now: string): DeviceMwhPeriod[] {
  const byDevice = new Map<string, Map<string, number>>();
  for (const b of bundles) {
    if (effectiveStatus(b, now) !== 'active') continue;
    const months = byDevice.get(b.deviceId) ?? new Map<string, number>();
    const month = b.productionStart.slice(0, 7);
    months.set(month, (months.get(month) ?? 0) + bundleWh(b));
    byDevice.set(b.deviceId, months);
  }
  return [...byDevice.keys()].sort().flatMap((deviceId) => {
    const months = byDevice.get(deviceId)!;
    const periods = [...months.keys()].sort().map((period) => ({ period, energyWh: months.get(period)! }));
    return toMwhView(periods).map((row) => ({ deviceId, ...row }));
  });
}
