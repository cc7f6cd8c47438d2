import type { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { ErrorCodes, GridLedgerError } from './errors';

/** Roles that act only for themselves: the gateway refuses them another participant's business. */
const SELF_ONLY_ROLES = new Set(['prosumer', 'consumer', 'battery-provider']);

export const denied = (message: string, details: Record<string, string> = {}) => new GridLedgerError(ErrorCodes.ACCESS_DENIED, message, details);

export function assertActsFor(caller: WalletUser, participantId: string): void {
  if (caller.role !== undefined && SELF_ONLY_ROLES.has(caller.role) && caller.participantId !== participantId) {
    throw denied(`a ${caller.role} acts only for itself`, { participantId });
  }
}

/** The identity the request's API key maps to (set by the security handler). */
export const callerOf = (res: Response): WalletUser => res.locals.caller as WalletUser;
