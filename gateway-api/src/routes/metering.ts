/**
 * Routes of metering beyond readings. Thin: the gateway checks that a prosumer or consumer acts
 * for itself, the chaincode checks everything again and decides.
 */
import { randomBytes } from 'node:crypto';
import type { Response, Router } from 'express';
import { CONSUMPTION_MEMBERS as MEMBERS } from '@gridledger/core/metering';
import { assertActsFor, callerOf } from '../access';
import { catalogue, type ArgValues, type ResultOf, type Transaction } from '@gridledger/core/catalogue';
import { call, type Committed } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import { withdrawLoweredAfterResolution } from './certificate-lifecycle';
import type { LedgerPort, SubmitOptions } from '../ports';

const { assets, energy } = catalogue;

/**
 * Members of the household-consumption collection (chaincode/collections.json): the only
 * endorsers of a transaction that reads or writes it (readings, window close, dispute resolution).
 */
export const CONSUMPTION_MEMBERS = [...MEMBERS];

/** A bound on the pages of one window close (each at least one participant). */
const MAX_CLOSE_PAGES = 10_000;

/**
 * Endorsement attempts of one page of a window close. Both collection members must endorse it, and
 * right after a burst of readings one peer may lag the other: their answers differ and the gateway
 * refuses the endorsement (LEDGER_UNAVAILABLE, gRPC ABORTED). Nothing was written, and a page
 * resumes from the cursor, so it is proposed again after a growing pause.
 */
const CLOSE_PAGE_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Transient fields of those transactions (chaincode/src/energy/privacy.ts). */
const saltSeed = () => ({ consumptionSaltSeed: randomBytes(32) });

/**
 * Closes a window: one transaction per page of participants until the window record is written,
 * each with a random salt seed as transient data (it never reaches the channel), endorsed by the
 * collection members. The answer is the last page's with every page's positions. Used by the
 * route and by the market scheduler.
 */
export async function closeWindowPages(
  ledger: LedgerPort,
  user: Parameters<LedgerPort['submit']>[0],
  communityId: string,
  intervalStart: string,
): Promise<{ answer: Record<string, unknown>; txId: string }> {
  const positions: unknown[] = [];
  for (let page = 1; ; page++) {
    let submitted: Committed<ResultOf<typeof energy.closeWindow>> | undefined;
    for (let attempt = 1; submitted === undefined; attempt++) {
      try {
        const options = { transient: saltSeed(), endorsingOrganizations: CONSUMPTION_MEMBERS };
        submitted = await call(ledger, user, energy.closeWindow, [communityId, intervalStart], options);
      } catch (e) {
        if (!(e instanceof GridLedgerError && e.code === ErrorCodes.LEDGER_UNAVAILABLE) || attempt >= CLOSE_PAGE_ATTEMPTS) throw e;
        await sleep(250 * 2 ** attempt);
      }
    }
    const { result, txId } = submitted;
    positions.push(...(result.positions ?? []));
    if (result.window !== undefined || page >= MAX_CLOSE_PAGES) return { answer: { ...result, positions }, txId };
  }
}

const CSV_COLUMNS = ['intervalStart', 'productionWh', 'consumptionWh', 'netWh', 'balance', 'estimated', 'tokensWh', 'corrections'] as const;

type PositionPage = { items: PositionRow[]; bookmark: string };

interface PositionRow {
  intervalStart: string;
  productionWh: number;
  consumptionWh: number;
  netWh: number;
  balance: string;
  estimated: boolean;
  tokens: { energyWh: number }[];
  corrections: unknown[];
}

/** One CSV line per position; every value is a number, a boolean or an instant, so nothing needs quoting. */
export function positionsCsv(rows: readonly PositionRow[]): string {
  const lines = rows.map((p) =>
    [
      p.intervalStart,
      p.productionWh,
      p.consumptionWh,
      p.netWh,
      p.balance,
      p.estimated,
      p.tokens.reduce((s, t) => s + t.energyWh, 0),
      p.corrections.length,
    ].join(','),
  );
  return [CSV_COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}

/** What the metering routes tell the rest of the gateway: a meter retired (its broker credential ends). */
export interface MeteringHooks {
  meterRetired?(meter: { meterId: string; participantId: string; communityId: string }): Promise<void>;
}

export function meteringRoutes(r: Router, ledger: LedgerPort, hooks: MeteringHooks = {}): void {
  type Args<T extends Transaction> = ArgValues<T['args']>;
  const submit = async <T extends Transaction<'submit'>>(res: Response, tx: T, args: Args<T>, status = 200, options?: SubmitOptions) => {
    const { result, txId } = await call(ledger, callerOf(res), tx, args, options);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const evaluate = async <T extends Transaction<'evaluate'>>(res: Response, tx: T, args: ArgValues<T['args']>) =>
    res.json((await call(ledger, callerOf(res), tx, args)) ?? null);
  const self = (res: Response, participantId: unknown) => assertActsFor(callerOf(res), String(participantId));
  const param = (v: unknown) => String(v);

  r.get('/metering/params', async (_req, res) => evaluate(res, catalogue.metering.getParams, []));
  r.post('/sites', async (req, res) => {
    self(res, req.body.participantId);
    await submit(res, assets.registerSite, [req.body], 201);
  });
  r.get('/participants/:participantId/sites', async (req, res) => evaluate(res, assets.listSites, [param(req.params.participantId)]));
  r.put('/meters/:meterId/site', async (req, res) => submit(res, assets.attachMeter, [param(req.params.meterId), req.body.siteId]));

  r.post('/assets', async (req, res) => {
    self(res, req.body.participantId);
    await submit(res, assets.registerAsset, [req.body], 201);
  });
  r.get('/assets/:assetId', async (req, res) => evaluate(res, assets.getAsset, [param(req.params.assetId)]));
  r.get('/assets/:assetId/history', async (req, res) => evaluate(res, assets.getAssetHistory, [param(req.params.assetId)]));
  r.post('/assets/:assetId/verification', async (req, res) => submit(res, assets.verifyAsset, [param(req.params.assetId)]));
  r.post('/assets/:assetId/records', async (req, res) => submit(res, assets.addAssetRecord, [param(req.params.assetId), req.body], 201));
  r.get('/participants/:participantId/assets', async (req, res) => evaluate(res, assets.listAssets, [param(req.params.participantId)]));
  r.get('/participants/:participantId/preferences', async (req, res) =>
    evaluate(res, assets.getPreferences, [param(req.params.participantId)]),
  );
  r.put('/participants/:participantId/preferences', async (req, res) => {
    self(res, req.params.participantId);
    await submit(res, assets.setPreferences, [param(req.params.participantId), req.body]);
  });

  // Up to MAX_METER_BATCH meters in one transaction, all or none (docs/metering.md, "Batch registration"). The answer's txId is the
  // transaction that registered the batch, also on a retry (which answers the stored batch); no broker credentials are issued here.
  r.post('/meter-batches', async (req, res) => {
    const { result, txId } = await call(ledger, callerOf(res), catalogue.registry.registerMeterBatch, [req.body]);
    res.locals.txId = txId;
    res.status(201).json(result);
  });
  r.post('/meters/:meterId/exchanges', async (req, res) =>
    submit(res, energy.exchangeMeter, [{ ...req.body, meterId: req.params.meterId }], 201),
  );
  r.post('/meters/:meterId/retirement', async (req, res) => {
    const { result, txId } = await call(ledger, callerOf(res), energy.retireMeter, [param(req.params.meterId)]);
    res.locals.txId = txId;
    await hooks.meterRetired?.(result);
    res.json({ ...result, txId });
  });
  r.get('/meters/:meterId/estimates/:intervalStart', async (req, res) =>
    evaluate(res, energy.getEstimate, [param(req.params.meterId), param(req.params.intervalStart)]),
  );

  r.get('/communities/:communityId/windows/:intervalStart', async (req, res) =>
    evaluate(res, energy.getWindow, [param(req.params.communityId), param(req.params.intervalStart)]),
  );
  // One transaction per page of participants until the window record is written; a random salt
  // seed per page, as transient data: it never reaches the channel. The answer is the last page's
  // with every page's positions.
  r.post('/communities/:communityId/windows/:intervalStart/close', async (req, res) => {
    const { answer, txId } = await closeWindowPages(ledger, callerOf(res), param(req.params.communityId), param(req.params.intervalStart));
    res.locals.txId = txId;
    res.json({ ...answer, txId });
  });

  // The query's values are strings: the OpenAPI validator checked them.
  type PositionQuery = ArgValues<typeof energy.listPositions.args>[0];
  const positionQuery = (req: { params: Record<string, string>; query: unknown }, bookmark?: string): PositionQuery => {
    const query = req.query as Record<string, string | undefined>;
    return {
      participantId: req.params.participantId,
      from: query.from as string,
      to: query.to as string,
      ...(query.pageSize !== undefined ? { pageSize: Number(query.pageSize) } : {}),
      ...(bookmark !== undefined ? { bookmark } : query.bookmark !== undefined ? { bookmark: query.bookmark } : {}),
    };
  };
  r.get('/participants/:participantId/positions', async (req, res) => {
    self(res, req.params.participantId);
    await evaluate(res, energy.listPositions, [positionQuery(req)]);
  });
  r.get('/participants/:participantId/positions.csv', async (req, res) => {
    self(res, req.params.participantId);
    const rows: PositionRow[] = [];
    let bookmark: string | undefined;
    do {
      const query = { ...positionQuery(req, bookmark), pageSize: 500 };
      const page = (await call(ledger, callerOf(res), energy.listPositions, [query])) as unknown as PositionPage;
      rows.push(...page.items);
      bookmark = page.bookmark || undefined;
    } while (bookmark !== undefined);
    res.type('text/csv').send(positionsCsv(rows));
  });
  r.get('/participants/:participantId/positions/:intervalStart', async (req, res) => {
    self(res, req.params.participantId);
    await evaluate(res, energy.getPosition, [param(req.params.participantId), param(req.params.intervalStart)]);
  });
  r.get('/communities/:communityId/intervals/:intervalStart', async (req, res) =>
    evaluate(res, energy.getCommunityView, [param(req.params.communityId), param(req.params.intervalStart)]),
  );

  r.get('/participants/:participantId/tokens', async (req, res) => {
    self(res, req.params.participantId);
    await evaluate(res, energy.getTokenBalance, [param(req.params.participantId)]);
  });
  r.get('/participants/:participantId/tokens/moves', async (req, res) => {
    self(res, req.params.participantId);
    const query = req.query as Record<string, string | undefined>;
    const q = {
      participantId: req.params.participantId,
      ...(query.pageSize !== undefined ? { pageSize: Number(query.pageSize) } : {}),
      ...(query.bookmark !== undefined ? { bookmark: query.bookmark } : {}),
    };
    await evaluate(res, energy.listTokenMoves, [q]);
  });

  r.get('/participants/:participantId/consumption/:intervalStart', async (req, res) => {
    self(res, req.params.participantId);
    await evaluate(res, energy.getConsumption, [param(req.params.participantId), param(req.params.intervalStart)]);
  });
  r.post('/participants/:participantId/consumption/:intervalStart/verification', async (req, res) =>
    evaluate(res, energy.verifyConsumption, [param(req.params.participantId), param(req.params.intervalStart), req.body.value]),
  );

  r.post('/disputes', async (req, res) => submit(res, energy.disputeReading, [req.body], 201));
  // The corrected import is household data: transient, never in the proposal's arguments.
  r.post('/disputes/resolutions', async (req, res) => {
    const { importWh, ...rest } = req.body as { importWh: number; meterId: string; intervalStart: string };
    const { result, txId } = await call(ledger, callerOf(res), energy.resolveDispute, [rest], {
      transient: { ...saltSeed(), importWh: Buffer.from(String(importWh)) },
      endorsingOrganizations: CONSUMPTION_MEMBERS,
    });
    res.locals.txId = txId;
    // A lowered export withdraws certificates of the hour: a transaction of its own, which the Regulator's peer endorses.
    const certificates = await withdrawLoweredAfterResolution(ledger, callerOf(res), rest.meterId, rest.intervalStart);
    res.json({ ...result, txId, certificates });
  });
  r.get('/meters/:meterId/disputes/:intervalStart', async (req, res) =>
    evaluate(res, energy.getDispute, [param(req.params.meterId), param(req.params.intervalStart)]),
  );
}
