/**
 * The VTN and the baseline scheduler learn of the ledger's demand-response events from the chaincode's
 * FlexEventCalled events (docs/openadr.md, "Events"; docs/flexibility.md), whoever called them (the
 * REST API's POST /flex/events or the VTN): from their listener's checkpoint (event-follower.ts; block 0
 * the first time), then as they are committed.
 */
import type { FlexEvent } from '@gridledger/core';
import type { WalletUser } from '@gridledger/network';
import { followEvents, type EventCheckpoints, type Follower } from '../event-follower';
import type { LedgerPort, Logger } from '../ports';

export type { Follower };

export function followFlexEvents(
  ledger: LedgerPort,
  user: WalletUser,
  checkpoints: EventCheckpoints,
  listener: string,
  onEvent: (event: FlexEvent) => void,
  log: Logger,
): Follower {
  return followEvents({
    ledger,
    user,
    checkpoints,
    listener,
    log,
    onEvent: (e) => {
      if (e.name === 'FlexEventCalled') onEvent(JSON.parse(Buffer.from(e.payload).toString('utf8')) as FlexEvent);
    },
  });
}
