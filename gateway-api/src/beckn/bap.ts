import { randomUUID } from 'node:crypto';
import { trimSlash, type Participant } from './context-check';
import { encodeMessage } from './bpp';
import type { Outbox } from './outbox';
import type { Incoming, IncomingHandler } from './router';
import { Action, BECKN_VERSION, CallbackAction, Context, isCallbackAction, MessageOf } from './schemas';

/** Where a BAP's callbacks go after their ACK: the storage marketplace's BAP keeps them for its users. */
export interface ResultSink {
  receive(incoming: Incoming<CallbackAction>): Promise<void>;
}

export function bapHandler(sink: ResultSink): IncomingHandler {
  return async (incoming) => {
    if (isCallbackAction(incoming.action)) await sink.receive(incoming as Incoming<CallbackAction>);
  };
}

export interface Addressee {
  bppId: string;
  bppUri: string;
  /** The transaction this message belongs to (new: a fresh one, as for a first search). */
  transactionId?: string;
  /** ISO 8601 (default PT30S). */
  ttl?: string;
}

/** The BAP side's requests: a context made here, the message checked against our schemas, sent through the outbox. */
export class BapClient {
  constructor(
    private readonly self: Participant,
    private readonly outbox: Outbox,
    private readonly nowMs: () => number = Date.now,
  ) {}

  send<A extends Action>(action: A, to: Addressee, message: MessageOf<A>): Context {
    const context: Context = {
      domain: this.self.domain,
      action,
      version: BECKN_VERSION,
      bap_id: this.self.subscriberId,
      bap_uri: this.self.uri,
      bpp_id: to.bppId,
      bpp_uri: to.bppUri,
      transaction_id: to.transactionId ?? randomUUID(),
      message_id: randomUUID(),
      timestamp: new Date(this.nowMs()).toISOString(),
      ttl: to.ttl ?? 'PT30S',
    };
    const body = encodeMessage(action, { context, message });
    this.outbox.enqueue({ url: `${trimSlash(to.bppUri)}/${action}`, action, messageId: context.message_id, body });
    return context;
  }
}
