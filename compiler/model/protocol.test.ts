import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredProtocol, kubernetesPortProtocol } from './protocol.ts';
import { modelFrom } from './test-helpers.ts';

describe('protocol selection', () => {
  it('uses the port name prefix', () => {
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'http' }), 'HTTP');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'http-web' }), 'HTTP');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'HTTP2-x' }), 'HTTP2');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'grpc' }), 'GRPC');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'grpc-web' }), 'GRPC-WEB');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'grpc-webapp' }), 'GRPC-WEB');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'grpc-api' }), 'GRPC');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'tcp-db' }), 'TCP');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'tls' }), 'TLS');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'https-x' }), 'HTTPS');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'mongo' }), 'MONGO');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'redis' }), 'REDIS');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'mysql-primary' }), 'MYSQL');
  });
  it('prefers appProtocol over the name', () => {
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'tcp', appProtocol: 'http' }), 'HTTP');
    assert.equal(kubernetesPortProtocol({ number: 80, name: 'web', appProtocol: 'grpc' }), 'GRPC');
    assert.equal(kubernetesPortProtocol({ number: 80, appProtocol: 'kubernetes.io/h2c' }), 'HTTP2');
  });
  it('falls back to TCP on well-known ports, else UNKNOWN (protocol sniffing)', () => {
    assert.equal(kubernetesPortProtocol({ number: 3306, name: 'db' }), 'TCP');
    assert.equal(kubernetesPortProtocol({ number: 27017 }), 'TCP');
    assert.equal(kubernetesPortProtocol({ number: 8080, name: 'web' }), 'UNKNOWN');
    assert.equal(kubernetesPortProtocol({ number: 8080 }), 'UNKNOWN');
    assert.equal(kubernetesPortProtocol({ number: 53, name: 'dns', protocol: 'UDP' }), 'UNKNOWN');
  });
  it('reads ServiceEntry protocols case-insensitively', () => {
    assert.equal(declaredProtocol('HTTPS'), 'HTTPS');
    assert.equal(declaredProtocol('grpc'), 'GRPC');
    assert.equal(declaredProtocol(undefined), 'UNKNOWN');
    assert.equal(declaredProtocol('QUIC'), 'UNKNOWN');
  });
  it('applies to ports in the model', () => {
    const { model } = modelFrom(`
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {name: http-web, port: 80, targetPort: 8080}
  - {name: metrics, port: 9090, appProtocol: http}
  - {name: grpc, port: "50051"}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [ext.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
`);
    const api = model.services.find((s) => s.name === 'api');
    assert.deepEqual(api?.ports.map((p) => [p.number, p.protocol, p.targetPort]), [
      [80, 'HTTP', 8080],
      [9090, 'HTTP', undefined],
      [50051, 'GRPC', undefined],
    ]);
    assert.equal(model.services.find((s) => s.name === 'ext')?.ports[0]?.protocol, 'TLS');
  });
});
