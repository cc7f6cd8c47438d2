import { HttpLedgerCheck, LedgerUnavailable } from '../../src/dht/index.js';
import { startLedgerServer, type LedgerServer } from './ledger-server.js';

let ledger: LedgerServer;
beforeAll(async () => {
  ledger = await startLedgerServer();
});
afterAll(() => ledger.close());
beforeEach(() => {
  ledger.offers.clear();
  ledger.agents.clear();
  ledger.requests.length = 0;
  ledger.failWith = undefined;
});

// The gateway's answer (P2pOffer, docs/p2p.md, fields the check does not read left out) and what the check makes of it.
const answer = { offerId: 'offer-1', meterId: 'meter-1', energyWh: 1500, acceptedWh: 300, priceMicrosPerKwh: 150_000, status: 'open' };
const offer = { offerId: 'offer-1', sellerMeterId: 'meter-1', energyWh: 1200, priceMicrosPerKwh: 150_000, status: 'open' };

describe('HttpLedgerCheck', () => {
  test('reads an offer and sends the API key', async () => {
    ledger.offers.set('offer-1', answer);
    const check = new HttpLedgerCheck({ baseUrl: `${ledger.url}/`, apiKey: 'k-123' });
    await expect(check.offer('offer-1')).resolves.toEqual(offer);
    ledger.offers.set('offer-1', { ...answer, status: 'open', phase: 'sold' });
    await expect(check.offer('offer-1')).resolves.toEqual({ ...offer, status: 'sold' });
    expect(ledger.requests.slice(0, 1)).toEqual([{ path: '/api/v1/p2p/offers/offer-1', authorization: 'Bearer k-123' }]);
  });

  test('an unknown offer or meter is undefined (404)', async () => {
    const check = new HttpLedgerCheck({ baseUrl: ledger.url });
    await expect(check.offer('offer-9')).resolves.toBeUndefined();
    await expect(check.agentOf('meter-9')).resolves.toBeUndefined();
    expect(ledger.requests.map((r) => r.authorization)).toEqual([undefined, undefined]);
  });

  test('reads the agent bound to a meter', async () => {
    ledger.agents.set('meter-1', '12D3KooWagent');
    await expect(new HttpLedgerCheck({ baseUrl: ledger.url }).agentOf('meter-1')).resolves.toBe('12D3KooWagent');
  });

  test('a failing gateway or an answer of another form is LedgerUnavailable, never "no offer"', async () => {
    const check = new HttpLedgerCheck({ baseUrl: ledger.url });
    ledger.offers.set('offer-1', { ...answer, offerId: 'offer-2' });
    await expect(check.offer('offer-1')).rejects.toBeInstanceOf(LedgerUnavailable);
    ledger.offers.set('offer-1', { ...answer, energyWh: '1500' as unknown as number });
    await expect(check.offer('offer-1')).rejects.toBeInstanceOf(LedgerUnavailable);
    ledger.failWith = 503;
    await expect(check.offer('offer-1')).rejects.toThrow('HTTP 503');
    await expect(check.agentOf('meter-1')).rejects.toBeInstanceOf(LedgerUnavailable);
    await expect(new HttpLedgerCheck({ baseUrl: 'http://127.0.0.1:1' }).offer('offer-1')).rejects.toBeInstanceOf(LedgerUnavailable);
  });
});
