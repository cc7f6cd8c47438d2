/** A battery provider with its battery meter, its storage asset, and a battery's registration (61, 62, 78 and load 81). */
import { generateKeyPairSync } from 'node:crypto';
import { formatInstant } from '@gridledger/core';
import { api, operatorKey, uid } from './support';

export interface Provider {
  participantId: string;
  apiKey: string;
  meterId: string;
  privateKeyPem: string;
}

const op = (method: string, path: string, body?: unknown) => api('community', operatorKey(), method, path, body);

/** A battery provider onboarded at the Community gateway with a bidirectional battery meter in community `communityId`. */
export async function provider(communityId: string): Promise<Provider> {
  const participantId = uid('bp');
  const onboarded = await op('POST', '/participants', { participantId, role: 'battery-provider' });
  expect(onboarded.status).toBe(201);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const meterId = `${participantId}.battery`;
  const meter = await op('POST', '/meters', {
    meterId,
    participantId,
    kind: 'bidirectional',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW: 600_000,
    communityId,
  });
  expect(meter.status).toBe(201);
  return {
    participantId,
    apiKey: String(onboarded.body.apiKey),
    meterId,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The certificates' storage asset of the provider's battery meter (source storage), registered by the operator; its id. */
export async function storageAsset(p: Provider, certificationHash: string): Promise<string> {
  const assetId = `${p.participantId}.store`;
  const asset = {
    assetId,
    participantId: p.participantId,
    meterId: p.meterId,
    source: 'storage',
    capacityW: 50_000,
    zone: 'z1',
    feeder: 'f1',
    location: '52.52 N 13.40 E',
    commissionedOn: '2025-01-01',
    certificationHash,
  };
  const registered = await op('POST', '/assets', asset);
  expect(registered.status).toBe(201);
  return assetId;
}

/** A 10 kWh battery in Berlin, zone z1, available from yesterday for four days, at 50,000 µ/kWh stored and 240,000 µ/kWh·day. */
export function battery(p: Provider, communityId: string, batteryId: string, more: Record<string, unknown> = {}) {
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  return {
    batteryId,
    communityId,
    zone: 'z1',
    meterId: p.meterId,
    capacityWh: 10_000,
    maxChargeW: 50_000,
    maxDischargeW: 50_000,
    roundTripEfficiencyPpm: 900_000,
    latitudeMicro: 52_520_000,
    longitudeMicro: 13_405_000,
    availability: [{ from: formatInstant(day - 86_400), to: formatInstant(day + 3 * 86_400) }],
    storedPriceMicrosPerKwh: 50_000,
    reservedPriceMicrosPerKwhDay: 240_000,
    penaltyMicrosPerKwh: 100_000,
    ...more,
  };
}

/** An hour two days ahead, inside battery()'s availability: a contract window that holds no hour closed yet. */
export function hourTwoDaysAhead(): { from: string; to: string } {
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  return { from: formatInstant(day + 2 * 86_400), to: formatInstant(day + 2 * 86_400 + 3_600) };
}

/** A storage contract on the battery, confirmed by the buyer (its REST key) over the window; its id. */
export async function confirmContract(
  buyer: { apiKey: string },
  batteryId: string,
  reservedWh: number,
  window: { from: string; to: string },
): Promise<string> {
  const body = { clientContractId: uid('sc'), batteryId, reservedWh, ...window };
  const confirmed = await api('community', buyer.apiKey, 'POST', '/storage/contracts', body);
  if (confirmed.status !== 201) throw new Error(`storage contract: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return confirmed.body.contract.contractId as string;
}
