import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FINGERPRINT, inputFingerprint } from '../../scripts/gen-descriptors.ts';
import { extensionDesc, messageDesc, xdsRegistry } from './index.ts';

describe('xDS descriptor set', () => {
  it('the committed descriptor sets were generated from the current inputs', () => {
    // Regenerating needs buf (fetched by `npm run gen:descriptors`); the fingerprint of what
    // they were made from tells without it whether they are stale.
    assert.equal(readFileSync(FINGERPRINT, 'utf8').trim(), inputFingerprint(), 'run npm run gen:descriptors and commit the result');
  });

  it('carries the validate.rules options', () => {
    assert.equal(extensionDesc('validate.rules').extendee.typeName, 'google.protobuf.FieldOptions');
    assert.equal(messageDesc('type.googleapis.com/envoy.config.cluster.v3.Cluster').field['name']?.proto.options !== undefined, true);
    assert.ok(xdsRegistry().getMessage('google.protobuf.Duration'));
  });
});
