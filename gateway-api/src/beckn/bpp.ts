import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@gridledger/network';
import { trimSlash, type Participant } from './context-check';
import { BecknError, BecknErrorCodes } from './error-codes';
import type { Outbox } from './outbox';
import type { Incoming, IncomingHandler } from './router';
import { Action, BecknErrorObject, bodySchema, callbackOf, CallbackAction, Context, isAction, MessageOf } from './schemas';

/**
 * What a BPP offers behind the protocol: one method per Beckn action, each taking the request's
 * message and context and returning the message of its callback. A BecknError thrown becomes the
 * callback's error. The storage marketplace's provider (next: on the ledger) implements this.
 */
export type StorageProvider = {
  [A in Action]: (message: MessageOf<A>, context: Context) => Promise<MessageOf<CallbackAction & `on_${A}`>>;
};

/** The context of our answer: the request's, with the callback action, us as the BPP and the time now. */
export function replyContext(request: Context, self: Participant, action: CallbackAction, nowMs: number): Context {
  return { ...request, action, bpp_id: self.subscriberId, bpp_uri: self.uri, timestamp: new Date(nowMs).toISOString() };
}

/** Serialises a message once (the bytes signed and sent), after checking it against our schemas. */
export function encodeMessage(action: string, body: { context: Context; message?: unknown; error?: BecknErrorObject }): Buffer {
  const parsed = bodySchema(body.context.action as Action | CallbackAction).safeParse(body);
  if (!parsed.success || body.context.action !== action) {
    throw new Error(`an outgoing ${action} is not of our Beckn schemas: ${parsed.error?.issues[0]?.message ?? 'wrong action'}`);
  }
  return Buffer.from(JSON.stringify(body));
}

/** Puts a callback in the outbox, to the BAP's registered endpoint. */
function send(outbox: Outbox, context: Context, message: unknown, error?: BecknErrorObject): void {
  const body = encodeMessage(context.action, { context, ...(message === undefined ? {} : { message }), ...(error ? { error } : {}) });
  outbox.enqueue({ url: `${trimSlash(context.bap_uri)}/${context.action}`, action: context.action, messageId: context.message_id, body });
}

/** The BPP side: each ACKed action runs on the provider and its on_<action> goes out through the outbox. */
export function bppHandler(self: Participant, provider: StorageProvider, outbox: Outbox, nowMs = Date.now, log: Logger = silentLogger) {
  const handle: IncomingHandler = async (incoming: Incoming) => {
    if (!isAction(incoming.action)) return;
    const action = incoming.action;
    const context = replyContext(incoming.context, self, callbackOf(action), nowMs());
    let message: unknown;
    let error: BecknErrorObject | undefined;
    try {
      const run = provider[action] as (m: unknown, c: Context) => Promise<unknown>;
      message = await run(incoming.message, incoming.context);
    } catch (e) {
      if (!(e instanceof BecknError)) log.error({ action, messageId: context.message_id, err: String(e) }, 'storage provider failed');
      error = e instanceof BecknError ? e.toObject() : { code: BecknErrorCodes.BUSINESS_ERROR, message: 'the provider could not answer' };
    }
    try {
      send(outbox, context, error ? undefined : message, error);
    } catch (e) {
      // Our provider answered out of our schemas: the BAP still gets its callback, with an error.
      log.error({ action, messageId: context.message_id, err: String(e) }, 'callback out of schema');
      send(outbox, context, undefined, { code: BecknErrorCodes.BUSINESS_ERROR, message: 'the provider answered out of form' });
    }
  };
  return handle;
}

/**
 * An unsolicited callback (on_status when a storage contract changes, on_update, on_cancel): the
 * transaction's context with a fresh message_id, as the specification asks.
 */
export function sendUnsolicited<A extends 'on_status' | 'on_update' | 'on_cancel'>(
  outbox: Outbox,
  self: Participant,
  transaction: Context,
  action: A,
  message: MessageOf<A>,
  nowMs = Date.now(),
): string {
  const context = { ...replyContext(transaction, self, action, nowMs), message_id: randomUUID() };
  send(outbox, context, message);
  return context.message_id;
}
