export * from './core';
export * from './market';
export * from './metering';
export * from './certificates';
export * from './grid';
export * from './telemetry';
export * from './dispatch';
