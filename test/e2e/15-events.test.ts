/**
 * GET /api/v1/events on the real network: chaincode events of committed transactions arrive as
 * server-sent events, each with a checkpoint id, and a stream resumed from a checkpoint (the
 * Last-Event-ID header a browser sends on reconnect) delivers exactly what came after it.
 */
import { api, openEvents, operatorKey, SseEvent, uid } from './support';

const registered = (events: SseEvent[], participantId: string) =>
  events.find((e) => e.event === 'ParticipantRegistered' && e.data.payload.participantId === participantId);

async function onboard(participantId: string): Promise<void> {
  const res = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'consumer' });
  expect(res.status).toBe(201);
}

it('streams the chaincode event of a committed transaction with its block, txId and checkpoint', async () => {
  const stream = await openEvents();
  try {
    const participantId = uid('sse');
    await onboard(participantId);
    await stream.until((e) => registered(e, participantId) !== undefined);
    const event = registered(stream.events, participantId)!;
    expect(event.data.name).toBe('ParticipantRegistered');
    expect(event.data.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(event.data.blockNumber).toBeGreaterThan(0);
    expect(event.id).toBe(`${event.data.blockNumber}:${event.data.txId}`);
    expect(event.data.payload).toMatchObject({ participantId, role: 'consumer', mspId: 'CommunityMSP' });
  } finally {
    await stream.close();
  }
});

it('resumes from a checkpoint (Last-Event-ID): what came after it, nothing before it, nothing twice', async () => {
  const [first, second, third] = [uid('sse'), uid('sse'), uid('sse')];
  const live = await openEvents();
  let checkpoint: string;
  try {
    await onboard(first);
    await live.until((e) => registered(e, first) !== undefined);
    checkpoint = registered(live.events, first)!.id;
  } finally {
    await live.close();
  }
  // Committed while no stream was open.
  await onboard(second);
  await onboard(third);

  const resumed = await openEvents({ 'Last-Event-ID': checkpoint });
  try {
    await resumed.until((e) => registered(e, third) !== undefined);
    const ids = resumed.events.map((e) => e.id);
    expect(registered(resumed.events, first)).toBeUndefined();
    expect(registered(resumed.events, second)).toBeDefined();
    expect(new Set(ids).size).toBe(ids.length);
    // Events come in ledger order: the second participant's block is not after the third's.
    expect(registered(resumed.events, second)!.data.blockNumber).toBeLessThanOrEqual(registered(resumed.events, third)!.data.blockNumber);
    // Everything delivered lies after the checkpoint's block (or in it, after its transaction).
    const [cpBlock] = checkpoint.split(':').map(Number);
    expect(resumed.events.every((e) => e.data.blockNumber >= cpBlock)).toBe(true);
  } finally {
    await resumed.close();
  }
});

it('refuses a malformed checkpoint with REQUEST_INVALID', async () => {
  const res = await api('community', operatorKey(), 'GET', '/events?after=not-a-checkpoint');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('REQUEST_INVALID');
});
