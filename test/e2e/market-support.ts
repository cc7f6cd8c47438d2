/**
 * What the market's end-to-end files share: traders with a meter in a community of their own, and
 * the metering interval set for the file's duration (market intervals of 60 s need readings of 60 s).
 */
import { generateKeyPairSync } from 'node:crypto';
import { UTILITY_ACCOUNT } from '@gridledger/core/core';
import { FabricLedger } from '@gridledger/gateway-api';
import { ledgerClient, LedgerClient, OrgName, type WalletUser } from '@gridledger/network';
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

/** The gateway's ledger port on the Community peer as the community operator (schedulers and listeners run in-process). */
export function operatorLedger(): { ledger: FabricLedger; operator: WalletUser } {
  const operator = profile().orgs.community.users['community-operator'];
  const ledger = new FabricLedger({
    peer: profile().orgs.community.peer,
    channel: profile().channel,
    chaincode: profile().chaincode,
    serviceUser: operator,
  });
  return { ledger, operator };
}

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

/**
 * Checks that the channel's metering parameters are those the file needs: the e2e environment
 * (environment.js) sets them from the file's first comment (`@metering-interval 60`,
 * `@metering-late-window 30`) before the file runs, and keeps files that need others from running
 * beside it (file-lock.js). A file that calls this without declaring them fails here, saying so.
 */
export function useMeteringInterval(seconds: number, more: { lateWindowSeconds?: number } = {}): void {
  beforeAll(async () => {
    const client = operatorClient();
    try {
      const params = JSON.parse(await client.evaluate('metering:getParams'));
      const wanted = { intervalSeconds: seconds, ...more };
      const got = {
        intervalSeconds: params.intervalSeconds,
        ...(more.lateWindowSeconds === undefined ? {} : { lateWindowSeconds: params.lateWindowSeconds }),
      };
      if (JSON.stringify(got) !== JSON.stringify(wanted))
        throw new Error(
          `the file needs metering parameters ${JSON.stringify(wanted)} but the channel has ${JSON.stringify(got)}: ` +
            `declare them in the file's first comment (@metering-interval ${seconds}` +
            (more.lateWindowSeconds === undefined ? '' : `, @metering-late-window ${more.lateWindowSeconds}`) +
            '; see test/e2e/file-lock.js)',
        );
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

/**
 * What the utility gained from settling `communityId`'s intervals: the settlement postings to its
 * account less those from it. Read from the file's own community, not from the channel's credit
 * supply, which other files running at the same time change too.
 */
export async function utilityGainIn(communityId: string, intervalStarts: string[]): Promise<number> {
  let gain = 0;
  for (const intervalStart of intervalStarts) {
    const res = await api(
      'regulator',
      credentials().apiKeys.regulator.regulator,
      'GET',
      `/markets/${communityId}/intervals/${intervalStart}/settlement`,
    );
    if (res.status !== 200) throw new Error(`settlement of ${communityId} ${intervalStart}: ${res.status} ${JSON.stringify(res.body)}`);
    for (const p of res.body.postings as { from: string; to: string; amountMicros: number }[])
      gain += (p.to === UTILITY_ACCOUNT ? p.amountMicros : 0) - (p.from === UTILITY_ACCOUNT ? p.amountMicros : 0);
  }
  return gain;
}

/** Market parameters of a community of a file's own: retail 0.3, feed-in 0.05, grid fee 0.01 per kWh, gate closure 10 s. */
export const marketParams = (intervalSeconds: number) => ({
  intervalSeconds,
  gateClosureSeconds: 10,
  openingHorizonSeconds: 3600,
  feedInMicrosPerKwh: 50_000,
  retailMicrosPerKwh: 300_000,
  gridFeeMicrosPerKwh: 10_000,
  kPpm: 500_000,
});

/** Market parameters of one-minute intervals, their gate 10 s before, with the tariffs the market files use. */
export const ONE_MINUTE_MARKET = marketParams(60);

/** Resolves at the given time (seconds since the epoch), at once when it has passed. */
export async function sleepUntil(epochSeconds: number): Promise<void> {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
}

/** A trader's first signed reading of an interval (its registers start at zero). */
export const firstReading = (t: Trader, intervalStart: string, importWh: number, exportWh: number) =>
  signReading(
    { meterId: t.meterId, intervalStart, seq: 1, importWh, exportWh, importRegisterWh: importWh, exportRegisterWh: exportWh },
    t.privateKeyPem,
  );
