import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSources } from '../validate.ts';
import { indexOf } from './lookup.ts';
import type { VirtualService } from './types.ts';

const route = (name: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.example.com]
  http:
  - route:
    - destination: {host: ${name}.example.com}
`;

describe('model index: routes replaced in place', () => {
  it('finds each route by name after many replacements (the replacement table is folded into a new name table past its size)', () => {
    const names = Array.from({ length: 300 }, (_, i) => `r${i}`);
    const { model } = validateSources([{ path: 'routes.yaml', content: names.map(route).join('---\n') }]);
    let index = indexOf(model);
    const current = new Map(model.virtualServices.map((vs) => [vs.name, vs]));
    for (let round = 0; round < 2; round++) {
      for (const name of names) {
        const before = current.get(name) as VirtualService;
        const after: VirtualService = { ...before };
        index = index.withVirtualServicesReplaced([[before, after]]);
        current.set(name, after);
      }
      for (const name of names) assert.equal(index.virtualService('default', name), current.get(name), `${name} after round ${round + 1}`);
    }
    assert.equal(indexOf(model).virtualService('default', 'r0'), model.virtualServices[0], 'the first index is unchanged');
    // a route that is not the one the index holds for its name (a copy) changes nothing
    const held = current.get('r1') as VirtualService;
    assert.equal(index.withVirtualServicesReplaced([[{ ...held }, { ...held }]]).virtualService('default', 'r1'), held);
  });
});
