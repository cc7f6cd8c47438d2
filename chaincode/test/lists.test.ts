import { ErrorCodes, formatInstant } from '@gridledger/core';
import { AssetsContract, EnergyContract } from '../src/energy';
import { BilateralContract } from '../src/market/bilateral';
import { MarketContract } from '../src/market/market';
import { CreditsContract } from '../src/market/credits';
import { MeteringContract } from '../src/metering';
import { ListsContract } from '../src/lists/contract';
import { indexDispute, newestFirstPart } from '../src/lists/indexes';
import { respond } from '../src/respond';
import { FakeFabric, identity, meterKeys, readingsOf, signReading, submitVia } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, setupMarket, T, TS, utility } from './market-support';

const lists = new ListsContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const credits = new CreditsContract();
const market = new MarketContract();
const metering = new MeteringContract();
const contracts = new BilateralContract();
const keys = { s1: meterKeys(), b1: meterKeys(), b2: meterKeys() };
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  b2: identity('CommunityMSP', 'consumer', 'b2'),
};
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const json = JSON.stringify;
const ids = (page: { items: Record<string, unknown>[] }, field: string) => page.items.map((i) => i[field]);
type Run = (f: FakeFabric) => Promise<{ ok: boolean }>;

describe('lists', () => {
  let f: FakeFabric;
  beforeEach(async () => {
    f = await setupMarket(keys);
  });

  it("lists a community's participants and meters, in pages, for the operator and the utility only", async () => {
    const page1 = expectOk(await f.evaluate(operator, (ctx) => lists.listParticipants(ctx, 'c1', '2', '')));
    expect(ids(page1, 'participantId')).toEqual(['b1', 'b2']);
    const page2 = expectOk(await f.evaluate(operator, (ctx) => lists.listParticipants(ctx, 'c1', '2', page1.bookmark)));
    expect(ids(page2, 'participantId')).toEqual(['s1']);
    expect(page2.bookmark).toBe('');
    const meters = expectOk(await f.evaluate(utility, (ctx) => lists.listCommunityMeters(ctx, 'c1', '', '')));
    expect(ids(meters, 'meterId')).toEqual(['b1.m', 'b2.m', 's1.m']);
    expect(expectOk(await f.evaluate(operator, (ctx) => lists.listParticipants(ctx, 'c2', '', ''))).items).toEqual([]);
    for (const caller of [who.b1, regulator]) {
      expect(codeOf(await f.evaluate(caller, (ctx) => lists.listParticipants(ctx, 'c1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
      expect(codeOf(await f.evaluate(caller, (ctx) => lists.listCommunityMeters(ctx, 'c1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    }
    // A bookmark of another community's list is refused.
    expect(codeOf(await f.evaluate(operator, (ctx) => lists.listParticipants(ctx, 'c2', '2', page1.bookmark)))).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    expect(codeOf(await f.evaluate(operator, (ctx) => lists.listParticipants(ctx, 'c1', '501', '')))).toBe(ErrorCodes.REQUEST_INVALID);
  });

  it('lists deposits and withdrawals by community and participant, in a period, for the utility and the participant', async () => {
    f.now = T - 3600;
    expectOk(await f.run(utility, (ctx) => credits.withdraw(ctx, json({ participantId: 'b1', amountMicros: 5, reference: 'w1' }))));
    const all = expectOk(await f.evaluate(utility, (ctx) => lists.listCommunityBankEntries(ctx, 'c1', '', '', '', '')));
    expect(all.items.map((e: { participantId: string; kind: string }) => [e.participantId, e.kind])).toEqual([
      ['b1', 'deposit'],
      ['b2', 'deposit'],
      ['b1', 'withdrawal'],
    ]);
    const late = formatInstant(T - 3600);
    const since = expectOk(await f.evaluate(utility, (ctx) => lists.listCommunityBankEntries(ctx, 'c1', late, '', '', '')));
    expect(since.items).toMatchObject([{ participantId: 'b1', kind: 'withdrawal', amountMicros: 5, reference: 'w1' }]);
    const before = expectOk(await f.evaluate(utility, (ctx) => lists.listCommunityBankEntries(ctx, 'c1', '', late, '', '')));
    expect(ids(before, 'kind')).toEqual(['deposit', 'deposit']);
    const own = expectOk(await f.evaluate(who.b1, (ctx) => lists.listBankEntries(ctx, 'b1', '', '', '', '')));
    expect(ids(own, 'kind')).toEqual(['deposit', 'withdrawal']);
    expect(codeOf(await f.evaluate(who.b2, (ctx) => lists.listBankEntries(ctx, 'b1', '', '', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    for (const caller of [operator, regulator, who.b1]) {
      expect(codeOf(await f.evaluate(caller, (ctx) => lists.listCommunityBankEntries(ctx, 'c1', '', '', '', '')))).toBe(
        ErrorCodes.ACCESS_DENIED,
      );
    }
    expect(codeOf(await f.evaluate(utility, (ctx) => lists.listCommunityBankEntries(ctx, 'c1', 'yesterday', '', '', '')))).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
  });

  it("keeps an asset in its community's verification queue until the regulator verifies it; a backfill restores a lost index", async () => {
    const asset = {
      assetId: 'pv-s1',
      participantId: 's1',
      meterId: 's1.m',
      source: 'solar',
      capacityW: 5000,
      zone: 'z1',
      feeder: 'f1',
      location: '52.40 N 13.10 E',
      commissionedOn: '2024-05-01',
      certificationHash: 'ab'.repeat(32),
    };
    expectOk(await f.run(who.s1, (ctx) => assets.registerAsset(ctx, json(asset))));
    const queue = () => f.evaluate(regulator, (ctx) => lists.listUnverifiedAssets(ctx, 'c1', '', ''));
    expect(ids(expectOk(await queue()), 'assetId')).toEqual(['pv-s1']);
    expect(codeOf(await f.evaluate(who.s1, (ctx) => lists.listUnverifiedAssets(ctx, 'c1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);

    // A ledger from before the index: the key is gone; the backfill's page names the asset and writes its index again.
    const indexKey = [...f.state.keys()].find((k) => k.startsWith('\u0000assetUnverified\u0000'))!;
    f.state.delete(indexKey);
    expect(expectOk(await queue()).items).toEqual([]);
    expect(codeOf(await f.evaluate(who.s1, (ctx) => lists.readBackfillPage(ctx, 'assets', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await f.evaluate(utility, (ctx) => lists.readBackfillPage(ctx, 'assets', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await f.evaluate(operator, (ctx) => lists.readBackfillPage(ctx, 'everything', '', '')))).toBe(ErrorCodes.REQUEST_INVALID);
    const page = expectOk(await f.evaluate(operator, (ctx) => lists.readBackfillPage(ctx, 'assets', '', '')));
    expect(page).toEqual({ kind: 'assets', ids: [['pv-s1']], bookmark: '' });
    expect(codeOf(await f.run(who.s1, (ctx) => lists.backfillIndexes(ctx, 'assets', json(page.ids))))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(expectOk(await f.run(regulator, (ctx) => lists.backfillIndexes(ctx, 'assets', json(page.ids))))).toEqual({
      kind: 'assets',
      indexed: 1,
    });
    expect(ids(expectOk(await queue()), 'assetId')).toEqual(['pv-s1']);

    expectOk(await f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'pv-s1')));
    expect(expectOk(await queue()).items).toEqual([]);
    // Backfilling a verified asset writes no queue entry.
    expect(expectOk(await f.run(operator, (ctx) => lists.backfillIndexes(ctx, 'assets', json([['pv-s1']])))).indexed).toBe(1);
    expect(expectOk(await queue()).items).toEqual([]);
  });

  it("lists a community's open disputes until resolved, and a participant's own disputes", async () => {
    const [reading] = readingsOf('b1.m', T - 7200 - 1800, [{ importWh: 100, exportWh: 0 }]);
    const submitted = expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, json([signReading(reading, keys.b1.privateKey)]))));
    expect(submitted.results[0].status).toBe('accepted');
    const dispute = { meterId: 'b1.m', intervalStart: reading.intervalStart, reason: 'too high' };
    expectOk(await f.run(who.b1, (ctx) => energy.disputeReading(ctx, json(dispute))));
    const open = () => f.evaluate(operator, (ctx) => lists.listOpenDisputes(ctx, 'c1', '', ''));
    expect(expectOk(await open()).items).toMatchObject([{ ...dispute, status: 'open', participantId: 'b1' }]);
    expect(ids(expectOk(await f.evaluate(who.b1, (ctx) => lists.listDisputes(ctx, 'b1', '', ''))), 'status')).toEqual(['open']);
    expect(codeOf(await f.evaluate(who.b2, (ctx) => lists.listDisputes(ctx, 'b1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await f.evaluate(regulator, (ctx) => lists.listDisputes(ctx, 'b1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    for (const caller of [who.b1, regulator]) {
      expect(codeOf(await f.evaluate(caller, (ctx) => lists.listOpenDisputes(ctx, 'c1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    }
    // Resolving writes the dispute resolved (resolveDispute's own tests): its open index goes, the participant's stays.
    const resolvedAt = formatInstant(T - 600);
    const resolved = {
      meterId: 'b1.m',
      intervalStart: reading.intervalStart,
      participantId: 'b1',
      status: 'resolved',
      correction: { resolvedAt },
    };
    expectOk(
      await f.run(operator, (ctx) =>
        respond(ctx, 'resolve', async () => {
          await indexDispute(ctx, 'c1', resolved);
          return resolved;
        }),
      ),
    );
    expect(expectOk(await open()).items).toEqual([]);
    expect(expectOk(await f.evaluate(utility, (ctx) => lists.listDisputes(ctx, 'b1', '', ''))).items).toHaveLength(1);
    // Resolved, it is in the community's list by resolution time: within [from, to) only; no household, no regulator.
    const resolvedIn = (from: string, to: string, caller = operator) =>
      f.evaluate(caller, (ctx) => lists.listResolvedDisputes(ctx, 'c1', from, to, '', ''));
    expect(expectOk(await resolvedIn(formatInstant(T - 3600), '')).items).toHaveLength(1);
    expect(expectOk(await resolvedIn('', resolvedAt)).items).toEqual([]);
    expect(expectOk(await resolvedIn(formatInstant(T - 599), '')).items).toEqual([]);
    for (const caller of [who.b1, regulator]) expect(codeOf(await resolvedIn('', '', caller))).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it("lists a participant's contracts for itself and the overseers, and a community's", async () => {
    const day = formatInstant(T + 86_400).slice(0, 10);
    const proposal = (n: number) => ({
      clientContractId: `k${n}`,
      communityId: 'c1',
      sellerId: 's1',
      buyerId: `b${n}`,
      energyWhPerInterval: 100,
      priceMicrosPerKwh: 100_000,
      firstDay: day,
      lastDay: day,
      dailyFrom: '10:00',
      dailyTo: '11:00',
    });
    const proposed = expectOk(await f.run(who.s1, (ctx) => contracts.proposeContract(ctx, json(proposal(1)))));
    expectOk(await f.run(who.s1, (ctx) => contracts.proposeContract(ctx, json(proposal(2)))));
    const seller = expectOk(await f.evaluate(who.s1, (ctx) => lists.listContracts(ctx, 's1', '', '')));
    expect(seller.items).toHaveLength(2);
    const buyer = expectOk(await f.evaluate(who.b1, (ctx) => lists.listContracts(ctx, 'b1', '', '')));
    expect(ids(buyer, 'contractId')).toEqual([proposed.contract.contractId]);
    expect(codeOf(await f.evaluate(who.b2, (ctx) => lists.listContracts(ctx, 'b1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    const community = expectOk(await f.evaluate(regulator, (ctx) => lists.listCommunityContracts(ctx, 'c1', '1', '')));
    expect(community.items).toHaveLength(1);
    expect(community.bookmark).not.toBe('');
    expect(codeOf(await f.evaluate(who.s1, (ctx) => lists.listCommunityContracts(ctx, 'c1', '', '')))).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it('lists the clearing results newest first, as market:listResults lists them oldest first', async () => {
    const second = formatInstant(T + 900);
    f.now = T + 900 - 300;
    const steps: Run[] = [TS, second].flatMap((start) => [
      (x: FakeFabric) => x.run(operator, (ctx) => market.closeInterval(ctx, 'c1', start)),
      (x: FakeFabric) => x.run(operator, (ctx) => market.clearInterval(ctx, 'c1', start)),
    ]);
    for (const step of steps) expect((await step(f)).ok).toBe(true);
    const oldest = expectOk(await f.evaluate(who.b1, (ctx) => market.listResults(ctx, 'c1', '10', '')));
    expect(ids(oldest, 'intervalStart')).toEqual([TS, second]);
    const newest = expectOk(await f.evaluate(who.b1, (ctx) => lists.listLatestResults(ctx, 'c1', '1', '')));
    expect(newest.items).toEqual([oldest.items[1]]);
    const next = expectOk(await f.evaluate(who.b1, (ctx) => lists.listLatestResults(ctx, 'c1', '1', newest.bookmark)));
    expect(ids(next, 'intervalStart')).toEqual([TS]);
    expect(newestFirstPart('2026-11-23T10:15:00Z') < newestFirstPart('2026-11-23T10:00:00Z')).toBe(true);
  });
});
