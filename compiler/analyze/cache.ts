/**
 * Analyzers across an incremental update: an analyzer whose inputs did not change keeps its
 * findings, and one whose findings are per route (`forVirtualService`) checks only the routes
 * that changed.
 *
 * Analyzers are pure functions of the model, and read it through a handful of top-level
 * collections. Each run records which ones it read (the model it gets is a recording view;
 * the lookup index counts as reading the collections it is built from). On the next model,
 * if every collection read last time holds the same objects, the analyzer would find the same
 * things — only the positions of findings in files that changed may have moved, so an
 * analyzer with a finding in a changed file runs again.
 */
import type { Diagnostic } from '../diagnostics/index.ts';
import { recordingView, samePart, sameParts } from '../model/recording.ts';
import type { ModelPart } from '../model/recording.ts';
import type { PolicyModel, VirtualService } from '../model/types.ts';
import { routeChangesOf } from '../model/update.ts';
import type { RouteChanges } from '../model/update.ts';
import type { Analyzer } from './types.ts';

type Read = ModelPart;

/** What a per-route analyzer may read besides the route itself (see shared/per-virtual-service.ts). */
const NOT_ROUTE_INPUTS = new Set<Read>(['virtualServices', 'documents', 'rollouts']);

interface LastRun {
  model: PolicyModel;
  reads: ReadonlySet<Read>;
  findings: Diagnostic[];
}

function mentions(d: Diagnostic, files: ReadonlySet<string>): boolean {
  if (files.has(d.file)) return true;
  return d.related?.some((r) => files.has(r.file)) ?? false;
}

interface LastRouteRun {
  model: PolicyModel;
  byRoute: Map<VirtualService, Diagnostic[]>;
  /** The routes' findings in route order, and the routes that have any. */
  routeFindings: Diagnostic[];
  withFindings: Set<VirtualService>;
}

function sameOutsideRoutes(a: PolicyModel, b: PolicyModel): boolean {
  for (const key of Object.keys(b) as Read[]) if (!NOT_ROUTE_INPUTS.has(key) && !samePart(a[key], b[key])) return false;
  return Object.keys(a).length === Object.keys(b).length;
}

export class AnalyzerCache {
  private readonly last = new Map<Analyzer, LastRun>();
  private readonly lastByRoute = new Map<Analyzer, LastRouteRun>();

  /**
   * Runs `analyzer` on `model`, or returns its findings from the previous model when that is
   * the same as far as the analyzer looked. `changedFiles`: files whose positions may have moved.
   */
  run(analyzer: Analyzer, model: PolicyModel, changedFiles: ReadonlySet<string>, runOne: (analyzer: Analyzer, model: PolicyModel) => Diagnostic[]): Diagnostic[] {
    if (analyzer.forVirtualService) {
      const byRoute = this.runByRoute(analyzer, model, changedFiles);
      if (byRoute) return byRoute;
      this.lastByRoute.delete(analyzer);
      return runOne(analyzer, model);
    }
    const last = this.last.get(analyzer);
    if (last && this.unchangedFor(analyzer, last, model) && !last.findings.some((d) => mentions(d, changedFiles))) {
      this.last.set(analyzer, { ...last, model });
      return last.findings;
    }
    const reads = new Set<Read>();
    const findings = runOne(analyzer, recordingView(model, reads));
    this.last.set(analyzer, { model, reads, findings });
    return findings;
  }

  /** Whether what `analyzer` read last time is the same in `model` (for one that reads only route claims: the same claims). */
  private unchangedFor(analyzer: Analyzer, last: LastRun, model: PolicyModel): boolean {
    if (sameParts(last.model, model, last.reads)) return true;
    if (!analyzer.readsRouteClaimsOnly) return false;
    const changes = routeChangesOf(model, last.model);
    return changes !== undefined && changes.sameClaims && sameParts(last.model, model, last.reads, 'virtualServices');
  }

  /** Findings route by route, checking only routes that are new or sit in changed files; undefined if one fails. */
  private runByRoute(analyzer: Analyzer, model: PolicyModel, changedFiles: ReadonlySet<string>): Diagnostic[] | undefined {
    const check = analyzer.forVirtualService!;
    const last = this.lastByRoute.get(analyzer);
    const reusable = last !== undefined && sameOutsideRoutes(last.model, model);
    const changes = reusable ? routeChangesOf(model, last.model) : undefined;
    let run: LastRouteRun;
    try {
      if (reusable && changes) {
        run = this.patchByRoute(analyzer, model, changedFiles, last, changes);
      } else {
        run = { model, byRoute: new Map(), routeFindings: [], withFindings: new Set() };
        for (const vs of model.virtualServices) {
          let found = reusable ? last.byRoute.get(vs) : undefined;
          if (found === undefined || changedFiles.has(vs.doc.file) || found.some((d) => mentions(d, changedFiles))) found = check.call(analyzer, vs, model);
          run.byRoute.set(vs, found);
          if (found.length > 0) run.withFindings.add(vs);
          for (const d of found) run.routeFindings.push(d);
        }
      }
      this.lastByRoute.set(analyzer, run);
      if (!analyzer.afterRoutes) return run.routeFindings;
      const after = analyzer.afterRoutes(model);
      return after.length === 0 ? run.routeFindings : [...run.routeFindings, ...after];
    } catch {
      this.lastByRoute.delete(analyzer);
      return undefined; // the whole run reports the failure as analyze() does
    }
  }

  /**
   * The last run's findings with the routes replaced in place (model/update.ts) checked again,
   * and those whose positions may have moved: the others are not looked at. The route list is
   * walked only when some route has findings before or after.
   */
  private patchByRoute(analyzer: Analyzer, model: PolicyModel, changedFiles: ReadonlySet<string>, last: LastRouteRun, changes: RouteChanges): LastRouteRun {
    const check = analyzer.forVirtualService!;
    // the last run is handed on: its map and set become this run's
    const { byRoute, withFindings } = last;
    let changed = false;
    const recheck = new Set<VirtualService>();
    for (const [, before, after] of changes.replaced) {
      if (byRoute.get(before)?.length) changed = true;
      byRoute.delete(before);
      withFindings.delete(before);
      recheck.add(after);
    }
    for (const vs of changes.inChangedFiles) recheck.add(vs);
    for (const vs of withFindings) if (byRoute.get(vs)?.some((d) => mentions(d, changedFiles))) recheck.add(vs);
    for (const vs of recheck) {
      if (byRoute.get(vs)?.length) changed = true;
      const found = check.call(analyzer, vs, model);
      byRoute.set(vs, found);
      if (found.length > 0) {
        changed = true;
        withFindings.add(vs);
      } else {
        withFindings.delete(vs);
      }
    }
    let routeFindings = last.routeFindings;
    if (changed) {
      routeFindings = [];
      for (const vs of model.virtualServices) for (const d of byRoute.get(vs) ?? []) routeFindings.push(d);
    }
    return { model, byRoute, routeFindings, withFindings };
  }

  clear(): void {
    this.last.clear();
    this.lastByRoute.clear();
  }
}
