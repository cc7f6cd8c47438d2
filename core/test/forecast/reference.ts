import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One plane's figures at one hour. */
export interface ReferencePlane {
  tilt: number;
  azimuth: number;
  poaHayDavies: number;
  poaIsotropic: number;
  cellTemperature: number;
  dcW: number;
  acW: number;
}

/** The figures core/data/reference.py computed with pvlib 0.16.1 and demandlib 0.2.2 (fixtures/reference.json). */
export interface Reference {
  pv: {
    site: { latitude: number; longitude: number };
    kwp: number;
    losses: number;
    hours: {
      at: string;
      hourIndex: number;
      zenith: number;
      azimuth: number;
      dniExtra: number;
      ghi: number;
      dni: number;
      dhi: number;
      temperature: number;
      wind: number;
      clearSkyGhi: number;
      planes: ReferencePlane[];
    }[];
  };
  h25: { year: number; annualWhPerMWh: number; samples: { local: string; whPerMWh: number }[] };
}

export const REFERENCE_PATH = join(__dirname, 'fixtures', 'reference.json');

export function readReference(path = REFERENCE_PATH): Reference {
  return JSON.parse(readFileSync(path, 'utf8')) as Reference;
}
