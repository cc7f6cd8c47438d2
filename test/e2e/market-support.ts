/**
 * What the market's end-to-end files share: traders with a meter in a community of their own, and
 * the metering interval set for the file's duration (market intervals of 60 s need readings of 60 s).
 */
import { generateKeyPairSync } from 'node:crypto';
import { ledgerClient, LedgerClient, OrgName } from '@gridledger/network';
import { api, credentials, operatorKey, profile, signReading, sleep, uid } from './support';

export interface Trader {
  participantId: string;
  apiKey: string;
  org: OrgName;
  meterId: string;
  privateKeyPem: string;
}

export const operatorClient = (): LedgerClient =>
  ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);

/** A prosumer onboarded at `org`'s gateway with one bidirectional 600 kW meter (10,000 Wh in 60 s) in `communityId`. */
export async function trader(name: string, communityId: string, org: OrgName = 'community'): Promise<Trader> {
  const participantId = uid(name);
  const onboarder = org === 'community' ? operatorKey() : credentials().apiKeys.utility.utility;
  const onboarded = await api(org, onboarder, 'POST', '/participants', { participantId, role: 'prosumer' });
  if (onboarded.status !== 201) throw new Error(`onboarding: ${onboarded.status} ${JSON.stringify(onboarded.body)}`);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const meterId = `${participantId}.main`;
  const apiKey = String(onboarded.body.apiKey);
  const meter = {
    meterId,
    participantId,
    kind: 'bidirectional',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW: 600_000,
    communityId,
  };
  const registered = await api(org, apiKey, 'POST', '/meters', meter);
  if (registered.status !== 201) throw new Error(`meter: ${registered.status} ${JSON.stringify(registered.body)}`);
  return { participantId, apiKey, org, meterId, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Sets the ledger's metering interval (and other metering parameters) for the test file and restores the previous parameters after it. */
export function useMeteringInterval(seconds: number, more: { lateWindowSeconds?: number } = {}): void {
  let before: string | undefined;
  beforeAll(async () => {
    const client = operatorClient();
    try {
      before = await client.evaluate('metering:getParams');
      await client.submit('metering:setParams', JSON.stringify({ intervalSeconds: seconds, ...more }));
    } finally {
      client.close();
    }
  });
  afterAll(async () => {
    if (before === undefined) return;
    const client = operatorClient();
    try {
      await client.submit('metering:setParams', before);
    } finally {
      client.close();
    }
  });
}

/**
 * Delivery as cleared, once the interval has ended: each buyer used what it bought, each seller
 * exported what it sold plus `surplusWh`; one reading per trader, submitted by the operator.
 * Returns the Wh filled per participant.
 */
export async function deliverAsCleared(
  traders: (Trader & { side: 'buy' | 'sell' })[],
  intervalStart: string,
  fills: { participantId: string; filledWh: number }[],
  endSeconds: number,
  surplusWh = 50,
): Promise<Map<string, number>> {
  const filled = new Map<string, number>();
  for (const f of fills) filled.set(f.participantId, (filled.get(f.participantId) ?? 0) + f.filledWh);
  while (Date.now() / 1000 < endSeconds + 1) await sleep(500);
  const readings = traders.map((t) => {
    const importWh = t.side === 'buy' ? (filled.get(t.participantId) ?? 0) : 0;
    const exportWh = t.side === 'sell' ? (filled.get(t.participantId) ?? 0) + surplusWh : 0;
    return signReading(
      { meterId: t.meterId, intervalStart, seq: 1, importWh, exportWh, importRegisterWh: importWh, exportRegisterWh: exportWh },
      t.privateKeyPem,
    );
  });
  const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(submitted.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
  return filled;
}

/** Market parameters of 15-minute intervals (the metering default) with the tariffs the market files use. */
export const QUARTER_HOUR_MARKET = {
  intervalSeconds: 900,
  gateClosureSeconds: 60,
  openingHorizonSeconds: 86_400,
  feedInMicrosPerKwh: 50_000,
  retailMicrosPerKwh: 300_000,
  gridFeeMicrosPerKwh: 10_000,
  kPpm: 500_000,
};
