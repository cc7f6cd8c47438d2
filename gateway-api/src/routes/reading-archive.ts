/**
 * REST routes of the readings archive (docs/bounded-state.md): a Community operator archives an
 * hour whose horizons have all passed, page after page until it is done (metering:archiveReadingHour
 * is idempotent: a finished hour is answered as it is); the operator, the utility and the regulator
 * read an hour's archive record (counts and roots only, nobody's readings); whoever may read a
 * meter's readings reads its chain (the rolling archive's root). Used by the routes and by the
 * archive scheduler.
 */
import express from 'express';
import { catalogue, type ResultOf } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { metering } = catalogue;

/** Records one archive page deletes: half the chaincode's maximum (MAX_ARCHIVE_PAGE), one transaction each. */
export const ARCHIVE_PAGE_SIZE = 1000;
/** A bound on the pages of one hour: 10,000 pages of 1,000 is ten million readings. */
const MAX_ARCHIVE_PAGES = 10_000;
/** Who reads an hour's archive record at the gateway: no household (the chaincode lets any role; it holds no one's data). */
export const ARCHIVE_READERS = ['operator', 'utility', 'regulator'];

type Archive = ResultOf<typeof metering.archiveReadingHour>;

/** Archives `hour` to the end: one transaction per page until the record says done; the last page's answer and txId. */
export async function archiveHourPages(
  ledger: LedgerPort,
  user: Parameters<LedgerPort['submit']>[0],
  hour: string,
  pageSize = ARCHIVE_PAGE_SIZE,
): Promise<{ archive: Archive; txId: string; pages: number }> {
  for (let page = 1; ; page++) {
    const { result, txId } = await call(ledger, user, metering.archiveReadingHour, [{ hour, pageSize }]);
    if (result.done || page >= MAX_ARCHIVE_PAGES) return { archive: result, txId, pages: page };
  }
}

export function readingArchiveRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.post('/reading-hours/:hour/archive', async (req, res) => {
    const { archive, txId } = await archiveHourPages(ledger, callerOf(res), req.params.hour);
    res.locals.txId = txId;
    res.json({ ...archive, txId });
  });
  // Where the walk of a meter's rolling archive starts (npm run audit -- readings-chain); the chaincode checks whose meter it is.
  r.get('/meters/:meterId/chain', async (req, res) => {
    res.json(await call(ledger, callerOf(res), metering.getMeterChain, [req.params.meterId]));
  });
  r.get('/reading-hours/:hour/archive', async (req, res) => {
    requireRoles(callerOf(res), ARCHIVE_READERS, 'reading an archived hour');
    res.json(await call(ledger, callerOf(res), metering.getReadingHourArchive, [req.params.hour]));
  });
  return r;
}
