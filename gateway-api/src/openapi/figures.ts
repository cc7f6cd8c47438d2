import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { id, instant } from './schemas';

/** OpenAPI paths of the market figures (routes/figures.ts). */
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const responses = (tx: Transaction) => ({
  '200': answer(tx, 'The figures (docs/market.md, "Market figures")'),
  '400': err('REQUEST_INVALID or INTERVAL_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '404': err('INTERVAL_NOT_FOUND (not settled) or MARKET_NOT_FOUND'),
  '503': err('LEDGER_UNAVAILABLE'),
});
const path = (name: string) => ({ name, in: 'path', required: true, schema: id });

export const figurePaths = {
  '/markets/{communityId}/intervals/{intervalStart}/figures': {
    get: {
      operationId: 'getIntervalFigures',
      description: "A settled interval's figures: aggregates only, for anyone.",
      parameters: [path('communityId'), { name: 'intervalStart', in: 'path', required: true, schema: instant }],
      responses: responses(catalogue.figures.getIntervalFigures),
    },
  },
  '/markets/{communityId}/figures': {
    get: {
      operationId: 'getPeriodFigures',
      description:
        'The figures of the settled intervals starting in [from, to), from the sums of their totals (at most 288 intervals); intervals ' +
        'not settled yet are listed in notSettled.',
      parameters: [
        path('communityId'),
        ...['from', 'to'].map((name) => ({ name, in: 'query', required: true, allowReserved: true, schema: instant })),
      ],
      responses: responses(catalogue.figures.getPeriodFigures),
    },
  },
};
