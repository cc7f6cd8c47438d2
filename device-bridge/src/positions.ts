/**
 * Surplus and deficit on MQTT: the bridge relays the chaincode's position announcements (window
 * close, corrections of estimates, resolved disputes) to one topic per participant,
 * `gridledger/v1/{communityId}/participants/{participantId}/positions`, QoS 1. It reads the
 * chaincode events with a file checkpoint, so after a restart it goes on where it stopped and an
 * announcement is published at least once (a repeat carries the same txId).
 */
import type { MqttClient } from 'mqtt';
import type { PositionAnnouncement } from '@gridledger/core';

const PREFIX = 'gridledger/v1';

export const positionsTopic = (communityId: string, participantId: string) =>
  `${PREFIX}/${communityId}/participants/${participantId}/positions`;

export interface LedgerEventLike {
  eventName: string;
  transactionId: string;
  payload: Uint8Array;
}

/** The MQTT messages one chaincode event gives: one per participant whose position it fixes or changes. */
export function positionMessages(communityId: string, event: LedgerEventLike): { topic: string; payload: string }[] {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  // A window close is `WindowClosed`; on a ledger written before that rename (issue 29), an
  // `IntervalClosed` with positions (the market interval's close has none).
  const windowClose = event.eventName === 'WindowClosed' || (event.eventName === 'IntervalClosed' && Array.isArray(body.positions));
  const announced: unknown[] = windowClose
    ? ((body.positions as unknown[]) ?? [])
    : event.eventName === 'ReadingsRecorded'
      ? ((body.corrections as unknown[]) ?? [])
      : event.eventName === 'DisputeResolved' && body.position !== undefined
        ? [body.position]
        : [];
  const reason = windowClose ? 'window-close' : { ReadingsRecorded: 'correction', DisputeResolved: 'dispute' }[event.eventName];
  // Each announcement names its community: another community's is not this bridge's to publish. A
  // window close's event names it too (announcements from before they named theirs); a correction
  // or a resolved dispute that names none is nobody's to publish.
  const communityOf = (p: Partial<PositionAnnouncement>) => p.communityId ?? (windowClose ? body.communityId : undefined);
  return (announced as PositionAnnouncement[])
    .filter((p) => typeof p?.participantId === 'string' && communityOf(p) === communityId)
    .map((p) => ({
      topic: positionsTopic(communityId, p.participantId),
      payload: JSON.stringify({ ...p, reason, txId: event.transactionId }),
    }));
}

/** Publishes every position message of the events, in order; resolves when the events end. */
export async function relayPositions(
  events: AsyncIterable<LedgerEventLike>,
  client: Pick<MqttClient, 'publishAsync'>,
  communityId: string,
  done: (event: LedgerEventLike) => Promise<void>,
): Promise<void> {
  for await (const event of events) {
    for (const m of positionMessages(communityId, event)) await client.publishAsync(m.topic, m.payload, { qos: 1 });
    await done(event);
  }
}
