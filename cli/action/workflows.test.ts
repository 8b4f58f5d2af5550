// The workflows we tell people to copy: valid YAML, only inputs the action has, the
// fork-safe pair as documented, and the docs in step with action.yml.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const text = (file: string) => readFileSync(ROOT + file, 'utf8');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const action = parse(text('action.yml')) as { inputs: Record<string, { default?: string }>; runs: { using: string; main: string } };
const examples = readdirSync(ROOT + 'examples/workflows').map((f) => `examples/workflows/${f}`);

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((block) => block.includes('sluice-dev/sluice@'));
}

function sluiceSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.uses?.startsWith('sluice-dev/sluice@')));
}

describe('action.yml and the workflows in the docs', () => {
  it('action.yml runs the bundle on node24', () => {
    assert.deepEqual(action.runs, { using: 'node24', main: 'dist/action/index.mjs' });
  });

  const sources = [...examples.map((f) => [f, text(f)] as const), ...['docs/github-action.md', 'README.md'].flatMap((f) => yamlBlocks(text(f)).map((block, i) => [`${f} block ${i + 1}`, block] as const))];
  for (const [name, source] of sources) {
    it(`${name}: every input given to the action exists`, () => {
      const workflow = parse(source) as Workflow;
      const steps = sluiceSteps(workflow);
      assert.ok(steps.length > 0);
      for (const step of steps) for (const input of Object.keys(step.with ?? {})) assert.ok(input in action.inputs, `unknown input '${input}'`);
    });
  }

  it('the fork-safe pair: analyze cannot write and posts nothing; post never checks out code', () => {
    const analyze = parse(text('examples/workflows/sluice-review-analyze.yml')) as Workflow;
    assert.deepEqual(Object.keys(analyze.on), ['pull_request']);
    assert.deepEqual(analyze.permissions, { contents: 'read' });
    assert.equal(sluiceSteps(analyze)[0]?.with?.mode, 'analyze');
    const post = parse(text('examples/workflows/sluice-review-post.yml')) as Workflow;
    assert.deepEqual(Object.keys(post.on), ['workflow_run']);
    const steps = Object.values(post.jobs).flatMap((job) => job.steps);
    assert.ok(steps.every((s) => !s.uses?.startsWith('actions/checkout')), 'the post job must not check out the pull request');
    assert.equal(sluiceSteps(post)[0]?.with?.mode, 'post');
  });

  it('the single-job workflow reviews one push of a pull request at a time (two first runs racing would post two comments)', () => {
    const workflow = parse(text('examples/workflows/sluice-review.yml')) as Workflow & { concurrency?: { group?: string; 'cancel-in-progress'?: boolean } };
    assert.match(workflow.concurrency?.group ?? '', /\$\{\{ github\.event\.pull_request\.number \}\}/);
    assert.equal(workflow.concurrency?.['cancel-in-progress'], true);
  });

  it("the README's copy-paste workflow is examples/workflows/sluice-review.yml", () => {
    const example = text('examples/workflows/sluice-review.yml').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    assert.ok(text('README.md').includes('```yaml\n' + example.trimStart()), 'README.md and the example differ');
  });

  it('docs/github-action.md lists exactly the inputs action.yml has', () => {
    const documented = [...text('docs/github-action.md').matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented, Object.keys(action.inputs));
  });
});
