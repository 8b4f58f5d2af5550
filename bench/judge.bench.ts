/**
 * Judge: how fast a canary whose error rate regresses is rolled back, by sluice's
 * statistical judge and by static thresholds as Argo Rollouts runs them, at an EQUAL
 * false-rollback rate.
 *
 * Simulated traffic (seeded, reproducible): 200 requests/s, 10% to the canary (20 rps),
 * 90% to stable (180 rps); every request fails independently with the subset's error
 * rate. Stable and a healthy canary fail 1% of requests; a bad canary 5%. An analysis
 * lasts at most 10 minutes.
 *
 * - static (Argo): every `interval`, the canary's error ratio over the last interval is
 *   compared with a threshold; the (failureLimit + 1)-th measurement above it rolls back.
 *   Argo's best case is `interval × (failureLimit + 1)`.
 * - judge (sluice-*-judge): every 10 s, a one-sided Mann-Whitney U test of the canary's
 *   per-5 s error ratios against stable's, over everything since the analysis started
 *   (at least 6 samples each); rolls back when p < alpha.
 *
 * Calibration: each method's threshold (or alpha) is set on 2,000 healthy runs so that the
 * share of healthy canaries rolled back is the target; the false-rollback rate shown is
 * measured on 2,000 other healthy runs. Then 2,000 bad runs give the time to detect, and
 * 1,000 runs where stable and canary both fail 3% (a shared downstream problem, not the
 * canary's fault) give the rollbacks each method would wrongly make then.
 */
import { mannWhitneyU, twoProportionZ } from '../rollouts/index.ts';
import { median, percentile, table } from './support/measure.ts';

const HORIZON_S = 600;
const CANARY_RPS = 20;
const STABLE_RPS = 180;
const BASE_ERROR = 0.01;
const BAD_ERROR = 0.05;
const SHIFTED_ERROR = 0.03;
const TARGET_FALSE_ROLLBACK = 0.02;
const CALIBRATION_RUNS = 2000;
const RUNS = 2000;
/** The judges' window (the templates' default `window: 5m`). */
const WINDOW_S = 300;
const SHIFT_RUNS = 1000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p) by geometric waiting times: about n·p + 1 draws. */
function binomial(n: number, p: number, random: () => number): number {
  const log1p = Math.log(1 - p);
  let count = 0;
  let position = 0;
  for (;;) {
    position += Math.floor(Math.log(1 - random()) / log1p) + 1;
    if (position > n) return count;
    count++;
  }
}

interface Traffic {
  /** Errors per second, canary and stable. */
  canary: Int32Array;
  stable: Int32Array;
}

function simulate(seed: number, canaryError: number, stableError: number): Traffic {
  const random = mulberry32(seed);
  const canary = new Int32Array(HORIZON_S);
  const stable = new Int32Array(HORIZON_S);
  for (let s = 0; s < HORIZON_S; s++) {
    canary[s] = binomial(CANARY_RPS, canaryError, random);
    stable[s] = binomial(STABLE_RPS, stableError, random);
  }
  return { canary, stable };
}

function windowRatio(errors: Int32Array, rps: number, from: number, to: number): number {
  let sum = 0;
  for (let s = from; s < to; s++) sum += errors[s] as number;
  return sum / (rps * (to - from));
}

interface Method {
  name: string;
  /** Argo's best case, seconds; undefined for the judge. */
  bar?: number;
  /**
   * The run's trigger statistic over time: [check time (s), value]. A method rolls back at
   * the first check whose value exceeds its threshold (for the judge, value = -p).
   */
  checks(traffic: Traffic): [number, number][];
}

function staticThreshold(intervalS: number, failureLimit: number): Method {
  return {
    name: `static, interval ${intervalS} s, failureLimit ${failureLimit}`,
    bar: intervalS * (failureLimit + 1),
    checks(traffic) {
      // The (failureLimit + 1)-th highest ratio so far: above the threshold ⇔ that many failures.
      const out: [number, number][] = [];
      const seen: number[] = [];
      for (let t = intervalS; t <= HORIZON_S; t += intervalS) {
        seen.push(windowRatio(traffic.canary, CANARY_RPS, t - intervalS, t));
        seen.sort((a, b) => b - a);
        out.push([t, seen.length > failureLimit ? (seen[failureLimit] as number) : -Infinity]);
      }
      return out;
    },
  };
}

function mannWhitneyJudge(everyS: number, bucketS: number, minSamples: number): Method {
  return {
    name: `judge: Mann-Whitney U on ${bucketS} s error ratios, every ${everyS} s, ≥ ${minSamples} each`,
    checks(traffic) {
      const out: [number, number][] = [];
      const canary: number[] = [];
      const stable: number[] = [];
      for (let t = everyS; t <= HORIZON_S; t += everyS) {
        while ((canary.length + 1) * bucketS <= t) {
          const from = canary.length * bucketS;
          canary.push(windowRatio(traffic.canary, CANARY_RPS, from, from + bucketS));
          stable.push(windowRatio(traffic.stable, STABLE_RPS, from, from + bucketS));
        }
        // The template's window: the last WINDOW_S seconds.
        const keep = Math.floor(WINDOW_S / bucketS);
        const c = canary.slice(-keep);
        const b = stable.slice(-keep);
        if (c.length < minSamples) continue;
        out.push([t, -mannWhitneyU(c, b, 'greater').pValue]);
      }
      return out;
    },
  };
}

/** sluice-*-judge: a two-proportion z-test on the window's error and request counts. */
function proportionsJudge(everyS: number, minRequests: number): Method {
  return {
    name: `**judge: two-proportion z-test on counts, every ${everyS} s** (sluice-*-judge)`,
    checks(traffic) {
      const out: [number, number][] = [];
      for (let t = everyS; t <= HORIZON_S; t += everyS) {
        const from = Math.max(0, t - WINDOW_S);
        let canaryErrors = 0;
        let stableErrors = 0;
        for (let s = from; s < t; s++) {
          canaryErrors += traffic.canary[s] as number;
          stableErrors += traffic.stable[s] as number;
        }
        const canaryRequests = CANARY_RPS * (t - from);
        if (canaryRequests < minRequests) continue;
        out.push([t, -twoProportionZ(canaryErrors, canaryRequests, stableErrors, STABLE_RPS * (t - from), 'greater').pValue]);
      }
      return out;
    },
  };
}

/** The highest value a run's checks reach: the run rolls back iff it exceeds the threshold. */
function peak(checks: [number, number][]): number {
  return checks.reduce((max, [, v]) => Math.max(max, v), -Infinity);
}

function calibrate(method: Method, seed: number): number {
  const peaks: number[] = [];
  for (let i = 0; i < CALIBRATION_RUNS; i++) peaks.push(peak(method.checks(simulate(seed + i, BASE_ERROR, BASE_ERROR))));
  peaks.sort((a, b) => b - a);
  // The threshold sits at the peak of the run ranked at the target: at most that share exceed it.
  return peaks[Math.floor(TARGET_FALSE_ROLLBACK * CALIBRATION_RUNS)] as number;
}

function rollbackAt(checks: [number, number][], threshold: number): number | undefined {
  for (const [t, v] of checks) if (v > threshold) return t;
  return undefined;
}

function share(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(1)}%`;
}

export async function run(): Promise<void> {
  const methods = [staticThreshold(60, 2), staticThreshold(30, 1), staticThreshold(10, 0), staticThreshold(5, 0), proportionsJudge(10, 20), proportionsJudge(5, 20), mannWhitneyJudge(10, 5, 6), mannWhitneyJudge(5, 2, 5)];
  const rows: string[][] = [];
  const started = performance.now();
  for (const method of methods) {
    const threshold = calibrate(method, 1_000_000);
    let falseRollbacks = 0;
    for (let i = 0; i < RUNS; i++) if (rollbackAt(method.checks(simulate(2_000_000 + i, BASE_ERROR, BASE_ERROR)), threshold) !== undefined) falseRollbacks++;
    const detected: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = rollbackAt(method.checks(simulate(3_000_000 + i, BAD_ERROR, BASE_ERROR)), threshold);
      if (t !== undefined) detected.push(t);
    }
    let shifted = 0;
    for (let i = 0; i < SHIFT_RUNS; i++) if (rollbackAt(method.checks(simulate(4_000_000 + i, SHIFTED_ERROR, SHIFTED_ERROR)), threshold) !== undefined) shifted++;
    rows.push([
      method.name,
      method.bar !== undefined ? `${method.bar} s` : '—',
      method.bar !== undefined ? `error ratio > ${(threshold * 100).toFixed(2)}%` : `p < ${(-threshold).toPrecision(2)}`,
      share(falseRollbacks, RUNS),
      share(detected.length, RUNS),
      detected.length > 0 ? `${median(detected)} s` : '—',
      detected.length > 0 ? `${percentile(detected, 90)} s` : '—',
      share(shifted, SHIFT_RUNS),
    ]);
  }
  console.log(
    `canary ${CANARY_RPS} rps, stable ${STABLE_RPS} rps; error rate ${BASE_ERROR * 100}% → bad canary ${BAD_ERROR * 100}%; target false-rollback rate ${TARGET_FALSE_ROLLBACK * 100}%; ${RUNS} runs each\n`,
  );
  console.log(
    table(['method', "Argo's bar", 'calibrated rule', 'false rollbacks (healthy)', 'bad canaries caught', 'time to detect p50', 'p90', `rollbacks when both subsets fail ${SHIFTED_ERROR * 100}%`], rows),
  );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
