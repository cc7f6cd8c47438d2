/**
 * The gateway calls the chaincode through the transaction catalogue (core/src/catalogue): the
 * entry names the function and says whether it is submitted or evaluated, its arguments are typed
 * and encoded by it, and the answer has the entry's result type.
 */
import type { WalletUser } from '@gridledger/network';
import { encodeArgs, type ArgValues, type ResultOf, type Transaction } from '@gridledger/core/catalogue';
import type { EvaluateOptions, LedgerPort, SubmitOptions, SubmitResult } from './ports';

/** A committed transaction's answer: its result (typed by the catalogue), transaction id and block. */
export type Committed<R> = Omit<SubmitResult, 'result'> & { result: R };

/** Submits a `submit` transaction (endorse, order, wait for the commit), or evaluates an `evaluate` one. */
export function call<T extends Transaction<'submit'>>(
  ledger: LedgerPort,
  user: WalletUser,
  tx: T,
  args: ArgValues<T['args']>,
  options?: SubmitOptions,
): Promise<Committed<ResultOf<T>>>;
export function call<T extends Transaction<'evaluate'>>(
  ledger: LedgerPort,
  user: WalletUser,
  tx: T,
  args: ArgValues<T['args']>,
  options?: EvaluateOptions,
): Promise<ResultOf<T>>;
export async function call(
  ledger: LedgerPort,
  user: WalletUser,
  tx: Transaction,
  args: readonly unknown[],
  options?: SubmitOptions & EvaluateOptions,
): Promise<unknown> {
  const encoded = encodeArgs(tx, args as never);
  return tx.kind === 'submit' ? ledger.submit(user, tx.fn, encoded, options) : ledger.evaluate(user, tx.fn, encoded, options);
}
