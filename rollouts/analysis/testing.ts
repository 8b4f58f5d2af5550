/**
 * Test inputs for analysis runs: a fake clock and an in-memory MetricProvider that answers
 * each query from a script. Used by this folder's unit tests and by the controller's.
 */
import type { MetricProvider, ResolvedMetric } from './types.ts';

export class FakeClock {
  constructor(public ms = Date.parse('2026-11-21T08:00:00Z')) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Answers every query with the next scripted answer for it (the last one repeats): a
 * number array, or an Error to throw. Records the queries asked.
 */
export class ScriptedProvider implements MetricProvider {
  readonly asked: string[] = [];
  private readonly scripts = new Map<string, (number[] | Error)[]>();

  script(query: string, ...answers: (number[] | Error)[]): this {
    this.scripts.set(query, answers);
    return this;
  }

  async query(query: string): Promise<number[]> {
    this.asked.push(query);
    const answers = this.scripts.get(query);
    if (!answers || answers.length === 0) throw new Error(`no scripted answer for ${query}`);
    const answer = answers.length > 1 ? (answers.shift() as number[] | Error) : (answers[0] as number[] | Error);
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** A metric with Argo's defaults, measured every 10 s. */
export function metric(name: string, overrides: Partial<ResolvedMetric> = {}): ResolvedMetric {
  return {
    name,
    query: name,
    initialDelayMs: 0,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    noDataBudgetMs: 60_000,
    dryRun: false,
    template: 'AnalysisTemplate test/t',
    intervalMs: 10_000,
    ...overrides,
  };
}
