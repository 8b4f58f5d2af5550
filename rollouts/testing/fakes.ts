/**
 * Stand-ins for the controller's ports in unit tests, each recording what it was asked: a
 * manual clock, a traffic plane whose proxies ACK when the test says so, a scripted analysis
 * runner, and a policy repository in memory. End-to-end tests use the real parts instead.
 */
import { validateSources } from '../../compiler/index.ts';
import type { PolicyModel, WeightOverlay } from '../../compiler/index.ts';
import type { AnalysisRunHandle, AnalysisRunner, AnalysisStepSpec, Clock, FileChange, Measurement, PolicyRepo, PushedVersions, RolloutSpec, TrafficPlane } from '../controller/types.ts';

export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-11-23T10:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class FakeTrafficPlane implements TrafficPlane {
  readonly pushes: WeightOverlay[][] = [];
  /** Proxies ACK every push at once when true; else only up to `ackedUpTo`. */
  autoAck = true;
  ackedUpTo = 0;
  /** Pushes to refuse (the overlay did not compile, say) before the next one goes through. */
  failNext = 0;

  async apply(overlays: readonly WeightOverlay[]): Promise<PushedVersions> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the rollout overlay does not compile');
    }
    this.pushes.push(JSON.parse(JSON.stringify(overlays)) as WeightOverlay[]);
    if (this.autoAck) this.ackedUpTo = this.pushes.length;
    return { 'grpc/shop/app=frontend': `v${this.pushes.length}` };
  }

  async acknowledged(versions: PushedVersions): Promise<{ done: boolean; waitingFor: string[] }> {
    const wanted = Number((versions['grpc/shop/app=frontend'] ?? 'v0').slice(1));
    return wanted <= this.ackedUpTo ? { done: true, waitingFor: [] } : { done: false, waitingFor: ['frontend-1'] };
  }

  /** The weights of the last push for the canary subset `v2`. */
  lastCanaryWeight(): number | undefined {
    const last = this.pushes.at(-1);
    return last?.[0]?.weights.v2;
  }
}

/** S: successful, F: failed, I: inconclusive, N: no data, E: error. */
export type Script = readonly ('S' | 'F' | 'I' | 'N' | 'E')[];

interface FakeRunState {
  template: string;
  startedAt: number;
  taken: number;
  successful: number;
  nextDueAt: number | undefined;
  phase: AnalysisRunHandle['phase'];
  reason?: string;
  decisive?: Measurement;
  terminated: boolean;
}

/**
 * An analysis run that takes the next verdict of its template's script every `intervalMs`:
 * `count` successes make it Successful (never, without a count), one F Failed, one E Error,
 * one I Inconclusive; N is no data (held).
 */
export class FakeRun implements AnalysisRunHandle {
  constructor(
    private readonly s: FakeRunState,
    private readonly script: Script,
    private readonly intervalMs: number,
    private readonly count: number | undefined,
  ) {}
  get phase() {
    return this.s.phase;
  }
  get reason() {
    return this.s.reason;
  }
  get decisive() {
    return this.s.decisive;
  }
  nextDueAt() {
    return this.s.nextDueAt;
  }
  async tick(now: number): Promise<Measurement[]> {
    const out: Measurement[] = [];
    while (this.s.nextDueAt !== undefined && now >= this.s.nextDueAt && !this.s.terminated) {
      const verdict = this.script[Math.min(this.s.taken, this.script.length - 1)] ?? 'N';
      this.s.taken++;
      const at = new Date(this.s.nextDueAt).toISOString();
      const value = verdict === 'N' ? null : verdict === 'F' ? 0.8 : 0.99;
      const m: Measurement = {
        metric: this.s.template,
        query: `rate(${this.s.template}[1m])`,
        value,
        phase: verdict === 'S' ? 'Successful' : verdict === 'F' ? 'Failed' : verdict === 'E' ? 'Error' : 'Inconclusive',
        startedAt: at,
        finishedAt: at,
        message: verdict === 'N' ? 'no data' : verdict === 'F' ? 'result[0] >= 0.95 is false' : 'result[0] >= 0.95',
      };
      if (verdict === 'N') m.noData = true;
      out.push(m);
      this.s.nextDueAt += this.intervalMs;
      if (verdict === 'S') this.s.successful++;
      if (verdict === 'S' && this.count !== undefined && this.s.successful >= this.count) this.decide('Successful', m);
      if (verdict === 'F') this.decide('Failed', m);
      if (verdict === 'E') this.decide('Error', m);
      if (verdict === 'I') this.decide('Inconclusive', m);
    }
    return out;
  }
  private decide(phase: AnalysisRunHandle['phase'], m: Measurement) {
    this.s.phase = phase;
    this.s.reason = `${m.metric} = ${JSON.stringify(m.value)} (${m.message ?? ''})`;
    this.s.decisive = m;
    this.s.nextDueAt = undefined;
  }
  terminate() {
    this.s.terminated = true;
  }
  state() {
    return { ...this.s };
  }
  undecidedMetrics() {
    return this.s.successful > 0 ? [] : [this.s.template];
  }
}

export class FakeAnalysis implements AnalysisRunner {
  /** Every run started: template names. */
  readonly started: string[] = [];
  readonly resumed: string[] = [];
  constructor(
    readonly scripts: Record<string, Script>,
    readonly intervalMs = 1000,
    /** Successes that end a step analysis (background runs never end by count). */
    readonly count = 2,
  ) {}
  private make(rollout: RolloutSpec, spec: AnalysisStepSpec, s: FakeRunState): FakeRun {
    const template = s.template;
    const script = this.scripts[template];
    if (!script) throw new Error(`no AnalysisTemplate ${template} in namespace ${rollout.namespace}`);
    const background = rollout.background?.templates === spec.templates;
    return new FakeRun(s, script, this.intervalMs, background ? undefined : this.count);
  }
  start(rollout: RolloutSpec, spec: AnalysisStepSpec, now: number): AnalysisRunHandle {
    const template = spec.templates[0]?.templateName ?? '';
    this.started.push(template);
    return this.make(rollout, spec, { template, startedAt: now, taken: 0, successful: 0, nextDueAt: now, phase: 'Running', terminated: false });
  }
  resume(rollout: RolloutSpec, spec: AnalysisStepSpec, state: object): AnalysisRunHandle {
    const s = { ...(state as FakeRunState) };
    this.resumed.push(s.template);
    return this.make(rollout, spec, s);
  }
}

export class MemoryRepo implements PolicyRepo {
  readonly commits: { message: string; changes: FileChange[]; sha: string }[] = [];
  readonly pullRequests: { title: string; branch: string; changes: readonly FileChange[] }[] = [];
  constructor(readonly files: Record<string, string>) {}
  async readFile(path: string): Promise<string> {
    const text = this.files[path];
    if (text === undefined) throw new Error(`no file ${path}`);
    return text;
  }
  async commit(changes: readonly FileChange[], message: string): Promise<{ sha: string }> {
    for (const c of changes) this.files[c.path] = c.content;
    const sha = `${this.commits.length + 1}`.padStart(40, 'c');
    this.commits.push({ message, changes: [...changes], sha });
    return { sha };
  }
  async openPullRequest(changes: readonly FileChange[], request: { title: string; body: string; branch: string }): Promise<{ url: string; sha: string }> {
    this.pullRequests.push({ title: request.title, branch: request.branch, changes });
    return { url: `https://github.example/pull/${this.pullRequests.length}`, sha: `${this.pullRequests.length}`.padStart(40, 'p') };
  }
}

/** A mesh with reviews v1/v2 in namespace shop, weights as given, plus extra documents (a Rollout). */
export function meshYaml(weights: { v1: number; v2: number }, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: grpc, protocol: GRPC}
  workloadSelector:
    labels: {app: reviews}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
---
# reviews: stable v1, canary v2 (the rollout controller edits the weights below)
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http:
  - name: primary
    route:
    - destination: {host: reviews.shop.svc.cluster.local, subset: v1}
      weight: ${weights.v1}   # stable
    - destination: {host: reviews.shop.svc.cluster.local, subset: v2}
      weight: ${weights.v2}
${extra === '' ? '' : `---\n${extra.trimEnd()}\n`}`;
}

/** A Rollout of reviews in namespace shop with these steps (YAML list items, indented by 2). */
export function rolloutYaml(steps: string, more = ''): string {
  return `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: reviews, namespace: shop}
spec:
  target: {virtualService: reviews, route: primary}
  stableSubset: v1
  canarySubset: v2
  steps:
${steps.trimEnd()}
${more.trimEnd()}
`;
}

/** Validates the policy (throws on errors) and returns its model. */
export function modelOf(yaml: string, path = 'mesh.yaml'): PolicyModel {
  const result = validateSources([{ path, content: yaml }]);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`policy does not validate:\n${errors.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`).join('\n')}`);
  return result.model;
}
