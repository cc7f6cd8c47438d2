import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { positionsCsv } from '../src/routes/metering';
import { Harness, startHarness } from './support/fakes';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const I = '2026-11-21T12:00:00Z';
const position = (intervalStart: string, netWh: number) => ({
  intervalStart,
  productionWh: Math.max(netWh, 0),
  consumptionWh: Math.max(-netWh, 0),
  netWh,
  balance: netWh > 0 ? 'surplus' : 'deficit',
  estimated: false,
  tokens: netWh > 0 ? [{ assetId: 'pv', source: 'solar', energyWh: netWh }] : [],
  corrections: [],
});

describe('metering routes', () => {
  it('a prosumer reads its own positions only; the query reaches the chaincode as one JSON argument', async () => {
    h.ledger.evaluateHandler = () => ({ items: [], bookmark: '' });
    const denied = await h.fetch(`/api/v1/participants/bob/positions?from=${I}&to=${I}`, { key: h.key.alice });
    expect(denied.status).toBe(403);
    expect(h.ledger.calls).toEqual([]);
    const ok = await h.fetch(`/api/v1/participants/alice/positions?from=${I}&to=${I}&pageSize=10&bookmark=abc`, { key: h.key.alice });
    expect(ok.status).toBe(200);
    expect(h.ledger.calls[0].fn).toBe('energy:listPositions');
    expect(JSON.parse(h.ledger.calls[0].args[0])).toEqual({ participantId: 'alice', from: I, to: I, pageSize: 10, bookmark: 'abc' });
  });

  it('any caller reads the metering parameters, answered as the chaincode gives them', async () => {
    const params = { intervalSeconds: 900, lateWindowSeconds: 3600, capacityTolerancePpm: 2, surplusThresholdWh: 0, closePageMeters: 9 };
    h.ledger.evaluateHandler = (fn) => (fn === 'metering:getParams' ? params : undefined);
    const res = await h.fetch('/api/v1/metering/params', { key: h.key.alice });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(params);
    expect(h.ledger.calls.map((c) => [c.fn, c.args])).toEqual([['metering:getParams', []]]);
    expect((await h.fetch('/api/v1/metering/params')).status).toBe(401);
  });

  it('the CSV export follows the bookmarks through every page', async () => {
    const pages: Record<string, { items: unknown[]; bookmark: string }> = {
      '': { items: [position(I, 500)], bookmark: 'b2' },
      b2: { items: [position('2026-11-21T12:15:00Z', -300)], bookmark: '' },
    };
    h.ledger.evaluateHandler = (_fn, args) => pages[JSON.parse(args[0]).bookmark ?? ''];
    const res = await h.fetch(`/api/v1/participants/alice/positions.csv?from=${I}&to=2026-11-21T12:15:00Z`, { key: h.key.alice });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await res.text()).split('\r\n')).toEqual([
      'intervalStart,productionWh,consumptionWh,netWh,balance,estimated,tokensWh,corrections',
      `${I},500,0,500,surplus,false,500,0`,
      '2026-11-21T12:15:00Z,0,300,-300,deficit,false,0,0',
      '',
    ]);
    expect(h.ledger.calls).toHaveLength(2);
  });

  it('validates bodies against the description before the ledger sees them', async () => {
    const bad = await h.fetch('/api/v1/sites', {
      method: 'POST',
      key: h.key.alice,
      json: { siteId: 's1', participantId: 'alice', connectionCapacityW: 0, zone: 'z1' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.REQUEST_INVALID);
    const badInterval = await h.fetch('/api/v1/communities/c1/windows/2026-11-21T12:00/close', { method: 'POST', key: h.key.operator });
    expect(badInterval.status).toBe(400);
    expect(h.ledger.calls).toEqual([]);
    // Two pages: the route calls again until the window record comes, and gathers the positions.
    // The second page's first endorsement fails (a lagging member peer): it is proposed again.
    let pages = 0;
    h.ledger.submitHandler = (fn, args) => {
      if (fn !== 'energy:closeWindow') return { fn, args };
      pages += 1;
      if (pages === 2) throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the chaincode could not endorse the transaction');
      return pages === 1
        ? { closing: { pages: 1 }, positions: [{ participantId: 'a' }] }
        : { window: { intervalStart: I }, positions: [{ participantId: 'b' }] };
    };
    const closed = await h.fetch(`/api/v1/communities/c1/windows/${I}/close`, { method: 'POST', key: h.key.operator });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({
      window: { intervalStart: I },
      positions: [{ participantId: 'a' }, { participantId: 'b' }],
    });
    expect(h.ledger.calls.filter((c) => c.fn === 'energy:closeWindow')).toHaveLength(3);
    expect(h.ledger.calls[1].options!.transient!.consumptionSaltSeed).not.toEqual(
      h.ledger.calls[0].options!.transient!.consumptionSaltSeed,
    );
    expect(h.ledger.calls[0]).toMatchObject({
      kind: 'submit',
      fn: 'energy:closeWindow',
      args: ['c1', I],
      options: { endorsingOrganizations: ['CommunityMSP', 'UtilityMSP'] },
    });
    expect(h.ledger.calls[0].options!.transient!.consumptionSaltSeed).toHaveLength(32);
    // A dispute resolution's corrected import travels as transient data, not as an argument.
    const resolved = await h.fetch('/api/v1/disputes/resolutions', {
      method: 'POST',
      key: h.key.operator,
      json: { meterId: 'm1', intervalStart: I, importWh: 123, exportWh: 4, note: 'n' },
    });
    expect(resolved.status).toBe(200);
    expect(h.ledger.calls[3].args[0]).not.toMatch(/importWh|123/);
    expect(Buffer.from(h.ledger.calls[3].options!.transient!.importWh).toString()).toBe('123');
  });

  it('positionsCsv writes one header and one line per position', () => {
    expect(positionsCsv([]).split('\r\n')).toEqual([
      'intervalStart,productionWh,consumptionWh,netWh,balance,estimated,tokensWh,corrections',
      '',
    ]);
  });
});
