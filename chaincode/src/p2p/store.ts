/**
 * Where peer-to-peer offers, requests, tallies and mandates live on the ledger (docs/p2p.md, *Keys*):
 * `p2pOffer~offerId`, `p2pOfferIn~community~intervalStart~offerId` (written once, at creation),
 * `p2pRequest~offerId~requestId` (each request its own key: buyers never write the offer),
 * `p2pTraded~community~intervalStart~participant` (P2P Wh sold and bought in the interval, written by
 * the acceptances) and `mandate~participant`.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, Mandate, OfferStatus, OfferTerms, RefusalReason } from '@gridledger/core';
import { getRecord } from '../ledger';
import { key, KeyTypes } from '../keys';

export interface OfferRecord extends OfferTerms {
  offerId: string;
  clientOfferId: string;
  /** The offer as sent (canonical JSON), so that a retry is told from a reuse of its client id. */
  request: string;
  sellerId: string;
  /** The sources of the meter's assets and the seller's zone when offered: what buyers' mandates check. */
  sources: string[];
  zone: string | null;
  status: OfferStatus;
  /** Energy of the accepted requests. */
  acceptedWh: number;
  createdAt: string;
  cancelledAt?: string;
  txId: string;
}

export type RequestStatus = 'pending' | 'accepted' | 'refused' | 'withdrawn';

export interface RequestRecord {
  requestId: string;
  offerId: string;
  clientRequestId: string;
  buyerId: string;
  energyWh: number;
  status: RequestStatus;
  createdAt: string;
  decidedAt?: string;
  /** A refusal's reason; an acceptance's contract (the trade as a contracted position). */
  reason?: RefusalReason;
  contractId?: string;
  txId: string;
}

export interface TradedRecord {
  soldWh: number;
  boughtWh: number;
}

export interface MandateRecord extends Mandate {
  participantId: string;
  /** The owner identity that signed it (its X.509 id) and when. */
  signedBy: string;
  signedAt: string;
  txId: string;
}

export const offerKey = (ctx: Context, offerId: string) => key(ctx, KeyTypes.p2pOffer, offerId);
export const requestKey = (ctx: Context, offerId: string, requestId: string) => key(ctx, KeyTypes.p2pRequest, offerId, requestId);
export const tradedKey = (ctx: Context, communityId: string, intervalStart: string, participantId: string) =>
  key(ctx, KeyTypes.p2pTraded, communityId, intervalStart, participantId);

export async function loadOffer(ctx: Context, offerId: string): Promise<OfferRecord> {
  const offer = await getRecord<OfferRecord>(ctx, offerKey(ctx, offerId));
  if (offer === undefined) throw new GridLedgerError(ErrorCodes.P2P_OFFER_NOT_FOUND, `no offer ${offerId}`, { offerId });
  return offer;
}

export async function loadRequest(ctx: Context, offerId: string, requestId: string): Promise<RequestRecord> {
  const request = await getRecord<RequestRecord>(ctx, requestKey(ctx, offerId, requestId));
  if (request === undefined)
    throw new GridLedgerError(ErrorCodes.P2P_REQUEST_NOT_FOUND, `no request ${requestId} on offer ${offerId}`, { offerId, requestId });
  return request;
}

export async function loadTraded(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<TradedRecord> {
  return (await getRecord<TradedRecord>(ctx, tradedKey(ctx, communityId, intervalStart, participantId))) ?? { soldWh: 0, boughtWh: 0 };
}

export async function loadMandate(ctx: Context, participantId: string): Promise<MandateRecord | undefined> {
  return getRecord<MandateRecord>(ctx, key(ctx, KeyTypes.mandate, participantId));
}
