export * from './messages.ts';
export * from './services.ts';
