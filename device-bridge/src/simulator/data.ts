import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The derived data set in device-bridge/data/profiles.json (see data/README.md and generate.py). */
export interface ProfileData {
  load: {
    dayTypes: ['WT', 'SA', 'FT'];
    /** Polynomial in the day of the year (degree 4 first) that H25 is multiplied with. */
    dynamisation: number[];
    /** [month 0-11][day type][quarter hour 0-95]: mWh per quarter hour at 1 MWh annual consumption. */
    values: number[][][];
  };
  pv: {
    /** 8760 hourly yields, Wh per kWp, index 0 = 1 January 00:00-01:00 UTC. */
    hourly: number[];
    annualKwhPerKwp: number;
  };
}

let cached: ProfileData | undefined;

/** Reads the committed data set once (from src/ under ts-jest, from dist/ when built: both are one level down). */
export function profileData(): ProfileData {
  cached ??= JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'profiles.json'), 'utf8')) as ProfileData;
  return cached;
}
