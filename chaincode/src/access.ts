/**
 * Who may call a transaction, by the caller's Fabric identity (its MSP and its gl.role and gl.id
 * attributes): every access check of every contract is one of these.
 */
import { Context } from 'fabric-contract-api';
import { agentMayCall, ATTR_AGENT, ATTR_ID, ATTR_ROLE, ErrorCodes, GridLedgerError, isRole, isSelfActing, Role } from '@gridledger/core';
import { getRecord } from './ledger';
import { key, KeyTypes } from './keys';

export interface Caller {
  mspId: string;
  role: Role | undefined;
  /** gl.id: the participant or device the identity acts for. */
  participantId: string | undefined;
}

export function callerOf(ctx: Context): Caller {
  const role = ctx.clientIdentity.getAttributeValue(ATTR_ROLE);
  const id = ctx.clientIdentity.getAttributeValue(ATTR_ID);
  return {
    mspId: ctx.clientIdentity.getMSPID(),
    role: isRole(role) ? role : undefined,
    participantId: typeof id === 'string' && id !== '' ? id : undefined,
  };
}

/** Who recorded something: the caller's gl.id, or its X.509 identity when it has none. */
export function actorOf(ctx: Context, caller: Caller): string {
  return caller.participantId ?? ctx.clientIdentity.getID();
}

/** The caller, if its identity carries one of `roles`: UNAUTHENTICATED without gl.role, else ACCESS_DENIED. */
export function requireRole(ctx: Context, roles: readonly Role[] | 'any', action: string): Caller {
  const caller = callerOf(ctx);
  const raw = ctx.clientIdentity.getAttributeValue(ATTR_ROLE);
  if (raw === null || raw === undefined || raw === '') {
    throw new GridLedgerError(ErrorCodes.UNAUTHENTICATED, `${action} needs an identity with the ${ATTR_ROLE} attribute`);
  }
  if (caller.role === undefined || (roles !== 'any' && !roles.includes(caller.role))) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is not allowed for role ${raw}`, { role: raw, mspId: caller.mspId });
  }
  return caller;
}

/** The caller, if it has `role` in the organization `mspId` (an organization's own duties). */
function requireRoleOf(ctx: Context, role: Role, mspId: string, action: string): Caller {
  const caller = requireRole(ctx, [role], action);
  if (caller.mspId !== mspId)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for the ${role} of ${mspId}`, { mspId: caller.mspId });
  return caller;
}

/** An operator of CommunityMSP: the market's and the metering window's duties. */
export const requireOperator = (ctx: Context, action: string): Caller => requireRoleOf(ctx, 'operator', 'CommunityMSP', action);

/** The utility of UtilityMSP: the settlement bank's duties. */
export const requireUtility = (ctx: Context, action: string): Caller => requireRoleOf(ctx, 'utility', 'UtilityMSP', action);

/** The regulator of RegulatorMSP: verifying assets. */
export const requireRegulator = (ctx: Context, action: string): Caller => requireRoleOf(ctx, 'regulator', 'RegulatorMSP', action);

/** A prosumer or consumer with gl.id: a participant that trades for itself. */
export function requireTrader(ctx: Context, action: string): Caller & { participantId: string } {
  const caller = requireRole(ctx, ['prosumer', 'consumer'], action);
  if (caller.participantId === undefined) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} needs an identity with gl.id`);
  return caller as Caller & { participantId: string };
}

/** A participant's own business (a prosumer or consumer with its gl.id), or a role that may see everyone's. */
export function requireSelfOrRoles(ctx: Context, participantId: string, roles: readonly Role[], action: string): Caller {
  const caller = requireRole(ctx, 'any', action);
  if (caller.participantId === participantId && (caller.role === 'prosumer' || caller.role === 'consumer')) return caller;
  if (caller.role !== undefined && roles.includes(caller.role)) return caller;
  throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for the participant itself or a ${roles.join('/')}`, { participantId });
}

/**
 * A self-acting identity (prosumer, consumer, battery provider) acts for the participant its gl.id
 * names only when the ledger registered that participant for the identity's MSP with its role.
 * Checked for every transaction (respond), so no contract can forget it: without it, an
 * organization's CA could issue a certificate with another organization's member's gl.id and act
 * for that member (its account, orders, positions, private views). Operators, the utility, the
 * regulator and bridges act for their organization and are checked by each transaction.
 */
export async function requireOwnParticipant(ctx: Context): Promise<void> {
  const caller = callerOf(ctx);
  if (!isSelfActing(caller.role) || caller.participantId === undefined) return;
  const record = await getRecord<{ mspId: string; role: string }>(ctx, key(ctx, KeyTypes.participant, caller.participantId));
  if (record === undefined) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `the identity acts for participant ${caller.participantId}, which is not registered`,
      {
        participantId: caller.participantId,
      },
    );
  }
  if (record.mspId !== caller.mspId || record.role !== caller.role) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `the identity (${caller.role} of ${caller.mspId}) may not act for participant ${caller.participantId} (${record.role} of ` +
        `${record.mspId})`,
      { participantId: caller.participantId, mspId: caller.mspId },
    );
  }
}

/**
 * Reads of one participant's records (its participant record, meters, readings, gaps): a
 * self-acting caller reads its own only; other roles are checked by the transaction.
 */
export function requireOwnRecords(caller: Caller, participantId: string | undefined, action: string): void {
  if (isSelfActing(caller.role) && (participantId === undefined || participantId !== caller.participantId)) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `a ${caller.role} may ${action} of its own only`,
      participantId === undefined ? {} : { participantId },
    );
  }
}

/** The participant a meter belongs to, for requireOwnRecords; undefined when the meter is not registered. */
export async function meterOwner(ctx: Context, meterId: string): Promise<string | undefined> {
  return (await getRecord<{ participantId: string }>(ctx, key(ctx, KeyTypes.meter, meterId)))?.participantId;
}

/** Whether the caller is a participant's trading agent (`gl.agent=true`), not the owner. */
export const isAgent = (ctx: Context): boolean => ctx.clientIdentity.getAttributeValue(ATTR_AGENT) === 'true';

/**
 * An agent identity calls only the transactions core's agentMayCall lists (docs/security.md,
 * *Agent identities*): checked for every transaction (respond), by the invoked `contract:fn`, so
 * that no contract can forget it. Other identities pass.
 */
export function requireAgentMayCall(ctx: Context): void {
  if (!isAgent(ctx)) return;
  const { fcn } = ctx.stub.getFunctionAndParameters();
  if (!agentMayCall(fcn))
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `an agent identity may not call ${fcn}`, { transaction: fcn });
}
