import { parseArgs } from 'node:util';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';

const formats = ['text', 'json'] as const;

const usage = `Usage: sluice measure TEMPLATE [PATH...] [options]

Takes one measurement of every metric of an analysis template, now, against Prometheus,
and prints each verdict the way a rollout's analysis would decide it: the value, the
condition that decided, the resolved query. Use it to try a template, or one of sluice's
built-in golden-signal templates, before a rollout depends on it.

TEMPLATE is an AnalysisTemplate of the policy at PATH (default: .), given as NAME (in
--namespace) or NAMESPACE/NAME; a ClusterAnalysisTemplate with --cluster; or a built-in
(sluice-istio-success-rate, ...; --list shows them), which needs no PATH.

Options:
  --prometheus <url>       Prometheus for metrics that name no address (and the
                           built-ins' 'prometheus' argument)
  --arg <name=value>       A template argument; repeat for several (built-ins take
                           service, namespace, subset, stable-subset, window, ...)
  -n, --namespace <ns>     The namespace of TEMPLATE (default: default)
  --cluster                TEMPLATE is a ClusterAnalysisTemplate
  --list                   List the built-in templates and exit
  --format <format>        ${listOr(formats)} (default: text)
  --timeout-ms <ms>        Per query (default: 10000)
  -h, --help               Show this help

A measurement without data (no samples, too few requests, Prometheus unreachable) is
shown as held: a rollout would wait, and fail when the no-data budget runs out.

Exit codes:
  0  every metric measured Successful (dry-run metrics aside)
  1  a metric measured Failed, Error or Inconclusive, or had no data
  2  usage error, unknown template, missing argument, invalid field
`;

function parseArg(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--arg needs name=value, got '${text}'`, 'measure');
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return 'no data';
  if (Array.isArray(value)) return `[${value.map((v) => String(+Number(v).toPrecision(6))).join(', ')}]`;
  return String(+Number(value).toPrecision(6));
}

export const measureCommand: Command = {
  name: 'measure',
  summary: 'Measure an analysis template against Prometheus once and show the verdicts',
  usage,
  async run(args, context) {
    const { values, positionals } = parseOrUsageError('measure', () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          prometheus: { type: 'string' },
          arg: { type: 'string', multiple: true },
          namespace: { type: 'string', short: 'n' },
          cluster: { type: 'boolean' },
          list: { type: 'boolean' },
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
    const format = oneOf('measure', '--format', values.format ?? 'text', formats);
    const analysis = await import('../../rollouts/index.ts');
    if (values.list) {
      const rows = analysis.goldenSignalTemplates.map((t) => ({ name: t.name, description: t.description }));
      if (format === 'json') context.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        const width = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) context.stdout.write(`${r.name.padEnd(width)}  ${r.description}\n`);
      }
      return 0;
    }
    const [templateArg, ...paths] = positionals;
    if (!templateArg) throw new UsageError('name the template to measure', 'measure');
    const timeoutMs = values['timeout-ms'] === undefined ? 10_000 : Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number, got '${values['timeout-ms']}'`, 'measure');
    const extra: Record<string, string> = {};
    if (values.prometheus !== undefined) extra.prometheus = values.prometheus;
    const refArgs = (values.arg ?? []).map(parseArg).map(([name, value]) => ({ name, value }));
    const slash = templateArg.indexOf('/');
    const namespace = slash > 0 ? templateArg.slice(0, slash) : (values.namespace ?? 'default');
    const templateName = slash > 0 ? templateArg.slice(slash + 1) : templateArg;

    const compiler = await import('../../compiler/index.ts');
    const builtin = analysis.goldenSignalTemplates.some((t) => t.name === templateName);
    const model = builtin && paths.length === 0 ? compiler.buildModel([]).model : (await compiler.validatePaths(paths.length > 0 ? paths : ['.'])).model;
    const resolved = analysis.resolveAnalysis(model, namespace, { templates: [{ templateName, clusterScope: values.cluster === true || builtin }], args: refArgs }, extra);
    const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      for (const d of errors) context.stderr.write(`${d.file ? `${d.file}:${d.line}:${d.col}: ` : ''}${d.code} ${d.message}\n`);
      throw new CliError(`cannot measure ${templateArg}: ${errors.length} problem${errors.length === 1 ? '' : 's'} above`, 'measure');
    }
    const missingAddress = resolved.metrics.find((m) => !m.address && values.prometheus === undefined);
    if (missingAddress) throw new UsageError(`metric ${missingAddress.name} names no Prometheus address: pass --prometheus`, 'measure');

    // One measurement each, now: no interval, count or delay.
    const once = resolved.metrics.map((m) => ({ ...m, intervalMs: undefined, count: 1, initialDelayMs: 0, consecutiveSuccessLimit: undefined }));
    const run = new analysis.AnalysisRun({
      metrics: once,
      providerFor: (m) => analysis.prometheusProvider(m.address ?? (values.prometheus as string), { timeoutMs }),
    });
    const taken = await run.tick();
    const ok = taken.every((m) => m.dryRun === true || m.phase === 'Successful');
    if (format === 'json') {
      context.stdout.write(JSON.stringify({ template: templateArg, ok, measurements: taken }, null, 2) + '\n');
    } else {
      for (const m of taken) {
        const phase = m.noData ? 'no data (held)' : m.phase;
        context.stdout.write(`${m.metric}  ${phase}${m.dryRun ? ' (dry run)' : ''}  ${shown(m.value)}\n  ${m.message ?? ''}\n  query: ${m.query}\n`);
      }
    }
    return ok ? 0 : 1;
  },
};
