/**
 * Route weights, as Istio validates them and Envoy uses them:
 * SLU4003 several destinations and none has a weight (Istio: "total destination weight = 0";
 *   istio#58237: Envoy NACKs the weighted clusters);
 * SLU4004 a negative weight;
 * SLU4005 several destinations whose weights add up to 0;
 * SLU4006 a destination without a weight next to weighted ones (it gets weight 0: no traffic).
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import { at, describeRule, perVirtualService, routesOf } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const MISSING_WEIGHTS = defineCode({
  code: 'SLU4003',
  stage: 'networking',
  severity: 'error',
  title: 'Several destinations without weights',
  hint: 'Give every destination of the route a weight (they need not add up to 100, but their total must be above 0), or keep a single destination.',
});

export const NEGATIVE_WEIGHT = defineCode({
  code: 'SLU4004',
  stage: 'networking',
  severity: 'error',
  title: 'Negative destination weight',
  hint: 'Weights are relative shares of traffic and must be 0 or more.',
});

export const ZERO_TOTAL_WEIGHT = defineCode({
  code: 'SLU4005',
  stage: 'networking',
  severity: 'error',
  title: 'Destination weights add up to 0',
  hint: 'Give at least one destination a weight above 0; with every weight at 0 the route sends traffic nowhere.',
});

export const UNWEIGHTED_DESTINATION = defineCode({
  code: 'SLU4006',
  stage: 'networking',
  severity: 'warning',
  title: 'Destination without a weight next to weighted ones',
  hint: 'A destination without a weight gets weight 0 and no traffic: give it a weight, or write `weight: 0` if that is intended.',
});

export const weights: Analyzer = perVirtualService({
  name: 'weights',
  codes: [MISSING_WEIGHTS, NEGATIVE_WEIGHT, ZERO_TOTAL_WEIGHT, UNWEIGHTED_DESTINATION],
  check(vs, model, out) {
    const istio = vs.sourceKind === 'VirtualService';
    for (const { route, section } of routesOf(vs)) {
      const dests = route.destinations;
      let negative = false;
      for (const d of dests) {
        if (d.weight !== undefined && d.weight < 0) {
          negative = true;
          out.push(diagnostic(NEGATIVE_WEIGHT, at(vs, [...d.path, 'weight']), `weight ${d.weight} of destination ${d.host.written} is negative; weights must be 0 or more`));
        }
      }
      if (negative || dests.length < 2) continue;
      const rule = describeRule(route, istio ? section : 'rules');
      const unweighted = dests.filter((d) => d.weight === undefined);
      if (istio && unweighted.length === dests.length) {
        out.push(
          diagnostic(
            MISSING_WEIGHTS,
            at(vs, [...route.path, 'route'], 'key'),
            `${rule} has ${dests.length} destinations and none has a weight; Istio rejects this (total weight 0) and Envoy would refuse the weighted clusters`,
          ),
        );
        continue;
      }
      const total = dests.reduce((sum, d) => sum + (d.weight ?? 0), 0);
      if (total === 0) {
        out.push(
          diagnostic(ZERO_TOTAL_WEIGHT, at(vs, dests[0] ? [...dests[0].path, 'weight'] : route.path), `the weights of the ${dests.length} destinations of ${rule} add up to 0, so the route sends traffic nowhere`),
        );
        continue;
      }
      if (istio) {
        for (const d of unweighted) {
          const others = dests.filter((o) => o.weight !== undefined).map((o) => `${o.host.written}${o.subset ? `/${o.subset}` : ''}=${o.weight}`);
          out.push(
            diagnostic(
              UNWEIGHTED_DESTINATION,
              at(vs, d.path),
              `destination ${d.host.written}${d.subset ? ` (subset ${d.subset})` : ''} has no weight while the others do (${others.join(', ')}); it gets weight 0 and receives no traffic`,
            ),
          );
        }
      }
    }
  },
});
