/**
 * The invoice of a storage contract that has ended (docs/beckn.md, "The invoice"), in the shape
 * Beckn's order carries a bill: `billing` (who is billed and for which period), `quote` (the total
 * and its breakup) and `payments` (what was collected, with the ledger transaction that moved it).
 * Built from the ledger's settlement (or cancellation) record only, so that the BAP's figures are the
 * ledger's to the micro-unit. Pure.
 */
import type { StorageSettlement } from '@gridledger/core/storage';
import type { MessageOf } from './schemas';

type Order = MessageOf<'confirm'>['order'];

/** The ledger's settlement record of a contract (chaincode storage/agreements.ts): core's settlement with energy and transaction. */
export type SettlementRecord = StorageSettlement & { inWh: number; outWh: number; settledAt: string; txId: string };

export interface InvoicedContract {
  contractId: string;
  buyerId: string;
  from: string;
  to: string;
  escrowMicros: number;
  status: string;
  cancellation?: { refundMicros: number; feeMicros: number; txId?: string };
  settlement?: SettlementRecord;
}

/** Credits on the ledger are micro-units of this currency (Beckn prices carry it as decimal text). */
export const STORAGE_CURRENCY = 'CREDIT';

/** Micro-units as Beckn's decimal text: 200666 → "0.200666", -70000 → "-0.070000". */
export const microsText = (micros: number): string => {
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / 1_000_000);
  return `${micros < 0 ? '-' : ''}${whole}.${String(abs - whole * 1_000_000).padStart(6, '0')}`;
};
export const price = (micros: number) => ({ currency: STORAGE_CURRENCY, value: microsText(micros) });

/**
 * The bill of a completed or cancelled contract: the quote's total is what the provider was paid
 * (its breakup adds up to it exactly), the payment the escrow collected at confirmation, settled by
 * the ledger transaction named in `params.transaction_id`; the refund to the buyer is the escrow less
 * the total. Undefined for a contract that is still open.
 */
export function invoiceOf(c: InvoicedContract): Pick<Order, 'billing' | 'quote' | 'payments'> | undefined {
  const s = c.settlement;
  const lines = s
    ? [
        { title: 'reserved capacity', price: price(s.reservationFeeMicros) },
        { title: `stored energy: ${s.storedWh} Wh`, price: price(s.storageFeeMicros) },
        { title: `penalty: ${s.undeliveredWh} Wh not delivered`, price: price(-s.penaltyMicros) },
      ]
    : c.cancellation
      ? [{ title: 'cancellation fee', price: price(c.cancellation.feeMicros) }]
      : undefined;
  if (lines === undefined) return undefined;
  const total = s ? s.paymentMicros : c.cancellation!.feeMicros;
  const txId = s?.txId ?? c.cancellation?.txId;
  return {
    billing: { name: c.buyerId, time: { range: { start: c.from, end: c.to } } },
    quote: { price: price(total), breakup: lines },
    payments: [
      {
        type: 'PRE-FULFILLMENT',
        collected_by: 'BPP',
        status: 'PAID',
        params: { amount: microsText(c.escrowMicros), currency: STORAGE_CURRENCY, ...(txId ? { transaction_id: txId } : {}) },
        ...(s ? { time: { timestamp: s.settledAt } } : {}),
        tags: [
          {
            descriptor: { code: 'settlement' },
            list: [
              { descriptor: { code: 'paid-to-provider-micros' }, value: String(total) },
              { descriptor: { code: 'refunded-to-buyer-micros' }, value: String(c.escrowMicros - total) },
            ],
          },
        ],
      },
    ],
  };
}
