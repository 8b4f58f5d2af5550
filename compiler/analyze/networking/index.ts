import type { Analyzer } from '../types.ts';

export const networkingAnalyzers: readonly Analyzer[] = [];
