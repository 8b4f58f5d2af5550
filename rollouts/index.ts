// The rollouts folder's public surface: canary analysis, and the controller.
export * from './analysis/index.ts';
export * from './controller/index.ts';
