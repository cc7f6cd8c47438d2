import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HourWeather, Site } from './solar';

/** The derived data set core/data/forecast-data.json (core/data/generate.py; sources and licences in core/data/README.md). */
export interface ForecastData {
  h25: {
    dayTypes: ['WT', 'SA', 'FT'];
    /** Polynomial in the day of the year (degree 4 first) that H25 is multiplied with. */
    dynamisation: number[];
    /** [month 0-11][day type][quarter hour 0-95 of local time]: mWh per quarter hour at 1 MWh annual consumption. */
    values: number[][][];
  };
  weather: {
    site: string;
    latitude: number;
    longitude: number;
    altitudeM: number;
    /** 8760 values each, one per UTC hour of a 365-day year, index 0 = 1 January 00:00-01:00 UTC. */
    beamH: number[];
    diffuseH: number[];
    tempDeciC: number[];
    windDeciMs: number[];
  };
}

let cached: ForecastData | undefined;

/** Reads the committed data set once (from src/ under ts-jest, from dist/ when built: both are two levels down). */
export function forecastData(): ForecastData {
  cached ??= JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'forecast-data.json'), 'utf8')) as ForecastData;
  return cached;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Index into the weather year of the UTC hour holding `epochSeconds`: any year maps onto it, 29 February repeats the 28th. */
export function weatherHourIndex(epochSeconds: number): number {
  const d = new Date(epochSeconds * 1000);
  let day = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
  if (isLeap(d.getUTCFullYear()) && day >= 59) day -= 1;
  return Math.min(day, 364) * 24 + d.getUTCHours();
}

/** The weather year's hour holding `epochSeconds`. */
export function weatherAt(epochSeconds: number, data: ForecastData = forecastData()): HourWeather {
  const i = weatherHourIndex(epochSeconds);
  const w = data.weather;
  return { beamH: w.beamH[i], diffuseH: w.diffuseH[i], temperature: w.tempDeciC[i] / 10, wind: w.windDeciMs[i] / 10 };
}

/** The weather year's site (Potsdam). */
export function weatherSite(data: ForecastData = forecastData()): Site {
  return { latitude: data.weather.latitude, longitude: data.weather.longitude };
}
