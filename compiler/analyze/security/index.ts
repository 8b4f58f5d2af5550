import type { Analyzer } from '../types.ts';

export const securityAnalyzers: readonly Analyzer[] = [];
