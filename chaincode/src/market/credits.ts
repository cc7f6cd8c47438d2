import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, isAmount, Role, safeMicros, UTILITY_ACCOUNT } from '@gridledger/core';
import { requireRole, requireSelfOrRoles, requireTrader, requireUtility } from '../access';
import { checkFields, checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { putRecord, setEvent, txInstant } from '../ledger';
import { listRecords, MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadParticipant } from '../registry';
import { once } from '../once';
import { respond } from '../respond';
import { AccountOverlay, readAccount, StatementLine } from './accounts';
import { BankEntry, indexBankEntry } from '../lists/indexes';

/** One deposit, withdrawal or transfer moves at most 1e15 µ (a billion currency units). */
export const MAX_CREDIT_MICROS = 1_000_000_000_000_000;
const READ_ANY_ACCOUNT: readonly Role[] = ['operator', 'utility', 'regulator'];

function checkAmount(value: unknown): number {
  if (!isAmount(value) || value === 0 || value > MAX_CREDIT_MICROS) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `amountMicros must be an integer in [1, ${MAX_CREDIT_MICROS}]`, {
      field: 'amountMicros',
    });
  }
  return value;
}

/**
 * Runs a credit operation once per (actor, reference): a retry with the same request gets the
 * first result back; the same reference for a different request is CLIENT_ID_REUSED.
 */
const onceFor = (ctx: Context, actor: string, reference: string, request: unknown, body: () => Promise<unknown>): Promise<unknown> =>
  once(ctx, key(ctx, KeyTypes.creditRef, actor, reference), reference, request, body);

/**
 * Credits: the utility, as settlement bank, issues them against deposits and redeems them on
 * withdrawal; participants transfer them and the market escrows and settles them. The total
 * supply changes only by deposits and withdrawals (bank entries); every other movement goes
 * from one account to another.
 */
@Info({ title: 'credits', description: 'Payment credits: deposits, withdrawals, transfers, balances, statements' })
export class CreditsContract extends Contract {
  constructor() {
    super('credits');
  }

  /** `{ participantId, amountMicros, reference }`, by the utility: issues credits against a deposit. */
  @Transaction()
  @Returns('string')
  async deposit(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'deposit', async () => this.bank(ctx, request, 'deposit'));
  }

  /** `{ participantId, amountMicros, reference }`, by the utility: redeems credits the participant withdraws. */
  @Transaction()
  @Returns('string')
  async withdraw(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'withdraw', async () => this.bank(ctx, request, 'withdrawal'));
  }

  private async bank(ctx: Context, request: string, kind: 'deposit' | 'withdrawal'): Promise<unknown> {
    const caller = requireUtility(ctx, kind === 'deposit' ? 'issuing credits' : 'redeeming credits');
    const input = parseObjectArgument(request, 'the request');
    checkFields(input, ['participantId', 'amountMicros', 'reference']);
    const participantId = checkId(input.participantId, 'participantId');
    const amountMicros = checkAmount(input.amountMicros);
    const reference = checkId(input.reference, 'reference');
    return onceFor(ctx, caller.participantId ?? UTILITY_ACCOUNT, reference, { kind, participantId, amountMicros }, async () => {
      const participant = await loadParticipant(ctx, participantId);
      const accounts = new AccountOverlay(ctx);
      if (kind === 'withdrawal') await accounts.requireAvailable(participantId, amountMicros);
      const account = await accounts.change(participantId, kind, reference, kind === 'deposit' ? amountMicros : -amountMicros);
      await accounts.flush();
      const txId = ctx.stub.getTxID();
      const entry: BankEntry = { txId, kind, participantId, amountMicros, reference, at: txInstant(ctx) };
      await putRecord(ctx, key(ctx, KeyTypes.bank, txId), entry);
      await indexBankEntry(ctx, participant.communityId, entry);
      setEvent(ctx, kind === 'deposit' ? 'CreditsIssued' : 'CreditsRedeemed', entry);
      return { ...entry, account };
    });
  }

  /** `{ toParticipantId, amountMicros, reference }`: a prosumer or consumer pays another participant. */
  @Transaction()
  @Returns('string')
  async transfer(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'transfer', async () => {
      const from = requireTrader(ctx, 'transferring credits').participantId;
      const input = parseObjectArgument(request, 'the request');
      checkFields(input, ['toParticipantId', 'amountMicros', 'reference']);
      const to = checkId(input.toParticipantId, 'toParticipantId');
      const amountMicros = checkAmount(input.amountMicros);
      const reference = checkId(input.reference, 'reference');
      if (to === from) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'a transfer needs two accounts', { field: 'toParticipantId' });
      return onceFor(ctx, from, reference, { to, amountMicros }, async () => {
        await loadParticipant(ctx, to);
        const accounts = new AccountOverlay(ctx);
        await accounts.requireAvailable(from, amountMicros);
        const account = await accounts.change(from, 'transfer-out', reference, -amountMicros);
        await accounts.change(to, 'transfer-in', reference, amountMicros);
        await accounts.flush();
        const result = { txId: ctx.stub.getTxID(), from, to, amountMicros, reference, at: txInstant(ctx), account };
        setEvent(ctx, 'CreditsTransferred', { txId: result.txId, from, to, amountMicros });
        return result;
      });
    });
  }

  /** Available and escrowed credits: the participant itself, an operator, the utility or a regulator. */
  @Transaction(false)
  @Returns('string')
  async getAccount(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getAccount', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), READ_ANY_ACCOUNT, 'reading an account');
      return readAccount(ctx, participantId);
    });
  }

  /** A page of the participant's statement lines, oldest first; `bookmark` continues. */
  @Transaction(false)
  @Returns('string')
  async getStatement(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'getStatement', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['utility', 'regulator'], 'reading a statement');
      return readPage<StatementLine>(ctx, KeyTypes.statement, [participantId], { size: pageSizeOf(pageSize, MARKET_MAX_PAGE), bookmark });
    });
  }

  /**
   * The money in the system, summed exactly: supply = deposits − withdrawals; the utility's
   * account is the sum of its side of every settlement posting. Sum of all participants'
   * accounts + utility = supply, always.
   */
  @Transaction(false)
  @Returns('string')
  async getSupply(ctx: Context): Promise<string> {
    return respond(ctx, 'getSupply', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading the supply');
      let deposits = 0n;
      let withdrawals = 0n;
      for (const value of await listRecords<{ kind: string; amountMicros: number }>(ctx, KeyTypes.bank, [])) {
        if (value.kind === 'deposit') deposits += BigInt(value.amountMicros);
        else withdrawals += BigInt(value.amountMicros);
      }
      let utility = 0n;
      for (const value of await listRecords<{ amountMicros: number }>(ctx, KeyTypes.utilityEntry, []))
        utility += BigInt(value.amountMicros);
      return {
        depositsMicros: safeMicros(deposits, 'deposits'),
        withdrawalsMicros: safeMicros(withdrawals, 'withdrawals'),
        supplyMicros: safeMicros(deposits - withdrawals, 'the supply'),
        utilityMicros: safeMicros(utility, "the utility's account"),
      };
    });
  }
}
