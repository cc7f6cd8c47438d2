/**
 * The VTN and the baseline scheduler learn of the ledger's demand-response events from the chaincode's
 * FlexEventCalled events (docs/openadr.md, "Events"; docs/flexibility.md): from block 0 when it starts,
 * then as they are committed, whoever called them (the REST API's POST /flex/events or the VTN). A stream that fails is opened again
 * from the block of the last event seen after `reconnectMs`; repeats are harmless (the store keeps
 * an event once).
 */
import type { FlexEvent } from '@gridledger/core';
import type { WalletUser } from '@gridledger/network';
import type { EventStream, LedgerPort, Logger } from '../ports';

export interface Follower {
  stop(): void;
}

export function followFlexEvents(
  ledger: LedgerPort,
  user: WalletUser,
  onEvent: (event: FlexEvent) => void,
  log: Logger,
  reconnectMs = 2000,
): Follower {
  let stopped = false;
  let stream: EventStream | undefined;
  let block = 0n;
  const run = async () => {
    while (!stopped) {
      try {
        stream = await ledger.chaincodeEvents(user, block);
        for await (const e of stream) {
          if (stopped) break;
          block = e.blockNumber;
          if (e.name === 'FlexEventCalled') onEvent(JSON.parse(Buffer.from(e.payload).toString('utf8')) as FlexEvent);
        }
      } catch (e) {
        if (!stopped) log.warn({ msg: 'flex event follower: the ledger stream failed, resuming', block: Number(block), error: String(e) });
      }
      stream?.close();
      if (!stopped) await new Promise((r) => setTimeout(r, reconnectMs));
    }
  };
  void run();
  return {
    stop() {
      stopped = true;
      stream?.close();
    },
  };
}
