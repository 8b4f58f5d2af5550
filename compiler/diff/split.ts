/**
 * Route destinations → an exact split, as Envoy will apply it: weights normalized over
 * the destinations that get any, a lone Istio destination takes everything whatever its
 * weight, Gateway API backends default to weight 1, and destinations that resolve to the
 * same place add up.
 */
import { effectiveWeight } from '../analyze/shared/routes.ts';
import { isRecord, num } from '../model/json.ts';
import type { HttpRoute, TcpTlsRoute, VirtualService } from '../model/types.ts';
import { compareText } from './canonical.ts';
import { fraction, NOTHING, sameFraction } from './fraction.ts';
import type { Fraction, Share, ShareChange, Split, Target } from './types.ts';
import { compact } from './values.ts';

/** What shares are labelled relative to: the service (or gateway host) they are listed under. */
export interface LabelContext {
  host: string;
  namespace: string;
  port?: number;
  domainSuffix: string;
}

/** `reviews.default.svc.cluster.local` → `reviews` from namespace default, `reviews.default` from elsewhere. */
export function shortHost(host: string, ctx: LabelContext): string {
  const suffix = `.svc.${ctx.domainSuffix}`;
  if (!host.endsWith(suffix)) return host;
  const rest = host.slice(0, -suffix.length);
  const dot = rest.lastIndexOf('.');
  if (dot < 0) return host;
  const name = rest.slice(0, dot);
  const namespace = rest.slice(dot + 1);
  return namespace === ctx.namespace ? name : `${name}.${namespace}`;
}

export function targetLabel(target: Target, ctx: LabelContext): string {
  switch (target.kind) {
    case 'service': {
      const port = target.port !== undefined && target.port !== ctx.port ? `:${target.port}` : '';
      if (target.host !== ctx.host) return shortHost(target.host, ctx) + port + (target.subset === undefined ? '' : `/${target.subset}`);
      // the service itself without a subset: every endpoint, whatever its version
      return target.subset === undefined ? `${shortHost(target.host, ctx)}${port} (all endpoints)` : `${target.subset}${port}`;
    }
    case 'redirect':
      return `redirect ${target.to}`;
    case 'direct-response':
      return `direct response ${target.status}`;
    case 'delegate':
      return `delegate ${target.to}`;
    case 'no-route':
      return 'no route';
  }
}

function whole(target: Target, ctx: LabelContext): Split {
  return [{ label: targetLabel(target, ctx), target, share: fraction(1, 1) }];
}

/** Everything to the service itself: what a host without routes gets. */
export function serviceSplit(ctx: LabelContext): Split {
  return whole({ kind: 'service', host: ctx.host }, ctx);
}

export function noRouteSplit(ctx: LabelContext): Split {
  return whole({ kind: 'no-route' }, ctx);
}

function sortShares(shares: Share[]): Share[] {
  return shares.sort((a, b) => compareText(a.label, b.label));
}

/** Where a route sends its requests. */
export function routeSplit(vs: VirtualService, route: HttpRoute | TcpTlsRoute, ctx: LabelContext): Split {
  const raw = route.raw;
  if (isRecord(raw.redirect)) return whole({ kind: 'redirect', to: compact(raw.redirect) }, ctx);
  if (isRecord(raw.directResponse)) return whole({ kind: 'direct-response', status: num(raw.directResponse.status) ?? 0 }, ctx);
  if (isRecord(raw.delegate)) {
    const name = typeof raw.delegate.name === 'string' ? raw.delegate.name : '?';
    const namespace = typeof raw.delegate.namespace === 'string' ? raw.delegate.namespace : vs.namespace;
    return whole({ kind: 'delegate', to: `${namespace}/${name}` }, ctx);
  }
  const weights = new Map<string, { target: Target; weight: number }>();
  let total = 0;
  for (const d of route.destinations) {
    const weight = effectiveWeight(vs, route.destinations, d);
    if (!(weight > 0)) continue;
    const target: Target = { kind: 'service', host: d.host.fqdn };
    if (d.subset !== undefined) target.subset = d.subset;
    if (d.port !== undefined) target.port = d.port;
    const key = `${target.host}|${target.subset ?? ''}|${target.port ?? ''}`;
    const seen = weights.get(key);
    if (seen) seen.weight += weight;
    else weights.set(key, { target, weight });
    total += weight;
  }
  const shares: Share[] = [];
  for (const { target, weight } of weights.values()) shares.push({ label: targetLabel(target, ctx), target, share: fraction(weight, total) });
  return sortShares(shares);
}

export function sameSplit(a: Split, b: Split): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => {
    const t = b[i];
    return t !== undefined && t.label === s.label && sameFraction(s.share, t.share);
  });
}

/** Every destination of either split with its share on each side: before's in order, then the new ones. */
export function shareChanges(before: Split, after: Split): ShareChange[] {
  const byLabel = new Map<string, ShareChange>();
  for (const s of before) byLabel.set(s.label, { label: s.label, target: s.target, before: s.share, after: NOTHING });
  for (const s of after) {
    const seen = byLabel.get(s.label);
    if (seen) seen.after = s.share;
    else byLabel.set(s.label, { label: s.label, target: s.target, before: NOTHING, after: s.share });
  }
  return [...byLabel.values()];
}

/** `90%`, `33.33%` (two decimals at most; the exact ratio is in the Fraction). */
export function percentText(f: Fraction): string {
  return `${+f.percent.toFixed(2)}%`;
}

/** `v2` for a lone destination (`v2 100%` with `percentAlways`), `v1 90%, v2 10%` otherwise, `nowhere` for none. */
export function splitText(split: Split, percentAlways = false): string {
  if (split.length === 0) return 'nowhere (all weights 0)';
  if (!percentAlways && split.length === 1 && split[0]?.share.num === split[0]?.share.den) return split[0]?.label ?? '';
  return split.map((s) => `${s.label} ${percentText(s.share)}`).join(', ');
}
