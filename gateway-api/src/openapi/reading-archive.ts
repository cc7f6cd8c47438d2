/**
 * OpenAPI of the readings archive (routes/reading-archive.ts; docs/bounded-state.md): archiving an
 * hour and reading its archive record; the answers are the catalogue's.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { err } from './certificates';

const { metering } = catalogue;
const hour = {
  name: 'hour',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}$', description: 'a UTC hour, such as 2026-11-21T10' },
};
const common = {
  '400': err('REQUEST_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};

export const readingArchivePaths = {
  '/meters/{meterId}/chain': {
    get: {
      operationId: 'getMeterChain',
      description:
        "The meter's chain: its latest reading's interval and the root folded over every record the meter's transactions wrote, " +
        'with the transaction that wrote the head and the one before (docs/bounded-state.md, "The rolling archive"). A verifier ' +
        "walks the block store back from it (npm run audit -- readings-chain). Whoever may read the meter's readings; nulls before " +
        'its first reading.',
      parameters: [{ name: 'meterId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': answer(metering.getMeterChain), ...common },
    },
  },
  '/reading-hours/{hour}/archive': {
    post: {
      operationId: 'archiveReadingHour',
      description:
        "Archives the hour's readings once every horizon of the hour has passed (its end plus the longer of the late window and " +
        'archiveAfterSeconds): page after page (one transaction each) until none is left, each page deleting its records from ' +
        "the world state and folding their Merkle root into the hour's record. Idempotent: a finished hour is answered as it " +
        'is. A Community operator; the block store keeps the records (docs/bounded-state.md).',
      parameters: [hour],
      responses: { '200': answer(metering.archiveReadingHour), '409': err('ARCHIVE_NOT_DUE'), ...common },
    },
    get: {
      operationId: 'getReadingHourArchive',
      description:
        "An archived hour's record: how many readings left the state, the pages, the chain root over them and the last page's " +
        'transaction (whose ReadingHourArchived event names the page before). The operator, the utility and the regulator.',
      parameters: [hour],
      responses: { '200': answer(metering.getReadingHourArchive), '404': err('READING_NOT_FOUND'), ...common },
    },
  },
};
