/**
 * Virtual hosts across translations: when only routes changed since the last translation of
 * a proxy class (translate/memo.ts decides that), a virtual host whose service, port and
 * routing policies are the same objects, with the same rollout overlays, gets its last
 * routes back instead of being built again.
 *
 * What building it did besides returning routes is recorded and done again on reuse: its
 * source-map entries (relative to the virtual host, so it may move to another index), its
 * findings (Reporter.once calls, deduplicated as before) and the direct-response flag.
 */
import type { CodeDefinition } from '../../diagnostics/index.ts';
import type { PolicyDocument } from '../../load/types.ts';
import type { Service, ServicePort, VirtualService } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import type { JsonPathSegment, TranslateContext, WeightOverlay } from '../types.ts';
import { deepFreeze } from './frozen.ts';
import type { Reporter } from './report.ts';
import type { RouteContext } from './route.ts';
import type { HostRoutes, RouteSelector } from './select.ts';
import type { NodePath, RecordedSource } from './sources.ts';
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

/** One proxy class's virtual hosts of the last translation (`previous`) and of this one (`next`). */
export class HostMemo {
  next = new Map<Service, Built[]>();
  constructor(readonly previous: ReadonlyMap<Service, Built[]>) {}
}

const memos = new WeakMap<TranslateContext, HostMemo>();

/** Lets the routes stage run with `ctx` reuse the virtual hosts in `memo`. */
export function useHostMemo(ctx: TranslateContext, memo: HostMemo): void {
  memos.set(ctx, memo);
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
    if (!built.frozen) {
      for (const route of built.result.routes) deepFreeze(route);
      Object.freeze(built.result.routes);
      built.frozen = true;
    }
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
    if (!sources) return result; // recorded outside the virtual host: not reusable
    built = { vhostPath, port, listenPort: rc.listenPort, policies, overlays, result, sources, findings, directResponseBody: own.directResponseBody, frozen: false };
  }
  let list = memo.next.get(service);
  if (!list) memo.next.set(service, (list = []));
  list.push(built);
  return built.result;
}

/** Whether `routes` came back from a memo (frozen): its virtual host can be shared too. */
export function isReused(routes: readonly JsonObject[]): boolean {
  return Object.isFrozen(routes);
}
