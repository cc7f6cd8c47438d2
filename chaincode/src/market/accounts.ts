/**
 * Credit accounts and the one overlay through which a transaction changes balances: a transaction
 * cannot read its own writes, so every account it touches is loaded once, changed in memory and
 * written once at the end, with its statement lines (keys: account, statement; see keys.ts).
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, safeMicros } from '@gridledger/core';
import { getRecord, putRecord, txInstant } from '../ledger';
import { key, KeyTypes, seqKeyPart } from '../keys';

/** The settlement bank's account id (buyer and seller of last resort, receiver of the grid fee): a reserved participant id. */
export { UTILITY_ACCOUNT } from '@gridledger/core';

export interface Account {
  participantId: string;
  availableMicros: number;
  escrowMicros: number;
}

export interface StatementLine {
  participantId: string;
  /** The line's number in the participant's statement, from 1, in commit order. */
  number: number;
  at: string;
  txId: string;
  /** What moved: deposit, withdrawal, transfer-in/out, escrow, escrow-release, or a posting reason. */
  kind: string;
  /** Change of the available balance (negative: out). */
  availableMicros: number;
  /** Change of the escrowed balance. */
  escrowMicros: number;
  ref: string;
}

/** An account as stored: the balances and how many statement lines it has. */
interface AccountRecord extends Account {
  statementLines: number;
}

async function readAccountRecord(ctx: Context, participantId: string): Promise<AccountRecord> {
  const record = await getRecord<AccountRecord>(ctx, key(ctx, KeyTypes.account, participantId));
  return record ?? { participantId, availableMicros: 0, escrowMicros: 0, statementLines: 0 };
}

export async function readAccount(ctx: Context, participantId: string): Promise<Account> {
  const { statementLines: _lines, ...account } = await readAccountRecord(ctx, participantId);
  return account;
}

/** A statement line's key: the line number zero-padded, so that key order is line order. */
const statementKey = (ctx: Context, participantId: string, number: number): string =>
  key(ctx, KeyTypes.statement, participantId, seqKeyPart(number));

/** The accounts one transaction touches; flush() writes each once, with its statement lines. */
export class AccountOverlay {
  private readonly accounts = new Map<string, Account>();
  private readonly statementLines = new Map<string, number>();
  private readonly lines: StatementLine[] = [];

  constructor(private readonly ctx: Context) {}

  async get(participantId: string): Promise<Account> {
    let account = this.accounts.get(participantId);
    if (account === undefined) {
      const { statementLines, ...rest } = await readAccountRecord(this.ctx, participantId);
      account = rest;
      this.accounts.set(participantId, account);
      this.statementLines.set(participantId, statementLines);
    }
    return account;
  }

  /** Moves money in or out of a participant's available and escrowed credits, exactly or not at all. */
  async change(participantId: string, kind: string, ref: string, availableMicros: number, escrowMicros = 0): Promise<Account> {
    const account = await this.get(participantId);
    account.availableMicros = safeMicros(
      BigInt(account.availableMicros) + BigInt(availableMicros),
      `the available balance of ${participantId}`,
    );
    account.escrowMicros = safeMicros(BigInt(account.escrowMicros) + BigInt(escrowMicros), `the escrow of ${participantId}`);
    if (account.escrowMicros < 0) throw new GridLedgerError(ErrorCodes.INTERNAL, `escrow of ${participantId} would turn negative`);
    const number = (this.statementLines.get(participantId) ?? 0) + 1;
    this.statementLines.set(participantId, number);
    this.lines.push({
      participantId,
      number,
      at: txInstant(this.ctx),
      txId: this.ctx.stub.getTxID(),
      kind,
      availableMicros,
      escrowMicros,
      ref,
    });
    return account;
  }

  /** Refuses (INSUFFICIENT_CREDITS) when the participant's available credits are below `micros`. */
  async requireAvailable(participantId: string, micros: number): Promise<void> {
    const account = await this.get(participantId);
    if (account.availableMicros < micros) {
      throw new GridLedgerError(ErrorCodes.INSUFFICIENT_CREDITS, `${micros} µ needed, ${account.availableMicros} µ available`, {
        participantId,
        neededMicros: micros,
        availableMicros: account.availableMicros,
      });
    }
  }

  async flush(): Promise<void> {
    for (const id of [...this.accounts.keys()].sort()) {
      const record: AccountRecord = { ...(this.accounts.get(id) as Account), statementLines: this.statementLines.get(id) ?? 0 };
      await putRecord(this.ctx, key(this.ctx, KeyTypes.account, id), record);
    }
    for (const line of this.lines) await putRecord(this.ctx, statementKey(this.ctx, line.participantId, line.number), line);
  }
}
