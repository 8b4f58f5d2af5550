import type { Analyzer } from '../types.ts';

export const rolloutAnalyzers: readonly Analyzer[] = [];
