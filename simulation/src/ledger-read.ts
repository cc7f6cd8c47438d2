/**
 * What the report is computed from, read from the ledger through a gateway with an operator (or
 * utility, regulator) key: each interval's record, market figures, clearing fills and settlement,
 * and the figures of the whole run. The run's report and the audit read it the same way.
 */
import { formatInstant, type Figures } from '@gridledger/core';
import type { CountingClient } from './client';
import type { LedgerInterval } from './kpi';

export async function readInterval(client: CountingClient, key: string, communityId: string, start: number): Promise<LedgerInterval> {
  const base = `/markets/${encodeURIComponent(communityId)}/intervals/${formatInstant(start)}`;
  const record = (await client.ok(key, 'GET', base)) as unknown as LedgerInterval['record'];
  const figures = (await client.ok(key, 'GET', `${base}/figures`)) as unknown as Figures;
  const clearing = await client.ok(key, 'GET', `${base}/clearing`);
  const settlement = await client.ok(key, 'GET', `${base}/settlement`);
  return {
    intervalStart: formatInstant(start),
    record,
    figures,
    fills: clearing.fills as LedgerInterval['fills'],
    tradeCount: Number(clearing.tradeCount ?? 0),
    settled: settlement.participants as LedgerInterval['settled'],
  };
}

/** The ledger's figures of the intervals starting in [from, to). */
export async function readPeriod(client: CountingClient, key: string, communityId: string, from: number, to: number): Promise<Figures> {
  const answer = await client.ok(
    key,
    'GET',
    `/markets/${encodeURIComponent(communityId)}/figures?from=${formatInstant(from)}&to=${formatInstant(to)}`,
  );
  return answer as unknown as Figures;
}
