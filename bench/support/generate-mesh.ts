import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceFile } from '../../compiler/index.ts';

export interface MeshShape {
  services: number;
  /** Services per namespace. */
  perNamespace?: number;
}

/**
 * A synthetic policy repository shaped like a real mesh: per service a Service, two
 * Deployments (v1, v2), a VirtualService with a 90/10 split and a header route,
 * a DestinationRule with two subsets and a traffic policy, and an AuthorizationPolicy.
 * One file per service, one folder per namespace.
 */
export function generateMesh(shape: MeshShape): SourceFile[] {
  const perNamespace = shape.perNamespace ?? 100;
  const files: SourceFile[] = [];
  for (let i = 0; i < shape.services; i++) {
    const ns = `team-${Math.floor(i / perNamespace)}`;
    const name = `svc-${i}`;
    const caller = `svc-${(i + 1) % shape.services}`;
    const deployment = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}-${version}
  namespace: ${ns}
  labels: {app: ${name}, version: ${version}}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}, version: ${version}}
  template:
    metadata:
      labels: {app: ${name}, version: ${version}}
    spec:
      serviceAccountName: ${name}
      containers:
      - name: app
        image: example/${name}:${version}
        ports:
        - containerPort: 8080
`;
    const content = `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}}
spec:
  selector: {app: ${name}}
  ports:
  - name: http
    port: 8080
---
${deployment('v1')}---
${deployment('v2')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts: [${name}]
  http:
  - name: canary-header
    match:
    - headers:
        x-canary: {exact: "1"}
    route:
    - destination: {host: ${name}, subset: v2}
  - name: primary
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}
    route:
    - destination: {host: ${name}, subset: v1}
      weight: 90
    - destination: {host: ${name}, subset: v2}
      weight: 10
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  host: ${name}
  trafficPolicy:
    connectionPool:
      http: {http2MaxRequests: 1000, maxRetries: 3}
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: ${name}}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/${ns}/sa/${caller}"]
    to:
    - operation:
        methods: ["GET", "POST"]
        paths: ["/api/*"]
`;
    files.push({ path: `${ns}/${name}.yaml`, content });
  }
  return files;
}

export async function writeMesh(dir: string, files: readonly SourceFile[]): Promise<void> {
  const folders = new Set(files.map((f) => join(dir, f.path, '..')));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  await Promise.all(files.map((f) => writeFile(join(dir, f.path), f.content)));
}
