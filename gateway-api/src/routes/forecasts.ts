/**
 * REST routes of forecasts (docs/forecasts.md): a meter's next-interval or day-ahead PV, load and net flow, and a
 * community's sum of its meters'. Thin: the ledger gives the meter records, the metering interval and a week of
 * readings; core/src/forecast computes. Who sees what: a household its own meters (the registry refuses another's),
 * the operator and the utility any meter and the community sums, the regulator the community sums only.
 */
import express from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { formatInstant } from '@gridledger/core/core';
import {
  forecastMeter,
  historySeconds,
  METHODS,
  sumForecasts,
  DEFAULT_METHODS,
  type Horizon,
  type MeterRecordLike,
  type Method,
  type ReadingLike,
} from '@gridledger/core/forecast';
import type { WalletUser } from '@gridledger/network';
import { assertActsFor, callerOf, requireRoles } from '../access';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';

const { registry, metering } = catalogue;
const COMMUNITY_ROLES = ['operator', 'utility', 'regulator'];

function horizonOf(value: unknown): Horizon {
  if (value === undefined || value === 'next') return 'next';
  if (value === 'day') return 'day';
  throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'horizon must be next or day', { path: 'query.horizon' });
}

function methodOf(value: unknown, quantity: 'pv' | 'load'): Method {
  if (value === undefined) return DEFAULT_METHODS[quantity];
  if (!METHODS.includes(value as Method)) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `method must be one of ${METHODS.join(', ')}`, { path: 'query.method' });
  }
  return value as Method;
}

export function forecastRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();

  /** The meter's forecast from its last week of readings (at most the ledger's 1,000 intervals). */
  async function forecastOf(
    caller: WalletUser,
    meter: MeterRecordLike,
    horizon: Horizon,
    now: number,
    intervalSeconds: number,
    method?: Method,
  ) {
    const to = Math.floor(now / intervalSeconds) * intervalSeconds;
    const from = to - historySeconds(intervalSeconds);
    const readings = (await call(ledger, caller, metering.listReadings, [
      { meterId: meter.meterId, from: formatInstant(from), to: formatInstant(to) },
    ])) as ReadingLike[] | undefined;
    const methods = { pv: method ?? DEFAULT_METHODS.pv, load: method ?? DEFAULT_METHODS.load };
    return forecastMeter(meter, readings ?? [], horizon, now, intervalSeconds, methods);
  }

  const intervalSecondsOf = async (caller: WalletUser) =>
    ((await call(ledger, caller, metering.getParams, [])) as { intervalSeconds: number }).intervalSeconds;

  r.get('/forecasts/meters/:meterId', async (req, res) => {
    const caller = callerOf(res);
    const horizon = horizonOf(req.query.horizon);
    const method = req.query.method === undefined ? undefined : methodOf(req.query.method, 'pv');
    // One meter's forecast is household detail: not for the regulator (it reads the community's sums).
    requireRoles(caller, ['prosumer', 'consumer', 'operator', 'utility'], "reading a meter's forecast");
    // The registry answers a household for its own meters only (ACCESS_DENIED otherwise).
    const meter = (await call(ledger, caller, registry.getMeter, [req.params.meterId])) as MeterRecordLike | undefined;
    if (!meter) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `no meter ${req.params.meterId}`);
    assertActsFor(caller, meter.participantId);
    res.json(await forecastOf(caller, meter, horizon, Math.floor(Date.now() / 1000), await intervalSecondsOf(caller), method));
  });

  r.get('/communities/:communityId/forecast', async (req, res) => {
    const caller = callerOf(res);
    const horizon = horizonOf(req.query.horizon);
    requireRoles(caller, COMMUNITY_ROLES, "reading a community's forecast");
    const communityId = req.params.communityId;
    const now = Math.floor(Date.now() / 1000);
    const intervalSeconds = await intervalSecondsOf(caller);
    const meters = ((await call(ledger, caller, registry.listCommunityMeters, [communityId])) ?? []) as MeterRecordLike[];
    const forecasts = await Promise.all(meters.map((m) => forecastOf(caller, m, horizon, now, intervalSeconds)));
    res.json(sumForecasts(communityId, horizon, now, intervalSeconds, forecasts));
  });

  return r;
}
