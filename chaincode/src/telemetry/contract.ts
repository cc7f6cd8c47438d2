/**
 * The `telemetry` contract (docs/telemetry.md): what of live telemetry goes on the ledger. The
 * telemetry service (the Community's meter-bridge identity) records each closed interval's
 * aggregate per zone, one key per community, zone and interval, and raises and clears grid alerts,
 * one key per alert; the operator acknowledges them. Raw samples never come here.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ErrorCodes,
  GridAlert,
  GridLedgerError,
  parseAlertRaise,
  parseZoneIntervalRecords,
  stepAlert,
  type Role,
  type ZoneIntervalTelemetry,
} from '@gridledger/core';
import { actorOf, Caller, requireRole } from '../access';
import { checkId, checkInstant } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { readPage } from '../paging';
import { respond } from '../respond';

export const TelemetryEvents = {
  intervals: 'ZoneTelemetryRecorded',
  raised: 'GridAlertRaised',
  acknowledged: 'GridAlertAcknowledged',
  cleared: 'GridAlertCleared',
} as const;

const COMMUNITY_MSP = 'CommunityMSP';
const READERS: readonly Role[] = ['operator', 'utility', 'regulator', 'meter-bridge'];
const ALERT_PAGE = 200;
const INTERVAL_PAGE = 500;

function requireCommunity(ctx: Context, roles: readonly Role[], action: string): Caller {
  const caller = requireRole(ctx, roles, action);
  if (caller.mspId !== COMMUNITY_MSP) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for the ${roles.join(' or ')} of ${COMMUNITY_MSP}`, {
      mspId: caller.mspId,
    });
  }
  return caller;
}

const alertKey = (ctx: Context, communityId: string, alertId: string) => key(ctx, KeyTypes.gridAlert, communityId, alertId);
const activeKey = (ctx: Context, communityId: string, alertId: string) => key(ctx, KeyTypes.gridAlertActive, communityId, alertId);

async function loadAlert(ctx: Context, communityId: string, alertId: string): Promise<GridAlert> {
  const alert = await getRecord<GridAlert>(ctx, alertKey(ctx, checkId(communityId, 'communityId'), checkId(alertId, 'alertId')));
  if (alert === undefined) throw new GridLedgerError(ErrorCodes.ALERT_NOT_FOUND, `no alert ${alertId} in ${communityId}`, { alertId });
  return alert;
}

@Info({ title: 'telemetry', description: 'Zone aggregates of live telemetry per interval and grid alerts (issue 22)' })
export class TelemetryContract extends Contract {
  constructor() {
    super('telemetry');
  }

  /**
   * The telemetry service (or the operator, with tools) records a closed interval's aggregates, one key per zone; a zone recorded
   * before keeps its first record.
   */
  @Transaction()
  @Returns('string')
  async recordZoneIntervals(ctx: Context, communityId: string, intervalStart: string, records: string): Promise<string> {
    return respond(ctx, 'recordZoneIntervals', async () => {
      requireCommunity(ctx, ['meter-bridge', 'operator'], 'recording zone telemetry');
      checkId(communityId, 'communityId');
      checkInstant(intervalStart, 'intervalStart', ErrorCodes.TELEMETRY_MALFORMED);
      let parsed: unknown;
      try {
        parsed = JSON.parse(records);
      } catch {
        throw new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, 'records must be JSON', { field: 'records' });
      }
      const recorded: string[] = [];
      const duplicate: string[] = [];
      for (const r of parseZoneIntervalRecords(parsed, intervalStart)) {
        const k = key(ctx, KeyTypes.telemetryInterval, communityId, r.zone, intervalStart);
        if ((await getRecord(ctx, k)) !== undefined) {
          duplicate.push(r.zone);
          continue;
        }
        await putRecord(ctx, k, { communityId, ...r, txId: ctx.stub.getTxID() });
        recorded.push(r.zone);
      }
      if (recorded.length > 0) setEvent(ctx, TelemetryEvents.intervals, { communityId, intervalStart, zones: recorded });
      return { communityId, intervalStart, recorded, duplicate };
    });
  }

  /** A zone's interval aggregates with intervalStart in [from, to), oldest first, a page at a time. */
  @Transaction(false)
  @Returns('string')
  async listZoneIntervals(ctx: Context, communityId: string, zone: string, from: string, to: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listZoneIntervals', async () => {
      requireRole(ctx, READERS, 'reading zone telemetry');
      checkId(communityId, 'communityId');
      checkId(zone, 'zone');
      checkInstant(from, 'from');
      checkInstant(to, 'to');
      return readPage<ZoneIntervalTelemetry>(ctx, KeyTypes.telemetryInterval, [communityId, zone], {
        size: INTERVAL_PAGE,
        bookmark,
        startKey: key(ctx, KeyTypes.telemetryInterval, communityId, zone, from),
        stop: (r) => r.intervalStart >= to,
      });
    });
  }

  /** The telemetry service (or the operator, by hand) raises an alert; raising the same alert again returns it unchanged. */
  @Transaction()
  @Returns('string')
  async raiseAlert(ctx: Context, alert: string): Promise<string> {
    return respond(ctx, 'raiseAlert', async () => {
      const caller = requireCommunity(ctx, ['meter-bridge', 'operator'], 'raising a grid alert');
      let parsed: unknown;
      try {
        parsed = JSON.parse(alert);
      } catch {
        throw new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, 'alert must be JSON', { field: 'alert' });
      }
      const raise = parseAlertRaise(parsed);
      const k = alertKey(ctx, raise.communityId, raise.alertId);
      const existing = await getRecord<GridAlert>(ctx, k);
      if (existing !== undefined) {
        if (existing.value !== raise.value || existing.zone !== raise.zone) {
          throw new GridLedgerError(ErrorCodes.ALERT_STATE_INVALID, `alert ${raise.alertId} was raised with other content`, {
            alertId: raise.alertId,
          });
        }
        return existing;
      }
      const record: GridAlert = {
        ...raise,
        status: 'raised',
        raisedBy: actorOf(ctx, caller),
        acknowledgedAt: null,
        acknowledgedBy: null,
        clearedAt: null,
        clearedBy: null,
        clearValue: null,
      };
      await putRecord(ctx, k, record);
      await putRecord(ctx, activeKey(ctx, raise.communityId, raise.alertId), { alertId: raise.alertId });
      await putRecord(ctx, key(ctx, KeyTypes.gridAlertAt, raise.communityId, raise.raisedAt, raise.alertId), { alertId: raise.alertId });
      setEvent(ctx, TelemetryEvents.raised, record);
      return record;
    });
  }

  /** The operator acknowledges an alert (again: no change); a cleared alert cannot be. */
  @Transaction()
  @Returns('string')
  async acknowledgeAlert(ctx: Context, communityId: string, alertId: string): Promise<string> {
    return respond(ctx, 'acknowledgeAlert', async () => {
      const caller = requireCommunity(ctx, ['operator'], 'acknowledging a grid alert');
      const alert = await loadAlert(ctx, communityId, alertId);
      const next = stepAlert(alert, 'acknowledge', actorOf(ctx, caller), txInstant(ctx));
      if (next === alert) return alert;
      await putRecord(ctx, alertKey(ctx, communityId, alertId), next);
      setEvent(ctx, TelemetryEvents.acknowledged, next);
      return next;
    });
  }

  /** The telemetry service (or the operator) clears an alert whose condition has ended; clearing it again returns it. */
  @Transaction()
  @Returns('string')
  async clearAlert(ctx: Context, communityId: string, alertId: string, clearValue: string): Promise<string> {
    return respond(ctx, 'clearAlert', async () => {
      const caller = requireCommunity(ctx, ['meter-bridge', 'operator'], 'clearing a grid alert');
      const value = Number(clearValue);
      if (!/^-?\d{1,16}$/.test(clearValue) || !Number.isSafeInteger(value)) {
        throw new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, 'clearValue must be an integer', { field: 'clearValue' });
      }
      const alert = await loadAlert(ctx, communityId, alertId);
      if (alert.status === 'cleared') return alert;
      const next = stepAlert(alert, 'clear', actorOf(ctx, caller), txInstant(ctx), value);
      await putRecord(ctx, alertKey(ctx, communityId, alertId), next);
      await ctx.stub.deleteState(activeKey(ctx, communityId, alertId));
      setEvent(ctx, TelemetryEvents.cleared, next);
      return next;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getAlert(ctx: Context, communityId: string, alertId: string): Promise<string> {
    return respond(ctx, 'getAlert', async () => {
      requireRole(ctx, READERS, 'reading grid alerts');
      return loadAlert(ctx, communityId, alertId);
    });
  }

  /** The active alerts (by id), or every alert by the time it was raised (`all`), a page at a time. */
  @Transaction(false)
  @Returns('string')
  async listAlerts(ctx: Context, communityId: string, status: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listAlerts', async () => {
      requireRole(ctx, READERS, 'reading grid alerts');
      checkId(communityId, 'communityId');
      if (status !== 'active' && status !== 'all') {
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'status must be active or all', { field: 'status' });
      }
      const type = status === 'active' ? KeyTypes.gridAlertActive : KeyTypes.gridAlertAt;
      const page = await readPage<{ alertId: string }>(ctx, type, [communityId], { size: ALERT_PAGE, bookmark });
      const alerts: GridAlert[] = [];
      for (const { alertId } of page.items) alerts.push(await loadAlert(ctx, communityId, alertId));
      return { alerts, bookmark: page.bookmark };
    });
  }
}
