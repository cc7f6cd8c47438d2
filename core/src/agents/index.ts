/**
 * The trading agents' pure logic (docs/agents.md). Reached as `@gridledger/core/agents` only, not
 * from the core's root: the chaincode imports the root, and nothing here belongs on the ledger
 * (floats in the score, a learning library, a clock for the time budget).
 */
export * from './candidate';
export * from './decide';
export * from './efficiency';
export * from './exact';
export * from './genetic';
export * from './history';
export * from './mandate';
export * from './objective';
export * from './predict';
export * from './pricing';
export * from './problem';
export * from './random';
export * from './selection';
export * from './synthetic-offers';
