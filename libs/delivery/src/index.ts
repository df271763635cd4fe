export * from './core/retry-key';
export * from './core/request-plan';
export * from './core/quiet-hours';
export * from './core/frequency-cap';
export * from './core/render';
export * from './services/delivery-clock';
export * from './services/delivery.module';
