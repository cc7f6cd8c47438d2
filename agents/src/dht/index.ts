export * from './record.js';
export * from './ledger-check.js';
export * from './metrics.js';
export * from './node.js';
export * from './discovery.js';
export * from './shard.js';
