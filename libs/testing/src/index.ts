export * from './test-env';
export * from './test-context';
export * from './query-plan';
export * from './fixtures';
