import { catalogue } from '@gridledger/core/catalogue';
import { MAX_EVENT_INTERVALS, MAX_EVENT_ZONES, MAX_FLEX_PRICE, MAX_TARGET_W } from '@gridledger/core/flex';
import { answer, answerSchema } from './answers';
import { id, instant } from './schemas';

/** OpenAPI paths and schemas of demand response (routes/flex.ts, docs/flexibility.md). */
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const { flex } = catalogue;
const common = {
  '400': err('REQUEST_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '404': err('FLEX_EVENT_NOT_FOUND'),
  '503': err('LEDGER_UNAVAILABLE or PRIVATE_DATA_UNAVAILABLE'),
};
const p = (name: string) => ({ name, in: 'path', required: true, schema: id });
const json = (schema: object) => ({ description: 'OK', content: { 'application/json': { schema } } });

export const flexPaths = {
  '/flex/events': {
    post: {
      operationId: 'callFlexEvent',
      description:
        'The utility or the community operator calls a demand-response event: zones, window on the metering grid (at most ' +
        `${MAX_EVENT_INTERVALS} intervals), target reduction (W), price per kWh reduced, opt-in deadline and the baseline method. ` +
        'Refused in the past (FLEX_EVENT_IN_PAST) or with less than 30 s notice (FLEX_NOTICE_TOO_SHORT). A retry answers the event.',
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/FlexEventRequest' } } } },
      responses: {
        '201': answer(flex.callEvent, 'Called'),
        ...common,
        '400': err('REQUEST_INVALID or FLEX_EVENT_INVALID (details.field)'),
        '409': err('FLEX_EVENT_EXISTS'),
        '422': err('FLEX_EVENT_IN_PAST or FLEX_NOTICE_TOO_SHORT'),
      },
    },
  },
  '/communities/{communityId}/flex-events': {
    get: {
      operationId: 'listFlexEvents',
      description:
        "The community's demand-response events starting in [from, to), by start (any identity with a role, as an event by id); " +
        'events called before this list existed are found by id only.',
      parameters: [
        p('communityId'),
        {
          name: 'from',
          in: 'query',
          required: false,
          allowReserved: true,
          schema: instant,
          description: 'the first start (default: none)',
        },
        {
          name: 'to',
          in: 'query',
          required: false,
          allowReserved: true,
          schema: instant,
          description: 'the start after the last (default: none)',
        },
        {
          name: 'pageSize',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 500 },
          description: 'default 100',
        },
        { name: 'bookmark', in: 'query', required: false, allowEmptyValue: true, schema: { type: 'string', maxLength: 1024 } },
      ],
      responses: { '200': answer(flex.listEvents), ...common },
    },
  },
  '/flex/events/{eventId}': {
    get: {
      operationId: 'getFlexEvent',
      description: 'The event and its answers: all of them for the operator, the utility and the regulator; a household its own.',
      parameters: [p('eventId')],
      responses: { '200': answer(flex.getEvent), ...common },
    },
  },
  '/flex/events/{eventId}/opt-ins/{participantId}': {
    put: {
      operationId: 'optInFlexEvent',
      description:
        'The participant (or the operator) opts in until the deadline, optionally committing a reduction (W) whose shortfall is ' +
        'charged at the event shortfall price. Its active meters in the event zones take part.',
      parameters: [p('eventId'), p('participantId')],
      requestBody: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/FlexOptInRequest' } } } },
      responses: {
        '200': answer(flex.optIn),
        ...common,
        '409': err('FLEX_OPT_IN_CLOSED or FLEX_EVENT_OVERLAP'),
        '422': err('FLEX_NOT_ELIGIBLE'),
      },
    },
    delete: {
      operationId: 'optOutFlexEvent',
      description: 'The participant (or the operator) opts out, until the deadline.',
      parameters: [p('eventId'), p('participantId')],
      responses: { '200': answer(flex.optOut), ...common, '409': err('FLEX_OPT_IN_CLOSED') },
    },
  },
  '/flex/events/{eventId}/baselines': {
    post: {
      operationId: 'fixFlexBaselines',
      description:
        "The utility or the operator fixes every opted-in participant's baseline from verified readings, after the opt-in deadline " +
        'and before the start; each is published to the participant (its hash on the channel). A retry answers the fixed ones.',
      parameters: [p('eventId')],
      responses: {
        '200': json({
          type: 'object',
          required: ['eventId', 'baselines'],
          properties: { eventId: { type: 'string' }, baselines: { type: 'array', items: answerSchema(flex.fixBaseline) } },
        }),
        ...common,
        '409': err('FLEX_STATE_INVALID'),
      },
    },
  },
  '/flex/events/{eventId}/baselines/{participantId}': {
    get: {
      operationId: 'getFlexBaseline',
      description:
        'A fixed baseline with every like day looked at (used, an event day, a reading missing, or archived: past the readings’ ' +
        'horizon, where the search ends), the days averaged and the ' +
        'same-day adjustment: the participant, the operator, the utility and the regulator.',
      parameters: [p('eventId'), p('participantId')],
      responses: { '200': answer(flex.getBaseline), ...common, '404': err('FLEX_BASELINE_NOT_FOUND') },
    },
  },
  '/flex/events/{eventId}/settlement': {
    post: {
      operationId: 'settleFlexEvent',
      description:
        'Once every window of the event is closed, the utility or the operator settles each opted-in participant: reduction per ' +
        "interval (baseline less verified consumption, never negative), payment at the event's price from the utility's account. Once.",
      parameters: [p('eventId')],
      responses: {
        '200': json({
          type: 'object',
          required: ['eventId', 'results'],
          properties: { eventId: { type: 'string' }, results: { type: 'array', items: answerSchema(flex.settle) } },
        }),
        ...common,
        '409': err('FLEX_STATE_INVALID'),
        '410': err('READING_ARCHIVED: a reading the settlement lacks is past the readings’ horizon'),
      },
    },
  },
  '/flex/events/{eventId}/results': {
    get: {
      operationId: 'getFlexResults',
      description:
        'The settled results: every participant with delivery against the target per interval for the operator, the utility and ' +
        'the regulator; a household its own result.',
      parameters: [p('eventId')],
      responses: { '200': answer(flex.getResults), ...common },
    },
  },
  '/flex/events/{eventId}/performance/{participantId}': {
    get: {
      operationId: 'getFlexPerformance',
      description: "A settled participant's baseline, verified consumption, reduction and shortfall per interval (private).",
      parameters: [p('eventId'), p('participantId')],
      responses: { '200': answer(flex.getPerformance), ...common, '404': err('FLEX_BASELINE_NOT_FOUND') },
    },
  },
};

const int = (max: number, min = 0) => ({ type: 'integer', minimum: min, maximum: max });

export const flexSchemas = {
  FlexEventRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['eventId', 'programId', 'communityId', 'zoneIds', 'start', 'end', 'targetReductionW', 'priceMicrosPerKwh', 'optInDeadline'],
    properties: {
      eventId: id,
      programId: id,
      communityId: id,
      zoneIds: { type: 'array', minItems: 1, maxItems: MAX_EVENT_ZONES, items: id },
      start: instant,
      end: instant,
      targetReductionW: int(MAX_TARGET_W, 1),
      priceMicrosPerKwh: int(MAX_FLEX_PRICE, 1),
      shortfallPriceMicrosPerKwh: int(MAX_FLEX_PRICE),
      optInDeadline: instant,
      baseline: {
        type: 'object',
        additionalProperties: false,
        properties: {
          method: { type: 'string', enum: ['pge-residential', 'average-10-of-10'] },
          adjustmentIntervals: int(96),
          adjustmentGapIntervals: int(96),
          adjustmentCapPpm: int(1_000_000),
          lookbackDays: int(60, 1),
          holidays: { type: 'array', maxItems: 60, items: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
        },
      },
    },
  },
  FlexOptInRequest: {
    type: 'object',
    additionalProperties: false,
    properties: { committedW: int(1_000_000) },
  },
};
