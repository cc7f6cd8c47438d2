/** Peer-to-peer events on GET /events (event-visibility.ts): offers public, requests and decisions for their seller and buyers. */
import { viewerOf, visiblePayload } from '../src/event-visibility';

const household = (participantId: string) =>
  viewerOf({ id: participantId, mspId: 'CommunityMSP', role: 'consumer', participantId, certPath: '', keyPath: '' });
const operator = viewerOf({ id: 'op', mspId: 'CommunityMSP', role: 'operator', certPath: '', keyPath: '' });
const seers = (name: string, payload: unknown) =>
  ['seller', 'alice', 'bob', 'carol'].filter((h) => visiblePayload(household(h), name, payload) !== undefined);

const accepted = {
  offerId: 'p1',
  sellerId: 'seller',
  trades: [
    { requestId: 'q1', buyerId: 'alice', energyWh: 200, contractId: 't1' },
    { requestId: 'q2', buyerId: 'bob', energyWh: 300, contractId: 't2' },
  ],
};

describe('peer-to-peer events', () => {
  it('shows a batch acceptance whole to its seller and the operator, and each buyer only its own trades', () => {
    expect(seers('P2pRequestsAccepted', accepted)).toEqual(['seller', 'alice', 'bob']);
    expect(visiblePayload(household('bob'), 'P2pRequestsAccepted', accepted)).toEqual({ ...accepted, trades: [accepted.trades[1]] });
    expect(visiblePayload(household('seller'), 'P2pRequestsAccepted', accepted)).toEqual(accepted);
    expect(visiblePayload(operator, 'P2pRequestsAccepted', accepted)).toEqual(accepted);
    const refused = { offerId: 'p1', sellerId: 'seller', reason: 'price', requests: [{ requestId: 'q3', buyerId: 'carol' }] };
    expect(seers('P2pRequestsRefused', refused)).toEqual(['seller', 'carol']);
  });

  it('shows offers to everyone, a request to its two parties, a mandate to its owner', () => {
    expect(seers('P2pOfferCreated', { offerId: 'p1', sellerId: 'seller', energyWh: 1 })).toEqual(['seller', 'alice', 'bob', 'carol']);
    expect(seers('P2pRequestCreated', { offerId: 'p1', requestId: 'q1', sellerId: 'seller', buyerId: 'alice' })).toEqual([
      'seller',
      'alice',
    ]);
    expect(seers('MandateSet', { participantId: 'bob', automation: true })).toEqual(['bob']);
  });
});
