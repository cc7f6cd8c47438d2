#!/usr/bin/env node
/**
 * npm run audit -- --community <id> --interval <instant> [--org regulator] [--state .gridledger] [--key <api key>] [--url <gateway>]
 * npm run audit -- --book <file.json> [--community <id> --interval <instant> ...]
 * npm run audit -- certificates [--from <hour> --to <hour>] [--community <id>] [--report <file.json>] [...]: see audit-certificates.ts
 * npm run audit -- flex --event <eventId> [...]: see audit-flex.ts
 * npm run audit -- readings-archive --hour <hour> [--root <hex>] [...]: see audit-archive.ts
 * npm run audit -- readings-chain --meter <id> [--depth <n>] [--interval <instant>] [...]: see audit-chain.ts
 * npm run audit -- simulation <report directory> [...]: see simulation/src/audit.ts
 *
 * Recomputes an interval's clearing with the pure module, from the orders on the ledger (read
 * through a gateway with an operator, utility or regulator key) or from a JSON order book file
 * `{ "params": { feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm }, "orders":
 * [{ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }] }` (a zonal interval adds
 * `params.clearingMethod: "zonal"` and `"network": { network: [zones, limits in Wh], zoneOf: {participant: zone} }`,
 * as `GET .../orders` answers them; an islanded one `"island": { since, cause, loadPriorities }`, whose
 * curtailment is recomputed too; one with load shedding `"shedding": { orders, zoneOf, zones }`, whose sheds are), prints the result
 * as JSON, and, when an interval is named, whether it matches what the ledger recorded (exit 0 when
 * it does, 1 when it does not, 2 on an error).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clearingDifferences, recomputeClearing, type RecordedBook } from '@gridledger/core';
import { GATEWAY_OPTIONS, gatewayOf, get, print } from './audit-gateway';
import { auditCertificates } from './audit-certificates';
import { auditFlex } from './audit-flex';
import { auditReadingsArchive } from './audit-archive';
import { auditReadingsChain } from './audit-chain';

type SimulationAudit = { auditSimulation(argv: string[]): Promise<number> };

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'certificates') return auditCertificates(argv.slice(1));
  if (argv[0] === 'flex') return auditFlex(argv.slice(1));
  if (argv[0] === 'readings-archive') return auditReadingsArchive(argv.slice(1));
  if (argv[0] === 'readings-chain') return auditReadingsChain(argv.slice(1));
  // The simulation workspace depends on this one, so its audit is loaded from its build, not imported.
  if (argv[0] === 'simulation')
    return (createRequire(__filename)(join(__dirname, '..', '..', 'simulation', 'dist', 'audit.js')) as SimulationAudit).auditSimulation(
      argv.slice(1),
    );
  const { values } = parseArgs({
    args: argv,
    options: {
      community: { type: 'string' },
      interval: { type: 'string' },
      book: { type: 'string' },
      ...GATEWAY_OPTIONS,
    },
  });
  const onLedger = values.community !== undefined && values.interval !== undefined;
  if (!onLedger && values.book === undefined) throw new Error('name --community and --interval, or --book <file>');
  const { base, key } = onLedger ? gatewayOf(values) : { base: '', key: '' };
  const interval = onLedger
    ? `${base}/api/v1/markets/${encodeURIComponent(values.community!)}/intervals/${encodeURIComponent(values.interval!)}`
    : '';
  const book = (
    values.book !== undefined ? JSON.parse(readFileSync(values.book, 'utf8')) : await get(`${interval}/orders`, key)
  ) as RecordedBook;
  // The method the interval ran (zonal over the network and zones the ledger names, else uniform), the island's
  // curtailment and the load shedding when the book names them.
  const recomputed = recomputeClearing(book);
  const report: Record<string, unknown> = { source: values.book ?? 'ledger', recomputed };
  if (onLedger) {
    const recorded = await get(`${interval}/clearing`, key);
    const differences = clearingDifferences(recomputed as unknown as Record<string, unknown>, recorded);
    Object.assign(report, { recordedTxId: recorded.txId, matches: differences.length === 0, differences });
  }
  const code = report.matches === false ? 1 : 0;
  await print(report);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`audit: ${e.message}\n`);
    process.exit(2);
  },
);
