/**
 * The BPP's storage provider on the ledger (docs/beckn.md, "The BPP on the ledger"): each Beckn
 * action runs on the storage service (storage/service.ts) with a ledger identity, and its answer
 * becomes the callback's message. Reads run as the organization's operator; confirm and cancel run
 * as the buyer, one of our participants named in the order and allowed to the calling BAP.
 */
import { GridLedgerError } from '@gridledger/core/core';
import type { WalletUser } from '@gridledger/network';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort, Logger } from '../ports';
import type { StorageService } from '../storage/service';
import type { StorageProvider } from './bpp';
import { BecknError, BecknErrorCodes, type BecknErrorCode } from './error-codes';
import type { Context } from './schemas';
import {
  BatteryRecord,
  catalogOf,
  ContractRecord,
  orderOf,
  ReservationAsked,
  reservationOf,
  searchRequestOf,
  type StateOfCharge,
} from './storage-offer';
import type { ContractWatch } from './status-watch';

export interface LedgerStorageProviderOptions {
  service: StorageService;
  ledger: LedgerPort;
  /** The identity reads run as (the organization's operator). */
  reader: WalletUser;
  /** Our participant's identity, when this BPP holds it. */
  identityOf(participantId: string): WalletUser | undefined;
  /** Which participants a BAP may name as buyer: their ids, or `*` for any this BPP holds (docs/beckn.md, "Who pays"). */
  buyersOf(bapId: string): readonly string[];
  watch: ContractWatch;
  log: Logger;
}

/** Our error codes as the Beckn codes a BAP understands. */
const BECKN_CODE_OF: Record<string, BecknErrorCode> = {
  BATTERY_NOT_FOUND: BecknErrorCodes.ITEM_NOT_FOUND,
  STORAGE_CONTRACT_NOT_FOUND: BecknErrorCodes.ORDER_NOT_FOUND,
  STORAGE_CAPACITY_EXCEEDED: BecknErrorCodes.ITEM_QUANTITY_UNAVAILABLE,
  STORAGE_WINDOW_UNAVAILABLE: BecknErrorCodes.FULFILLMENT_UNAVAILABLE,
  INSUFFICIENT_CREDITS: BecknErrorCodes.PAYMENT_NOT_SUPPORTED,
  STORAGE_CONTRACT_STATE_CONFLICT: BecknErrorCodes.CANCELLATION_NOT_POSSIBLE,
  STORAGE_INPUT_INVALID: BecknErrorCodes.INVALID_REQUEST,
  ACCESS_DENIED: BecknErrorCodes.POLICY_ERROR,
};

/** Runs a ledger call; a ledger refusal becomes a Beckn error with our stable code leading its message. */
async function onLedger<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof GridLedgerError)) throw e;
    const field = typeof e.details.field === 'string' ? e.details.field : undefined;
    throw new BecknError(BECKN_CODE_OF[e.code] ?? BecknErrorCodes.BUSINESS_ERROR, `${e.code}: ${e.message}`, field);
  }
}

export function ledgerStorageProvider(o: LedgerStorageProviderOptions): StorageProvider {
  const { service, reader, watch } = o;

  const buyerOf = (asked: ReservationAsked, context: Context): WalletUser => {
    if (asked.buyerId === undefined) {
      throw new BecknError(
        BecknErrorCodes.INVALID_REQUEST,
        'the order names its buyer (tag group buyer, participant-id)',
        'message.order.tags',
      );
    }
    const allowed = o.buyersOf(context.bap_id);
    const user = o.identityOf(asked.buyerId);
    if (!(allowed.includes('*') || allowed.includes(asked.buyerId)) || user === undefined) {
      throw new BecknError(
        BecknErrorCodes.PAYMENT_NOT_SUPPORTED,
        `${context.bap_id} may not buy for ${asked.buyerId} here`,
        'message.order.tags',
      );
    }
    return user;
  };

  /** A contract this BAP confirmed (another BAP's contract is unknown to it). */
  const ownContract = async (contractId: string, context: Context): Promise<ContractRecord> => {
    if (watch.bapOf(contractId) !== context.bap_id)
      throw new BecknError(BecknErrorCodes.ORDER_NOT_FOUND, `no order ${contractId}`, 'message.order_id');
    return (await onLedger(() => service.status(reader, contractId))) as ContractRecord;
  };

  /** The contract a rating or ticket is about: one of the ids named that this BAP confirmed, else the transaction's contract. */
  const contractNamed = (ids: readonly string[], context: Context, path: string): string => {
    const named = ids.find((id) => watch.bapOf(id) === context.bap_id) ?? watch.contractOf(context.bap_id, context.transaction_id);
    if (named === undefined) throw new BecknError(BecknErrorCodes.ORDER_NOT_FOUND, 'no storage contract of this BAP is named', path);
    return named;
  };

  /** Records a support ticket or rating (its id: the message id) as the Community's operator. */
  const record = (contractId: string, kind: 'rating' | 'support-ticket', context: Context, more: object) =>
    onLedger(() =>
      call(o.ledger, reader, catalogue.storage.recordStorageFeedback, [
        contractId,
        { kind, feedbackId: context.message_id, bapId: context.bap_id, transactionId: context.transaction_id, ...more },
      ]),
    );

  const providerOfBattery = async (batteryId: string) =>
    (await onLedger(() => call(o.ledger, reader, catalogue.storage.getBattery, [batteryId]))).providerId;

  const quoted = async (message: { order: Parameters<typeof reservationOf>[0] }) => {
    const asked = reservationOf(message.order);
    const quote = await onLedger(() => service.quote(reader, asked));
    return { order: orderOf(asked, quote, await providerOfBattery(asked.batteryId)) };
  };

  return {
    async search(message) {
      const request = searchRequestOf(message.intent);
      const { hits } = await onLedger(() => service.search(reader, request));
      const window = typeof request.from === 'string' ? { from: String(request.from), to: String(request.to) } : undefined;
      return { catalog: catalogOf(hits as { battery: BatteryRecord; freeWh: number }[], window) };
    },
    select: quoted,
    init: quoted,
    async confirm(message, context) {
      const asked = reservationOf(message.order);
      const buyer = buyerOf(asked, context);
      // One contract per transaction: a confirm sent again in it returns the same contract.
      const request = {
        clientContractId: `bk-${context.transaction_id}`,
        batteryId: asked.batteryId,
        reservedWh: asked.reservedWh,
        from: asked.from,
        to: asked.to,
      };
      const { result } = await onLedger(() => service.reserve(buyer, request));
      const contract = result.contract as ContractRecord;
      watch.add(contract.contractId, context, contract.status, contract.batteryId);
      return { order: contractOrder(contract) };
    },
    async status(message, context) {
      const c = await ownContract(message.order_id, context);
      return { order: contractOrder(c, await onLedger(() => stateOfChargeOf(o.ledger, reader, c.batteryId))) };
    },
    async track(message, context) {
      const c = await ownContract(message.order_id, context);
      return { tracking: { id: c.contractId, status: c.status === 'confirmed' || c.status === 'active' ? 'active' : 'inactive' } };
    },
    async cancel(message, context) {
      const c = await ownContract(message.order_id, context);
      const buyer = o.identityOf(c.buyerId);
      if (buyer === undefined) throw new BecknError(BecknErrorCodes.CANCELLATION_NOT_POSSIBLE, 'the buyer is not held here');
      const { result } = await onLedger(() => service.cancel(buyer, c.contractId));
      const contract = result.contract as ContractRecord;
      watch.seen(contract.contractId, contract.status);
      return { order: contractOrder(contract) };
    },
    async update() {
      throw new BecknError(
        BecknErrorCodes.UPDATE_NOT_POSSIBLE,
        "a storage contract's terms do not change once confirmed: cancel and confirm anew",
      );
    },
    async rating(message, context) {
      // Recorded on the ledger under the contract rated (docs/beckn.md, "Support tickets and ratings"); no feedback form.
      const rated = (message.ratings ?? []).map((r) => r.id).filter((id): id is string => id !== undefined);
      const contractId = contractNamed(rated, context, 'message.ratings');
      const ratings = (message.ratings ?? []).map((r) => ({
        category: r.rating_category ?? 'Order',
        id: r.id ?? contractId,
        value: r.value,
      }));
      if (ratings.length === 0 || ratings.some((r) => r.value === undefined))
        throw new BecknError(BecknErrorCodes.INVALID_REQUEST, 'a rating gives a value for each object rated', 'message.ratings');
      await record(contractId, 'rating', context, { ratings });
      return {};
    },
    async support(message, context) {
      // A ticket on the ledger under the contract (ref_id, or the transaction's); the answer names the ticket: the message id.
      const ref = message.support?.ref_id;
      const contractId = contractNamed(ref === undefined ? [] : [ref], context, 'message.support.ref_id');
      await record(contractId, 'support-ticket', context, {});
      return { support: { ref_id: context.message_id } };
    },
  };
}

/** A storage contract on the ledger as a Beckn order (on_confirm, on_status, on_cancel), with its battery's last state of charge. */
export const contractOrder = (c: ContractRecord, soc?: StateOfCharge | null) =>
  orderOf(
    { batteryId: c.batteryId, reservedWh: c.reservedWh, from: c.from, to: c.to, buyerId: c.buyerId },
    contractMoneyOf(c),
    c.providerId,
    c,
    soc,
  );

/** A battery's last state of charge on the ledger, read as `reader` (for the status action and the unsolicited on_status). */
export async function stateOfChargeOf(ledger: LedgerPort, reader: WalletUser, batteryId: string): Promise<StateOfCharge | null> {
  return (await call(ledger, reader, catalogue.storage.getBattery, [batteryId])).stateOfCharge as StateOfCharge | null;
}

/** The money of a confirmed contract as its quote showed it (the escrow is fixed at confirmation). */
function contractMoneyOf(c: ContractRecord & { reservationFeeMicros?: number; maxStorageFeeMicros?: number }) {
  return {
    reservationFeeMicros: c.reservationFeeMicros ?? 0,
    maxStorageFeeMicros: c.maxStorageFeeMicros ?? 0,
    escrowMicros: c.escrowMicros,
  };
}
