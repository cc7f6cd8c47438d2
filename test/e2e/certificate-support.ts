/**
 * What the certificate files (43, 44) share: a verified producer in a community of its own, its
 * hour's signed readings, the hour's windows closed, issuance.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core/core';
import { trader, Trader } from './market-support';
import { api, ApiResult, closeWindow, credentials, type JsonAnswer, operatorKey, profile, signReading, uid } from './support';

export const INTERVAL = 900;

export const regulatorKey = () => credentials().apiKeys.regulator.regulator;
export const utilityKey = () => credentials().apiKeys.utility.utility;
/** The start of the hour `back` hours before the current one. */
export const hourBack = (back: number) => formatInstant(Math.floor(Date.now() / 3_600_000) * 3600 - back * 3600);
export const intervalsOf = (hourStart: string) => [0, 1, 2, 3].map((k) => formatInstant(Date.parse(hourStart) / 1000 + k * INTERVAL));
export const issuanceTag = (hourStart: string) =>
  `${hourStart.slice(0, 4)}${hourStart.slice(5, 7)}${hourStart.slice(8, 10)}T${hourStart.slice(11, 13)}Z`;

export async function ok<T = JsonAnswer>(answer: Promise<ApiResult<T>>, status = 200): Promise<T> {
  const res = await answer;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Producer extends Trader {
  communityId: string;
  assetId: string;
}

/**
 * A prosumer in a community of its own (or the one named) with a 5 kW solar asset on its meter (or
 * the source and capacity told); verified by the regulator unless told.
 */
export async function producer(
  verified = true,
  communityId = uid('certc'),
  { source = 'solar', capacityW = 5000 }: { source?: string; capacityW?: number } = {},
): Promise<Producer> {
  const t = await trader('cert', communityId);
  const assetId = `${t.participantId}.${source === 'solar' ? 'pv' : source}`;
  const asset = {
    assetId,
    participantId: t.participantId,
    meterId: t.meterId,
    source,
    capacityW,
    zone: 'z',
    feeder: 'f1',
    location: '52.40 N 13.10 E',
    commissionedOn: '2024-05-01',
    certificationHash: 'c0'.repeat(32),
  };
  await ok(api('community', t.apiKey, 'POST', '/assets', asset), 201);
  // The Regulator's peer may be a block behind the Community's, which registered the asset: ASSET_NOT_FOUND for a moment.
  if (verified)
    for (let attempt = 1; ; attempt++) {
      const res = await api('regulator', regulatorKey(), 'POST', `/assets/${assetId}/verification`);
      if (res.status === 200) break;
      if (res.body.error?.code !== 'ASSET_NOT_FOUND' || attempt === 20)
        throw new Error(`verification: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  return { ...t, communityId, assetId };
}

/**
 * The meter's readings of the hour's four intervals (seq from firstSeq, export register from
 * registerWh, import as told), by the operator.
 */
export async function deliver(
  p: Producer,
  hourStart: string,
  exportsWh: number[],
  firstSeq = 1,
  registerWh = 0,
  imports = [0, 0, 0, 0],
): Promise<void> {
  let register = registerWh;
  const readings = intervalsOf(hourStart).map((intervalStart, k) => {
    register += exportsWh[k];
    return signReading(
      {
        meterId: p.meterId,
        intervalStart,
        seq: firstSeq + k,
        importWh: imports[k],
        exportWh: exportsWh[k],
        importRegisterWh: imports.slice(0, k + 1).reduce((a, b) => a + b, 0),
        exportRegisterWh: register,
      },
      p.privateKeyPem,
    );
  });
  const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
  expect(submitted.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
}

export async function closeHour(p: Producer, hourStart: string): Promise<void> {
  for (const intervalStart of intervalsOf(hourStart)) await ok(closeWindow(intervalStart, p.communityId));
  // The windows were closed through the Community gateway; an issuance through the Regulator's may be simulated on
  // its peer first, which can be a block behind: wait until that peer has the last window too.
  const last = `/communities/${p.communityId}/windows/${encodeURIComponent(intervalsOf(hourStart)[3])}`;
  for (let k = 0; k < 50 && (await ok(api('regulator', regulatorKey(), 'GET', last))).closed === false; k++)
    await new Promise((r) => setTimeout(r, 100));
}

export const issue = (key: string, org: 'regulator' | 'utility' | 'community', assetId: string, hourStart: string) =>
  api(org, key, 'POST', '/certificates/issuances', { assetId, hourStart });

const AUDIT = join(__dirname, '..', '..', 'gateway-api', 'dist', 'audit.js');

/** Runs `npm run audit -- certificates` (the command itself) as the regulator: its exit code and JSON output. */
export function auditCertificates(...args: string[]): Promise<{ code: number; out: JsonAnswer; stderr: string }> {
  const url = profile().orgs.regulator.gateway.url;
  return new Promise((resolve) => {
    execFile(process.execPath, [AUDIT, 'certificates', '--url', url, '--key', regulatorKey(), ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), out: stdout === '' ? {} : JSON.parse(stdout), stderr });
    });
  });
}
