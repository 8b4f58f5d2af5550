import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';
import type { RolloutStatus } from '../../rollouts/index.ts';

const formats = ['text', 'json'] as const;
const actions = ['status', 'promote', 'abort', 'retry', 'start'] as const;
type Action = (typeof actions)[number];

const usage = `Usage: sluice rollout <status|promote|abort|retry|start> [NAME] [options]

Talks to the rollout controller of a running 'sluice serve' over its HTTP API. NAME is
NAMESPACE/NAME, or NAME when it is unique.

  status [NAME]    every rollout (or one, in detail): phase, step, canary weight, the reason
                   of the last transition, the last measurement of each metric
  promote NAME     skip the current step (a pause, an analysis); --full skips every step left
  abort NAME       roll back now: the canary gets weight 0 (phase Degraded)
  retry NAME       start an aborted rollout again from step 1
  start NAME       start a rollout again from step 1, whatever its phase

The API needs the bearer token 'sluice serve' was started with (--rollout-token-file):
--token-file, or the environment variable SLUICE_ROLLOUT_TOKEN.

Options:
  --http-address <host:port>  The admin address of 'sluice serve' (default: 127.0.0.1:15014)
  --token-file <path>         File holding the API token
  --full                      promote: skip every remaining step and analysis
  --format <format>           ${listOr(formats)} (default: text)
  --timeout-ms <ms>           Give up after this long (default: 10000)
  -h, --help                  Show this help

Exit codes:
  0  done
  1  the controller refused the command (the reason is printed)
  2  usage error, no or wrong token, no such rollout, or the server cannot be reached
`;

/** What the rollout API returns: the controller's status as JSON. */
type Status = RolloutStatus;

function value(v: number | number[] | null | undefined): string {
  if (v === null || v === undefined) return 'no data';
  const one = (n: number) => String(Number.isInteger(n) ? n : Number(n.toPrecision(4)));
  return Array.isArray(v) ? `[${v.map(one).join(', ')}]` : one(v);
}

export function renderList(list: readonly Status[]): string {
  if (list.length === 0) return 'no rollouts\n';
  const rows = [['NAME', 'PHASE', 'STEP', 'CANARY', 'REASON'], ...list.map((s) => [`${s.namespace}/${s.name}`, s.phase, `${s.step}/${s.steps}`, `${s.canaryWeight}%`, s.reason])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

export function renderOne(s: Status): string {
  const lines = [
    `Rollout ${s.namespace}/${s.name}`,
    `  Phase:     ${s.phase} since ${s.since}`,
    `  Reason:    ${s.reason}`,
    `  Step:      ${s.step}/${s.steps} (${s.currentStep})`,
    `  Canary:    ${s.canaryWeight}%${s.headerRoute ? ', header route' : ''}${s.mirrorPercentage > 0 ? `, mirror ${s.mirrorPercentage}%` : ''}`,
    `  Revision:  ${s.revision}`,
  ];
  if (s.abort) lines.push(`  Aborted:   ${s.abort.atIso}${s.abort.metric ? `: ${s.abort.metric} = ${value(s.abort.value)}${s.abort.condition ? ` (${s.abort.condition})` : ''}` : ''}`);
  if (s.promotion) lines.push(`  Promotion: ${s.promotion.mode}, ${s.promotion.stage}${s.promotion.sha ? ` ${s.promotion.sha.slice(0, 12)}` : ''}${s.promotion.url ? ` ${s.promotion.url}` : ''}`);
  if (s.measurements.length > 0) {
    lines.push('  Last measurements:');
    for (const m of s.measurements) lines.push(`    ${m.metric}: ${m.phase} ${value(m.value)} at ${m.finishedAt}${m.message ? ` (${m.message})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function readToken(file: string | undefined, cwd: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (file !== undefined) {
    try {
      return readFileSync(resolve(cwd, file), 'utf8').trim();
    } catch (e) {
      throw new CliError(`cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'rollout');
    }
  }
  const fromEnv = env.SLUICE_ROLLOUT_TOKEN?.trim();
  return fromEnv === '' ? undefined : fromEnv;
}

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: 'Show, promote, abort, retry or start canary rollouts of a running sluice serve',
  usage,
  async run(args, context) {
    const { values, positionals } = parseOrUsageError('rollout', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          'http-address': { type: 'string' },
          'token-file': { type: 'string' },
          full: { type: 'boolean' },
          format: { type: 'string' },
          'timeout-ms': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      context.stdout.write(usage);
      return 0;
    }
    const [actionWord, name, ...extra] = positionals;
    if (actionWord === undefined) throw new UsageError(`say what to do: ${listOr(actions)}`, 'rollout');
    const action = oneOf('rollout', 'action', actionWord, actions) as Action;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, 'rollout');
    if (action !== 'status' && name === undefined) throw new UsageError(`rollout ${action} needs the rollout's name`, 'rollout');
    if (values.full && action !== 'promote') throw new UsageError('--full goes with promote only', 'rollout');
    const format = oneOf('rollout', 'format', values.format ?? 'text', formats);
    const timeoutMs = Number(values['timeout-ms'] ?? '10000');
    const address = values['http-address'] ?? '127.0.0.1:15014';
    const token = readToken(values['token-file'], context.cwd, context.env);
    if (token === undefined) throw new CliError('no API token: pass --token-file or set SLUICE_ROLLOUT_TOKEN', 'rollout');

    const base = `http://${address}/api/rollouts`;
    const resolved = name === undefined ? undefined : await resolveName(base, name, token, timeoutMs);
    const url = action === 'status' ? (resolved ? `${base}/${resolved}` : base) : `${base}/${resolved}/${action}`;
    const response = await request(url, action === 'status' ? 'GET' : 'POST', token, timeoutMs, values.full ? { full: true } : undefined);
    if (format === 'json') {
      context.stdout.write(`${JSON.stringify(response.body, null, 2)}\n`);
      return response.status === 409 ? 1 : 0;
    }
    if (action === 'status') {
      const body = response.body as { rollouts?: Status[] } & Status;
      context.stdout.write(body.rollouts ? renderList(body.rollouts) : renderOne(body));
      return 0;
    }
    const result = response.body as { ok: boolean; message: string; status?: Status };
    if (!result.ok) {
      context.stderr.write(`sluice rollout ${action}: ${result.message}\n`);
      return 1;
    }
    context.stdout.write(`${result.message}\n`);
    if (result.status) context.stdout.write(renderOne(result.status));
    return 0;
  },
};

async function request(url: string, method: 'GET' | 'POST', token: string, timeoutMs: number, body?: unknown): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs > 0 ? timeoutMs : 10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e instanceof Error ? e.message : String(e));
    throw new CliError(`cannot reach sluice serve at ${url} (${cause}); is it running? (--http-address)`, 'rollout');
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: string } | undefined)?.error;
  if (response.status === 401) throw new CliError(`the server refused the token (401): ${error ?? 'unauthorized'}`, 'rollout');
  if (response.status === 404) throw new CliError(error ?? `not found: ${url}`, 'rollout');
  if (response.status !== 200 && response.status !== 409) throw new CliError(`HTTP ${response.status} from ${url}${error ? `: ${error}` : ''}`, 'rollout');
  return { status: response.status, body: parsed };
}

/** NAME → NAMESPACE/NAME, asking the server when the namespace is left out. */
async function resolveName(base: string, name: string, token: string, timeoutMs: number): Promise<string> {
  if (name.includes('/')) return name.split('/').map(encodeURIComponent).join('/');
  const { body } = await request(base, 'GET', token, timeoutMs);
  const list = ((body as { rollouts?: Status[] }).rollouts ?? []).filter((s) => s.name === name);
  if (list.length === 1) return `${encodeURIComponent(list[0]?.namespace ?? '')}/${encodeURIComponent(name)}`;
  if (list.length === 0) throw new CliError(`no rollout named ${name}`, 'rollout');
  throw new CliError(`${list.length} rollouts are named ${name}: say which, as NAMESPACE/NAME (${list.map((s) => `${s.namespace}/${s.name}`).join(', ')})`, 'rollout');
}
