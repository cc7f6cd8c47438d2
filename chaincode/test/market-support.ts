/** What the market's chaincode tests share: the interval traded, the parameters, traders with one meter each, result checks. */
import { formatInstant, parseInstant } from '@gridledger/core';
import { CreditsContract } from '../src/market/credits';
import { MarketContract } from '../src/market/market';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, TxOutcome } from './fake-fabric';

/** The interval traded: T to T + 900 s. */
export const T = parseInstant('2026-11-23T10:00:00Z')!;
export const TS = formatInstant(T);
export const params = {
  intervalSeconds: 900,
  gateClosureSeconds: 300,
  openingHorizonSeconds: 86_400,
  feedInMicrosPerKwh: 50_000,
  retailMicrosPerKwh: 300_000,
  gridFeeMicrosPerKwh: 10_000,
  kPpm: 500_000,
};
export const operator = identity('CommunityMSP', 'operator', 'op-1');
export const utility = identity('UtilityMSP', 'utility', 'utility');
export const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');

/** The answer's JSON, typed as the fake's outcome has it (TxOutcome.result). */
export function expectOk(out: TxOutcome): TxOutcome['result'] {
  if (!out.ok) throw new Error(`expected success, got ${out.message}`);
  return out.result;
}
export function codeOf(out: TxOutcome): string | undefined {
  expect(out.ok).toBe(false);
  expect(out.writes.size).toBe(0);
  return out.error?.code;
}

/**
 * A ledger at T − 2 h with market parameters for community c1 and one meter `<id>.m` per trader:
 * ids starting with `s` are 10 kW prosumers (2,500 Wh in 15 minutes), the others 4 kW consumers
 * with 1,000,000 µ deposited. `overrides` change the parameters (e.g. the clearing method).
 */
export async function setupMarket(
  keys: Record<string, { publicKeyPem: string }>,
  overrides: Record<string, unknown> = {},
): Promise<FakeFabric> {
  const registry = new RegistryContract();
  const market = new MarketContract();
  const credits = new CreditsContract();
  const fabric = new FakeFabric();
  fabric.now = T - 7200;
  for (const id of Object.keys(keys)) {
    const seller = id.startsWith('s');
    expectOk(
      await fabric.run(operator, (ctx) =>
        registry.registerParticipant(ctx, JSON.stringify({ participantId: id, role: seller ? 'prosumer' : 'consumer' })),
      ),
    );
    const meter = {
      meterId: `${id}.m`,
      participantId: id,
      kind: 'bidirectional',
      publicKeyPem: keys[id].publicKeyPem,
      exportCapacityW: seller ? 10_000 : 4_000,
      communityId: 'c1',
    };
    expectOk(await fabric.run(operator, (ctx) => registry.registerMeter(ctx, JSON.stringify(meter))));
  }
  expectOk(await fabric.run(operator, (ctx) => market.setParams(ctx, 'c1', JSON.stringify({ ...params, ...overrides }))));
  for (const id of Object.keys(keys).filter((k) => !k.startsWith('s'))) {
    expectOk(
      await fabric.run(utility, (ctx) =>
        credits.deposit(ctx, JSON.stringify({ participantId: id, amountMicros: 1_000_000, reference: `dep-${id}` })),
      ),
    );
  }
  return fabric;
}
