/** Test helper: inline YAML → loaded documents → model. Used by model and analyzer tests only. */
import { loadSources } from '../load/index.ts';
import type { PolicyDocument } from '../load/types.ts';
import { buildModel } from './build.ts';
import type { BuildOptions } from './build.ts';
import type { ModelResult } from './types.ts';

export function docsFrom(files: Record<string, string> | string): PolicyDocument[] {
  const map = typeof files === 'string' ? { 'policy.yaml': files } : files;
  const loaded = loadSources(Object.entries(map).map(([path, content]) => ({ path, content })));
  return loaded.documents;
}

export function modelFrom(files: Record<string, string> | string, options?: BuildOptions): ModelResult {
  return buildModel(docsFrom(files), options);
}

/**
 * A large synthetic policy set for timing (not used by assertions): per service a
 * Service, a Deployment per version, a DestinationRule with subsets and a VirtualService
 * splitting traffic — 5 documents per service.
 */
export function syntheticDocuments(services: number, namespaces = 50): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  const locate = () => ({ file: 'synthetic.yaml', line: 1, col: 1, endLine: 1, endCol: 1, path: '' });
  const doc = (group: string, kind: string, name: string, namespace: string, data: Record<string, unknown>): PolicyDocument => ({
    file: `synthetic/${namespace}.yaml`,
    index: docs.length,
    apiVersion: group === '' ? 'v1' : `${group}/v1`,
    group,
    version: 'v1',
    kind,
    name,
    namespace,
    data: { apiVersion: group === '' ? 'v1' : `${group}/v1`, kind, metadata: { name, namespace }, ...data },
    locate,
  });
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % namespaces}`;
    const name = `svc${i}`;
    docs.push(doc('', 'Service', name, ns, { spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }] } }));
    for (const version of ['v1', 'v2']) {
      docs.push(
        doc('apps', 'Deployment', `${name}-${version}`, ns, {
          spec: { template: { metadata: { labels: { app: name, version } }, spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
        }),
      );
    }
    docs.push(
      doc('networking.istio.io', 'DestinationRule', name, ns, {
        spec: { host: name, trafficPolicy: { connectionPool: { tcp: { connectTimeout: '1s' } } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
      }),
    );
    const next = `svc${(i + 1) % services}.ns${(i + 1) % services % namespaces}.svc.cluster.local`;
    docs.push(
      doc('networking.istio.io', 'VirtualService', name, ns, {
        spec: {
          hosts: [name],
          http: [
            { match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: name, subset: 'v2', port: { number: 8080 } } }], timeout: '2s' },
            { match: [{ uri: { regex: `^/api/${i}/.*` } }], route: [{ destination: { host: next, port: { number: 8080 } } }], retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,reset' } },
            { route: [{ destination: { host: name, subset: 'v1', port: { number: 8080 } }, weight: 90 }, { destination: { host: name, subset: 'v2', port: { number: 8080 } }, weight: 10 }] },
          ],
        },
      }),
    );
  }
  return docs;
}
