/**
 * A PV array's power from solar geometry and horizontal irradiance, pure, written from the published
 * equations (the same models pvlib implements; core/test/forecast/solar.test.ts checks them against
 * pvlib's figures for the same site and hours):
 *
 * - solar position: NOAA's solar calculator (Meeus' low-accuracy algorithm: declination and equation
 *   of time from the Julian century), true zenith without refraction, azimuth clockwise from north;
 * - extraterrestrial normal irradiance: Spencer (1971), solar constant 1366.1 W/m² (as pvlib);
 * - clear-sky global horizontal irradiance: Haurwitz (1945), GHI = 1098 cos z exp(−0.059 / cos z);
 * - transposition to the plane of the array: Hay and Davies (1980) for the sky diffuse part (isotropic
 *   when `model: 'isotropic'`), ground reflection with an albedo, beam by the angle of incidence;
 * - cell temperature: the Sandia (SAPM) model of an open-rack glass/glass module with wind;
 * - DC power: PVWatts, P = kWp × POA / 1000 W/m² × (1 + γ (T_cell − 25 °C)), γ = −0.37 %/K, less
 *   PVWatts' default system losses of 14.08 %;
 * - AC power: the PVWatts inverter (nominal efficiency 96 %, part-load curve), capped at its rating.
 */

const RAD = Math.PI / 180;
const sin = (deg: number) => Math.sin(deg * RAD);
const cos = (deg: number) => Math.cos(deg * RAD);
const mod = (x: number, m: number) => ((x % m) + m) % m;

/** A place on Earth: degrees, north and east positive. */
export interface Site {
  latitude: number;
  longitude: number;
}

/** Where the sun is, in degrees: true zenith angle (0 overhead, > 90 below the horizon), azimuth clockwise from north. */
export interface SolarPosition {
  zenith: number;
  azimuth: number;
}

/** The sun's position at an instant (epoch seconds, UTC) seen from a site (NOAA solar calculator). */
export function solarPosition(epochSeconds: number, site: Site): SolarPosition {
  const julianCentury = (epochSeconds / 86_400 + 2_440_587.5 - 2_451_545) / 36_525;
  const t = julianCentury;
  const meanLongitude = mod(280.46646 + t * (36000.76983 + t * 0.0003032), 360);
  const meanAnomaly = 357.52911 + t * (35999.05029 - 0.0001537 * t);
  const eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const center =
    sin(meanAnomaly) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
    sin(2 * meanAnomaly) * (0.019993 - 0.000101 * t) +
    sin(3 * meanAnomaly) * 0.000289;
  const omega = 125.04 - 1934.136 * t;
  const apparentLongitude = meanLongitude + center - 0.00569 - 0.00478 * sin(omega);
  const meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const obliquity = meanObliquity + 0.00256 * cos(omega);
  const declination = Math.asin(sin(obliquity) * sin(apparentLongitude)) / RAD;
  const y = Math.tan((obliquity / 2) * RAD) ** 2;
  const equationOfTimeMinutes =
    (4 / RAD) *
    (y * sin(2 * meanLongitude) -
      2 * eccentricity * sin(meanAnomaly) +
      4 * eccentricity * y * sin(meanAnomaly) * cos(2 * meanLongitude) -
      0.5 * y * y * sin(4 * meanLongitude) -
      1.25 * eccentricity * eccentricity * sin(2 * meanAnomaly));
  const utcMinutes = mod(epochSeconds, 86_400) / 60;
  const trueSolarMinutes = mod(utcMinutes + equationOfTimeMinutes + 4 * site.longitude, 1440);
  const hourAngle = trueSolarMinutes / 4 - 180;
  const cosZenith = sin(site.latitude) * sin(declination) + cos(site.latitude) * cos(declination) * cos(hourAngle);
  const zenith = Math.acos(Math.min(1, Math.max(-1, cosZenith))) / RAD;
  const cosAzimuth = (sin(site.latitude) * cos(zenith) - sin(declination)) / (cos(site.latitude) * sin(zenith));
  const fromSouth = Math.acos(Math.min(1, Math.max(-1, cosAzimuth))) / RAD;
  const azimuth = hourAngle > 0 ? mod(fromSouth + 180, 360) : mod(540 - fromSouth, 360);
  return { zenith, azimuth };
}

/** Day of the year, 1 on 1 January, of an instant's UTC date. */
export function dayOfYear(epochSeconds: number): number {
  const d = new Date(epochSeconds * 1000);
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Extraterrestrial irradiance normal to the sun's rays on a day of the year, W/m² (Spencer 1971, solar constant 1366.1 W/m²). */
export function extraterrestrialNormal(day: number): number {
  const b = ((2 * Math.PI) / 365) * (day - 1);
  return 1366.1 * (1.00011 + 0.034221 * Math.cos(b) + 0.00128 * Math.sin(b) + 0.000719 * Math.cos(2 * b) + 0.000077 * Math.sin(2 * b));
}

/** Global horizontal irradiance under a clear sky, W/m² (Haurwitz 1945). */
export function clearSkyGhi(zenith: number): number {
  const c = cos(zenith);
  return c > 0 ? 1098 * c * Math.exp(-0.059 / c) : 0;
}

/** Horizontal irradiance in W/m²: global, direct normal, diffuse horizontal. */
export interface Irradiance {
  ghi: number;
  dni: number;
  dhi: number;
}

/**
 * The three components from the direct (beam) and diffuse irradiance on the horizontal plane, as a
 * weather year gives them: DNI = B / cos z, none at zenith 88° or more (pvlib's `irradiance.dni` rule).
 */
export function fromHorizontal(beamH: number, diffuseH: number, zenith: number): Irradiance {
  const dni = zenith < 88 && beamH > 0 ? beamH / cos(zenith) : 0;
  return { ghi: beamH + diffuseH, dni, dhi: diffuseH };
}

/** A PV array's plane: tilt from horizontal and azimuth clockwise from north (180 faces south), both in degrees. */
export interface Plane {
  tilt: number;
  azimuth: number;
}

/** Cosine of the angle between the sun's rays and the plane's normal (negative: the sun is behind the plane). */
export function incidenceCos(sun: SolarPosition, plane: Plane): number {
  const c = cos(sun.zenith) * cos(plane.tilt) + sin(sun.zenith) * sin(plane.tilt) * cos(sun.azimuth - plane.azimuth);
  return Math.min(1, Math.max(-1, c));
}

export type TranspositionModel = 'haydavies' | 'isotropic';

/** Irradiance on the plane of the array, W/m²: its beam, sky diffuse and ground-reflected parts and their sum. */
export interface PlaneOfArray {
  global: number;
  beam: number;
  skyDiffuse: number;
  groundDiffuse: number;
}

/** Transposes horizontal irradiance onto the plane (Hay-Davies or isotropic sky; ground reflection with `albedo`). */
export function planeOfArray(
  sun: SolarPosition,
  irradiance: Irradiance,
  plane: Plane,
  dniExtra: number,
  model: TranspositionModel = 'haydavies',
  albedo = 0.2,
): PlaneOfArray {
  const cosIncidence = Math.max(incidenceCos(sun, plane), 0);
  const beam = Math.max(irradiance.dni * cosIncidence, 0);
  const isotropicView = (1 + cos(plane.tilt)) / 2;
  let skyDiffuse: number;
  if (model === 'isotropic') {
    skyDiffuse = irradiance.dhi * isotropicView;
  } else {
    const anisotropy = irradiance.dni / dniExtra;
    const rb = cosIncidence / Math.max(cos(sun.zenith), 0.01745);
    skyDiffuse = Math.max(irradiance.dhi * (1 - anisotropy) * isotropicView, 0) + Math.max(irradiance.dhi * anisotropy * rb, 0);
  }
  const groundDiffuse = (irradiance.ghi * albedo * (1 - cos(plane.tilt))) / 2;
  return { global: beam + skyDiffuse + groundDiffuse, beam, skyDiffuse, groundDiffuse };
}

/** Cell temperature in °C of an open-rack glass/glass module (SAPM: a = −3.47, b = −0.0594, ΔT = 3 K). */
export function cellTemperature(poaGlobal: number, airTemperature: number, windSpeed: number): number {
  const module = poaGlobal * Math.exp(-3.47 - 0.0594 * windSpeed) + airTemperature;
  return module + (poaGlobal / 1000) * 3;
}

/** PVWatts' default system losses (soiling, shading, mismatch, wiring, connections, LID, nameplate, availability). */
export const PVWATTS_LOSSES = 0.1408;
/** PVWatts' power temperature coefficient of a standard module, per K. */
export const GAMMA_PDC = -0.0037;

/** DC power in W of `kwp` kW peak under `poaGlobal` W/m² at `cellTemp` °C, after system losses (PVWatts). */
export function dcPowerW(poaGlobal: number, cellTemp: number, kwp: number, losses = PVWATTS_LOSSES): number {
  return Math.max(0, poaGlobal * kwp * (1 + GAMMA_PDC * (cellTemp - 25)) * (1 - losses));
}

/** AC power in W of an inverter rated for `ratedDcW` W DC (PVWatts inverter, nominal efficiency 96 %). */
export function acPowerW(dcW: number, ratedDcW: number, etaNominal = 0.96): number {
  if (dcW <= 0 || ratedDcW <= 0) return 0;
  const zeta = dcW / ratedDcW;
  const eta = (etaNominal / 0.9637) * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
  return Math.max(0, Math.min(etaNominal * ratedDcW, eta * dcW));
}

/** A home's PV array: where, how big (kW peak DC, the inverter sized alike unless `inverterKw`), which way it faces. */
export interface PvArray extends Site, Plane {
  kwp: number;
  inverterKw?: number;
  albedo?: number;
  model?: TranspositionModel;
}

/** The weather of an hour: direct and diffuse horizontal irradiance (W/m²), air temperature (°C), wind (m/s). */
export interface HourWeather {
  beamH: number;
  diffuseH: number;
  temperature: number;
  wind: number;
}

/**
 * AC power in W of the array at `at` (epoch seconds) under an hour's weather. DNI is derived with the sun of
 * `hourMid` (the middle of the weather's hour, the instant its mean irradiance stands for), the plane of array
 * with the sun of `at`.
 */
export function pvPowerW(array: PvArray, at: number, weather: HourWeather, hourMid = at): number {
  const sunOfHour = solarPosition(hourMid, array);
  const irradiance = fromHorizontal(weather.beamH, weather.diffuseH, sunOfHour.zenith);
  if (irradiance.ghi <= 0) return 0;
  const sun = solarPosition(at, array);
  if (sun.zenith >= 90) return 0;
  const poa = planeOfArray(sun, irradiance, array, extraterrestrialNormal(dayOfYear(at)), array.model, array.albedo);
  const dc = dcPowerW(poa.global, cellTemperature(poa.global, weather.temperature, weather.wind), array.kwp);
  return acPowerW(dc, (array.inverterKw ?? array.kwp) * 1000);
}

/** AC power in W under a clear sky: Haurwitz GHI, of which 15 % taken as diffuse (a typical clear-sky share). */
export function clearSkyPowerW(array: PvArray, at: number, temperature = 20): number {
  const sun = solarPosition(at, array);
  const ghi = clearSkyGhi(sun.zenith);
  if (ghi <= 0) return 0;
  const diffuseH = 0.15 * ghi;
  return pvPowerW(array, at, { beamH: ghi - diffuseH, diffuseH, temperature, wind: 1 });
}

/**
 * Energy in whole Wh (rounded down, what feeds the ledger) the array produces in `[start, start + seconds)`,
 * by the midpoint rule over steps of at most 5 minutes, with the weather of each step's hour from `weatherAt`.
 */
export function pvEnergyWh(array: PvArray, start: number, seconds: number, weatherAt: (epochSeconds: number) => HourWeather): number {
  const steps = Math.max(1, Math.ceil(seconds / 300));
  const step = seconds / steps;
  let joules = 0;
  for (let i = 0; i < steps; i++) {
    const at = start + (i + 0.5) * step;
    const hourStart = at - mod(at, 3600);
    joules += pvPowerW(array, at, weatherAt(at), hourStart + 1800) * step;
  }
  return Math.floor(joules / 3600);
}
