export * from './scenario';
export * from './clock';
export * from './energy';
export * from './flows';
export * from './kpi';
export * from './report-files';
export * from './run';
