/**
 * (Over 400 lines on purpose: the verdict rules of one batch are one decision read together.)
 * A batch of signed readings in one Fabric transaction. A transaction cannot read its own writes,
 * so the whole batch is decided here, purely, from the state the contract loaded before: readings
 * are judged one by one in a fixed order (meter, interval, then their canonical text), each seeing
 * the readings accepted before it in an in-memory overlay, and the result is the list of writes.
 *
 * Per meter the ledger keeps a head (a copy of the latest accepted reading) and in each stored
 * reading a pointer to the previous accepted interval of that meter: a linked list by interval.
 * An in-order reading needs the head only; a late one walks back from the head, at most over
 * the late window. Missing seq numbers are gaps stored under keys of their own.
 */
import { canonicalJson } from '../core/canonical';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { parseSignedReading, SignedReading } from '../core/reading';
import { parseInstant } from '../core/units';
import { MeterRecord, meterStateOf } from './meter';
import { MeteringParams } from './params';
import { checkReading, MeterState, ReadingContext, ReadingFlag, SeqGap } from './validation';

/** Readings per transaction: enough to amortise a transaction, small enough to endorse quickly. */
export const MAX_READINGS_PER_BATCH = 200;

/** A reading as stored: the signed fields and signature, who recorded it, and the chain pointer. */
export interface StoredReading extends SignedReading {
  /** The transaction that recorded the reading. */
  txId: string;
  /** That transaction's timestamp. */
  recordedAt: string;
  /** intervalStart of the meter's previous accepted reading, null for its first. */
  prevIntervalStart: string | null;
  /** VEE marks (validation.ts: ReadingFlag); absent when none. */
  flags?: ReadingFlag[];
  /** Set when the reading arrived after window close and replaced an estimate. */
  correctsEstimate?: true;
}

/**
 * A head past every horizon whose private part has left the collection (its chunk went with a later
 * reading of another meter, docs/bounded-state.md): the record is known to exist and to be the
 * meter's newest, so a new reading links to it as to an archived one, and the checks against it are
 * skipped.
 */
export interface ArchivedHead {
  intervalStart: string;
  archived: true;
}

export const isArchivedHead = (head: StoredReading | ArchivedHead): head is ArchivedHead => 'archived' in head && head.archived === true;

/** What the contract loaded for one meter named in the batch. */
export interface LoadedMeter {
  /** The registered meter, undefined when none is registered under that id. */
  meter: MeterRecord | undefined;
  /** The meter's latest accepted reading (its head record), undefined when it has none. */
  head: StoredReading | undefined;
  /** Stored readings from the head backwards along the pointers, chain[0] being the head. */
  chain: StoredReading[];
  /** True when `chain` holds every stored reading of the meter (it reached a null pointer). */
  chainComplete: boolean;
  /**
   * The interval of the reading the chain's lowest one points to when that reading's hour is archived
   * (docs/bounded-state.md): it exists and is older, but its record left the state, so the walk stops there.
   * For an ArchivedHead, the head's own interval (the chain is then empty).
   */
  archivedBelow?: string;
  /** Readings below the chain, looked up by their own key: null when none is stored. */
  exact: Record<string, StoredReading | null>;
  /** Intervals of the batch in closed windows for which an estimate of this meter stands. */
  estimated: Set<string>;
  /** Intervals of the meter's readings in the batch whose window its community has closed (or begun to close). */
  closedWindows: Set<string>;
}

export interface LoadedBatchState {
  meters: Map<string, LoadedMeter>;
}

/** The metering window of one community and interval. */
export interface WindowRef {
  communityId: string;
  intervalStart: string;
}

/**
 * The ledger reads the loader needs; the contract implements them on the stub. The plural ones
 * answer in the order asked and may read all their keys in one round trip to the peer.
 */
export interface ReadingStore {
  getMeters(meterIds: readonly string[]): Promise<(MeterRecord | undefined)[]>;
  /** Each meter's head, undefined for a meter without one; an ArchivedHead when only its link is left. */
  getHeads(meterIds: readonly string[]): Promise<(StoredReading | ArchivedHead | undefined)[]>;
  getReading(meterId: string, intervalStart: string): Promise<StoredReading | undefined>;
  /** Whether the community's operator has closed (or begun to close) each window. */
  areWindowsClosed(windows: readonly WindowRef[]): Promise<boolean[]>;
  /** Whether an estimate stands for the meter and interval. */
  hasEstimate(meterId: string, intervalStart: string): Promise<boolean>;
  /** Whether the hour (`YYYY-MM-DDTHH`) is archived: asked only when a chain link's record is missing. */
  isHourArchived(hour: string): Promise<boolean>;
}

export interface FoldContext extends MeteringParams {
  /** The transaction's timestamp in epoch seconds. */
  nowSeconds: number;
  txId: string;
  /** The transaction's timestamp as an instant, stored with each accepted reading. */
  recordedAt: string;
}

export type ReadingStatus = 'accepted' | 'duplicate' | 'rejected';

export interface ReadingResult {
  /** Position of the reading in the submitted batch. */
  index: number;
  /** As submitted, or null when the reading has no such string field. */
  meterId: string | null;
  intervalStart: string | null;
  status: ReadingStatus;
  code?: string;
  message?: string;
  /** A rejection's details; for a duplicate, `txId` of the transaction that recorded the reading. */
  details?: Record<string, string | number | boolean>;
}

export interface GapKey {
  meterId: string;
  afterSeq: number;
}

export interface BatchWrites {
  /** New readings and stored readings whose pointer changed, by meter then interval. */
  readings: StoredReading[];
  /** Head records that changed, by meter. */
  heads: StoredReading[];
  /** Gaps to store, by meter then afterSeq. */
  gapsToPut: SeqGap[];
  /** Stored gaps that were closed, by meter then afterSeq. */
  gapsToDelete: GapKey[];
}

export interface AcceptedReading {
  meterId: string;
  intervalStart: string;
  seq: number;
  /** The reading replaced an estimate of a closed window: the interval's position must be settled again. */
  correctsEstimate?: true;
}

export interface BatchOutcome {
  /** One per submitted reading, in input order. */
  results: ReadingResult[];
  writes: BatchWrites;
  /** Accepted readings in the order they were decided (meter, then interval). */
  accepted: AcceptedReading[];
  rejected: number;
}

/** Whether a reading of that interval can still be accepted at `nowSeconds` (same rule as checkReading). */
function inTimeWindow(intervalStart: string, params: MeteringParams, nowSeconds: number): boolean {
  const end = parseInstant(intervalStart)! + params.intervalSeconds;
  return end <= nowSeconds && end + params.lateWindowSeconds >= nowSeconds;
}

/**
 * Loads what the fold needs, and no more: per meter named by a well-formed reading its record and
 * head; for a registered, active meter the chain from the head back to just below the earliest
 * interval of the batch that is still within the late window; and by their own key the readings
 * of the batch below that (retries of old readings must still be recognised as duplicates).
 * Reads go in a fixed order of phases (meters, their communities' windows, estimates, heads, chains), each phase's
 * keys in id order, so every peer reads the same keys; the plural reads may be one round trip each.
 */
export async function loadReadingBatchState(
  inputs: readonly unknown[],
  params: MeteringParams,
  nowSeconds: number,
  store: ReadingStore,
): Promise<LoadedBatchState> {
  const intervalsByMeter = new Map<string, Set<string>>();
  for (const input of inputs) {
    let reading: SignedReading;
    try {
      reading = parseSignedReading(input, params.intervalSeconds);
    } catch {
      continue;
    }
    const set = intervalsByMeter.get(reading.meterId) ?? new Set<string>();
    set.add(reading.intervalStart);
    intervalsByMeter.set(reading.meterId, set);
  }

  const meterIds = [...intervalsByMeter.keys()].sort(compareIds);
  const records = await store.getMeters(meterIds);
  const meters = new Map<string, LoadedMeter>();
  meterIds.forEach((meterId, i) =>
    meters.set(meterId, {
      meter: records[i],
      head: undefined,
      chain: [],
      chainComplete: true,
      exact: {},
      estimated: new Set(),
      closedWindows: new Set(),
    }),
  );
  const sortedIntervals = (meterId: string) => [...intervalsByMeter.get(meterId)!].sort(compareIds);

  // The windows of each registered meter's community, for the intervals of its readings.
  const windowIds = new Map<string, WindowRef>();
  for (const meterId of meterIds) {
    const communityId = meters.get(meterId)!.meter?.communityId;
    if (communityId === undefined) continue;
    for (const intervalStart of intervalsByMeter.get(meterId)!)
      windowIds.set(`${communityId}\u0000${intervalStart}`, { communityId, intervalStart });
  }
  const windowList = [...windowIds.keys()].sort(compareIds);
  const closed = await store.areWindowsClosed(windowList.map((id) => windowIds.get(id)!));
  const closedIds = new Set(windowList.filter((_, i) => closed[i]));
  for (const meterId of meterIds) {
    const loaded = meters.get(meterId)!;
    const communityId = loaded.meter?.communityId;
    if (communityId === undefined) continue;
    for (const start of intervalsByMeter.get(meterId)!) if (closedIds.has(`${communityId}\u0000${start}`)) loaded.closedWindows.add(start);
  }
  const active = meterIds.filter((meterId) => meters.get(meterId)!.meter?.active === true);
  for (const meterId of meterIds) {
    const loaded = meters.get(meterId)!;
    // A retired meter's readings are refused, but a retry of a stored one must still be recognised.
    if (loaded.meter === undefined || loaded.meter.active) continue;
    for (const start of sortedIntervals(meterId)) loaded.exact[start] = (await store.getReading(meterId, start)) ?? null;
  }
  for (const meterId of active) {
    const loaded = meters.get(meterId)!;
    for (const start of sortedIntervals(meterId))
      if (loaded.closedWindows.has(start) && (await store.hasEstimate(meterId, start))) loaded.estimated.add(start);
  }
  const heads = await store.getHeads(active);
  for (const [i, meterId] of active.entries()) {
    const loaded = meters.get(meterId)!;
    const intervals = sortedIntervals(meterId);
    const head = heads[i];
    if (head === undefined) continue;
    if (isArchivedHead(head)) {
      loaded.archivedBelow = head.intervalStart;
      continue;
    }
    loaded.head = head;
    loaded.chain = [head];
    loaded.chainComplete = head.prevIntervalStart === null;

    const floor = intervals.find(
      (start) => loaded.estimated.has(start) || (!loaded.closedWindows.has(start) && inTimeWindow(start, params, nowSeconds)),
    );
    let node = head;
    while (floor !== undefined && !loaded.chainComplete && compareIds(node.intervalStart, floor) >= 0) {
      const prevStart = node.prevIntervalStart!;
      const prev = await store.getReading(meterId, prevStart);
      // A meter silent for longer than the archive horizon: the reading before is known (the link), archived, and older.
      if (prev === undefined && compareIds(prevStart, node.intervalStart) < 0 && (await store.isHourArchived(prevStart.slice(0, 13)))) {
        loaded.archivedBelow = prevStart;
        break;
      }
      if (prev === undefined || compareIds(prev.intervalStart, node.intervalStart) >= 0) {
        throw new Error(`reading chain of meter ${meterId} is broken at ${node.intervalStart} -> ${prevStart}`);
      }
      loaded.chain.push(prev);
      loaded.chainComplete = prev.prevIntervalStart === null;
      node = prev;
    }
    const lowest = node.intervalStart;
    if (!loaded.chainComplete) {
      for (const start of intervals) {
        if (compareIds(start, lowest) < 0) loaded.exact[start] = (await store.getReading(meterId, start)) ?? null;
      }
    }
  }
  return { meters };
}

/** One meter's stored readings as the batch sees them: loaded ones plus those accepted so far. */
class MeterOverlay {
  private readonly byStart = new Map<string, StoredReading>();
  private readonly starts: string[] = [];
  readonly changed = new Set<string>();

  constructor(loaded: LoadedMeter) {
    for (const r of loaded.chain) this.set(r);
    for (const r of Object.values(loaded.exact)) if (r !== null) this.set(r);
  }

  get(start: string): StoredReading | undefined {
    return this.byStart.get(start);
  }

  /** Index of the first stored interval not below `start`. */
  private lowerBound(start: string): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(this.starts[mid], start) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  neighbours(start: string): { previous?: StoredReading; next?: StoredReading } {
    const i = this.lowerBound(start);
    const previous = i > 0 ? this.byStart.get(this.starts[i - 1]) : undefined;
    const at = this.starts[i] === start ? i + 1 : i;
    const next = at < this.starts.length ? this.byStart.get(this.starts[at]) : undefined;
    return { previous, next };
  }

  set(record: StoredReading, changed = false): void {
    if (!this.byStart.has(record.intervalStart)) this.starts.splice(this.lowerBound(record.intervalStart), 0, record.intervalStart);
    this.byStart.set(record.intervalStart, record);
    if (changed) this.changed.add(record.intervalStart);
  }

  latest(): StoredReading | undefined {
    return this.starts.length === 0 ? undefined : this.byStart.get(this.starts[this.starts.length - 1]);
  }
}

interface GapChange {
  gap: SeqGap | undefined;
  /** Whether the first change of this key in the batch closed a gap that was stored before it. */
  wasStored: boolean;
}

const gapKeyOf = (meterId: string, afterSeq: number) => `${meterId}\u0000${afterSeq}`;

interface Item {
  index: number;
  input: unknown;
  meterId: string | null;
  intervalStart: string | null;
  /** Canonical text of the input, made only when two items tie on meter and interval. */
  text?: string;
}

function itemOf(input: unknown, index: number): Item {
  const record = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const meterId = typeof record.meterId === 'string' ? record.meterId : null;
  const intervalStart = typeof record.intervalStart === 'string' ? record.intervalStart : null;
  return { index, input, meterId, intervalStart };
}

function textOf(item: Item): string {
  if (item.text === undefined) {
    item.text = '';
    try {
      item.text = canonicalJson(item.input);
    } catch {
      // Not representable (e.g. a number that parsed to Infinity): refused by the shape check anyway.
    }
  }
  return item.text;
}

/** The order readings are decided in: by meter, interval and canonical text; input position last. */
function compareItems(a: Item, b: Item): number {
  const keyed = (x: Item) => (x.meterId !== null && x.intervalStart !== null ? 0 : 1);
  return (
    keyed(a) - keyed(b) ||
    compareIds(a.meterId ?? '', b.meterId ?? '') ||
    compareIds(a.intervalStart ?? '', b.intervalStart ?? '') ||
    compareIds(textOf(a), textOf(b)) ||
    a.index - b.index
  );
}

function isGridLedgerError(e: unknown): e is GridLedgerError {
  return e instanceof Error && e.name === 'GridLedgerError' && typeof (e as { code?: unknown }).code === 'string';
}

/** Thrown when the loaded state does not cover a reading: a bug of the loader, never a verdict. */
function notLoaded(meterId: string, intervalStart: string): Error {
  return new Error(`state around ${meterId} ${intervalStart} was not loaded`);
}

/** The overlay's neighbours of `start`, a previous one at or below an archived link left out (it is not the nearest). */
function neighboursAbove(
  overlay: MeterOverlay,
  start: string,
  archivedBelow: string | undefined,
): { previous?: StoredReading; next?: StoredReading } {
  const { previous, next } = overlay.neighbours(start);
  if (previous !== undefined && archivedBelow !== undefined && compareIds(previous.intervalStart, archivedBelow) <= 0) return { next };
  return { previous, next };
}

/** The link of a new reading with no loaded previous one: the archived reading below it, if the chain stopped at one. */
function archivedLink(state: LoadedMeter | undefined, start: string): string | null {
  const below = state?.archivedBelow;
  return below !== undefined && compareIds(start, below) > 0 ? below : null;
}

/**
 * Decides every reading of a batch against the loaded state and returns the verdicts (input
 * order) and the writes. The outcome depends on the set of inputs only, not on their order,
 * except which of two identical inputs is reported as accepted and which as the duplicate.
 */
export function foldReadingBatch(inputs: readonly unknown[], loaded: LoadedBatchState, ctx: FoldContext): BatchOutcome {
  const items = inputs.map(itemOf).sort(compareItems);
  const results: ReadingResult[] = new Array(inputs.length);
  const overlays = new Map<string, MeterOverlay>();
  const meterStates = new Map<string, MeterState>();
  const gaps = new Map<string, GapChange>();
  const accepted: AcceptedReading[] = [];
  let rejected = 0;

  const base: Omit<ReadingContext, 'meter'> = {
    intervalSeconds: ctx.intervalSeconds,
    nowSeconds: ctx.nowSeconds,
    lateWindowSeconds: ctx.lateWindowSeconds,
    correctionWindowSeconds: ctx.correctionWindowSeconds,
    capacityTolerancePpm: ctx.capacityTolerancePpm,
  };

  for (const item of items) {
    const { index, input, meterId, intervalStart } = item;
    const result: ReadingResult = { index, meterId, intervalStart, status: 'rejected' };
    results[index] = result;
    try {
      const state = meterId !== null ? loaded.meters.get(meterId) : undefined;
      let readingCtx: ReadingContext = { ...base, meter: undefined };
      let neighboursKnown = true;
      if (state !== undefined && state.meter !== undefined && meterId !== null && intervalStart !== null) {
        let meter = meterStates.get(meterId);
        if (meter === undefined) {
          meter = meterStateOf(state.meter);
          meterStates.set(meterId, meter);
        }
        let overlay = overlays.get(meterId);
        if (overlay === undefined) {
          overlay = new MeterOverlay(state);
          overlays.set(meterId, overlay);
        }
        const lowest = state.chain.length > 0 ? state.chain[state.chain.length - 1].intervalStart : undefined;
        const complete = state.chainComplete || lowest === undefined;
        const covered =
          complete || compareIds(intervalStart, lowest!) >= 0 || Object.prototype.hasOwnProperty.call(state.exact, intervalStart);
        // Above an archived link the neighbours are known too: the one below is archived (checks against it are skipped).
        const aboveArchive = state.archivedBelow !== undefined && compareIds(intervalStart, state.archivedBelow) > 0;
        neighboursKnown = complete || compareIds(intervalStart, lowest!) > 0 || aboveArchive;
        if (!covered && meter.active) {
          // A reading of an active meter the loader did not look up: only acceptable if it fails its shape.
          parseSignedReading(input, ctx.intervalSeconds);
          throw notLoaded(meterId, intervalStart);
        }
        readingCtx = {
          ...base,
          meter,
          existing: overlay.get(intervalStart),
          ...(neighboursKnown ? neighboursAbove(overlay, intervalStart, aboveArchive ? state.archivedBelow : undefined) : {}),
          windowClosed: state.closedWindows.has(intervalStart),
          estimated: state.estimated.has(intervalStart),
        };
      } else if (state === undefined && meterId !== null) {
        // A well-formed reading of a meter the loader never looked at would be misjudged as unregistered.
        let wellFormed = true;
        try {
          parseSignedReading(input, ctx.intervalSeconds);
        } catch {
          wellFormed = false;
        }
        if (wellFormed) throw notLoaded(meterId, intervalStart ?? '');
      }

      const verdict = checkReading(input, readingCtx);
      if (verdict.status === 'duplicate') {
        result.status = 'duplicate';
        // The transaction that recorded the reading: the receipt a resending bridge needs.
        result.details = { txId: (readingCtx.existing as StoredReading).txId };
        continue;
      }
      if (!neighboursKnown) throw notLoaded(meterId!, intervalStart!);
      const r = verdict.reading;
      const overlay = overlays.get(r.meterId)!;
      const { previous, next } = readingCtx;
      overlay.set(
        {
          meterId: r.meterId,
          intervalStart: r.intervalStart,
          seq: r.seq,
          importWh: r.importWh,
          exportWh: r.exportWh,
          importRegisterWh: r.importRegisterWh,
          exportRegisterWh: r.exportRegisterWh,
          sig: r.sig,
          txId: ctx.txId,
          recordedAt: ctx.recordedAt,
          prevIntervalStart: previous?.intervalStart ?? archivedLink(state, r.intervalStart),
          ...(verdict.flags ? { flags: verdict.flags } : {}),
          ...(verdict.correctsEstimate ? { correctsEstimate: true as const } : {}),
        },
        true,
      );
      // A reading that lands before a stored one becomes that one's predecessor in the chain. Within an epoch
      // the successor's flags are judged again against it, so they do not depend on arrival order; a successor
      // of a later epoch keeps its own (epochs are judged separately).
      if (next !== undefined) {
        const { flags: old, ...rest } = next as StoredReading;
        const flags = verdict.nextFlags ?? old ?? [];
        overlay.set({ ...rest, prevIntervalStart: r.intervalStart, ...(flags.length > 0 ? { flags } : {}) }, true);
      }
      if (verdict.closes !== undefined) {
        const key = gapKeyOf(verdict.closes.meterId, verdict.closes.afterSeq);
        const change = gaps.get(key);
        if (change === undefined) gaps.set(key, { gap: undefined, wasStored: true });
        else change.gap = undefined;
      }
      for (const gap of verdict.opens) {
        const key = gapKeyOf(gap.meterId, gap.afterSeq);
        const change = gaps.get(key);
        if (change === undefined) gaps.set(key, { gap, wasStored: false });
        else change.gap = gap;
      }
      result.status = 'accepted';
      accepted.push({
        meterId: r.meterId,
        intervalStart: r.intervalStart,
        seq: r.seq,
        ...(verdict.correctsEstimate ? { correctsEstimate: true as const } : {}),
      });
    } catch (e) {
      if (!isGridLedgerError(e)) throw e;
      rejected += 1;
      result.status = 'rejected';
      result.code = e.code;
      result.message = e.message;
      result.details = { ...e.details };
    }
  }

  const writes: BatchWrites = { readings: [], heads: [], gapsToPut: [], gapsToDelete: [] };
  for (const meterId of [...overlays.keys()].sort(compareIds)) {
    const overlay = overlays.get(meterId)!;
    if (overlay.changed.size === 0) continue;
    for (const start of [...overlay.changed].sort(compareIds)) writes.readings.push(overlay.get(start)!);
    const latest = overlay.latest()!;
    const head = loaded.meters.get(meterId)!.head;
    if (head === undefined || canonicalJson(head) !== canonicalJson(latest)) writes.heads.push(latest);
  }
  const gapEntries = [...gaps.entries()].map(([key, change]) => {
    const [meterId, afterSeq] = key.split('\u0000');
    return { meterId, afterSeq: Number(afterSeq), change };
  });
  gapEntries.sort((a, b) => compareIds(a.meterId, b.meterId) || a.afterSeq - b.afterSeq);
  for (const { meterId, afterSeq, change } of gapEntries) {
    if (change.gap !== undefined) writes.gapsToPut.push(change.gap);
    else if (change.wasStored) writes.gapsToDelete.push({ meterId, afterSeq });
  }
  return { results, writes, accepted, rejected };
}

/** A batch argument: an array of readings or `{ readings: [...] }`, 1 to MAX_READINGS_PER_BATCH of them. */
export function parseReadingBatch(input: unknown): unknown[] {
  const list = Array.isArray(input)
    ? input
    : typeof input === 'object' &&
        input !== null &&
        Array.isArray((input as { readings?: unknown }).readings) &&
        Object.keys(input).length === 1
      ? (input as { readings: unknown[] }).readings
      : undefined;
  if (list === undefined) {
    throw new GridLedgerError(ErrorCodes.READING_BATCH_INVALID, 'a batch is a JSON array of signed readings or { "readings": [...] }');
  }
  if (list.length === 0 || list.length > MAX_READINGS_PER_BATCH) {
    throw new GridLedgerError(
      ErrorCodes.READING_BATCH_INVALID,
      `a batch holds 1 to ${MAX_READINGS_PER_BATCH} readings, not ${list.length}`,
      {
        count: list.length,
        max: MAX_READINGS_PER_BATCH,
      },
    );
  }
  return list;
}
