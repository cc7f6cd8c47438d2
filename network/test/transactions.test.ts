import { common, ledger, peer } from '@hyperledger/fabric-protos';
import { decodeProcessedTransaction } from '../src/transactions';

/** A processed endorser transaction as a peer stores it: one action, its event and its public writes. */
function processed(o: {
  type?: number;
  code?: number;
  event?: [string, string];
  writes: [string, string, string | null][];
  /** namespace, collection, key hash (hex), delete, purge */
  hashed?: [string, string, string, boolean, boolean][];
}): Uint8Array {
  const byNamespace = new Map<string, ledger.rwset.kvrwset.KVWrite[]>();
  for (const [ns, key, value] of o.writes) {
    const w = new ledger.rwset.kvrwset.KVWrite();
    w.setKey(key);
    if (value === null) w.setIsDelete(true);
    else w.setValue(Buffer.from(value));
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), w]);
  }
  const rwset = new ledger.rwset.TxReadWriteSet();
  for (const [ns, writes] of byNamespace) {
    const kv = new ledger.rwset.kvrwset.KVRWSet();
    kv.setWritesList(writes);
    const nsSet = new ledger.rwset.NsReadWriteSet();
    nsSet.setNamespace(ns);
    nsSet.setRwset(kv.serializeBinary());
    for (const [hns, collection, keyHash, isDelete, isPurge] of o.hashed ?? []) {
      if (hns !== ns) continue;
      const w = new ledger.rwset.kvrwset.KVWriteHash();
      w.setKeyHash(Buffer.from(keyHash, 'hex'));
      w.setIsDelete(isDelete);
      w.setIsPurge(isPurge);
      const hashed = new ledger.rwset.kvrwset.HashedRWSet();
      hashed.addHashedWrites(w);
      const c = new ledger.rwset.CollectionHashedReadWriteSet();
      c.setCollectionName(collection);
      c.setHashedRwset(hashed.serializeBinary());
      nsSet.addCollectionHashedRwset(c);
    }
    rwset.addNsRwset(nsSet);
  }
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  if (o.event !== undefined) {
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId('gridledger');
    event.setEventName(o.event[0]);
    event.setPayload(Buffer.from(o.event[1]));
    action.setEvents(event.serializeBinary());
  }
  const response = new peer.ProposalResponsePayload();
  response.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(response.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(actionPayload.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(txAction);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(o.type ?? common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId('tx-1');
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const p = new peer.ProcessedTransaction();
  p.setTransactionenvelope(envelope);
  p.setValidationcode(o.code ?? 0);
  return p.serializeBinary();
}

describe('a transaction from the block store', () => {
  it('gives its validation code, its event and its writes with their namespace, deletes included', () => {
    const key = '\u0000!reading\u00002026-12-07T03\u0000m1\u00002026-12-07T03:00:00Z\u0000';
    const tx = decodeProcessedTransaction(
      processed({
        code: 11,
        event: ['ReadingHourArchived', '{"page":1}'],
        writes: [
          ['gridledger', key, '{"exportWh":5}'],
          ['gridledger', 'other', null],
          ['_lifecycle', 'x', 'y'],
        ],
        hashed: [
          ['gridledger', 'householdConsumption', 'ab'.repeat(32), true, true],
          ['gridledger', 'householdConsumption', 'cd'.repeat(32), true, false],
        ],
      }),
    );
    expect(tx).toMatchObject({ txId: 'tx-1', validationCode: 11 });
    expect(tx.events.map((e) => [e.chaincodeId, e.name, Buffer.from(e.payload).toString()])).toEqual([
      ['gridledger', 'ReadingHourArchived', '{"page":1}'],
    ]);
    expect(tx.writes.map((w) => [w.namespace, w.key, w.isDelete, Buffer.from(w.value).toString()])).toEqual([
      ['gridledger', key, false, '{"exportWh":5}'],
      ['gridledger', 'other', true, ''],
      ['_lifecycle', 'x', false, 'y'],
    ]);
    // Private writes are hashes in the block: a purge and a plain delete told apart.
    expect(tx.privateWrites).toEqual([
      { namespace: 'gridledger', collection: 'householdConsumption', keyHash: 'ab'.repeat(32), isDelete: true, isPurge: true },
      { namespace: 'gridledger', collection: 'householdConsumption', keyHash: 'cd'.repeat(32), isDelete: true, isPurge: false },
    ]);
  });

  it('reads nothing into a transaction that is not an endorsed one', () => {
    const tx = decodeProcessedTransaction(
      processed({ type: common.HeaderType.CONFIG, event: ['E', '{}'], writes: [['gridledger', 'k', 'v']] }),
    );
    expect(tx).toEqual({ txId: 'tx-1', validationCode: 0, events: [], writes: [], privateWrites: [] });
  });
});
