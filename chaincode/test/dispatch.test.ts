/**
 * The built module as `fabric-chaincode-node server` loads it: package.json main, the `contracts`
 * export, the metadata the decorators give, and calls dispatched by fabric-shim's own contract
 * runtime with its own ClientIdentity reading gl.role and gl.id from a real X.509 certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agentMayCall, decodeErrorEnvelope, ErrorCodes } from '@gridledger/core';
import { FakeFabric, Identity, meterKeys } from './fake-fabric';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Bootstrap = require('fabric-shim/lib/contract-spi/bootstrap');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract');

const dir = mkdtempSync(path.join(tmpdir(), 'gridledger-dispatch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate carrying the attributes the way Fabric CA writes them (OID 1.2.3.4.5.6.7.8.1, raw JSON). */
function certified(mspId: string, attrs: Record<string, string>): Identity {
  const name = attrs['gl.id'] ?? 'anonymous';
  const hex = Buffer.from(JSON.stringify({ attrs }), 'utf8').toString('hex');
  const cert = path.join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir, `${name}.key`),
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `1.2.3.4.5.6.7.8.1=DER:${hex}`,
    ],
    { stdio: 'ignore' },
  );
  return { mspId, attrs: {}, id: 'unused', certificate: readFileSync(cert) };
}

interface Response {
  status: number;
  message?: string;
  payload?: Buffer;
}

describe('the chaincode module under fabric-shim', () => {
  const info = Bootstrap.getInfoFromContract(path.resolve(__dirname, '..'));
  const chaincode = new ChaincodeFromContract(info.contracts, info.serializers, {}, info.title, info.version);
  const operator = certified('CommunityMSP', { 'gl.role': 'operator', 'gl.id': 'op-1' });
  const prosumer = certified('CommunityMSP', { 'gl.role': 'prosumer', 'gl.id': 'home-01' });

  async function call(fabric: FakeFabric, who: Identity, fn: string, ...args: string[]): Promise<Response> {
    const tx = fabric.begin(who);
    tx.args = [fn, ...args].map((a) => Buffer.from(a, 'utf8'));
    const response: Response = await chaincode.invokeFunctionality(tx.stub);
    if (response.status === 200) fabric.commit(tx);
    return response;
  }

  it('exports the three contracts with their transactions, submit or evaluate', () => {
    expect(info.title).toBe('@gridledger/chaincode');
    const contracts = chaincode.metadata.contracts as Record<string, { transactions: { name: string; tag: string[] }[] }>;
    const txs = (name: string) =>
      Object.fromEntries(contracts[name].transactions.map((t) => [t.name, t.tag.includes('SUBMIT') ? 'submit' : 'evaluate']));
    expect(txs('registry')).toEqual({
      registerParticipant: 'submit',
      getParticipant: 'evaluate',
      registerMeter: 'submit',
      getMeter: 'evaluate',
      listMeters: 'evaluate',
      listCommunityMeters: 'evaluate',
      registerMeterBatch: 'submit',
    });
    expect(txs('metering')).toEqual({
      submitReadings: 'submit',
      getReading: 'evaluate',
      listReadings: 'evaluate',
      listGaps: 'evaluate',
      getParams: 'evaluate',
      setParams: 'submit',
      archiveReadingHour: 'submit',
      getReadingHourArchive: 'evaluate',
      getMeterChain: 'evaluate',
    });
    expect(txs('system')).toEqual({ ping: 'evaluate', noop: 'submit', whoami: 'evaluate' });
  });

  it('answers with our canonical JSON and fails with the envelope in the message', async () => {
    const fabric = new FakeFabric();
    const ping = await call(fabric, prosumer, 'system:ping');
    expect(ping.status).toBe(200);
    expect(ping.payload!.toString()).toBe('{"mspId":"CommunityMSP","ok":true}');
    const who = await call(fabric, prosumer, 'system:whoami');
    expect(JSON.parse(who.payload!.toString())).toEqual({ mspId: 'CommunityMSP', role: 'prosumer', participantId: 'home-01' });

    const registered = await call(
      fabric,
      operator,
      'registry:registerParticipant',
      JSON.stringify({ participantId: 'home-01', role: 'prosumer' }),
    );
    expect(JSON.parse(registered.payload!.toString())).toMatchObject({ participantId: 'home-01', registeredBy: 'op-1' });
    const meter = {
      meterId: 'home-02.main',
      participantId: 'home-02',
      kind: 'consumption',
      publicKeyPem: meterKeys().publicKeyPem,
      exportCapacityW: 0,
      communityId: 'c1',
    };
    const denied = await call(fabric, prosumer, 'registry:registerMeter', JSON.stringify(meter));
    expect(denied.status).toBe(500);
    expect(decodeErrorEnvelope(denied.message!)?.code).toBe(ErrorCodes.ACCESS_DENIED);
    const unknown = await call(fabric, prosumer, 'registry:dropTables');
    expect(unknown.status).toBe(500);
  });

  it('an identity of another MSP, or with another role, acts for no participant in any transaction', async () => {
    const fabric = new FakeFabric();
    for (const [participantId, role] of [
      ['home-01', 'prosumer'],
      ['batt-01', 'battery-provider'],
    ]) {
      expect((await call(fabric, operator, 'registry:registerParticipant', JSON.stringify({ participantId, role }))).status).toBe(200);
    }
    // The Utility's CA can write any gl.id into a certificate; so can the Community's for a role.
    const impostors = [
      certified('UtilityMSP', { 'gl.role': 'prosumer', 'gl.id': 'home-01' }),
      certified('CommunityMSP', { 'gl.role': 'consumer', 'gl.id': 'home-01' }),
      certified('RegulatorMSP', { 'gl.role': 'battery-provider', 'gl.id': 'batt-01' }),
      certified('CommunityMSP', { 'gl.role': 'prosumer', 'gl.id': 'home-99' }),
    ];
    const contracts = chaincode.metadata.contracts as Record<string, { transactions: { name: string; parameters?: unknown[] }[] }>;
    const names = Object.keys(contracts).filter((c) => c !== 'system' && !c.startsWith('org.hyperledger'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    let calls = 0;
    for (const contract of names) {
      for (const tx of contracts[contract].transactions) {
        for (const who of impostors) {
          const args = (tx.parameters ?? []).map(() => '{}');
          const out = await call(fabric, who, `${contract}:${tx.name}`, ...args);
          expect({ tx: `${contract}:${tx.name}`, code: decodeErrorEnvelope(out.message ?? '')?.code }).toEqual({
            tx: `${contract}:${tx.name}`,
            code: ErrorCodes.ACCESS_DENIED,
          });
          calls += 1;
        }
      }
    }
    expect(calls).toBeGreaterThan(100);
    // The participant's own identity is let through (to the transaction's own checks).
    const own = await call(fabric, prosumer, 'registry:getParticipant', 'home-01');
    expect(JSON.parse(own.payload!.toString())).toMatchObject({ participantId: 'home-01', mspId: 'CommunityMSP' });
  });

  it("an agent identity (gl.agent) calls p2p and the agent's list only, in every contract; the rest is ACCESS_DENIED by name", async () => {
    const fabric = new FakeFabric();
    expect(
      (await call(fabric, operator, 'registry:registerParticipant', JSON.stringify({ participantId: 'home-01', role: 'prosumer' }))).status,
    ).toBe(200);
    const agent = certified('CommunityMSP', { 'gl.role': 'prosumer', 'gl.id': 'home-01', 'gl.agent': 'true' });
    const contracts = chaincode.metadata.contracts as Record<string, { transactions: { name: string; parameters?: unknown[] }[] }>;
    const refused: string[] = [];
    const passed: string[] = [];
    for (const contract of Object.keys(contracts).filter((c) => !c.startsWith('org.hyperledger'))) {
      for (const tx of contracts[contract].transactions) {
        const fn = `${contract}:${tx.name}`;
        const out = await call(fabric, agent, fn, ...(tx.parameters ?? []).map(() => '{}'));
        const error = decodeErrorEnvelope(out.message ?? '');
        const byList = error?.code === ErrorCodes.ACCESS_DENIED && error.details.transaction === fn;
        expect({ fn, refusedByList: byList }).toEqual({ fn, refusedByList: !agentMayCall(fn) });
        (byList ? refused : passed).push(fn);
      }
    }
    expect(refused).toEqual(
      expect.arrayContaining(['credits:transfer', 'credits:withdraw', 'energy:disputeReading', 'assets:registerAsset']),
    );
    expect(passed).toEqual(expect.arrayContaining(['market:placeOrder', 'credits:getAccount', 'p2p:createOffer', 'p2p:setMandate']));
    expect(refused.length).toBeGreaterThan(100);
    // The owner's identity is not held to the list.
    const transfer = await call(fabric, prosumer, 'credits:transfer', '{}');
    expect(decodeErrorEnvelope(transfer.message ?? '')?.details.transaction).toBeUndefined();
  });
});
