/**
 * `npm run audit -- simulation <report dir> [--org regulator] [--state .gridledger] [--key] [--url]`:
 * reads the run's report.json, reads the ledger again for the run's community and intervals (as
 * the regulator by default), recomputes every figure with the same pure rules (kpi.ts) and
 * compares; the request counts, which only the client knew, are taken from the report. Prints
 * `{ community, intervals, matches, differences }`; exit 0 when everything matches, 1 when not,
 * 2 on an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_OPTIONS, gatewayOf, print } from '@gridledger/gateway-api/dist/audit-gateway';
import { CountingClient } from './client';
import { simOf } from './clock';
import { report, type Report } from './kpi';
import { readInterval, readPeriod } from './ledger-read';
import type { RunReport } from './report-files';

/** Paths where two JSON values differ (`kpis.selfSufficiency.ppm: 512000 != 511000`). */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

/** The report's figures recomputed from the ledger. */
export async function recompute(recorded: RunReport, url: string, key: string): Promise<Report> {
  const client = new CountingClient(url);
  const c = recorded.run.communityId;
  const starts = recorded.intervals.map((i) => Date.parse(i.intervalStart) / 1000);
  const intervals = [];
  for (const start of starts) intervals.push(await readInterval(client, key, c, start));
  const period = await readPeriod(client, key, c, Date.parse(recorded.run.from) / 1000, Date.parse(recorded.run.to) / 1000);
  const rowOf = new Map(recorded.homes.map((h) => [h.participantId, h]));
  const r = recorded.run;
  const scale = {
    realStart: Date.parse(r.from) / 1000,
    realIntervalSeconds: r.ledgerIntervalSeconds,
    simStart: Date.parse(r.simulatedFrom) / 1000,
    simIntervalSeconds: r.simulatedSecondsPerInterval,
  };
  return report({
    simIntervalSeconds: r.simulatedSecondsPerInterval,
    simulatedStart: (instant) => simOf(scale, instant),
    homes: Object.entries(r.participants).map(([homeId, participantId]) => {
      const tariff = r.tariffs.find((t) => t.name === rowOf.get(participantId)?.tariff);
      if (tariff === undefined) throw new Error(`report.json names ${participantId} but has no row with a known tariff for it`);
      return { homeId, participantId, tariff };
    }),
    intervals,
    period,
    requests: { sent: recorded.kpis.requests.sent, failed: recorded.kpis.requests.failed, retried: recorded.kpis.requests.retried },
  });
}

export async function auditSimulation(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: GATEWAY_OPTIONS, allowPositionals: true });
  if (positionals.length !== 1) throw new Error('name the run: npm run audit -- simulation <report directory>');
  const recorded = JSON.parse(readFileSync(join(positionals[0], 'report.json'), 'utf8')) as RunReport;
  const { base, key } = gatewayOf(values);
  const again = await recompute(recorded, base, key);
  const diff = differences({ kpis: recorded.kpis, intervals: recorded.intervals, homes: recorded.homes }, again);
  await print({ community: recorded.run.communityId, intervals: recorded.intervals.length, matches: diff.length === 0, differences: diff });
  return diff.length === 0 ? 0 : 1;
}
