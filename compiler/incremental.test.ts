import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModel, EntryCache, proxyClass, validateSources, ValidationCache } from './index.ts';
import { routeChangesOf } from './model/update.ts';
import type { CompileResult, Diagnostic, PolicyModel, ProxyClass, SourceFile, ValidationResult, WeightOverlay } from './index.ts';

function service(name: string, ns: string, opts: { subsets?: string[]; weights?: [number, number]; extraSubset?: string; comment?: boolean } = {}): string {
  const [a, b] = opts.weights ?? [90, 10];
  const subsets = opts.subsets ?? ['v1', 'v2'];
  return `${opts.comment ? '# owned by the team of this service\n# (a comment that moves everything below)\n' : ''}apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports:
  - {name: http, port: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-v1, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}, version: v1}}
  template:
    metadata: {labels: {app: ${name}, version: v1}}
    spec: {containers: [{name: app, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-v2, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}, version: v2}}
  template:
    metadata: {labels: {app: ${name}, version: v2}}
    spec: {containers: [{name: app, image: x}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${ns}}
spec:
  host: ${name}
  trafficPolicy:
    connectionPool: {http: {http2MaxRequests: 100, maxRetries: 3}}
  subsets:
${subsets.map((s) => `  - {name: ${s}, labels: {version: ${s}}}`).join('\n')}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${name}]
  http:
  - name: split
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}
    route:
    - destination: {host: ${name}, subset: v1}
      weight: ${a}
    - destination: {host: ${name}, subset: ${opts.extraSubset ?? 'v2'}}
      weight: ${b}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  action: ALLOW
  rules:
  - to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
`;
}

function delegate(subset: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front-api, namespace: team-b}
spec:
  http:
  - name: to-${subset}
    route:
    - destination: {host: front, subset: ${subset}}
`;
}

/** A VirtualService in team-b claiming `host`, routing to svc-1. */
function other(host: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other, namespace: team-b}
spec:
  hosts: [${host}]
  http:
  - route:
    - destination: {host: svc-1.team-a.svc.cluster.local, subset: v2}
`;
}

function httpRoute(weight: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: team-b}
spec:
  parentRefs: [{group: "", kind: Service, name: api, port: 8080}]
  rules:
  - backendRefs:
    - {name: api, port: 8080, weight: ${weight}}
    - {name: front, port: 8080, weight: 10}
`;
}

function rollout(route: string): string {
  return `apiVersion: rollouts.sluice.dev/v1alpha1
kind: Rollout
metadata: {name: svc-0, namespace: team-a}
spec:
  target: {virtualService: svc-0, route: ${route}}
  stableSubset: v1
  canarySubset: v2
  steps:
  - setWeight: 20
  - pause: {duration: 5m}
  - setWeight: 100
`;
}

/** Everything observable about a validation, without object identities. */
function validationView(result: ValidationResult): unknown {
  return {
    diagnostics: result.diagnostics.map(plain),
    documentCount: result.documentCount,
    files: [...result.files.keys()],
    model: modelView(result.model),
  };
}

function plain(d: Diagnostic): unknown {
  return JSON.parse(JSON.stringify(d));
}

function modelView(model: PolicyModel): unknown {
  const at = (o: { doc: { file: string; index: number } }) => `${o.doc.file}#${o.doc.index}`;
  return {
    services: model.services.map((s) => [s.hostname, at(s), s.workloads.map(at)]),
    virtualServices: model.virtualServices.map((vs) => [
      vs.name,
      vs.namespace,
      at(vs),
      vs.http.map((r) => r.destinations.map((d) => [d.host.fqdn, d.host.service?.hostname, d.subset, d.resolvedSubset?.name, d.weight])),
    ]),
    destinationRules: model.destinationRules.map((r) => [r.name, at(r), r.subsets.map((s) => [s.name, s.workloads.length])]),
    authorizationPolicies: model.authorizationPolicies.map((p) => [p.name, at(p), p.selection.workloads.map(at)]),
    documents: model.documents.map((d) => `${d.file}#${d.index}:${d.kind}/${d.name}`),
  };
}

function compileView(result: CompileResult): unknown {
  const versions: string[] = [];
  for (const [typeUrl, byName] of result.snapshot.resources) for (const [name, entry] of byName) versions.push(`${typeUrl} ${name} ${entry.version}`);
  return {
    diagnostics: result.diagnostics.map(plain),
    resources: result.resources.map((r) => ({ typeUrl: r.typeUrl, name: r.name, json: r.json })),
    // source maps: what a verify finding or a diff would point at
    sources: result.resources.map((r) => r.sources.map((e) => [e.path.join('.'), e.origin.doc.file, e.origin.doc.index, e.origin.path.join('.'), e.origin.doc.locate(e.origin.path).line])),
    versions,
    snapshot: result.snapshot.version,
  };
}

interface Step {
  title: string;
  apply(files: Map<string, string>): void;
  overlays?: WeightOverlay[];
  /** Something the step must show, so that the sequence exercises what it says. */
  expect?(result: ValidationResult): void;
  expectCompile?(result: CompileResult): void;
}

const typo = (comment: boolean) => service('svc-3', 'team-a', { comment }).replace('- destination: {host: svc-3, subset: v1}', '- destination: {host: svc-3x}');
const compileCodes = (r: CompileResult) => r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`);

const codes = (r: ValidationResult) => r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`);

const steps: Step[] = [
  { title: 'start', apply: () => undefined },
  {
    title: 'a VirtualService changes its split in place',
    apply: (f) => f.set('team-a/svc-1.yaml', service('svc-1', 'team-a', { weights: [80, 20] })),
  },
  {
    title: 'a route points at a subset nobody defines',
    apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a', { extraSubset: 'v3' })),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3002 team-a/svc-2.yaml')), codes(r).join('\n')),
  },
  {
    title: 'lines are added above the broken route, in the same file',
    apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a', { extraSubset: 'v3', comment: true })),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3002 team-a/svc-2.yaml')), codes(r).join('\n')),
  },
  {
    title: 'the DestinationRule gains the subset (a rule change: the model is built afresh)',
    apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a', { extraSubset: 'v3', subsets: ['v1', 'v2', 'v3'], comment: true })),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3003 team-a/svc-2.yaml')), codes(r).join('\n')),
  },
  {
    title: 'a new file routes to a host that does not exist',
    apply: (f) =>
      f.set(
        'team-b/edge.yaml',
        `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: team-b}
spec:
  hosts: [edge.example.com]
  http:
  - route:
    - destination: {host: ghost}
`,
      ),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3001 team-b/edge.yaml')), codes(r).join('\n')),
  },
  {
    title: 'the missing host is added in another file',
    apply: (f) => f.set('team-b/ghost.yaml', service('ghost', 'team-b')),
    expect: (r) => assert.ok(!codes(r).some((c) => c.startsWith('SLU3001')), codes(r).join('\n')),
  },
  {
    title: 'a route delegates to another VirtualService',
    apply: (f) => {
      f.set('team-b/front.yaml', `${service('front', 'team-b').split('---\n').slice(0, 4).join('---\n')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: team-b}
spec:
  hosts: [front]
  http:
  - name: api
    match: [{uri: {prefix: /api}}]
    delegate: {name: front-api, namespace: team-b}
`);
      f.set('team-b/front-api.yaml', delegate('v1'));
    },
  },
  {
    title: 'the delegate changes (the delegating route is unchanged)',
    apply: (f) => f.set('team-b/front-api.yaml', delegate('v2')),
  },
  {
    title: 'a rollout overlay shifts a split without any file changing',
    apply: () => undefined,
    overlays: [{ namespace: 'team-a', virtualService: 'svc-0', route: 'split', weights: { v1: 50, v2: 50 } }],
  },
  {
    title: 'the overlay moves on',
    apply: () => undefined,
    overlays: [{ namespace: 'team-a', virtualService: 'svc-0', route: 'split', weights: { v1: 0, v2: 100 } }],
  },
  {
    title: 'the same VirtualService is defined in two files',
    apply: (f) => f.set('team-b/copy.yaml', service('svc-1', 'team-a').split('---\n')[4] ?? ''),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU1') && c.includes('team-b/copy.yaml')), codes(r).join('\n')),
  },
  {
    title: 'the original is removed from its file (the copy takes its place)',
    apply: (f) => f.set('team-a/svc-1.yaml', service('svc-1', 'team-a').split('---\n').filter((_, i) => i !== 4).join('---\n')),
  },
  { title: 'the copy is deleted', apply: (f) => f.delete('team-b/copy.yaml') },
  { title: 'the route is back in its file', apply: (f) => f.set('team-a/svc-1.yaml', service('svc-1', 'team-a')) },
  {
    title: 'a destination host gets a typo (only contents change: verify finds the missing cluster)',
    apply: (f) => f.set('team-a/svc-3.yaml', typo(false)),
    expectCompile: (r) => assert.ok(compileCodes(r).some((c) => c.startsWith('SLU7102 team-a/svc-3.yaml')), compileCodes(r).join('\n')),
  },
  {
    title: 'lines move above the typo',
    apply: (f) => f.set('team-a/svc-3.yaml', typo(true)),
    expectCompile: (r) => assert.ok(compileCodes(r).some((c) => c.startsWith('SLU7102 team-a/svc-3.yaml')), compileCodes(r).join('\n')),
  },
  { title: 'the typo is fixed', apply: (f) => f.set('team-a/svc-3.yaml', service('svc-3', 'team-a')) },
  {
    title: 'an AuthorizationPolicy changes',
    apply: (f) => f.set('team-a/svc-0.yaml', service('svc-0', 'team-a').replace('methods: [GET]', 'methods: [GET, POST]')),
  },
  {
    title: 'a file stops parsing',
    apply: (f) => f.set('team-a/svc-1.yaml', `${service('svc-1', 'team-a')}---\nkind: [unclosed\n`),
    expect: (r) => assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.file === 'team-a/svc-1.yaml'), codes(r).join('\n')),
  },
  { title: 'and is fixed', apply: (f) => f.set('team-a/svc-1.yaml', service('svc-1', 'team-a')) },
  { title: 'a whole service is deleted', apply: (f) => f.delete('team-b/ghost.yaml') },
  {
    title: 'a Gateway API HTTPRoute attaches to a Service without a VirtualService',
    apply: (f) => f.set('team-b/mesh.yaml', `${service('api', 'team-b').split('---\n').slice(0, 3).join('---\n')}---\n${httpRoute(50)}`),
  },
  { title: 'the HTTPRoute changes its weights', apply: (f) => f.set('team-b/mesh.yaml', `${service('api', 'team-b').split('---\n').slice(0, 3).join('---\n')}---\n${httpRoute(0)}`) },
  {
    title: 'a Rollout targets a route',
    apply: (f) => f.set('team-a/rollout.yaml', rollout('split')),
  },
  {
    title: 'the Rollout targets a route that does not exist',
    apply: (f) => f.set('team-a/rollout.yaml', rollout('nope')),
    expect: (r) => assert.ok(r.diagnostics.some((d) => d.file === 'team-a/rollout.yaml' && d.code.startsWith('SLU6')), codes(r).join('\n')),
  },
  {
    title: 'a PeerAuthentication makes the namespace STRICT',
    apply: (f) => f.set('team-a/mtls.yaml', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: team-a}\nspec:\n  mtls: {mode: STRICT}\n'),
  },
  { title: 'and PERMISSIVE again', apply: (f) => f.set('team-a/mtls.yaml', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: team-a}\nspec:\n  mtls: {mode: PERMISSIVE}\n') },
  {
    title: 'a VirtualService gets a field the schema rejects (edited in place)',
    apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a').replace('    timeout: 5s\n', '    timeout: 5s\n    retriez: 3\n')),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU2') && c.includes('team-a/svc-2.yaml')), codes(r).join('\n')),
  },
  { title: 'and the field is removed', apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a')) },
  {
    title: 'a second VirtualService claims the same host from another file',
    apply: (f) => f.set('team-b/claim.yaml', other('svc-0.team-a.svc.cluster.local')),
    expect: (r) => assert.ok(r.diagnostics.some((d) => d.file === 'team-b/claim.yaml' || d.related?.some((x) => x.file === 'team-b/claim.yaml')), codes(r).join('\n')),
  },
  {
    title: 'an unrelated route changes its split while the conflict stays',
    apply: (f) => f.set('team-a/svc-3.yaml', service('svc-3', 'team-a', { weights: [55, 45] })),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3007')), codes(r).join('\n')),
  },
  {
    title: 'the second claim changes its route in place, claiming the same host',
    apply: (f) => f.set('team-b/claim.yaml', other('svc-0.team-a.svc.cluster.local').replace('subset: v2', 'subset: v1')),
    expect: (r) => assert.ok(codes(r).some((c) => c.startsWith('SLU3007')), codes(r).join('\n')),
  },
  {
    title: 'lines move above the first claim (the finding points into it)',
    apply: (f) => f.set('team-a/svc-0.yaml', service('svc-0', 'team-a', { comment: true })),
  },
  {
    title: 'it moves to its own host in place (the finding about the first file goes away)',
    apply: (f) => f.set('team-b/claim.yaml', other('claim.example.com')),
  },
  {
    title: 'a VirtualService is renamed in place (its name changes, its position does not)',
    apply: (f) => f.set('team-b/claim.yaml', other('claim.example.com').replace('name: other', 'name: other-2')),
  },
  {
    title: 'a route in place gains a host it shares with the delegating route',
    apply: (f) => f.set('team-b/claim.yaml', other('front')),
  },
  { title: 'the claiming file is deleted', apply: (f) => f.delete('team-b/claim.yaml') },
  {
    title: 'two documents of one kind swap places in their file (nothing else changes)',
    apply: (f) => {
      const docs = service('svc-2', 'team-a').split('---\n');
      f.set('team-a/svc-2.yaml', [docs[0], docs[2], docs[1], ...docs.slice(3)].join('---\n'));
    },
  },
  { title: 'and swap back', apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a')) },
  {
    title: 'a route and its DestinationRule swap places (other kinds at each place)',
    apply: (f) => {
      const docs = service('svc-2', 'team-a').split('---\n');
      f.set('team-a/svc-2.yaml', [docs[0], docs[1], docs[2], docs[4], docs[3], docs[5]].join('---\n'));
    },
  },
  { title: 'and back', apply: (f) => f.set('team-a/svc-2.yaml', service('svc-2', 'team-a')) },
  {
    title: 'a Service is edited (workload selection changes)',
    apply: (f) => f.set('team-a/svc-0.yaml', service('svc-0', 'team-a').replace('selector: {app: svc-0}', 'selector: {app: svc-0, tier: web}')),
  },
  { title: 'the files come in the reverse order (no file changes)', apply: (f) => reorder(f, (paths) => paths.reverse()) },
  { title: 'and back', apply: (f) => reorder(f, (paths) => paths.sort()) },
];

/** `files` with its entries in the order `arrange` gives their paths. */
function reorder(files: Map<string, string>, arrange: (paths: string[]) => string[]): void {
  const contents = new Map(files);
  files.clear();
  for (const path of arrange([...contents.keys()])) files.set(path, contents.get(path) as string);
}

/** Runs `steps` from `initial` through the caches, comparing each step with a from-scratch run. */
function checkSequence(flavor: 'envoy' | 'grpc', initial: ReadonlyMap<string, string>, sequence: readonly Step[]): void {
  const files = new Map(initial);
  const validation = new ValidationCache();
  const entries = new EntryCache();
  const proxy: ProxyClass = proxyClass(flavor, 'team-a', { app: 'svc-0', version: 'v1' });
  for (const step of sequence) {
    step.apply(files);
    const sources: SourceFile[] = [...files].map(([path, content]) => ({ path, content }));
    const incremental = validateSources(sources, { cache: validation });
    const scratch = validateSources(sources);
    assert.deepEqual(validationView(incremental), validationView(scratch), step.title);
    step.expect?.(incremental);
    const options = { revision: 'r1', ...(step.overlays ? { overlays: step.overlays } : {}) };
    const compiled = compileModel(incremental.model, proxy, { ...options, cache: entries });
    const fresh = compileModel(scratch.model, proxy, options);
    assert.deepEqual(compileView(compiled), compileView(fresh), step.title);
    step.expectCompile?.(compiled);
  }
}

const noRetries = (name: string) => service(name, 'team-a').replace('    retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}\n', '');
const directResponse = (name: string) =>
  service(name, 'team-a').replace(/ {2}- name: split\n[\s\S]*?weight: 10\n/, '  - name: split\n    directResponse: {status: 503, body: {string: "down for maintenance"}}\n');
const listed = (r: CompileResult, code: string) => r.diagnostics.filter((d) => d.code === code && !d.message.includes('more')).map((d) => d.file);

/** Edits in place in a mesh with more findings of one code (SLU7003 for grpc) than a translation lists. */
const manySteps: Step[] = [
  { title: 'start (30 services)', apply: () => undefined },
  { title: 'a split changes after the listed findings', apply: (f) => f.set('team-a/svc-28.yaml', service('svc-28', 'team-a', { weights: [70, 30] })) },
  {
    title: 'a listed finding goes away (the next one is listed instead)',
    apply: (f) => f.set('team-a/svc-01.yaml', noRetries('svc-01')),
    expectCompile: (r) => assert.ok(!listed(r, 'SLU7003').includes('team-a/svc-01.yaml')),
  },
  { title: 'an unlisted finding goes away', apply: (f) => f.set('team-a/svc-27.yaml', noRetries('svc-27')) },
  { title: 'the listed finding comes back', apply: (f) => f.set('team-a/svc-01.yaml', service('svc-01', 'team-a')) },
  {
    title: 'a route becomes a direct response (envoy raises the body limit of its configuration)',
    apply: (f) => f.set('team-a/svc-05.yaml', directResponse('svc-05')),
    expectCompile: (r) => {
      if (r.snapshot.proxy.flavor !== 'envoy') return;
      const config = r.resources.find((x) => x.typeUrl.endsWith('RouteConfiguration'));
      assert.ok(config?.json.maxDirectResponseBodySizeBytes, 'the body limit is raised');
    },
  },
  { title: 'another one does', apply: (f) => f.set('team-a/svc-06.yaml', directResponse('svc-06')) },
  { title: 'the first is a split again', apply: (f) => f.set('team-a/svc-05.yaml', service('svc-05', 'team-a')) },
  { title: 'and the second', apply: (f) => f.set('team-a/svc-06.yaml', service('svc-06', 'team-a')) },
  { title: 'lines move above a route (its positions change, its content does not)', apply: (f) => f.set('team-a/svc-02.yaml', service('svc-02', 'team-a', { comment: true })) },
  { title: 'two routes change at once', apply: (f) => {
    f.set('team-a/svc-03.yaml', service('svc-03', 'team-a', { weights: [60, 40] }));
    f.set('team-a/svc-29.yaml', service('svc-29', 'team-a', { weights: [60, 40] }));
  } },
  { title: 'a split changes while a rollout overlay is set', apply: (f) => f.set('team-a/svc-00.yaml', service('svc-00', 'team-a', { weights: [75, 25] })), overlays: [{ namespace: 'team-a', virtualService: 'svc-00', route: 'split', weights: { v1: 50, v2: 50 } }] },
  { title: 'another split changes with the same overlay', apply: (f) => f.set('team-a/svc-04.yaml', service('svc-04', 'team-a', { weights: [75, 25] })), overlays: [{ namespace: 'team-a', virtualService: 'svc-00', route: 'split', weights: { v1: 50, v2: 50 } }] },
  { title: 'the overlaid route itself changes', apply: (f) => f.set('team-a/svc-00.yaml', service('svc-00', 'team-a', { weights: [85, 15] })), overlays: [{ namespace: 'team-a', virtualService: 'svc-00', route: 'split', weights: { v1: 50, v2: 50 } }] },
  {
    title: 'a rollout overlay names a route the VirtualService does not have (an overlay finding, no file changed)',
    apply: () => undefined,
    overlays: [{ namespace: 'team-a', virtualService: 'svc-00', route: 'nope', weights: { v1: 50, v2: 50 } }],
    expectCompile: (r) => assert.ok(compileCodes(r).some((c) => c.startsWith('SLU7')), compileCodes(r).join('\n')),
  },
  {
    title: 'two overlays, one of them on another route',
    apply: () => undefined,
    overlays: [
      { namespace: 'team-a', virtualService: 'svc-00', route: 'split', weights: { v1: 30, v2: 70 } },
      { namespace: 'team-a', virtualService: 'svc-12', route: 'split', weights: { v1: 0, v2: 100 } },
    ],
  },
  {
    title: 'one overlay moves on while a route changes in place',
    apply: (f) => f.set('team-a/svc-13.yaml', service('svc-13', 'team-a', { weights: [45, 55] })),
    overlays: [
      { namespace: 'team-a', virtualService: 'svc-00', route: 'split', weights: { v1: 30, v2: 70 } },
      { namespace: 'team-a', virtualService: 'svc-12', route: 'split', weights: { v1: 100, v2: 0 } },
    ],
  },
  { title: 'the overlays end', apply: () => undefined },
  { title: 'a route now names a subset nobody defines (a finding in place)', apply: (f) => f.set('team-a/svc-07.yaml', service('svc-07', 'team-a', { extraSubset: 'v3' })) },
  { title: 'and is fixed', apply: (f) => f.set('team-a/svc-07.yaml', service('svc-07', 'team-a')) },
  {
    title: 'a Service gets a second port (a model built afresh: one more virtual host, in another configuration for envoy)',
    apply: (f) => f.set('team-a/svc-08.yaml', service('svc-08', 'team-a').replace('  - {name: http, port: 8080}\n', '  - {name: http, port: 8080}\n  - {name: http-admin, port: 9090}\n')),
  },
  { title: 'its route changes in place (both its virtual hosts are built again)', apply: (f) => f.set('team-a/svc-08.yaml', service('svc-08', 'team-a', { weights: [65, 35] }).replace('  - {name: http, port: 8080}\n', '  - {name: http, port: 8080}\n  - {name: http-admin, port: 9090}\n')) },
  { title: 'another route changes in place', apply: (f) => f.set('team-a/svc-09.yaml', service('svc-09', 'team-a', { weights: [65, 35] })) },
  {
    title: 'the Service changes its port',
    apply: (f) => f.set('team-a/svc-08.yaml', service('svc-08', 'team-a', { weights: [65, 35] }).replace('  - {name: http, port: 8080}\n', '  - {name: http, port: 8081}\n')),
  },
  { title: 'its route changes again', apply: (f) => f.set('team-a/svc-08.yaml', service('svc-08', 'team-a', { weights: [50, 50] }).replace('  - {name: http, port: 8080}\n', '  - {name: http, port: 8081}\n')) },
  { title: 'a file with a service is removed', apply: (f) => f.delete('team-a/svc-10.yaml') },
  { title: 'a route changes after the removal', apply: (f) => f.set('team-a/svc-11.yaml', service('svc-11', 'team-a', { weights: [50, 50] })) },
];

describe('incremental validation and compilation', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`gives the from-scratch result after every edit of a sequence (${flavor})`, () => {
      const files = new Map<string, string>();
      for (let i = 0; i < 4; i++) files.set(`team-a/svc-${i}.yaml`, service(`svc-${i}`, 'team-a'));
      checkSequence(flavor, files, steps);
    });

    it(`gives the from-scratch result after edits in place in a larger mesh (${flavor})`, () => {
      const files = new Map<string, string>();
      for (let i = 0; i < 30; i++) {
        const name = `svc-${String(i).padStart(2, '0')}`;
        files.set(`team-a/${name}.yaml`, service(name, 'team-a'));
      }
      checkSequence(flavor, files, manySteps);
    });
  }

  it('gives the from-scratch snapshot version when a type has more entries than one digest part (grpc, 1,030 services)', () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 1030; i++) files.set(`team-a/svc-${String(i).padStart(4, '0')}.yaml`, service(`svc-${i}`, 'team-a'));
    checkSequence('grpc', files, [
      { title: 'start', apply: () => undefined },
      { title: 'a split changes in the first part', apply: (f) => f.set('team-a/svc-0003.yaml', service('svc-3', 'team-a', { weights: [70, 30] })) },
      { title: 'two splits change in the second part', apply: (f) => {
        f.set('team-a/svc-1025.yaml', service('svc-1025', 'team-a', { weights: [70, 30] }));
        f.set('team-a/svc-1029.yaml', service('svc-1029', 'team-a', { weights: [70, 30] }));
      } },
    ]);
  });

  it('lists the first findings of a code and counts the rest after an edit in place (grpc)', () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const name = `svc-${String(i).padStart(2, '0')}`;
      files.set(`team-a/${name}.yaml`, service(name, 'team-a'));
    }
    const seen: CompileResult[] = [];
    checkSequence('grpc', files, [
      { title: 'start', apply: () => undefined },
      { title: 'a listed finding goes away', apply: (f) => f.set('team-a/svc-01.yaml', noRetries('svc-01')), expectCompile: (r) => seen.push(r) },
    ]);
    const [after] = seen;
    assert.ok(after);
    assert.equal(listed(after, 'SLU7003').length, 25);
    assert.ok(listed(after, 'SLU7003').includes('team-a/svc-25.yaml'), 'the 26th is listed now');
    assert.ok(after.diagnostics.some((d) => d.code === 'SLU7003' && d.message.startsWith('4 more SLU7003 findings')), after.diagnostics.map((d) => d.message).join('\n'));
  });
});

describe('incremental validation reuses what did not change', () => {
  it('keeps the documents and model objects of unchanged files and policies after a route edit', () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 3; i++) files.set(`team-a/svc-${i}.yaml`, service(`svc-${i}`, 'team-a'));
    const sources = () => [...files].map(([path, content]) => ({ path, content }));
    const cache = new ValidationCache();
    const before = validateSources(sources(), { cache }).model;
    files.set('team-a/svc-1.yaml', service('svc-1', 'team-a', { weights: [70, 30] }));
    const after = validateSources(sources(), { cache }).model;
    assert.equal(after.services[0], before.services[0], 'an untouched file keeps its Service');
    assert.equal(after.services[1], before.services[1], 'the edited file keeps its unchanged Service');
    assert.equal(after.destinationRules[1], before.destinationRules[1]);
    assert.equal(after.virtualServices[0], before.virtualServices[0]);
    assert.notEqual(after.virtualServices[1], before.virtualServices[1], 'the edited route is made again');
    assert.deepEqual(after.virtualServices[1]?.http[0]?.destinations.map((d) => d.weight), [70, 30]);
    // replaced in place: later stages are told which route changed instead of comparing all
    assert.deepEqual(routeChangesOf(after, before)?.replaced.map(([i, old, made]) => [i, old === before.virtualServices[1], made === after.virtualServices[1]]), [[1, true, true]]);
    files.set('team-a/extra.yaml', service('svc-9', 'team-a'));
    const added = validateSources(sources(), { cache }).model;
    assert.equal(routeChangesOf(added, after), undefined, 'a file added is no change in place');
  });

  it('builds only the virtual host of a route edited in place: the others are the same objects (envoy)', () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 5; i++) files.set(`team-a/svc-${i}.yaml`, service(`svc-${i}`, 'team-a'));
    const sources = () => [...files].map(([path, content]) => ({ path, content }));
    const validation = new ValidationCache();
    const entries = new EntryCache();
    const proxy = proxyClass('envoy', 'team-a', { app: 'svc-0', version: 'v1' });
    const hostsOf = (r: CompileResult) => (r.resources.find((x) => x.typeUrl.endsWith('RouteConfiguration'))?.json.virtualHosts ?? []) as unknown[];
    const before = hostsOf(compileModel(validateSources(sources(), { cache: validation }).model, proxy, { cache: entries }));
    files.set('team-a/svc-2.yaml', service('svc-2', 'team-a', { weights: [60, 40] }));
    const after = hostsOf(compileModel(validateSources(sources(), { cache: validation }).model, proxy, { cache: entries }));
    assert.equal(after.length, 5);
    assert.deepEqual(after.map((h, i) => h === before[i]), [true, true, false, true, true]);
  });

  it('freezes reused resources all the way down (what is kept by identity cannot change under the caches)', () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 3; i++) files.set(`team-a/svc-${i}.yaml`, service(`svc-${i}`, 'team-a'));
    const sources = () => [...files].map(([path, content]) => ({ path, content }));
    for (const flavor of ['envoy', 'grpc'] as const) {
      const validation = new ValidationCache();
      const entries = new EntryCache();
      const proxy = proxyClass(flavor, 'team-a', { app: 'svc-0', version: 'v1' });
      compileModel(validateSources(sources(), { cache: validation }).model, proxy, { cache: entries });
      files.set('team-a/svc-1.yaml', service('svc-1', 'team-a', { weights: [70, 30] }));
      compileModel(validateSources(sources(), { cache: validation }).model, proxy, { cache: entries });
      files.set('team-a/svc-1.yaml', service('svc-1', 'team-a', { weights: [60, 40] }));
      const reused = compileModel(validateSources(sources(), { cache: validation }).model, proxy, { cache: entries });
      const shallow: string[] = [];
      const visit = (value: unknown, path: string, underFrozen: boolean): void => {
        if (typeof value !== 'object' || value === null) return;
        const frozen = Object.isFrozen(value);
        if (underFrozen && !frozen) shallow.push(path);
        for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`, frozen);
      };
      let frozenResources = 0;
      for (const r of reused.resources) {
        if (Object.isFrozen(r.json)) frozenResources++;
        visit(r.json, `${r.name}`, false);
      }
      assert.ok(frozenResources > 0, `${flavor}: some resources were reused`);
      assert.deepEqual(shallow.slice(0, 5), [], `${flavor}: objects inside frozen objects are frozen`);
    }
  });
});
