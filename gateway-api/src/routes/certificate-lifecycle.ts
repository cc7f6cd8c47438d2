/**
 * REST routes of the certificate lifecycle beyond transfer and claim (docs/certificates.md): a
 * transfer the recipient accepts (reservation, acceptance, release), the withdrawal a lowered
 * figure needs after a resolved dispute, and the optional expiry record. Thin calls of the
 * chaincode's `certificates` contract, which checks everything again with the caller's identity.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';

const { certificates } = catalogue;
const HOLDERS = ['prosumer', 'consumer'];
const ISSUERS = ['regulator', 'utility', 'operator'];

/**
 * Attempts of the withdrawal after a resolution: the Regulator's peer may not have the resolution's
 * block yet, its simulation then differs from the gateway peer's and the gateway refuses the
 * endorsement (LEDGER_UNAVAILABLE); nothing was written, so it is proposed again after a pause.
 */
const LOWERED_ATTEMPTS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The withdrawal a resolved dispute of a meter's interval may need (certificates:withdrawLowered),
 * run by the dispute's route right after the resolution committed: its answer and transaction id,
 * or the error that stopped it (the resolution stands; POST /certificates/lowered-figure-withdrawals
 * runs it again, and running it twice changes nothing).
 */
export async function withdrawLoweredAfterResolution(
  ledger: LedgerPort,
  user: WalletUser,
  meterId: string,
  intervalStart: string,
): Promise<object> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { result, txId } = await call(ledger, user, certificates.withdrawLowered, [meterId, intervalStart]);
      return { ...result, txId };
    } catch (e) {
      if (!(e instanceof GridLedgerError)) throw e;
      if (e.code !== ErrorCodes.LEDGER_UNAVAILABLE || attempt >= LOWERED_ATTEMPTS) return { error: { code: e.code, message: e.message } };
      await sleep(250 * 2 ** attempt);
    }
  }
}

export function certificateLifecycleRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const submit = async <T extends Transaction<'submit'>>(res: Response, tx: T, args: ArgValues<T['args']>, status = 200) => {
    const { result, txId } = await call(ledger, callerOf(res), tx, args);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const holder = (res: Response, action: string) => requireRoles(callerOf(res), HOLDERS, action);

  r.post('/certificates/lowered-figure-withdrawals', async (req, res) => {
    requireRoles(callerOf(res), ISSUERS, 'withdrawing certificates for a lowered figure');
    await submit(res, certificates.withdrawLowered, [String(req.body.meterId), String(req.body.intervalStart)]);
  });
  r.post('/certificates/:bundleId/reservation', async (req, res) => {
    holder(res, 'reserving certificates');
    await submit(res, certificates.reserve, [req.params.bundleId, req.body], 201);
  });
  r.post('/certificates/:bundleId/reservation/acceptance', async (req, res) => {
    holder(res, 'accepting a transfer');
    await submit(res, certificates.acceptReservation, [req.params.bundleId, req.body ?? {}]);
  });
  r.post('/certificates/:bundleId/reservation/release', async (req, res) => {
    holder(res, 'releasing a transfer');
    await submit(res, certificates.releaseReservation, [req.params.bundleId, req.body ?? {}]);
  });
  r.post('/participants/:participantId/certificates/expiry', async (req, res) =>
    submit(res, certificates.recordExpiry, [req.params.participantId]),
  );
  return r;
}
