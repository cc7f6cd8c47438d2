/**
 * Re-settlement of a closed interval: a verified reading that replaces an estimate, or a resolved
 * dispute, changes some of a participant's meter values after its window closed; the position,
 * tokens and zone totals follow (split from window.ts, which closes windows).
 */
import { Context } from 'fabric-contract-api';
import {
  compareIds,
  LoadedMeter,
  MeterRecord,
  MeteringParams,
  Position,
  PositionAnnouncement,
  positionOf,
  StoredReading,
  tokenDelta,
  UNASSIGNED_ZONE,
  ZoneTotals,
} from '@gridledger/core';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord } from '../ledger';
import { zoneIntervalKey } from './grid';
import { EstimateRecord } from './privacy';
import { PositionCorrection, readPosition, writePosition } from './positions';
import { adjustTokens } from './tokens';
import { announce, assetsOf } from './window';

export interface MeterChange {
  meter: MeterRecord;
  importWh: number;
  exportWh: number;
}

/**
 * Settles a closed interval of one participant again after some of its meters' values changed (a
 * verified reading replaced an estimate, or a dispute was resolved): the position is recomputed,
 * tokens are minted or burnt by the difference, and the zone totals follow. All changes of one
 * participant and interval come in one call, since a transaction cannot read its own writes.
 * Returns undefined while the interval's window is open (nothing is settled yet), else the new
 * position and the Wh that could not be burnt because the owner no longer holds them.
 */
export async function resettle(
  ctx: Context,
  participantId: string,
  intervalStart: string,
  changes: readonly MeterChange[],
  reason: PositionCorrection['reason'],
  params: MeteringParams,
): Promise<{ position: Position; unburntWh: number } | undefined> {
  const loaded = await readPosition(ctx, participantId, intervalStart);
  if (loaded === undefined) return undefined;
  const before = loaded.position;
  const changed = new Set(changes.map((c) => c.meter.meterId));
  const contributions = [
    ...before.meters.filter((m) => !changed.has(m.meterId)),
    ...changes.map((c) => ({ meterId: c.meter.meterId, importWh: c.importWh, exportWh: c.exportWh, estimated: false })),
  ];
  const assets = await assetsOf(
    ctx,
    contributions.filter((c) => c.exportWh > 0).map((c) => c.meterId),
  );
  const position = positionOf(participantId, intervalStart, contributions, assets, params.surplusThresholdWh);
  const txId = ctx.stub.getTxID();
  const corrections = [...before.corrections, ...changes.map((c) => ({ meterId: c.meter.meterId, txId, reason }))];
  await writePosition(ctx, position, loaded.salt, { txId: before.txId, closedAt: before.closedAt, corrections });
  const unburntWh = await adjustTokens(
    ctx,
    participantId,
    intervalStart,
    tokenDelta(before.tokens, position.tokens),
    reason === 'dispute' ? 'dispute' : 'correction',
  );

  const byZone = new Map<
    string,
    { communityId: string; zone: string; productionWh: number; consumptionWh: number; estimatedMeters: number }
  >();
  for (const c of changes) {
    const old = before.meters.find((m) => m.meterId === c.meter.meterId);
    if (old === undefined) continue;
    const zone = c.meter.zone ?? UNASSIGNED_ZONE;
    const id = `${c.meter.communityId}\u0000${zone}`;
    const d = byZone.get(id) ?? { communityId: c.meter.communityId, zone, productionWh: 0, consumptionWh: 0, estimatedMeters: 0 };
    d.productionWh += c.exportWh - old.exportWh;
    d.consumptionWh += c.importWh - old.importWh;
    d.estimatedMeters -= old.estimated ? 1 : 0;
    byZone.set(id, d);
  }
  for (const id of [...byZone.keys()].sort(compareIds)) {
    const d = byZone.get(id)!;
    const zoneKey = zoneIntervalKey(ctx, intervalStart, params.intervalSeconds, d.communityId, d.zone);
    const z = await getRecord<ZoneTotals>(ctx, zoneKey);
    if (z === undefined) continue;
    const productionWh = z.productionWh + d.productionWh;
    const consumptionWh = z.consumptionWh + d.consumptionWh;
    await putRecord(ctx, zoneKey, {
      ...z,
      productionWh,
      consumptionWh,
      netWh: productionWh - consumptionWh,
      estimatedMeters: z.estimatedMeters + d.estimatedMeters,
    });
  }
  return { position, unburntWh };
}

/**
 * After a batch: the readings it stored that replaced estimates re-settle their intervals, once
 * per participant and interval. `loaded` is what the batch loader read (meters), `estimates` the
 * estimate records it read, by `meterId intervalStart`: nothing is read twice.
 */
export async function settleCorrections(
  ctx: Context,
  stored: readonly StoredReading[],
  params: MeteringParams,
  loaded: ReadonlyMap<string, Pick<LoadedMeter, 'meter'>>,
  estimates: ReadonlyMap<string, EstimateRecord>,
): Promise<PositionAnnouncement[]> {
  const groups = new Map<string, { participantId: string; intervalStart: string; changes: MeterChange[] }>();
  for (const r of stored) {
    if (!r.correctsEstimate) continue;
    const meter = loaded.get(r.meterId)?.meter;
    const estimate = estimates.get(`${r.meterId} ${r.intervalStart}`);
    // Only the transaction that stored the reading re-settles (a stored reading whose pointer changed is written again later).
    if (meter === undefined || estimate === undefined || estimate.supersededBy !== undefined) continue;
    await putRecord(ctx, key(ctx, KeyTypes.estimate, r.meterId, r.intervalStart), {
      ...estimate,
      supersededBy: ctx.stub.getTxID(),
    } satisfies EstimateRecord);
    const g = `${meter.participantId} ${r.intervalStart}`;
    const group = groups.get(g) ?? { participantId: meter.participantId, intervalStart: r.intervalStart, changes: [] };
    group.changes.push({ meter, importWh: r.importWh, exportWh: r.exportWh });
    groups.set(g, group);
  }
  const out: PositionAnnouncement[] = [];
  for (const g of [...groups.keys()].sort(compareIds)) {
    const { participantId, intervalStart, changes } = groups.get(g)!;
    const result = await resettle(ctx, participantId, intervalStart, changes, 'verified-reading', params);
    if (result !== undefined) out.push(announce(result.position, changes[0].meter.communityId));
  }
  return out;
}
