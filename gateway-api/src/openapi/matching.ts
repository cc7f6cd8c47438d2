/**
 * OpenAPI of hourly matching (routes/matching.ts): paths and request schemas; the answers are the
 * catalogue's.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { body } from './certificates';
import { common } from './certificate-storage';
import { id, instant } from './schemas';

const { certificates } = catalogue;
const p = (name: string) => ({ name, in: 'path', required: true, schema: id });
const bound = (description: string) => ({ ...instant, description });
const period = (what: string) => [
  { name: 'from', in: 'query', required: true, allowReserved: true, schema: bound(`a UTC ${what}`) },
  { name: 'to', in: 'query', required: true, allowReserved: true, schema: bound(`a UTC ${what} after from, at most 366 days later`) },
];

export const matchingPaths = {
  '/participants/{participantId}/matching': {
    get: {
      operationId: 'getMatching',
      description:
        "A participant's consumption hour by hour over [from, to) (whole hours, at most a leap year) against the certificates it " +
        'claimed produced in that hour and the green P2P energy it bought (tokens of regulator-verified renewable assets only), and ' +
        'the share matched (the 24/7 score): the participant itself, the operator, the utility. Never the regulator (household data).',
      parameters: [p('participantId'), ...period('hour')],
      responses: { '200': answer(certificates.getMatching), ...common },
    },
  },
  '/communities/{communityId}/matching': {
    get: {
      operationId: 'getCommunityMatching',
      description:
        "A community's matching totals over [from, to): consumption, matched Wh and the score, no household's hours. The operator " +
        'and the utility; at most 35,136 participant-hours per call.',
      parameters: [p('communityId'), ...period('hour')],
      responses: { '200': answer(certificates.getCommunityMatching), ...common },
    },
  },
  '/communities/{communityId}/matching/days': {
    post: {
      operationId: 'recordCommunityMatching',
      description:
        "The operator or the utility records a community's matching totals of one UTC day on the channel (no household's hours), " +
        'for the regulator, whose identity cannot read household consumption; recording a day again replaces its record ' +
        '(later claims change it).',
      parameters: [p('communityId')],
      requestBody: body('MatchingDayRequest'),
      responses: { '200': answer(certificates.recordCommunityMatching), ...common },
    },
    get: {
      operationId: 'getRecordedMatching',
      description:
        "A community's recorded matching days in [from, to) (UTC midnights) and their sums: the regulator, the operator, the utility. " +
        'Days not recorded are missing from days (daysInPeriod says how many there are).',
      parameters: [p('communityId'), ...period('midnight')],
      responses: { '200': answer(certificates.getRecordedMatching), ...common },
    },
  },
};

export const matchingSchemas = {
  MatchingDayRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['dayStart'],
    properties: { dayStart: bound('a UTC midnight, such as 2026-11-21T00:00:00Z') },
  },
};
