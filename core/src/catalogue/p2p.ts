/** Peer-to-peer offers, requests and owner mandates (chaincode/src/p2p, docs/p2p.md). */
import { MANDATE_LOCALITIES } from '../p2p/mandate';
import { REFUSAL_REASONS } from '../p2p/offer';
import { Bool, Id, Instant, Int, Nullable, OneOf, Opaque, Text, Type } from './schema';
import { arg, contractOf } from './transaction';

export const Offer = Type.Object(
  {
    offerId: Text,
    clientOfferId: Text,
    sellerId: Text,
    communityId: Text,
    meterId: Text,
    intervalStart: Text,
    energyWh: Int,
    minEnergyWh: Int,
    priceMicrosPerKwh: Int,
    expiresAt: Text,
    sources: Type.Array(Text),
    zone: Nullable(Text),
    status: OneOf(['open', 'cancelled']),
    acceptedWh: Int,
    createdAt: Text,
    cancelledAt: Type.Optional(Text),
    txId: Text,
    /** Only in reads: the offer's phase at the time of the read. */
    phase: Type.Optional(OneOf(['open', 'expired', 'cancelled', 'sold'])),
  },
  { title: 'P2pOffer' },
);

export const OfferRequest = Type.Object(
  {
    requestId: Text,
    offerId: Text,
    clientRequestId: Text,
    buyerId: Text,
    energyWh: Int,
    status: OneOf(['pending', 'accepted', 'refused', 'withdrawn']),
    createdAt: Text,
    decidedAt: Type.Optional(Text),
    reason: Type.Optional(OneOf(REFUSAL_REASONS)),
    contractId: Type.Optional(Text),
    txId: Text,
  },
  { title: 'P2pRequest' },
);

export const MandateRecord = Type.Object(
  {
    participantId: Text,
    minSellPriceMicrosPerKwh: Nullable(Int),
    maxBuyPriceMicrosPerKwh: Nullable(Int),
    maxEnergyWhPerInterval: Nullable(Int),
    batteryReserveWh: Int,
    preferredSources: Type.Array(Text),
    locality: OneOf(MANDATE_LOCALITIES),
    automation: Bool,
    agentId: Type.Optional(Text),
    signedBy: Text,
    signedAt: Text,
    txId: Text,
  },
  { title: 'Mandate' },
);

const trader = { roles: ['prosumer', 'consumer'], rule: 'a prosumer or consumer for itself' } as const;
const seller = { roles: ['prosumer', 'consumer'], rule: 'the seller of the offer' } as const;
const offerChange = Type.Object({ offer: Offer, replayed: Bool }, { title: 'P2pOfferChange' });
const requestChange = Type.Object({ request: OfferRequest, replayed: Bool }, { title: 'P2pRequestChange' });
const p2p = contractOf('p2p');

export const p2pTransactions = {
  createOffer: p2p.submit('createOffer', {
    args: [
      arg('request', Opaque('clientOfferId, communityId, meterId, intervalStart, energyWh, minEnergyWh, priceMicrosPerKwh, expiresAt')),
    ],
    result: offerChange,
    access: { roles: ['prosumer', 'consumer'], rule: 'a prosumer or consumer, from its own active meter, within its mandate' },
    events: ['P2pOfferCreated'],
    summary: 'offers energy of one interval at a fixed price; a retry with the same clientOfferId returns it (replayed)',
  }),
  getOffer: p2p.evaluate('getOffer', {
    args: [arg('offerId', Id)],
    result: Offer,
    access: { roles: 'any', rule: 'offers are announcements' },
    summary: 'an offer with its phase',
  }),
  listOffers: p2p.evaluate('listOffers', {
    args: [arg('communityId', Id), arg('intervalStart', Instant)],
    result: Type.Object({ items: Type.Array(Offer) }, { title: 'P2pOffers' }),
    access: { roles: 'any', rule: 'any role' },
    summary: "the offers of a community's interval",
  }),
  requestOffer: p2p.submit('requestOffer', {
    args: [arg('offerId', Id), arg('request', Opaque('clientRequestId, energyWh'))],
    result: requestChange,
    access: { ...trader, rule: 'a prosumer or consumer other than the seller, within its mandate' },
    events: ['P2pRequestCreated'],
    summary: 'requests part of an open offer; a retry with the same clientRequestId returns it (replayed)',
  }),
  listRequests: p2p.evaluate('listRequests', {
    args: [arg('offerId', Id)],
    result: Type.Object({ items: Type.Array(OfferRequest) }, { title: 'P2pRequests' }),
    access: { roles: 'any', ownRecords: true, rule: 'the seller, operator, utility and regulator all; a buyer its own' },
    summary: "an offer's requests",
  }),
  acceptRequests: p2p.submit('acceptRequests', {
    args: [arg('offerId', Id), arg('acceptance', Opaque('requestIds'))],
    result: Type.Object({ offer: Offer, requests: Type.Array(OfferRequest), replayed: Bool }, { title: 'P2pAcceptance' }),
    access: seller,
    events: ['P2pRequestsAccepted'],
    summary: 'accepts up to 100 requests at once, all or nothing: escrow, capacity and mandates checked, each a contracted position',
  }),
  refuseRequests: p2p.submit('refuseRequests', {
    args: [arg('offerId', Id), arg('refusal', Opaque('requestIds, reason'))],
    result: Type.Object({ requests: Type.Array(OfferRequest), replayed: Bool }, { title: 'P2pRefusal' }),
    access: seller,
    events: ['P2pRequestsRefused'],
    summary: 'refuses pending requests with a reason',
  }),
  withdrawRequest: p2p.submit('withdrawRequest', {
    args: [arg('offerId', Id), arg('requestId', Id)],
    result: requestChange,
    access: { ...trader, rule: 'the buyer of the request' },
    events: ['P2pRequestWithdrawn'],
    summary: 'the buyer withdraws a pending request',
  }),
  cancelOffer: p2p.submit('cancelOffer', {
    args: [arg('offerId', Id)],
    result: offerChange,
    access: seller,
    events: ['P2pOfferCancelled'],
    summary: 'the seller cancels its offer; trades accepted before stand',
  }),
  setMandate: p2p.submit('setMandate', {
    args: [arg('participantId', Id), arg('mandate', Opaque('the mandate (docs/p2p.md)'))],
    result: MandateRecord,
    access: { ...trader, rule: 'the owner itself (an identity without gl.agent)' },
    events: ['MandateSet'],
    summary: "sets the owner's mandate for its agent",
  }),
  getMandate: p2p.evaluate('getMandate', {
    args: [arg('participantId', Id)],
    result: MandateRecord,
    access: { roles: 'any', ownRecords: true, rule: 'the participant, the operator, the utility and the regulator' },
    summary: "a participant's mandate",
  }),
  getMeterAgent: p2p.evaluate('getMeterAgent', {
    args: [arg('meterId', Id)],
    result: Type.Object({ meterId: Text, agentId: Text, participantId: Text }, { title: 'MeterAgent' }),
    access: {
      roles: 'any',
      rule: "a participant of the meter's community, the operator, the utility and the regulator",
    },
    summary: "the agent (peer id) that speaks for a meter: its owner's mandate's agentId, with automation on",
  }),
};
