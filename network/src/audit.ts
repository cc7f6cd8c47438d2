#!/usr/bin/env node
/**
 * `npm run audit -- ...`: recomputes an interval's clearing with the pure auction and says whether
 * it matches what the ledger recorded. Read access is enough (a regulator, the utility, the
 * operator); a participant without access to the orders can audit a book it holds (--book).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeErrorEnvelope } from '@gridledger/core/core';
import { auditClearing, ClearingResult, OrderBook, parseOrderBook } from '@gridledger/core/market';
import { ledgerClient } from './ledger';
import { loadProfile, OrgName, ORGS, WalletUser } from './profile';
import { REPO_ROOT } from './up';

const USAGE = `usage: npm run audit -- --community ID --interval INSTANT [--book FILE] [--org ORG] [--user ID] [--state DIR]
       npm run audit -- --book FILE
  --community, --interval  the interval to audit on the ledger: its orders (unless --book) and its recorded clearing
  --book FILE              an order book as JSON: { "params": {...}, "orders": [...] } (README: "Auditing a clearing")
  --org, --user            the identity that reads the ledger (default: regulator / regulator)
prints { communityId, intervalStart, source, matches, differences, recomputed, recorded } as JSON;
exit 0 when it matches (or there is nothing to compare), 1 when it differs, 2 on an error`;

/** A demo user of the profile, or an identity the gateway enrolled at run time. */
function identity(stateDir: string, org: OrgName, id: string): WalletUser {
  const profile = loadProfile(stateDir);
  const known = profile.orgs[org].users[id];
  if (known) return known;
  const msp = join(stateDir, 'orgs', org, 'users', id, 'msp');
  const [key] = readdirSync(join(msp, 'keystore'));
  return { id, mspId: profile.orgs[org].mspId, certPath: join(msp, 'signcerts', 'cert.pem'), keyPath: join(msp, 'keystore', key) };
}

export async function audit(argv: string[]): Promise<{ report: Record<string, unknown>; matches: boolean | null }> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { community: { type: 'string' }, interval: { type: 'string' }, book: { type: 'string' }, org: { type: 'string' }, user: { type: 'string' }, state: { type: 'string' } },
  });
  const onLedger = values.community !== undefined || values.interval !== undefined;
  if (onLedger && (values.community === undefined || values.interval === undefined)) throw new Error('--community and --interval go together');
  if (!onLedger && values.book === undefined) throw new Error(USAGE);
  let book: OrderBook | undefined = values.book === undefined ? undefined : parseOrderBook(JSON.parse(readFileSync(values.book, 'utf8')));
  let recorded: ClearingResult | undefined;
  if (onLedger) {
    const stateDir = resolve(values.state ?? process.env.GRIDLEDGER_STATE ?? join(REPO_ROOT, '.gridledger'));
    const org = (values.org ?? 'regulator') as OrgName;
    if (!ORGS.includes(org)) throw new Error(`--org is one of ${ORGS.join(', ')}`);
    const client = ledgerClient(loadProfile(stateDir), org, identity(stateDir, org, values.user ?? 'regulator'));
    try {
      if (book === undefined) book = parseOrderBook(JSON.parse(await client.evaluate('market:getClearingOrders', values.community!, values.interval!)));
      recorded = JSON.parse(await client.evaluate('market:getClearing', values.community!, values.interval!)) as ClearingResult;
    } finally {
      client.close();
    }
  }
  const result = auditClearing(book!, recorded);
  const report = {
    communityId: values.community ?? null,
    intervalStart: values.interval ?? null,
    source: values.book === undefined ? 'ledger' : 'file',
    matches: result.matches,
    differences: result.differences,
    recomputed: result.recomputed,
    recorded: recorded ?? null,
  };
  return { report, matches: result.matches };
}

if (require.main === module) {
  audit(process.argv.slice(2)).then(
    ({ report, matches }) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.exit(matches === false ? 1 : 0);
    },
    (e: Error) => {
      const error = decodeErrorEnvelope(e.message);
      process.stderr.write(`${error ? `${error.code}: ${error.message}` : e.message}\n`);
      process.exit(2);
    },
  );
}
