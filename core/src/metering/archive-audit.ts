/**
 * The verifier's check of an archived hour of readings (docs/bounded-state.md, "The verifier's
 * walk"): given the hour's record, the pages its chain leads to (each archive transaction's
 * ReadingHourArchived event and the keys its write set deletes) and, per archived record, the bytes
 * its recording transaction wrote under its key, recompute every leaf, every page root and the chain
 * of pages, and compare with the hour's root. Pure: the shell (gateway-api/src/audit-archive.ts)
 * fetches the transactions from the block store. Each failure is named once, where it starts.
 */
import { archiveLeaf, chainRoot, merkleRoot, type ReadingHourArchive } from './archive';

/** The payload of a `ReadingHourArchived` event (chaincode/src/energy/archive.ts). */
export interface ReadingHourArchivedEvent {
  hour: string;
  page: number;
  prevTxId: string;
  pageRoot: string;
  root: string;
  records: { key: string; txId: string; leaf: string }[];
  done?: boolean;
}

/** One archive transaction as the block store holds it. */
export interface ArchivePageFound {
  txId: string;
  /** Committed as valid: only then do its deletes and its event count. */
  valid: boolean;
  /** Its ReadingHourArchived event; undefined when it has none. */
  event?: ReadingHourArchivedEvent;
  /** The keys its write set deletes (the chaincode's namespace). */
  deletedKeys: string[];
}

/** One archived record as the block store holds it: what the transaction named by the page wrote under the key. */
export interface ArchivedRecordFound {
  txId: string;
  key: string;
  valid: boolean;
  /** The bytes written under the key; undefined when the transaction's write set has no such write. */
  value?: Uint8Array;
}

export interface ArchiveAuditInput {
  /** The hour's record, as the chaincode answers it (metering:getReadingHourArchive). */
  archive: ReadingHourArchive;
  /** The pages found, first page first: the walk back from lastTxId through each prevTxId, reversed. */
  pages: ArchivePageFound[];
  /** The records found, in any order. */
  records: ArchivedRecordFound[];
  /** A root the verifier already holds (an earlier report): the hour's record must name it. */
  expectedRoot?: string;
}

export const ArchiveFindingCodes = {
  /** A page the chain names was not found in the block store (prevTxId or lastTxId leads nowhere). */
  PAGE_MISSING: 'PAGE_MISSING',
  /** The pages are found but out of order: a page names another found page than the one before it. */
  PAGE_ORDER: 'PAGE_ORDER',
  /** The number of pages or of records differs from the hour's record. */
  COUNT_MISMATCH: 'COUNT_MISMATCH',
  /** A transaction the walk relies on was not committed as valid. */
  TRANSACTION_INVALID: 'TRANSACTION_INVALID',
  /** An archive transaction without a ReadingHourArchived event of this hour, or with the wrong page number. */
  EVENT_MISMATCH: 'EVENT_MISMATCH',
  /** A record's key is not a reading of this hour, comes twice, or out of key order. */
  KEY_MISMATCH: 'KEY_MISMATCH',
  /** The archive transaction did not delete exactly the records its event lists. */
  DELETES_MISMATCH: 'DELETES_MISMATCH',
  /** The recording transaction has no write of the record's key. */
  RECORD_MISSING: 'RECORD_MISSING',
  /** The record's bytes, as its recording transaction wrote them, do not give the event's leaf. */
  LEAF_MISMATCH: 'LEAF_MISMATCH',
  /** The event's page root is not the Merkle root of its own leaves, or its root not the chain over it. */
  PAGE_ROOT_MISMATCH: 'PAGE_ROOT_MISMATCH',
  /** The root recomputed from the records is not the hour's root (or the hour's root not the one expected). */
  ROOT_MISMATCH: 'ROOT_MISMATCH',
} as const;
export type ArchiveFindingCode = keyof typeof ArchiveFindingCodes;

export interface ArchiveFinding {
  code: ArchiveFindingCode;
  /** The page number (1 = the first page) when the finding is about one page. */
  page?: number;
  txId?: string;
  key?: string;
  message: string;
}

export interface ArchiveAuditReport {
  hour: string;
  count: number;
  pages: number;
  done: boolean;
  /** The hour's root as recorded, and as recomputed from the records' bytes. */
  root: string;
  recomputedRoot: string;
  findings: ArchiveFinding[];
  holds: boolean;
}

const ZERO_ROOT: Buffer = Buffer.alloc(32);

/** The hour part of a reading's composite key (\0!reading\0hour\0meter\0intervalStart\0), or undefined. */
export function readingKeyHour(key: string): string | undefined {
  const parts = key.split('\u0000');
  return parts.length === 6 && parts[0] === '' && parts[1] === '!reading' && parts[5] === '' ? parts[2] : undefined;
}

/** Recomputes the archived hour from what the block store holds and names every failure. */
export function auditArchivedHour(input: ArchiveAuditInput): ArchiveAuditReport {
  const { archive, pages } = input;
  const findings: ArchiveFinding[] = [];
  const add = (f: ArchiveFinding) => findings.push(f);
  checkChain(input, add);
  const found = new Map(input.records.map((r) => [`${r.txId}\u0000${r.key}`, r]));
  const seen = new Set<string>();
  let lastKey: string | undefined;
  let recomputed = ZERO_ROOT;
  let records = 0;
  pages.forEach((page, i) => {
    const event = page.event;
    const before = i === 0 ? undefined : pages[i - 1]!;
    // Linked: the page names the page found before it (the first names none); a break is named once, by checkChain.
    const linked = event !== undefined && event.prevTxId === (before?.txId ?? '');
    const n = event?.page ?? i + 1;
    if (!page.valid)
      add({
        code: 'TRANSACTION_INVALID',
        page: n,
        txId: page.txId,
        message: `archive transaction ${page.txId} was not committed as valid`,
      });
    const number = before?.event === undefined ? 1 : before.event.page + 1;
    if (event === undefined || event.hour !== archive.hour || (linked && event.page !== number)) {
      add({
        code: 'EVENT_MISMATCH',
        page: n,
        txId: page.txId,
        message:
          event === undefined
            ? `transaction ${page.txId} has no ReadingHourArchived event`
            : `transaction ${page.txId} archived page ${event.page} of ${event.hour}, not page ${number} of ${archive.hour}`,
      });
      if (event === undefined) return;
    }
    records += event.records.length;
    const leaves: Buffer[] = [];
    for (const r of event.records) {
      const inOrder = lastKey === undefined || Buffer.compare(Buffer.from(lastKey), Buffer.from(r.key)) < 0;
      if (readingKeyHour(r.key) !== archive.hour || seen.has(r.key) || !inOrder)
        add({
          code: 'KEY_MISMATCH',
          page: n,
          key: r.key,
          message: `${JSON.stringify(r.key)} is not the next reading key of ${archive.hour}`,
        });
      seen.add(r.key);
      lastKey = r.key;
      leaves.push(recordLeaf(r, found.get(`${r.txId}\u0000${r.key}`), n, add));
    }
    checkDeletes(page, event, n, add);
    // The event's own consistency: its page root over its leaves, its root chained to the page before's.
    const eventPageRoot = merkleRoot(event.records.map((r) => Buffer.from(r.leaf, 'hex')));
    const previousRoot = before?.event === undefined ? ZERO_ROOT : Buffer.from(before.event.root, 'hex');
    if (
      eventPageRoot.toString('hex') !== event.pageRoot ||
      (linked && chainRoot(previousRoot, eventPageRoot).toString('hex') !== event.root)
    )
      add({
        code: 'PAGE_ROOT_MISMATCH',
        page: n,
        txId: page.txId,
        message: `page ${n}'s roots are not the Merkle root of its leaves chained to the page before`,
      });
    recomputed = chainRoot(recomputed, merkleRoot(leaves));
  });
  if (records !== archive.count)
    add({ code: 'COUNT_MISMATCH', message: `the hour counts ${archive.count} records, its pages list ${records}` });
  const recomputedRoot = recomputed.toString('hex');
  if (recomputedRoot !== archive.root)
    add({ code: 'ROOT_MISMATCH', message: `the records' bytes give the root ${recomputedRoot}, the hour records ${archive.root}` });
  if (input.expectedRoot !== undefined && input.expectedRoot !== archive.root)
    add({ code: 'ROOT_MISMATCH', message: `the hour records the root ${archive.root}, not the one expected (${input.expectedRoot})` });
  return {
    hour: archive.hour,
    count: archive.count,
    pages: archive.pages,
    done: archive.done,
    root: archive.root,
    recomputedRoot,
    findings,
    holds: findings.length === 0,
  };
}

/** The chain of pages: lastTxId is the last page found, each page names the one found before it, the first names none. */
function checkChain({ archive, pages }: ArchiveAuditInput, add: (f: ArchiveFinding) => void): void {
  if (pages.length !== archive.pages)
    add({ code: 'COUNT_MISMATCH', message: `the hour counts ${archive.pages} pages, ${pages.length} were found` });
  const position = new Map(pages.map((p, i) => [p.txId, i]));
  const last = pages.at(-1)?.txId ?? '';
  if (last !== archive.lastTxId)
    add(
      position.has(archive.lastTxId)
        ? {
            code: 'PAGE_ORDER',
            txId: archive.lastTxId,
            message: `the hour's last page ${archive.lastTxId} is found at position ${position.get(archive.lastTxId)! + 1}, not last`,
          }
        : { code: 'PAGE_MISSING', txId: archive.lastTxId, message: `the hour's last page ${archive.lastTxId} was not found` },
    );
  pages.forEach((page, i) => {
    const prev = page.event?.prevTxId;
    const before = i === 0 ? '' : pages[i - 1]!.txId;
    if (prev === undefined || prev === before) return;
    const n = page.event!.page;
    if (prev !== '' && position.has(prev))
      add({
        code: 'PAGE_ORDER',
        page: n,
        txId: page.txId,
        message: `page ${n} (${page.txId}) follows ${prev}, found at position ${position.get(prev)! + 1}`,
      });
    else if (prev !== '')
      add({ code: 'PAGE_MISSING', page: n - 1, txId: prev, message: `the page before ${page.txId} (${prev}) was not found` });
    else add({ code: 'PAGE_ORDER', page: n, txId: page.txId, message: `${page.txId} is a first page, found at position ${i + 1}` });
  });
}

/** The leaf recomputed from the record's bytes; the event's leaf when the record is not found (named as missing). */
function recordLeaf(
  r: ReadingHourArchivedEvent['records'][number],
  record: ArchivedRecordFound | undefined,
  page: number,
  add: (f: ArchiveFinding) => void,
): Buffer {
  const listed = Buffer.from(r.leaf, 'hex');
  if (record?.value === undefined) {
    add({
      code: 'RECORD_MISSING',
      page,
      txId: r.txId,
      key: r.key,
      message: `transaction ${r.txId} has no write of ${JSON.stringify(r.key)}`,
    });
    return listed;
  }
  if (!record.valid)
    add({
      code: 'TRANSACTION_INVALID',
      page,
      txId: r.txId,
      key: r.key,
      message: `recording transaction ${r.txId} was not committed as valid`,
    });
  const leaf = archiveLeaf(r.key, record.value);
  if (!leaf.equals(listed))
    add({
      code: 'LEAF_MISMATCH',
      page,
      txId: r.txId,
      key: r.key,
      message: `the bytes ${r.txId} wrote under ${JSON.stringify(r.key)} do not give the page's leaf`,
    });
  return leaf;
}

function checkDeletes(page: ArchivePageFound, event: ReadingHourArchivedEvent, n: number, add: (f: ArchiveFinding) => void): void {
  const listed = new Set(event.records.map((r) => r.key));
  const deleted = new Set(page.deletedKeys);
  const notDeleted = [...listed].filter((k) => !deleted.has(k));
  const notListed = [...deleted].filter((k) => !listed.has(k));
  if (notDeleted.length > 0 || notListed.length > 0)
    add({
      code: 'DELETES_MISMATCH',
      page: n,
      txId: page.txId,
      message: `page ${n} lists ${notDeleted.length} record(s) it did not delete and deletes ${notListed.length} it does not list`,
    });
}
