/** Demand-response events on GET /events (event-visibility.ts): a call for every household, without its caller; the rest its own. */
import { viewerOf, visiblePayload } from '../src/event-visibility';

const household = (participantId: string) =>
  viewerOf({ id: participantId, mspId: 'CommunityMSP', role: 'consumer', participantId, certPath: '', keyPath: '' });
const utility = viewerOf({ id: 'utility', mspId: 'UtilityMSP', role: 'utility', certPath: '', keyPath: '' });

it('shows a call to every household without the caller, and answers, baselines and results to their own household', () => {
  const called = { eventId: 'ev-1', zoneIds: ['z1'], start: '2026-12-07T17:00:00Z', calledBy: 'utility', mspId: 'UtilityMSP' };
  expect(visiblePayload(household('alice'), 'FlexEventCalled', called)).toEqual({
    eventId: 'ev-1',
    zoneIds: ['z1'],
    start: '2026-12-07T17:00:00Z',
    mspId: 'UtilityMSP',
  });
  expect(visiblePayload(utility, 'FlexEventCalled', called)).toEqual(called);
  for (const name of ['FlexOptInChanged', 'FlexBaselineFixed', 'FlexEventSettled']) {
    const payload = { eventId: 'ev-1', participantId: 'alice' };
    expect(visiblePayload(household('alice'), name, payload)).toEqual(payload);
    expect(visiblePayload(household('bob'), name, payload)).toBeUndefined();
  }
});

it('shows a resource and its dispatches to their owner only, whole, and to the grid roles', () => {
  const registered = { resourceId: 'bat-1', communityId: 'c1', ownerId: 'alice' };
  const dispatch = { dispatchId: 'd1', resourceId: 'bat-1', ownerId: 'alice', status: 'accepted', requestedBy: 'util-1' };
  const events: [string, object][] = [
    ['FlexResourceRegistered', registered],
    ...['DispatchRequested', 'DispatchAcknowledged', 'DispatchNonResponsive', 'DispatchSettled'].map((n): [string, object] => [
      n,
      dispatch,
    ]),
  ];
  for (const [name, payload] of events) {
    expect(visiblePayload(household('alice'), name, payload)).toEqual(payload);
    expect(visiblePayload(household('bob'), name, payload)).toBeUndefined();
    expect(visiblePayload(utility, name, payload)).toEqual(payload);
  }
});
