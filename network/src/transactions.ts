import { common, ledger, peer } from '@hyperledger/fabric-protos';
import type { Gateway } from '@hyperledger/fabric-gateway';

/**
 * A committed transaction as the block store holds it (qscc GetTransactionByID answers a
 * `peer.ProcessedTransaction`): its validation code, its chaincode events and its public writes, per
 * namespace. What a verifier needs to re-read a record from the transaction that wrote it, without
 * the world state (docs/bounded-state.md, "The verifier's walk"). Private writes are only hashes in
 * the block: `privateWrites` lists them as such (SHA-256 of the key), with whether each deletes or
 * purges (purgePrivateData).
 */
export interface StoredTransaction {
  txId: string;
  /** `peer.TxValidationCode`: 0 (VALID) when its writes were applied. */
  validationCode: number;
  events: { chaincodeId: string; name: string; payload: Uint8Array }[];
  writes: { namespace: string; key: string; isDelete: boolean; value: Uint8Array }[];
  privateWrites: { namespace: string; collection: string; keyHash: string; isDelete: boolean; isPurge: boolean }[];
}

/** Decodes qscc GetTransactionByID's answer. A transaction that is not an endorsed one (a config block's) has no events and no writes. */
export function decodeProcessedTransaction(bytes: Uint8Array): StoredTransaction {
  const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
  const envelope = processed.getTransactionenvelope();
  if (envelope === undefined) throw new Error('a processed transaction without an envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
  const found: StoredTransaction = {
    txId: channelHeader.getTxId(),
    validationCode: processed.getValidationcode(),
    events: [],
    writes: [],
    privateWrites: [],
  };
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return found;
  for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
    const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
    if (endorsed === undefined) continue;
    const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
    const events = chaincodeAction.getEvents_asU8();
    if (events.length > 0) {
      const event = peer.ChaincodeEvent.deserializeBinary(events);
      found.events.push({ chaincodeId: event.getChaincodeId(), name: event.getEventName(), payload: event.getPayload_asU8() });
    }
    for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8()).getNsRwsetList()) {
      for (const write of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()).getWritesList())
        found.writes.push({
          namespace: ns.getNamespace(),
          key: write.getKey(),
          isDelete: write.getIsDelete(),
          value: write.getValue_asU8(),
        });
      for (const collection of ns.getCollectionHashedRwsetList()) {
        const hashed = ledger.rwset.kvrwset.HashedRWSet.deserializeBinary(collection.getHashedRwset_asU8());
        for (const write of hashed.getHashedWritesList())
          found.privateWrites.push({
            namespace: ns.getNamespace(),
            collection: collection.getCollectionName(),
            keyHash: Buffer.from(write.getKeyHash_asU8()).toString('hex'),
            isDelete: write.getIsDelete(),
            isPurge: write.getIsPurge(),
          });
      }
    }
  }
  return found;
}

/** The transaction from the peer's block store, or undefined when the peer has no transaction of that id. */
export async function storedTransaction(gateway: Gateway, channel: string, txId: string): Promise<StoredTransaction | undefined> {
  const qscc = gateway.getNetwork(channel).getContract('qscc');
  try {
    return decodeProcessedTransaction(await qscc.evaluateTransaction('GetTransactionByID', channel, txId));
  } catch (e) {
    // qscc: "Failed to get transaction with id …, error entry not found in index"; anything else is an error.
    if (/not found/i.test(errorText(e))) return undefined;
    throw e;
  }
}

const errorText = (e: unknown): string => {
  const details = (e as { details?: { message?: string }[] }).details ?? [];
  return [String((e as Error).message ?? e), ...details.map((d) => d.message ?? '')].join(' ');
};
