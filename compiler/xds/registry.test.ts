import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildDescriptorSet, OUTPUT } from '../../scripts/gen-descriptors.ts';
import { extensionDesc, messageDesc, xdsRegistry } from './index.ts';

describe('xDS descriptor set', () => {
  it('the committed generated/envoy.binpb is what `npm run gen:descriptors` makes', () => {
    const committed = new Uint8Array(readFileSync(OUTPUT));
    assert.ok(Buffer.from(buildDescriptorSet()).equals(committed), 'run npm run gen:descriptors and commit the result');
  });

  it('carries the validate.rules options', () => {
    assert.equal(extensionDesc('validate.rules').extendee.typeName, 'google.protobuf.FieldOptions');
    assert.equal(messageDesc('type.googleapis.com/envoy.config.cluster.v3.Cluster').field['name']?.proto.options !== undefined, true);
    assert.ok(xdsRegistry().getMessage('google.protobuf.Duration'));
  });
});
