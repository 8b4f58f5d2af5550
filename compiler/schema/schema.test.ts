import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../diagnostics/index.ts';
import { loadSources } from '../load/index.ts';
import type { PolicyDocument } from '../load/index.ts';
import { isKnownKind, isKnownVersion, knownKinds, schemaFor, validateDocument, validateDocuments, warmUp } from './index.ts';

const CONFORMANCE = new URL('../../../shared/conformance/istio-bookinfo/', import.meta.url);

function load(text: string, file = 'policy.yaml'): PolicyDocument[] {
  const result = loadSources([{ path: file, content: text }]);
  assert.deepEqual(result.diagnostics, [], 'the loader reports nothing');
  return result.documents;
}

function validate(text: string): Diagnostic[] {
  return validateDocuments(load(text));
}

function show(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.path} ${d.message}`).join('\n');
}

/** Exactly one diagnostic with this code, returned. */
function one(diagnostics: readonly Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `one ${code} expected in:\n${show(diagnostics)}`);
  return found[0]!;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(path);
  }
  return out.sort();
}

const vsWithTypo = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weigth: 80
`;

describe('conformance: istio bookinfo', () => {
  const root = new URL(CONFORMANCE).pathname;
  const files = yamlFiles(root);

  it('finds the corpus', () => {
    assert.ok(files.length >= 25, `only ${files.length} files under ${root}`);
  });

  for (const file of files) {
    const name = relative(root, file);
    it(`${name} validates with no schema errors`, () => {
      const result = loadSources([{ path: name, content: readFileSync(file) }]);
      assert.deepEqual(result.diagnostics, []);
      assert.ok(result.documents.length > 0);
      const diagnostics = validateDocuments(result.documents);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, [], show(errors));
      // The only warning: the Gateway API Gateway, a kind sluice does not read.
      for (const warning of diagnostics) {
        assert.equal(warning.code, 'SLU2001', show([warning]));
        assert.match(warning.message, /Gateway \(gateway\.networking\.k8s\.io\/v1\)/);
      }
    });
  }
});

describe('unknown properties', () => {
  it('points at the key of a typo and suggests the closest property', () => {
    const d = one(validate(vsWithTypo), 'SLU2003');
    assert.equal(d.severity, 'error');
    assert.deepEqual([d.line, d.col, d.endLine, d.endCol], [12, 7, 12, 13]);
    assert.equal(d.path, '/spec/http/0/route/0/weigth');
    assert.match(d.message, /spec\.http\[0\]\.route\[0\]\.weigth/);
    assert.match(d.message, /did you mean `weight`\?/);
  });

  it('lists the known properties when nothing is close', () => {
    const text = vsWithTypo.replace('weigth: 80', 'zzzzzzzzzz: 1');
    const d = one(validate(text), 'SLU2003');
    assert.doesNotMatch(d.message, /did you mean/);
    assert.match(d.hint ?? '', /`destination`/);
    assert.match(d.hint ?? '', /`weight`/);
  });

  it('says where a property belongs when it is indented one level too deep', () => {
    const text = vsWithTypo.replace('        subset: v1\n      weigth: 80', '        subset: v1\n        weight: 80');
    const d = one(validate(text), 'SLU2003');
    assert.equal(d.path, '/spec/http/0/route/0/destination/weight');
    assert.match(d.hint ?? '', /`weight` belongs to spec\.http\[0\]\.route\[0\]: check the indentation/);
  });

  it('rejects unknown top-level fields and allows status', () => {
    const text = `${vsWithTypo.replace('weigth', 'weight').replace('spec:', 'specs:')}status: {anything: [1, 2]}\n`;
    const d = one(validate(text), 'SLU2003');
    assert.equal(d.path, '/specs');
    assert.match(d.message, /did you mean `spec`\?/);
  });

  it('allows every field of a Kubernetes workload sluice does not read', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}, annotations: {note: x}, uid: abc, generation: 3}
spec:
  replicas: 2
  strategy: {type: RollingUpdate}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {disk: ssd}
      containers:
      - name: web
        image: nginx
        resources: {limits: {cpu: "1"}}
        ports: [{containerPort: 8080, name: http}]
status: {replicas: 2}
`;
    assert.deepEqual(validate(text), []);
  });
});

describe('types, required properties, allowed values', () => {
  it('a quoted number: wrong type at the value, naming what was expected', () => {
    const d = one(validate(vsWithTypo.replace('weigth: 80', 'weight: "80"')), 'SLU2005');
    assert.deepEqual([d.line, d.col], [12, 15]);
    assert.equal(d.path, '/spec/http/0/route/0/weight');
    assert.equal(d.message, 'spec.http[0].route[0].weight must be integer, got string "80"');
    assert.match(d.hint ?? '', /without quotes: 80/);
  });

  it('a missing required property points at its parent', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - labels: {version: v1}
`;
    const d = one(validate(text), 'SLU2004');
    assert.equal(d.path, '/spec/subsets/0');
    assert.equal(d.line, 7);
    assert.match(d.message, /spec\.subsets\[0\] is missing required property `name`/);
  });

  it('a value outside an enum lists the allowed values and suggests the right case', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: simple}
`;
    const d = one(validate(text), 'SLU2006');
    assert.deepEqual([d.line, d.col], [7, 17]);
    assert.match(d.message, /must be one of `DISABLE`, `SIMPLE`, `MUTUAL`, `ISTIO_MUTUAL`; got string "simple"/);
    assert.match(d.message, /did you mean `SIMPLE`/);
  });

  it('collapses the oneOf cascade of mutually exclusive fields into one finding', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: {useSourceIp: true}
`;
    const diagnostics = validate(text);
    assert.equal(diagnostics.length, 1, show(diagnostics));
    const d = one(diagnostics, 'SLU2012');
    assert.equal(d.line, 9);
    assert.match(d.message, /may set only one of `simple`, `consistentHash`, `backendUtilization`; it sets `simple`, `consistentHash`/);
  });

  it('checks metadata the way the API server does', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: Reviews_V1
  namespace: default
  labels: {version: 1, "bad key!": x}
spec: {hosts: [reviews]}
`;
    const diagnostics = validate(text);
    assert.match(one(diagnostics, 'SLU2005').message, /metadata\.labels\.version must be string, got integer 1/);
    const formats = diagnostics.filter((d) => d.code === 'SLU2007');
    assert.equal(formats.length, 2, show(diagnostics));
    assert.match(formats[0]!.message, /metadata\.name must be a DNS-1123 subdomain/);
    assert.equal(formats[1]!.path, '/metadata/labels/bad key!');
    assert.match(formats[1]!.message, /key `bad key!` is not valid/);
  });

  it('reports duplicate keys of a list-map', () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports:
  - {name: http, port: 80}
  - {name: http2, port: 80, protocol: TCP}
`;
    const d = one(validate(text), 'SLU2009');
    assert.equal(d.path, '/spec/ports/1');
    assert.match(d.message, /same port 80, protocol "TCP" as spec\.ports\[0\]/);
  });
});

describe('kinds and versions', () => {
  it('an unknown kind is a warning, never a crash', () => {
    const diagnostics = validate(`apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n`);
    const d = one(diagnostics, 'SLU2001');
    assert.equal(d.severity, 'warning');
    assert.equal(d.path, '/kind');
  });

  it('suggests the kind or API group a typo was meant to be', () => {
    const kind = one(validate(`apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: w}\n`), 'SLU2001');
    assert.match(kind.message, /did you mean VirtualService\?/);
    const group = one(validate(`apiVersion: networking.istoi.io/v1\nkind: VirtualService\nmetadata: {name: w}\n`), 'SLU2001');
    assert.match(group.message, /did you mean apiVersion networking\.istio\.io\/v1\?/);
    assert.equal(group.path, '/apiVersion');
  });

  it('an unknown version of a known kind is an error listing the versions', () => {
    const d = one(validate(`apiVersion: security.istio.io/v2\nkind: AuthorizationPolicy\nmetadata: {name: w}\n`), 'SLU2002');
    assert.equal(d.severity, 'error');
    assert.match(d.message, /security\.istio\.io\/v1, security\.istio\.io\/v1beta1/);
  });

  it('knows every input kind and version', () => {
    const kinds = knownKinds();
    const has = (group: string, version: string, kind: string) => kinds.some((k) => k.group === group && k.version === version && k.kind === kind);
    for (const kind of ['VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Gateway', 'Sidecar']) {
      for (const version of ['v1', 'v1beta1', 'v1alpha3']) assert.ok(has('networking.istio.io', version, kind), `${kind} ${version}`);
    }
    for (const kind of ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication']) {
      for (const version of ['v1', 'v1beta1']) assert.ok(has('security.istio.io', version, kind), `${kind} ${version}`);
    }
    assert.ok(has('gateway.networking.k8s.io', 'v1', 'HTTPRoute'));
    assert.ok(has('gateway.networking.k8s.io', 'v1beta1', 'HTTPRoute'));
    assert.ok(has('gateway.networking.k8s.io', 'v1', 'GRPCRoute'));
    assert.ok(has('argoproj.io', 'v1alpha1', 'AnalysisTemplate'));
    assert.ok(has('argoproj.io', 'v1alpha1', 'ClusterAnalysisTemplate'));
    for (const [group, kind] of [
      ['', 'Service'],
      ['', 'ServiceAccount'],
      ['', 'Pod'],
      ['apps', 'Deployment'],
      ['apps', 'StatefulSet'],
      ['discovery.k8s.io', 'EndpointSlice'],
      ['rollouts.sluice.dev', 'Rollout'],
    ] as const) {
      assert.ok(isKnownKind(group, kind), `${group} ${kind}`);
    }
    assert.ok(!isKnownKind('networking.istio.io', 'EnvoyFilter'));
    assert.ok(isKnownVersion('networking.istio.io', 'v1alpha3', 'VirtualService'));
    assert.ok(!isKnownVersion('networking.istio.io', 'v2', 'VirtualService'));
    assert.equal(schemaFor('networking.istio.io', 'v1', 'VirtualService'), schemaFor('networking.istio.io', 'v1beta1', 'VirtualService'));
  });

  it('a document without kind (built without the loader) gets a finding', () => {
    const [doc] = load(`apiVersion: v1\nkind: Service\nmetadata: {name: x}\n`);
    assert.ok(doc);
    const d = one(validateDocument({ ...doc, kind: '', data: { ...doc.data, kind: '' } }), 'SLU2004');
    assert.match(d.message, /missing required property `kind`/);
  });

  it('every kind compiles in ajv strict mode (generated and hand-written)', () => {
    assert.doesNotThrow(() => warmUp());
  });

  it('validates a document without throwing even when its data is odd', () => {
    const [doc] = load(`apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec: [1, 2]\n`);
    assert.ok(doc);
    const d = one(validateDocument(doc), 'SLU2005');
    assert.match(d.message, /^spec must be object, got a list/);
  });
});

describe('Kubernetes registry kinds', () => {
  it('checks the fields sluice reads', () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  type: ClusterIp
  selector: {app: reviews}
  ports:
  - {name: http, port: "9080", targetPort: 9080}
  - {port: 9081}
`;
    const diagnostics = validate(text);
    assert.match(one(diagnostics, 'SLU2006').message, /spec\.type must be one of/);
    assert.match(one(diagnostics, 'SLU2005').message, /spec\.ports\[0\]\.port must be integer, got string "9080"/);
    // rules run only where there is no type error below them
    assert.equal(diagnostics.filter((d) => d.code === 'SLU2010').length, 0, show(diagnostics));
    const unnamed = validate(text.replace('port: "9080"', 'port: 9080').replace('ClusterIp', 'ClusterIP'));
    assert.match(one(unnamed, 'SLU2010').message, /every port needs a name when the Service has more than one port/);
  });

  it('Service names are DNS-1035 labels', () => {
    const d = one(validate(`apiVersion: v1\nkind: Service\nmetadata: {name: 1reviews}\nspec: {ports: [{port: 80}]}\n`), 'SLU2007');
    assert.match(d.message, /DNS-1035 label/);
  });

  it('Pods, StatefulSets, ServiceAccounts and EndpointSlices', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web}}
spec: {serviceAccountName: web, containers: [{name: web, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: x}]}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
automountServiceAccountToken: false
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1], conditions: {ready: true}}]
ports: [{name: http, port: 80, protocol: TCP}]
`;
    assert.deepEqual(validate(text), []);
    const bad = validate(text.replace('containerPort: 80', 'containerPort: 0').replace('addressType: IPv4', 'addressType: ipv4'));
    assert.deepEqual(
      bad.map((d) => d.code),
      ['SLU2008', 'SLU2006'],
      show(bad),
    );
  });

  it('a selector typo is an error (it would select everything)', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabel: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
`;
    assert.match(one(validate(text), 'SLU2003').message, /did you mean `matchLabels`\?/);
  });
});
