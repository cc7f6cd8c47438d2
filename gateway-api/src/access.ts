import type { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { isSelfActing } from '@gridledger/core/core';
import { ErrorCodes, GridLedgerError } from './errors';

/** The roles that onboard participants (and manage their keys: routes/api-keys.ts). */
export const ONBOARDING_ROLES: ReadonlySet<string> = new Set(['operator', 'utility']);

export const denied = (message: string, details: Record<string, string> = {}) =>
  new GridLedgerError(ErrorCodes.ACCESS_DENIED, message, details);

export function assertActsFor(caller: WalletUser, participantId: string): void {
  if (isSelfActing(caller.role) && caller.participantId !== participantId) {
    throw denied(`a ${caller.role} acts only for itself`, { participantId });
  }
}

/** Refuses a caller whose role is not one of `roles`. */
export function requireRoles(caller: WalletUser, roles: readonly string[], action: string): void {
  if (caller.role === undefined || !roles.includes(caller.role))
    throw denied(`${action} needs the role ${roles.join(' or ')}`, { role: caller.role ?? '' });
}

/** The identity the request's API key maps to (set by the security handler). */
export const callerOf = (res: Response): WalletUser => res.locals.caller as WalletUser;
