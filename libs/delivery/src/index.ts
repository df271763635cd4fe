export * from './core/retry-key';
export * from './core/request-plan';
export * from './core/gcra';
export * from './core/quiet-hours';
export * from './core/frequency-cap';
export * from './core/render';
