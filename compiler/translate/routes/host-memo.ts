/**
 * Virtual hosts across translations of one proxy class.
 *
 * When only routes changed since the last translation (translate/memo.ts decides that), a
 * virtual host whose service, port and routing policies are the same objects, with the same
 * rollout overlays, gets its last routes back instead of being built again
 * (`memoizedHostRoutes`). What building it did besides returning routes is recorded and done
 * again on reuse: its source-map entries (relative to the virtual host, so it may move to
 * another index), its findings (Reporter.once calls, deduplicated as before) and the
 * direct-response flag.
 *
 * When, moreover, the model says which routes were replaced in place by routes claiming the
 * same hosts (model/update.ts), or only rollout overlays changed, `patchRoutes` builds again
 * only the virtual hosts whose policies include a replaced or overlaid route (the others are
 * only looked at to be skipped: no routes, sources or findings are replayed for them), and the flavor's assembly
 * (envoy.ts, grpc.ts) puts them into copies of the last resources. The stage's findings are
 * then reported from a ledger of every virtual host's calls: the first ones of each code in
 * order (as many as are listed), and a count of the rest.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';
import type { Service, ServicePort, VirtualService } from '../../model/index.ts';
import type { RouteChanges } from '../../model/update.ts';
import type { JsonObject } from '../../xds/index.ts';
import { FINDINGS_LISTED_PER_CODE } from '../limits.ts';
import type { JsonPathSegment, Resource, TranslateContext, WeightOverlay } from '../types.ts';
import { deepFreeze } from '../shared-part.ts';
import { checkOverlays } from './overlays.ts';
import { indexOverlays } from './destinations.ts';
import { Reporter } from './report.ts';
import type { ReportCall } from './report.ts';
import type { RouteContext } from './route.ts';
import type { HostRoutes, RouteSelector } from './select.ts';
import type { NodePath, RecordedSource, SourceRecorder } from './sources.ts';
import type { VirtualHostRoutes } from './vhost.ts';
import { virtualHostRoutes } from './vhost.ts';

interface Built {
  vhostPath: readonly JsonPathSegment[];
  port: ServicePort;
  listenPort: number;
  policies: readonly VirtualService[];
  overlays: string;
  result: VirtualHostRoutes;
  sources: readonly RecordedSource[];
  findings: readonly [CodeDefinition, PolicyDocument, NodePath, string, string][];
  directResponseBody: boolean;
  frozen: boolean;
}

/** One virtual host of the last translation, where it sits, and what building it reported. */
export interface HostState {
  service: Service;
  port: ServicePort;
  /** Its RouteConfiguration among the flavor's (in the order they were made), and its place there. */
  unit: number;
  slot: number;
  policies: readonly VirtualService[];
  /** Every Reporter.once call made while it was built (or reused), repeats included. */
  calls: readonly ReportCall[];
  built: Built;
}

/** A flavor's RouteConfigurations of the last translation, to patch. */
export interface RouteAssembly {
  /**
   * The resources with the virtual hosts `hosts` (positions into `state.hosts`) built again
   * through `build`, which returns their new states. Everything else is kept.
   */
  patch(state: RoutesState, hosts: readonly number[], build: HostBuilder): { resources: Resource[]; assembly: RouteAssembly; changed: number[] };
  /** Freezes the JSON of virtual host `host`, reused as it is from now on. */
  freeze(state: RoutesState, host: number): void;
}

export type RouteContextFactory = (listenPort: number, sources: SourceRecorder) => RouteContext;

/** Builds one virtual host again: what the flavor's assembly calls for each host it patches. */
export interface HostBuilder {
  contextFor: RouteContextFactory;
  selector: RouteSelector;
  /** Records the host's new state (call inside the flavor's build of it, with its routes' result). */
  host<T>(index: number, build: () => T): T;
}

/** What the routes stage of one proxy class leaves for the next translation to patch. */
export interface RoutesState {
  selector: RouteSelector;
  /** The parts of the route context that depend on what stays the same (DestinationRules, options). */
  hashes: RouteContext['hashes'];
  overlays: RouteContext['overlays'];
  resources: Resource[];
  /** Positions in `resources` that the patch that made this state replaced (ascending). */
  changed: readonly number[];
  /** Every virtual host in the order they were built (the order their findings were reported in). */
  hosts: HostState[];
  /** Frozen already (reused before): its JSON is shared as it is. */
  frozen: boolean[];
  /** Calls made before the first virtual host (overlay checks). */
  prefix: readonly ReportCall[];
  assembly: RouteAssembly;
  ledger: FindingLedger | undefined;
  /** The virtual hosts by service, for `HostMemo` (the walk over all of them). */
  builtByService(): Map<Service, Built[]>;
}

/** One proxy class's virtual hosts of the last translation (`previous`) and of this one (`next`). */
export class HostMemo {
  next = new Map<Service, Built[]>();
  /** Set by the routes stage when every call went through a virtual host or the overlay checks: the state to patch next time. */
  state: RoutesState | undefined;
  hosts: HostState[] = [];
  patchable = true;
  constructor(readonly previous: ReadonlyMap<Service, Built[]>) {}

  /** Runs `build` (one virtual host) recording its calls; `memoizedHostRoutes` inside fills in the rest. */
  host<T>(report: Reporter, unit: number, slot: number, build: () => T): T {
    const outer = report.tap;
    const calls: ReportCall[] = [];
    report.tap = calls;
    this.current = undefined;
    try {
      const value = build();
      const current = this.current as { service: Service; port: ServicePort; policies: readonly VirtualService[]; built: Built | undefined } | undefined;
      if (!current?.built) this.patchable = false;
      else this.hosts.push({ service: current.service, port: current.port, unit, slot, policies: current.policies, calls, built: current.built });
      return value;
    } finally {
      report.tap = outer;
      this.current = undefined;
    }
  }

  /** The last host `memoizedHostRoutes` made or reused (read by `host`). */
  current: { service: Service; port: ServicePort; policies: readonly VirtualService[]; built: Built | undefined } | undefined;

  /** Ends the stage: keeps what `patchRoutes` needs, if every virtual host was recorded. */
  finish(parts: { selector: RouteSelector; hashes: RouteContext['hashes']; overlays: RouteContext['overlays']; prefix: readonly ReportCall[]; report: Reporter }, resources: Resource[], assembly: RouteAssembly | undefined): void {
    if (!this.patchable || !assembly || parts.report.untapped > 0) return;
    const hosts = this.hosts;
    this.state = {
      selector: parts.selector,
      hashes: parts.hashes,
      overlays: parts.overlays,
      resources,
      changed: [],
      hosts,
      frozen: hosts.map((h) => h.built.frozen),
      prefix: parts.prefix,
      assembly,
      ledger: undefined,
      builtByService: builtByServiceOf(hosts),
    };
  }
}

/**
 * `builtByService` for a state, made outside the functions that build states: a closure made
 * there would share their scope, which holds the previous state, and keep every state alive.
 */
function builtByServiceOf(hosts: readonly HostState[]): () => Map<Service, Built[]> {
  return () => builtByService(hosts);
}

function builtByService(hosts: readonly HostState[]): Map<Service, Built[]> {
  const out = new Map<Service, Built[]>();
  for (const h of hosts) {
    let list = out.get(h.service);
    if (!list) out.set(h.service, (list = []));
    list.push(h.built);
  }
  return out;
}

const memos = new WeakMap<TranslateContext, HostMemo>();

/** Lets the routes stage run with `ctx` reuse the virtual hosts in `memo`. */
export function useHostMemo(ctx: TranslateContext, memo: HostMemo): void {
  memos.set(ctx, memo);
}

/** The memo the routes stage of `ctx` records its virtual hosts in, if any. */
export function hostMemoOf(ctx: TranslateContext): HostMemo | undefined {
  return memos.get(ctx);
}

/** The routing policies a virtual host is built from, in order. */
function policiesOf(claimed: HostRoutes | undefined): VirtualService[] {
  if (!claimed) return [];
  const out: VirtualService[] = [claimed.policy];
  for (const e of claimed.entries) {
    if (!out.includes(e.rule.own.vs)) out.push(e.rule.own.vs);
    const root = e.rule.root?.vs;
    if (root && !out.includes(root)) out.push(root);
  }
  return out;
}

function overlaysOf(overlays: readonly WeightOverlay[] | undefined, policies: readonly VirtualService[]): string {
  if (!overlays || overlays.length === 0 || policies.length === 0) return '';
  return JSON.stringify(overlays.filter((o) => policies.some((vs) => vs.namespace === o.namespace && vs.name === o.virtualService)));
}

function samePolicies(a: readonly VirtualService[], b: readonly VirtualService[]): boolean {
  return a.length === b.length && a.every((vs, i) => vs === b[i]);
}

function freezeBuilt(built: Built): void {
  if (built.frozen) return;
  for (const route of built.result.routes) deepFreeze(route);
  Object.freeze(built.result.routes);
  built.frozen = true;
}

/** `virtualHostRoutes`, reused from the last translation where nothing it depends on changed. */
export function memoizedHostRoutes(rc: RouteContext, selector: RouteSelector, service: Service, port: ServicePort, vhostPath: readonly JsonPathSegment[]): VirtualHostRoutes {
  const memo = memos.get(rc.ctx);
  if (!memo) return virtualHostRoutes(rc, selector, service, port, vhostPath);
  // the first thing building does, so findings it reports come in the same order
  const policies = policiesOf(selector.routesFor(service, port.number));
  const overlays = overlaysOf(rc.ctx.options.overlays, policies);
  const matches = (b: Built) => b.port === port && b.listenPort === rc.listenPort && b.overlays === overlays && samePolicies(b.policies, policies);
  const kept = memo.previous.get(service)?.find(matches);
  let built = kept;
  if (built) {
    for (const [code, doc, path, message, pathKey] of built.findings) rc.report.once(code, doc, path, message, pathKey);
    rc.sources.replay(built.sources, vhostPath, built.vhostPath);
    if (built.directResponseBody) rc.directResponseBody = true;
    freezeBuilt(built);
  } else {
    const findings: [CodeDefinition, PolicyDocument, NodePath, string, string][] = [];
    const report = {
      once(code: CodeDefinition, doc: PolicyDocument, path: NodePath, message: string) {
        const pathKey = path.join('\u0000');
        findings.push([code, doc, path, message, pathKey]);
        rc.report.once(code, doc, path, message, pathKey);
      },
    } as Reporter;
    const mark = rc.sources.size;
    const own: RouteContext = { ...rc, report, directResponseBody: false };
    const result = virtualHostRoutes(own, selector, service, port, vhostPath);
    if (own.directResponseBody) rc.directResponseBody = true;
    const sources = rc.sources.since(mark, vhostPath);
    memo.current = { service, port, policies, built: undefined };
    if (!sources) return result; // recorded outside the virtual host: not reusable
    built = { vhostPath, port, listenPort: rc.listenPort, policies, overlays, result, sources, findings, directResponseBody: own.directResponseBody, frozen: false };
  }
  memo.current = { service, port, policies, built };
  let list = memo.next.get(service);
  if (!list) memo.next.set(service, (list = []));
  list.push(built);
  return built.result;
}

/** Whether `routes` came back from a memo (frozen): its virtual host can be shared too. */
export function isReused(routes: readonly JsonObject[]): boolean {
  return Object.isFrozen(routes);
}

/** How many times each finding is reported over all virtual hosts, and how many distinct findings each code has. */
class FindingLedger {
  private readonly counts = new Map<PolicyDocument, Map<string, Map<string, number>>>();
  readonly distinct = new Map<CodeDefinition, number>();

  change(calls: readonly ReportCall[], delta: 1 | -1): void {
    for (const [code, doc, , message, pathKey] of calls) {
      let byPath = this.counts.get(doc);
      if (!byPath) this.counts.set(doc, (byPath = new Map()));
      let byKey = byPath.get(pathKey);
      if (!byKey) byPath.set(pathKey, (byKey = new Map()));
      const key = `${code.code} ${message}`;
      const before = byKey.get(key) ?? 0;
      const after = before + delta;
      if (after > 0) byKey.set(key, after);
      else {
        byKey.delete(key);
        if (byKey.size === 0) byPath.delete(pathKey);
        if (byPath.size === 0) this.counts.delete(doc);
      }
      if (before === 0 && after > 0) this.distinct.set(code, (this.distinct.get(code) ?? 0) + 1);
      else if (before > 0 && after <= 0) this.distinct.set(code, (this.distinct.get(code) ?? 0) - 1);
    }
  }

  /**
   * Reports what a Reporter would have reported for `groups` of calls in order: each distinct
   * finding once, the first of each code listed up to the cap. The walk stops once every code
   * has as many listed as it can have; the rest are counted.
   */
  emit(ctx: TranslateContext, groups: Iterable<readonly ReportCall[]>): void {
    const seen = new Map<PolicyDocument, Map<string, Set<string>>>();
    const emitted = new Map<CodeDefinition, number>();
    let pending = 0;
    for (const n of this.distinct.values()) if (n > 0) pending++;
    for (const calls of groups) {
      if (pending === 0) break;
      for (const [code, doc, path, message, pathKey] of calls) {
        let byPath = seen.get(doc);
        if (!byPath) seen.set(doc, (byPath = new Map()));
        let messages = byPath.get(pathKey);
        if (!messages) byPath.set(pathKey, (messages = new Set()));
        const key = `${code.code} ${message}`;
        if (messages.has(key)) continue;
        messages.add(key);
        const n = emitted.get(code) ?? 0;
        if (n >= FINDINGS_LISTED_PER_CODE) continue;
        emitted.set(code, n + 1);
        ctx.reportAt(code, () => doc.locate(path), message);
        if (n + 1 === Math.min(FINDINGS_LISTED_PER_CODE, this.distinct.get(code) ?? 0)) pending--;
      }
    }
    for (const [code, n] of this.distinct) {
      const rest = n - (emitted.get(code) ?? 0);
      if (rest > 0) ctx.reportUnlisted!(code, rest);
    }
  }
}

function* callGroups(state: RoutesState): Generator<readonly ReportCall[]> {
  yield state.prefix;
  for (const h of state.hosts) yield h.calls;
}

/**
 * The routes stage for `ctx` from the last one (`state`), when the model's routes were
 * replaced in place (`changes`) by routes claiming the same hosts: only the virtual hosts of
 * the replaced routes are built. Undefined when that does not apply (the caller translates).
 * `state` is used up: it must not be patched again.
 */
export function patchRoutes(state: RoutesState, ctx: TranslateContext, changes: RouteChanges, overlaid: ReadonlySet<string>): RoutesState | undefined {
  if (!ctx.reportUnlisted || !changes.sameClaims) return undefined;
  const replaced = new Map<VirtualService, VirtualService>();
  for (const [, before, after] of changes.replaced) replaced.set(before, after);
  const affected: number[] = [];
  for (let i = 0; i < state.hosts.length; i++) {
    const policies = (state.hosts[i] as HostState).policies;
    for (const p of policies) {
      if (replaced.has(p) || (overlaid.size > 0 && overlaid.has(`${p.namespace}/${p.name}`))) {
        affected.push(i);
        break;
      }
    }
  }
  // the ledger of what every virtual host reported is made on the first patch, then kept up to date
  let ledger = state.ledger;
  if (!ledger) {
    ledger = new FindingLedger();
    for (const calls of callGroups(state)) ledger.change(calls, +1);
  }
  // building reports nothing directly: what the virtual hosts report is recorded, then reported from the ledger
  const silent: TranslateContext = { ...ctx, reportAt: () => undefined };
  const report = new Reporter(silent);
  state.selector.rebind(ctx, report, replaced);
  const prefix: ReportCall[] = [];
  report.tap = prefix;
  checkOverlays(ctx, report);
  report.tap = undefined;
  const memo = new HostMemo(new Map());
  useHostMemo(ctx, memo);
  const hosts = state.hosts.slice();
  const frozen = state.frozen.slice();
  const overlays = overlaid.size > 0 ? indexOverlays(ctx.options.overlays) : state.overlays;
  const contextFor: RouteContextFactory = (listenPort, sources) => ({
    ctx,
    flavor: ctx.proxy.flavor,
    listenPort,
    sources,
    report,
    hashes: state.hashes,
    overlays,
    directResponseBody: false,
  });
  const builder: HostBuilder = {
    contextFor,
    selector: state.selector,
    host<T>(index: number, build: () => T): T {
      const old = hosts[index] as HostState;
      const calls: ReportCall[] = [];
      report.tap = calls;
      memo.current = undefined;
      const value = build();
      report.tap = undefined;
      const current = memo.current as { policies: readonly VirtualService[]; built: Built | undefined } | undefined;
      if (!current?.built) throw new NotPatchable();
      hosts[index] = { ...old, policies: current.policies, calls, built: current.built };
      frozen[index] = false;
      return value;
    },
  };
  // virtual hosts kept as they are are shared by identity from now on: frozen once
  for (let i = 0; i < hosts.length; i++) {
    if (frozen[i]) continue;
    state.assembly.freeze(state, i);
    freezeBuilt((hosts[i] as HostState).built);
    frozen[i] = true;
  }
  let patched: ReturnType<RouteAssembly['patch']>;
  try {
    patched = state.assembly.patch(state, affected, builder);
  } catch (error) {
    if (error instanceof NotPatchable) return undefined;
    throw error;
  }
  for (const i of affected) {
    ledger.change((state.hosts[i] as HostState).calls, -1);
    ledger.change((hosts[i] as HostState).calls, +1);
  }
  ledger.change(state.prefix, -1);
  ledger.change(prefix, +1);
  const next: RoutesState = {
    ...state,
    overlays,
    resources: patched.resources,
    changed: [...new Set(patched.changed)].sort((a, b) => a - b),
    hosts,
    frozen,
    prefix,
    assembly: patched.assembly,
    ledger,
    builtByService: builtByServiceOf(hosts),
  };
  ledger.emit(ctx, callGroups(next));
  return next;
}

class NotPatchable extends Error {}
