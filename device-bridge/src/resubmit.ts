#!/usr/bin/env node
/**
 * npm run resubmit-parked -- [--state .gridledger] [--file <dead-letter.log>] [--org community] [--key <api key>] [--url <gateway>]
 *
 * Sends the readings the bridge parked (its dead-letter file, see dead-letter.ts) to the ledger
 * again, through a gateway with an operator's key, once whatever refused them is fixed. Prints a
 * JSON report of what became of each (by journal id) and exits 0 when every parked reading is now
 * on the ledger (accepted now or a duplicate of one recorded before), 1 when some are refused
 * again (their codes are in the report), 2 on an error. A reading is recorded once whatever the
 * number of runs, so an operator may run it again at any time. The file is left as it is: the
 * bridge appends to it while it runs.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compareIds, MAX_READINGS_PER_BATCH, type ReadingResult } from '@gridledger/core';
import { loadProfile, PROCESS_VARIABLES, readConfig, type OrgName } from '@gridledger/network';
import { credentialsPath, loadCredentials } from '@gridledger/network/dist/platform';
import { DeadLetters, readDeadLetters, type ParkedReading } from './dead-letter';

export interface ResubmissionReport {
  parked: number;
  accepted: number[];
  duplicate: number[];
  refused: { id: number; meterId: string; intervalStart: string; code: string; message: string }[];
}

/**
 * The parked readings in the order to send them, in batches: by meter, then seq (a meter's
 * readings in the order it made them), then journal id.
 */
export function resubmissionBatches(parked: ReadonlyMap<number, ParkedReading>, batchSize = MAX_READINGS_PER_BATCH): ParkedReading[][] {
  const entries = [...parked.values()].sort(
    (a, b) => compareIds(a.reading.meterId, b.reading.meterId) || a.reading.seq - b.reading.seq || a.id - b.id,
  );
  const batches: ParkedReading[][] = [];
  for (let i = 0; i < entries.length; i += batchSize) batches.push(entries.slice(i, i + batchSize));
  return batches;
}

/** Adds one batch's verdicts (results by their index in the batch) to the report. */
export function recordVerdicts(report: ResubmissionReport, batch: readonly ParkedReading[], results: readonly ReadingResult[]): void {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  batch.forEach((entry, index) => {
    const r = byIndex.get(index);
    if (r?.status === 'accepted') report.accepted.push(entry.id);
    else if (r?.status === 'duplicate') report.duplicate.push(entry.id);
    else {
      const { meterId, intervalStart } = entry.reading;
      report.refused.push({
        id: entry.id,
        meterId,
        intervalStart,
        code: r?.code ?? 'NO_VERDICT',
        message: r?.message ?? 'the ledger gave no verdict for this reading',
      });
    }
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      state: { type: 'string' },
      file: { type: 'string' },
      org: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const config = readConfig(PROCESS_VARIABLES.tools);
  const state = values.state ?? config.GRIDLEDGER_STATE ?? '.gridledger';
  const org = (values.org ?? 'community') as OrgName;
  const file = values.file ?? DeadLetters.file(`${state}/bridge`);
  const base = values.url ?? loadProfile(state).orgs[org].gateway.url;
  const key = values.key ?? config.GRIDLEDGER_API_KEY ?? operatorKeyOf(state, org);

  const parked = readDeadLetters(await readFile(file));
  const report: ResubmissionReport = { parked: parked.size, accepted: [], duplicate: [], refused: [] };
  for (const batch of resubmissionBatches(parked)) {
    const res = await fetch(`${base}/api/v1/readings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ readings: batch.map((e) => e.reading) }),
    });
    const body = (await res.json()) as { results?: ReadingResult[] };
    // A refused batch (access, the ledger away) stops the run: nothing is lost, the next run sends it again.
    if (res.status !== 200 || !Array.isArray(body.results)) throw new Error(`the gateway answered ${res.status}: ${JSON.stringify(body)}`);
    recordVerdicts(report, batch, body.results);
  }
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({ file, ...report }, null, 2)}\n`, () => resolve()));
  return report.refused.length === 0 ? 0 : 1;
}

/** The first operator key of the organization in the platform's credentials file. */
function operatorKeyOf(state: string, org: OrgName): string {
  const keys = loadCredentials(state).apiKeys[org] ?? {};
  const name = Object.keys(keys).find((n) => n.endsWith('operator'));
  if (name === undefined) throw new Error(`no operator key for ${org} in ${credentialsPath(state)}: pass --key`);
  return keys[name];
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`resubmit-parked: ${e.message}\n`);
      process.exit(2);
    },
  );
}
