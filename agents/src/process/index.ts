export * from './answers.js';
export * from './community.js';
export * from './config.js';
export * from './gateway.js';
export * from './home-agent.js';
export * from './keys.js';
export * from './market-view.js';
export * from './positions.js';
