/**
 * Conformance: Istio's bookinfo sample, unchanged (../shared/conformance/istio-bookinfo).
 * Each networking scenario is loaded with platform/bookinfo.yaml and one of the
 * destination-rule-all files, through the whole pipeline (load, schema, model, analyzers),
 * and must yield exactly the findings that are true of the files, and nothing else.
 *
 * What is true of the files (see the corpus README):
 * - platform/bookinfo.yaml deploys details v1, ratings v1, reviews v1-v3, productpage v1;
 *   so the ratings subsets v2, v2-mysql, v2-mysql-vm and the details subset v2 of
 *   destination-rule-all select no workload (SLU3003: warning where only defined, error
 *   where a route sends traffic to them);
 * - fault-injection-details-v1: the second rule can never match (the first has no match),
 *   and its DestinationRule `details` is the same object as destination-rule-all's
 *   (SLU1010 from the loader, which keeps the first);
 * - destination-rule-all-mtls / destination-rule-reviews redefine the same DestinationRules;
 * - certmanager-gateway routes to cert-manager-resolver in istio-system, which the
 *   platform does not declare (cert-manager creates it at run time): a warning;
 * - two virtual-service-reviews-* files define VirtualService reviews twice.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { validateSources } from '../../validate.ts';

const ROOT = join(import.meta.dirname, '../../../../shared/conformance/istio-bookinfo');

function source(rel: string): { path: string; content: string } {
  return { path: rel, content: readFileSync(join(ROOT, rel), 'utf8') };
}

function run(files: readonly string[]): string[] {
  const unique = [...new Set(files)];
  const { diagnostics } = validateSources(unique.map(source));
  return diagnostics.map(show).sort();
}

function show(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`;
}

const PLATFORM = 'platform/bookinfo.yaml';
const DR_ALL = 'networking/destination-rule-all.yaml';
const DR_MTLS = 'networking/destination-rule-all-mtls.yaml';

/** Where each destination-rule-all file defines the subsets that select nothing. */
const EMPTY_SUBSETS: Record<string, Record<string, string>> = {
  [DR_ALL]: { 'ratings/v2': '39:11', 'ratings/v2-mysql': '42:11', 'ratings/v2-mysql-vm': '45:11', 'details/v2': '59:11' },
  [DR_MTLS]: { 'ratings/v2': '48:11', 'ratings/v2-mysql': '51:11', 'ratings/v2-mysql-vm': '54:11', 'details/v2': '71:11' },
};

/** Lines of `metadata.name` of the DestinationRules in each destination-rule-all file. */
const DR_NAMES: Record<string, Record<string, string>> = {
  [DR_ALL]: { productpage: '4:9', reviews: '15:9', ratings: '32:9', details: '52:9' },
  [DR_MTLS]: { productpage: '4:9', reviews: '18:9', ratings: '38:9', details: '61:9' },
};

/** The subset warnings of a DestinationRule file, minus the subsets a scenario routes to. */
function emptySubsetWarnings(dr: string, routed: readonly string[] = []): string[] {
  return Object.entries(EMPTY_SUBSETS[dr] ?? {})
    .filter(([subset]) => !routed.includes(subset))
    .map(([, at]) => `${dr}:${at} warning SLU3003`);
}

interface Scenario {
  /** Subsets (service/subset) the scenario sends traffic to among the empty ones. */
  routed?: string[];
  /** Findings besides the subset warnings; `DR` stands for the destination-rule-all file in use. */
  extra?: (dr: string) => string[];
}

const SCENARIOS: Record<string, Scenario> = {
  'bookinfo-gateway.yaml': {},
  'certmanager-gateway.yaml': { extra: () => ['networking/certmanager-gateway.yaml:33:15 warning SLU3001'] },
  'destination-rule-all-mtls.yaml': {
    extra: (dr) =>
      dr === DR_MTLS
        ? []
        : Object.values(DR_NAMES[DR_MTLS] ?? {}).map((at) => `${DR_MTLS}:${at} error SLU1010`),
  },
  'destination-rule-all.yaml': {
    extra: (dr) => (dr === DR_ALL ? [] : Object.values(DR_NAMES[DR_ALL] ?? {}).map((at) => `${DR_ALL}:${at} error SLU1010`)),
  },
  'destination-rule-reviews.yaml': { extra: () => ['networking/destination-rule-reviews.yaml:4:9 error SLU1010'] },
  'egress-rule-google-apis.yaml': {},
  'fault-injection-details-v1.yaml': {
    extra: () => ['networking/fault-injection-details-v1.yaml:18:5 warning SLU4001', 'networking/fault-injection-details-v1.yaml:26:9 error SLU1010'],
  },
  'virtual-service-all-v1.yaml': {},
  'virtual-service-details-v2.yaml': { routed: ['details/v2'], extra: () => ['networking/virtual-service-details-v2.yaml:12:17 error SLU3003'] },
  'virtual-service-ratings-db.yaml': { routed: ['ratings/v2'], extra: () => ['networking/virtual-service-ratings-db.yaml:25:17 error SLU3003'] },
  'virtual-service-ratings-mysql-vm.yaml': {
    routed: ['ratings/v2-mysql-vm'],
    extra: () => ['networking/virtual-service-ratings-mysql-vm.yaml:25:17 error SLU3003'],
  },
  'virtual-service-ratings-mysql.yaml': { routed: ['ratings/v2-mysql'], extra: () => ['networking/virtual-service-ratings-mysql.yaml:25:17 error SLU3003'] },
  'virtual-service-ratings-test-abort.yaml': {},
  'virtual-service-ratings-test-delay.yaml': {},
  'virtual-service-reviews-50-v3.yaml': {},
  'virtual-service-reviews-80-20.yaml': {},
  'virtual-service-reviews-90-10.yaml': {},
  'virtual-service-reviews-jason-v2-v3.yaml': {},
  'virtual-service-reviews-test-v2.yaml': {},
  'virtual-service-reviews-v2-v3.yaml': {},
  'virtual-service-reviews-v3.yaml': {},
};

describe('bookinfo conformance: networking scenarios', () => {
  it('covers every file of the corpus', () => {
    assert.deepEqual(Object.keys(SCENARIOS).sort(), readdirSync(join(ROOT, 'networking')).sort());
  });

  for (const dr of [DR_ALL, DR_MTLS]) {
    describe(`with ${PLATFORM} and ${dr}`, () => {
      for (const [file, scenario] of Object.entries(SCENARIOS)) {
        it(file, () => {
          const expected = [...emptySubsetWarnings(dr, scenario.routed), ...(scenario.extra?.(dr) ?? [])].sort();
          assert.deepEqual(run([PLATFORM, dr, `networking/${file}`]), expected);
        });
      }
    });
  }

  it('the DestinationRule findings name the rule file for each subset', () => {
    const { diagnostics } = validateSources([PLATFORM, DR_ALL].map(source));
    const messages = diagnostics.filter((d) => d.code === 'SLU3003').map((d) => d.message);
    assert.equal(messages.length, 4);
    assert.ok(messages.some((m) => m.includes('subset "v2-mysql-vm"') && m.includes('Service default/ratings')));
  });

  it('two virtual-service-reviews-* files define VirtualService reviews twice', () => {
    const reviews = readdirSync(join(ROOT, 'networking')).filter((f) => f.startsWith('virtual-service-reviews-'));
    assert.ok(reviews.length >= 2);
    for (let i = 0; i < reviews.length; i++) {
      for (let j = i + 1; j < reviews.length; j++) {
        const [a, b] = [`networking/${reviews[i]}`, `networking/${reviews[j]}`];
        const { diagnostics } = validateSources([PLATFORM, DR_ALL, a, b].map(source));
        const twice = diagnostics.filter((d) => d.code === 'SLU1010' || d.code === 'SLU3007');
        assert.equal(twice.length, 1, `${a} + ${b}: ${diagnostics.map(show).join(', ')}`);
        assert.equal(twice[0]?.file, b);
        assert.match(twice[0]?.message ?? '', new RegExp(`VirtualService reviews .*${a.replace(/[.]/g, '\\.')}`));
        const others = diagnostics.filter((d) => d !== twice[0]).map(show).sort();
        assert.deepEqual(others, emptySubsetWarnings(DR_ALL).sort(), `${a} + ${b}`);
      }
    }
  });
});

describe('bookinfo conformance: Gateway API routes', () => {
  for (const file of readdirSync(join(ROOT, 'gateway-api')).sort()) {
    it(`${file} has no networking findings`, () => {
      const { diagnostics } = validateSources([PLATFORM, 'platform/bookinfo-versions.yaml', `gateway-api/${file}`].map(source));
      assert.deepEqual(diagnostics.filter((d) => /^SLU[34]/.test(d.code)).map(show), []);
    });
  }
});
