import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { compareDiagnostics } from '../../compiler/diagnostics/index.ts';
import type { Diagnostic } from '../../compiler/diagnostics/index.ts';
import type { Flavor, Resource, ValidationResult } from '../../compiler/index.ts';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatter, shouldUseColor } from '../format/index.ts';
import { packageInfo } from '../version.ts';

const flavors = ['envoy', 'grpc'] as const satisfies readonly Flavor[];
const outputFormats = ['json', 'yaml'] as const;

const usage = `Usage: sluice compile [PATH...] --out DIR [options]

Validates the policy at PATH (default: the current directory), compiles it into Envoy xDS v3
resources for one proxy class, verifies them against the Envoy protos, and writes them as
the JSON an Envoy config dump shows: DIR/clusters, endpoints, listeners, routes (.json or
.yaml). Nothing is written when the policy or the compiled output has errors.

Options:
  --out <dir>              Where to write the resources (required)
  --flavor <flavor>        ${listOr(flavors)}: sidecar proxies or proxyless gRPC (default: envoy)
  --namespace <ns>         The proxy's namespace (default: default)
  --proxy-labels <k=v,..>  The proxy's workload labels (default: none)
  --format <format>        ${listOr(outputFormats)} (default: json)
  --revision <rev>         Revision the snapshot version starts with (default: local)
  -h, --help               Show this help

Exit codes:
  0  compiled and written (warnings may have been printed)
  1  the policy or the compiled configuration has errors; nothing written
  2  usage error or internal error
`;

const files: Record<string, string> = {
  Cluster: 'clusters',
  ClusterLoadAssignment: 'endpoints',
  Listener: 'listeners',
  RouteConfiguration: 'routes',
  Secret: 'secrets',
};

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--proxy-labels takes k=v pairs separated by commas, got '${pair}'`, 'compile');
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

function printDiagnostics(context: CommandContext, result: ValidationResult, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const output = formatter('human')(
    { diagnostics: [...diagnostics].sort(compareDiagnostics), files: result.files, documentCount: result.documentCount, fileCount: result.files.size },
    { color: shouldUseColor(context.stderr, context.env), failOn: 'error', cwd: context.cwd, root: context.cwd, tool: { name: 'sluice', version: packageInfo().version } },
  );
  context.stderr.write(output);
}

/** Groups resources as an Envoy config dump lists them: each with its `@type` first. */
function dump(resources: readonly Resource[]): Map<string, object[]> {
  const byFile = new Map<string, object[]>();
  for (const resource of resources) {
    const type = resource.typeUrl.slice(resource.typeUrl.lastIndexOf('.') + 1);
    const file = files[type] ?? type.toLowerCase();
    const list = byFile.get(file) ?? [];
    list.push({ '@type': resource.typeUrl, ...resource.json });
    byFile.set(file, list);
  }
  return byFile;
}

export const compileCommand: Command = {
  name: 'compile',
  summary: 'Compile policy into verified Envoy xDS resources for one proxy class',
  usage,
  async run(args, context) {
    const { values, positionals } = parseOrUsageError('compile', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          out: { type: 'string' },
          flavor: { type: 'string' },
          namespace: { type: 'string' },
          'proxy-labels': { type: 'string' },
          format: { type: 'string' },
          revision: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      context.stdout.write(usage);
      return 0;
    }
    if (!values.out) throw new UsageError('--out DIR is required', 'compile');
    const flavor = oneOf('compile', 'flavor', values.flavor ?? 'envoy', flavors);
    const format = oneOf('compile', 'format', values.format ?? 'json', outputFormats);
    const labels = parseLabels(values['proxy-labels']);
    const paths = positionals.length > 0 ? positionals : ['.'];

    const compiler = await import('../../compiler/index.ts');
    const validation = await compiler.validatePaths(paths);
    const validationErrors = validation.diagnostics.filter((d) => d.severity === 'error');
    if (validationErrors.length > 0) {
      printDiagnostics(context, validation, validation.diagnostics);
      context.stderr.write(`sluice compile: the policy has ${validationErrors.length} error(s); nothing compiled\n`);
      return 1;
    }
    const proxy = compiler.proxyClass(flavor, values.namespace ?? 'default', labels);
    const compiled = compiler.compileModel(validation.model, proxy, { revision: values.revision ?? 'local' });
    printDiagnostics(context, validation, [...validation.diagnostics, ...compiled.diagnostics]);
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      context.stderr.write(`sluice compile: the compiled configuration has ${errors.length} error(s); nothing written\n`);
      return 1;
    }
    const out = resolve(context.cwd, values.out);
    mkdirSync(out, { recursive: true });
    const counts: string[] = [];
    for (const [file, list] of dump(compiled.resources)) {
      const text = format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list, { lineWidth: 0 });
      writeFileSync(join(out, `${file}.${format}`), text);
      counts.push(`${list.length} ${file}`);
    }
    context.stdout.write(`compiled ${proxy.key} (snapshot ${compiled.snapshot.version}): ${counts.join(', ') || 'nothing'} → ${values.out}\n`);
    return 0;
  },
};
