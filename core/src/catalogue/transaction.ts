/**
 * What the catalogue says of one chaincode transaction: its contract and name, its arguments and
 * their types, its result type, who may call it, whether it is submitted (ordered and committed)
 * or evaluated (read on one peer), and the chaincode events it sets.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Role } from '../core/identity';

/** The organizations' MSP ids, as the chaincode checks them. */
export type MspId = 'CommunityMSP' | 'UtilityMSP' | 'RegulatorMSP';

/**
 * Who may call a transaction, as the chaincode checks it (the gateway's routes may refuse earlier;
 * docs/security.md's access table has both).
 */
export interface Access {
  /**
   * The `gl.role`s let through: a list, 'any' (any identity with a gl.role), or 'identity' (any
   * identity of the channel, also one without gl.role).
   */
  readonly roles: readonly Role[] | 'any' | 'identity';
  /** The MSPs a caller must belong to, when the chaincode requires one. */
  readonly msps?: readonly MspId[];
  /** True when a self-acting caller (prosumer, consumer, battery provider) reaches only its own records. */
  readonly ownRecords?: boolean;
  /** The rule in words, with what the roles and MSPs above leave out. */
  readonly rule: string;
}

export type TxKind = 'submit' | 'evaluate';

export interface TxArg<S extends TSchema = TSchema> {
  readonly name: string;
  readonly schema: S;
}

export interface Transaction<K extends TxKind = TxKind, A extends readonly TxArg[] = readonly TxArg[], R extends TSchema = TSchema> {
  readonly contract: string;
  readonly name: string;
  /** `contract:name`, what a Fabric client calls. */
  readonly fn: string;
  readonly kind: K;
  /** In the chaincode's order; a string argument goes as it is, any other as its JSON text. */
  readonly args: A;
  /** The JSON the transaction answers with. */
  readonly result: R;
  readonly access: Access;
  /** The chaincode events it may set (at most one per transaction, by Fabric's rule). */
  readonly events: readonly string[];
  readonly summary: string;
}

/** The values of a transaction's arguments, typed by their schemas. */
export type ArgValues<A extends readonly TxArg[]> = { -readonly [K in keyof A]: A[K] extends TxArg<infer S> ? Static<S> : never };
export type ResultOf<T extends Transaction> = Static<T['result']>;

export const arg = <const N extends string, S extends TSchema>(name: N, schema: S): TxArg<S> => ({ name, schema });

interface Definition<A extends readonly TxArg[], R extends TSchema> {
  args: A;
  result: R;
  access: Access;
  events?: readonly string[];
  summary: string;
}

/** The entries of one Fabric contract: `tx.submit(name, ...)` and `tx.evaluate(name, ...)`. */
export function contractOf(contract: string) {
  const make =
    <K extends TxKind>(kind: K) =>
    <const A extends readonly TxArg[], R extends TSchema>(name: string, d: Definition<A, R>): Transaction<K, A, R> => ({
      contract,
      name,
      fn: `${contract}:${name}`,
      kind,
      args: d.args,
      result: d.result,
      access: d.access,
      events: d.events ?? [],
      summary: d.summary,
    });
  return { submit: make('submit'), evaluate: make('evaluate') };
}

/** The chaincode's string arguments for `values`: strings as they are, anything else as JSON. */
export function encodeArgs<T extends Transaction>(tx: T, values: ArgValues<T['args']>): string[] {
  const list = values as readonly unknown[];
  if (list.length !== tx.args.length) throw new Error(`${tx.fn} takes ${tx.args.length} arguments, not ${list.length}`);
  return list.map((v, i) => ((tx.args[i].schema as { type?: unknown }).type === 'string' ? String(v) : JSON.stringify(v)));
}
