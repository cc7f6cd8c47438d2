/**
 * What a selling agent answers to the requests on its offer (docs/agents.md, "The agent process"),
 * pure: in the order they came, it accepts each request its owner's mandate allows (the same
 * checkMandate the chaincode applies to the seller's side) and the offer has energy left for,
 * and refuses the others with a reason. The buyers' side (their mandates, their credits) is the
 * chaincode's to check: a batch it refuses comes back with the index of the request at fault,
 * which the agent then refuses (`counterparty`) before it accepts the rest.
 */
import { checkMandate, ErrorCodes, type Mandate, type RefusalReason } from '@gridledger/core';

export interface PendingAnswerable {
  requestId: string;
  buyerId: string;
  energyWh: number;
}

export interface OfferState {
  energyWh: number;
  acceptedWh: number;
  priceMicrosPerKwh: number;
}

export interface Answers {
  accept: string[];
  refuse: { requestId: string; reason: RefusalReason }[];
}

const reasonOf = (code: string): RefusalReason =>
  code === ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM
    ? 'price'
    : code === ErrorCodes.MANDATE_RESERVE_BREACHED
      ? 'capacity'
      : code === ErrorCodes.MANDATE_ENERGY_EXCEEDED
        ? 'quantity'
        : 'other';

/**
 * The seller's answers to its pending requests. soldWh: P2P energy it sold in the interval before
 * these (the mandate's energy limit counts it). Requests are taken in the order given.
 */
export function answerRequests(
  offer: OfferState,
  pending: readonly PendingAnswerable[],
  mandate: Mandate | undefined,
  soldWh: number,
): Answers {
  const out: Answers = { accept: [], refuse: [] };
  let left = offer.energyWh - offer.acceptedWh;
  let sold = soldWh;
  for (const r of pending) {
    const refusal = checkMandate(mandate, {
      side: 'sell',
      byAgent: true,
      priceMicrosPerKwh: offer.priceMicrosPerKwh,
      energyWh: r.energyWh,
      tradedWh: sold,
    });
    if (refusal !== null) out.refuse.push({ requestId: r.requestId, reason: reasonOf(refusal.code) });
    else if (r.energyWh > left) out.refuse.push({ requestId: r.requestId, reason: 'quantity' });
    else {
      out.accept.push(r.requestId);
      left -= r.energyWh;
      sold += r.energyWh;
    }
  }
  return out;
}
