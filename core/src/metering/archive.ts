/**
 * The archive of a closed hour of readings (docs/bounded-state.md): once every horizon of an hour
 * has passed, its reading records leave the world state and the ledger keeps, per hour, how many
 * there were and a SHA-256 Merkle root over them; the records themselves stay in the block store,
 * in the write set of the transaction that recorded each.
 *
 * - A leaf is sha256(0x00 ‖ key ‖ 0x00 ‖ value): the record's state key and its bytes as written.
 * - A node is sha256(0x01 ‖ left ‖ right); an odd node at the end of a level goes up unchanged.
 * - An hour is archived in pages (one transaction each, in key order); the hour's root is a chain
 *   over its pages: root₀ = 32 zero bytes, rootₖ = sha256(0x02 ‖ rootₖ₋₁ ‖ pageRootₖ).
 */
import { createHash } from 'node:crypto';

const hash = (...parts: (Uint8Array | string)[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The leaf of one archived record: its state key and its bytes, as the recording transaction wrote them. */
export function archiveLeaf(key: string, value: Uint8Array): Buffer {
  return hash(Uint8Array.of(0), key, Uint8Array.of(0), value);
}

/** The Merkle root of `leaves` (in key order); 32 zero bytes for none. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return Buffer.alloc(32);
  let level = [...leaves];
  while (level.length > 1) level = nextLevel(level);
  return level[0]!;
}

function nextLevel(level: readonly Buffer[]): Buffer[] {
  const up: Buffer[] = [];
  for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? hash(Uint8Array.of(1), level[i]!, level[i + 1]!) : level[i]!);
  return up;
}

/** One step of a proof: the sibling's hash and whether it is on the left. */
export interface ProofStep {
  sibling: string;
  left: boolean;
}

/** The path from leaf `index` to the root of `leaves`. */
export function merkleProof(leaves: readonly Buffer[], index: number): ProofStep[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`no leaf ${index} among ${leaves.length}`);
  const steps: ProofStep[] = [];
  let level = [...leaves];
  let i = index;
  while (level.length > 1) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) steps.push({ sibling: level[sibling]!.toString('hex'), left: sibling < i });
    level = nextLevel(level);
    i = Math.floor(i / 2);
  }
  return steps;
}

/** The root that `leaf` and its path lead to. */
export function rootOfProof(leaf: Buffer, steps: readonly ProofStep[]): Buffer {
  let node = leaf;
  for (const s of steps) {
    const sibling = Buffer.from(s.sibling, 'hex');
    node = s.left ? hash(Uint8Array.of(1), sibling, node) : hash(Uint8Array.of(1), node, sibling);
  }
  return node;
}

/** The hour's root after one more page: the chain over its pages' roots. */
export function chainRoot(previous: Buffer, pageRoot: Buffer): Buffer {
  return hash(Uint8Array.of(2), previous, pageRoot);
}

/** An hour's archive record (`readingHourArchive~hour`): all that stays in the world state of the hour's readings. */
export interface ReadingHourArchive {
  /** `YYYY-MM-DDTHH` (UTC), as readingKey's first part. */
  hour: string;
  /** Records archived so far. */
  count: number;
  pages: number;
  /** The chain root over the pages (hex). */
  root: string;
  /** The last archived key: the next page starts after it. */
  lastKey: string;
  /** The transaction of the last page; each page's event names the page before (prevTxId). */
  lastTxId: string;
  /** True once a page found nothing more: the hour takes no readings any more. */
  done: boolean;
}

/** The hour's record before its first page. */
export const emptyArchive = (hour: string): ReadingHourArchive => ({
  hour,
  count: 0,
  pages: 0,
  root: Buffer.alloc(32).toString('hex'),
  lastKey: '',
  lastTxId: '',
  done: false,
});

/** `YYYY-MM-DDTHH`: an hour as readingKey names it; its start in epoch seconds, or undefined. */
export function parseReadingHour(hour: unknown): number | undefined {
  if (typeof hour !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour)) return undefined;
  const ms = Date.parse(`${hour}:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 13) !== hour ? undefined : ms / 1000;
}

/**
 * The youngest an archived hour can be: parameter validation keeps archiveAfterSeconds at least the
 * late window plus a day (params.ts archiveFloorSeconds), whatever the parameters were when it was
 * archived. A reading of an hour that ended less than this ago needs no look at the archive.
 */
export const YOUNGEST_ARCHIVE_SECONDS = 86_400;

/** Whether the hour starting at `hourStart` may be archived at `nowSeconds` under any parameters ever valid. */
export const hourMayBeArchived = (hourStart: number, nowSeconds: number): boolean =>
  hourStart + 3600 + YOUNGEST_ARCHIVE_SECONDS <= nowSeconds;

/** Whether every horizon of the hour has passed at `nowSeconds`: its end plus the longer of the late window and archiveAfterSeconds. */
export function hourArchivable(hourStart: number, nowSeconds: number, lateWindowSeconds: number, archiveAfterSeconds: number): boolean {
  return hourStart + 3600 + Math.max(lateWindowSeconds, archiveAfterSeconds) <= nowSeconds;
}
