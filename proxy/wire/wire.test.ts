import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as protoLoader from '@grpc/proto-loader';
import { messageDesc, protobuf, RESOURCE_TYPE_URLS as T } from '../../compiler/xds/index.ts';
import { cluster, endpoints, snapshotOf } from '../testing/resources.ts';
import {
  decodeDeltaDiscoveryRequest,
  decodeDeltaDiscoveryResponse,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDeltaDiscoveryRequest,
  encodeDeltaDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
  sotwResourceRecord,
} from './messages.ts';
import { DISCOVERY_METHODS } from './services.ts';

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

describe('discovery services', () => {
  it('have the paths of the .proto files grpc-js-xds ships', () => {
    const files = ['discovery/v3/ads.proto', 'listener/v3/lds.proto', 'route/v3/rds.proto', 'cluster/v3/cds.proto', 'endpoint/v3/eds.proto', 'secret/v3/sds.proto'].map((f) => `envoy/service/${f}`);
    const definition = protoLoader.loadSync(files, {
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)),
    });
    for (const method of DISCOVERY_METHODS) {
      const service = definition[method.serviceName] as Record<string, protoLoader.MethodDefinition<object, object>> | undefined;
      assert.ok(service, `${method.serviceName} is in the protos`);
      const fromProto = service[method.method];
      assert.ok(fromProto, `${method.path}`);
      assert.equal(fromProto.path, method.path);
      assert.equal(fromProto.requestStream, true);
      assert.equal(fromProto.responseStream, true);
      const request = method.protocol === 'sotw' ? 'DiscoveryRequest' : 'DeltaDiscoveryRequest';
      assert.equal((fromProto.requestType as { type: { name: string } }).type.name, request);
    }
  });
});

describe('discovery messages', () => {
  const snapshot = snapshotOf('wire', [cluster('a'), cluster('b'), endpoints('a')]);
  const clusters = [...(snapshot.resources.get(T.cluster) ?? new Map()).values()];

  it('splice pre-encoded resources into a response that decodes like one encoded whole', () => {
    const bytes = encodeDiscoveryResponse({ versionInfo: 'v1', typeUrl: T.cluster, nonce: '7', resources: clusters, controlPlane: 'cp' });
    const { create, toBinary, fromBinary, equals } = protobuf();
    const desc = messageDesc('envoy.service.discovery.v3.DiscoveryResponse');
    const whole = create(desc, {
      versionInfo: 'v1',
      typeUrl: T.cluster,
      nonce: '7',
      controlPlane: { identifier: 'cp' },
      resources: clusters.map((e) => ({ typeUrl: e.typeUrl, value: e.bytes() })),
    } as never);
    assert.ok(equals(desc, fromBinary(desc, bytes), fromBinary(desc, toBinary(desc, whole))));
    const decoded = decodeDiscoveryResponse(bytes);
    assert.equal(decoded.resources.length, 2);
    decoded.resources.forEach((r, i) => assert.ok(Buffer.from(r.value).equals(clusters[i]?.bytes() ?? new Uint8Array()), 'the resource bytes, as encoded once'));
  });

  it('encode each resource record once, however many responses carry it', () => {
    const [a] = clusters;
    assert.ok(a);
    assert.equal(sotwResourceRecord(a), sotwResourceRecord(a));
  });

  it('carry name and per-resource version in delta responses', () => {
    const bytes = encodeDeltaDiscoveryResponse({ systemVersionInfo: 'v', typeUrl: T.cluster, nonce: '1', resources: clusters, removedResources: ['gone'] });
    const decoded = decodeDeltaDiscoveryResponse(bytes);
    assert.deepEqual(
      decoded.resources.map((r) => [r.name, r.version, r.resource?.typeUrl]),
      clusters.map((e) => [e.name, e.version, T.cluster]),
    );
    assert.deepEqual(decoded.removedResources, ['gone']);
    assert.equal(decoded.nonce, '1');
  });

  it('read the node, the nonce and a NACK from requests', () => {
    const request = decodeDiscoveryRequest(
      encodeDiscoveryRequest({
        typeUrl: T.listener,
        versionInfo: 'v2',
        resourceNames: ['x'],
        responseNonce: '3',
        errorDetail: { code: 14, message: 'bad' },
        node: { id: 'n', cluster: 'c', userAgentName: 'gRPC Node Pure JS', userAgentVersion: '1.14.1', metadata: { NAMESPACE: 'ns', LABELS: { app: 'a' } }, locality: { zone: 'z' } },
      }),
    );
    assert.deepEqual(request, {
      versionInfo: 'v2',
      node: { id: 'n', cluster: 'c', userAgentName: 'gRPC Node Pure JS', userAgentVersion: '1.14.1', metadata: { NAMESPACE: 'ns', LABELS: { app: 'a' } }, locality: { region: '', zone: 'z', subZone: '' } },
      resourceNames: ['x'],
      typeUrl: T.listener,
      responseNonce: '3',
      errorDetail: { code: 14, message: 'bad' },
    });
    const ack = decodeDiscoveryRequest(encodeDiscoveryRequest({ typeUrl: T.listener, responseNonce: '3', errorDetail: { code: 0, message: '' } }));
    assert.equal(ack.errorDetail, undefined, 'an empty status is an ACK');
    assert.equal(ack.node, undefined);
    const delta = decodeDeltaDiscoveryRequest(encodeDeltaDiscoveryRequest({ typeUrl: T.cluster, resourceNamesSubscribe: ['a'], resourceNamesUnsubscribe: ['b'], initialResourceVersions: { c: '1' } }));
    assert.deepEqual(delta.resourceNamesSubscribe, ['a']);
    assert.deepEqual(delta.resourceNamesUnsubscribe, ['b']);
    assert.deepEqual(delta.initialResourceVersions, { c: '1' });
  });
});
