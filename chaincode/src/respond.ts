/**
 * The one wrapper of every transaction: checks that a self-acting identity acts for its own
 * participant, and turns every failure into the error envelope.
 */
import { Context } from 'fabric-contract-api';
import { canonicalJson, encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core';
import { requireAgentMayCall, requireOwnParticipant } from './access';

export function isGridLedgerError(e: unknown): e is GridLedgerError {
  return e instanceof Error && e.name === 'GridLedgerError' && typeof (e as { code?: unknown }).code === 'string';
}

interface LoggerLike {
  error(message: string): void;
}

function loggerOf(ctx: Context): LoggerLike {
  const logging = (ctx as Partial<Context>).logging;
  return logging !== undefined ? logging.getLogger('gridledger') : console;
}

/**
 * Runs a transaction body and returns its result as canonical JSON. A GridLedgerError leaves as
 * `Error(envelope)`, the only form in which a code survives the way to a Fabric client; anything
 * else is logged with the transaction id and leaves as INTERNAL, without its message.
 */
export async function respond(ctx: Context, name: string, body: () => Promise<unknown>): Promise<string> {
  return respondForAnyIdentity(ctx, name, async () => {
    await requireOwnParticipant(ctx);
    return body();
  });
}

/**
 * respond without requireOwnParticipant: for the system contract's checks, which act for nobody and
 * read nothing. An agent identity is held to the transactions it may call here, for every contract.
 */
export async function respondForAnyIdentity(ctx: Context, name: string, body: () => Promise<unknown>): Promise<string> {
  try {
    requireAgentMayCall(ctx);
    return canonicalJson(await body());
  } catch (e) {
    if (isGridLedgerError(e)) throw new Error(encodeErrorEnvelope(e), { cause: e });
    const txId = ctx.stub.getTxID();
    loggerOf(ctx).error(`${name} failed unexpectedly in transaction ${txId}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    throw new Error(
      encodeErrorEnvelope(
        new GridLedgerError(ErrorCodes.INTERNAL, `${name} failed unexpectedly; the chaincode log has transaction ${txId}`, { txId }),
      ),
      { cause: e },
    );
  }
}
