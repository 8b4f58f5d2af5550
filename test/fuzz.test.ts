// Hostile input: thousands of seeded random mutations of real policy. Whatever the mutation,
// validation must end in diagnostics with positions, never in an exception or an analyzer crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { validateSources } from '../compiler/index.ts';
import type { SourceFile } from '../compiler/index.ts';
import { bookinfoFile, bookinfoFiles } from './support/bookinfo.ts';
import { seeded } from './support/random.ts';
import type { Random } from './support/random.ts';

const MUTATIONS = 2000;
const SEED = 20261121;

const platform = bookinfoFile('platform/bookinfo.yaml');
const targets = [...bookinfoFiles('networking'), ...bookinfoFiles('gateway-api')].map(bookinfoFile);

const junk = [':', '-', '[', ']', '{', '}', '&a', '*a', '!', '|', '>', "'", '"', '\t', '\n', '#', '%', '@', '`', ',', '?', '<<: *a', '\u0000', '\uFFFF', '💥', ' ', '  ', '---\n', '...'];
const scalars: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '*', '0ms', '-5s', 'a'.repeat(3000), '(a+)+$', '[', 'v1', 'reviews', '999999999999999999999', [], {}, [null], { '': 1 }];

function textMutation(text: string, random: Random): string {
  const at = random.int(text.length + 1);
  switch (random.int(6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + random.int(20));
    case 1:
      return text.slice(0, at) + random.pick(junk) + text.slice(at);
    case 2: {
      const lines = text.split('\n');
      const line = random.int(lines.length);
      lines.splice(line, 0, lines[random.int(lines.length)] ?? '');
      return lines.join('\n');
    }
    case 3: {
      const lines = text.split('\n');
      const line = random.int(lines.length);
      lines[line] = ' '.repeat(random.int(8)) + (lines[line] ?? '').trimStart();
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, at);
    default: {
      const lines = text.split('\n');
      const a = random.int(lines.length);
      const b = random.int(lines.length);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
  }
}

/** Replaces, deletes or retypes one node somewhere in the parsed tree: wrong types, missing keys. */
function treeMutation(value: unknown, random: Random, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || random.next() < 0.15 + depth * 0.05) {
    return random.next() < 0.8 ? random.pick(scalars) : value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || random.next() < 0.1) return [...value, random.pick(scalars)];
    const copy = [...value];
    const index = random.int(copy.length);
    if (random.next() < 0.15) copy.splice(index, 1);
    else copy[index] = treeMutation(copy[index], random, depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || random.next() < 0.1) {
    copy[random.pick(['weight', 'subset', 'hosts', 'selector', 'x', 'match', 'route'])] = random.pick(scalars);
    return copy;
  }
  const key = random.pick(keys);
  if (random.next() < 0.15) delete copy[key];
  else copy[key] = treeMutation(copy[key], random, depth + 1);
  return copy;
}

function mutate(source: SourceFile, random: Random): SourceFile {
  const text = String(source.content);
  if (random.next() < 0.5) {
    let mutated = text;
    for (let i = 0, n = 1 + random.int(3); i < n; i++) mutated = textMutation(mutated, random);
    return { path: source.path, content: mutated };
  }
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  const index = random.int(docs.length);
  docs[index] = treeMutation(docs[index], random);
  return { path: source.path, content: docs.map((d) => stringify(d)).join('---\n') };
}

describe('hostile input', () => {
  it(`survives ${MUTATIONS} seeded mutations of the bookinfo policy (seed ${SEED})`, () => {
    const random = seeded(SEED);
    let withFindings = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const target = mutate(random.pick(targets), random);
      let result;
      try {
        result = validateSources([platform, target]);
      } catch (error) {
        assert.fail(`mutation ${i} threw ${(error as Error).stack}\n--- input ${target.path}:\n${String(target.content)}`);
      }
      const crashed = result.diagnostics.find((d) => d.code === 'SLU9001');
      assert.equal(crashed, undefined, `mutation ${i}: ${crashed?.message}\n--- input:\n${String(target.content)}`);
      for (const d of result.diagnostics) {
        assert.ok(d.line >= 1 && d.col >= 1 && d.endLine >= d.line, `mutation ${i}: ${d.code} without a position`);
        assert.ok([platform.path, target.path].includes(d.file), `mutation ${i}: ${d.code} points at ${d.file}`);
      }
      if (result.diagnostics.length > 0) withFindings++;
    }
    // A fuzzer that never produces a finding would prove nothing.
    assert.ok(withFindings > MUTATIONS / 4, `only ${withFindings} mutations produced findings`);
  });
});

describe('hostile regular-expression input', () => {
  it('matches schema patterns in linear time (a Gateway API header value that backtracking engines take hours on)', () => {
    // `^[!-~]+([\t ]?[!-~]+)*$` is exponential in a backtracking engine: 26 characters took
    // 220 ms with JavaScript's RegExp, each one more doubles it. RE2 answers at once.
    const hostile = `${'a'.repeat(5000)}\u0001`;
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-note, value: "${hostile.replace('\u0001', '\\u0001')}"}]
    backendRefs: [{name: reviews, port: 9080}]
`;
    const started = Date.now();
    const result = validateSources([platform, { path: 'route.yaml', content: route }]);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.ok(
      result.diagnostics.some((d) => d.code === 'SLU2007' && d.path.endsWith('/value')),
      JSON.stringify(result.diagnostics.map((d) => `${d.code} ${d.path}`)),
    );
  });
});
