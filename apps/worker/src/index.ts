export * from './app';
export * from './stage-runner';
