import { parseArgs } from 'node:util';
import { formatter, shouldUseColor } from '../format/index.ts';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { packageInfo } from '../version.ts';

const logFormats = ['json', 'text'] as const;

const usage = `Usage: sluice serve [PATH...] [options]

Validates the policy at PATH (default: the current directory) and serves it: Envoy sidecars
and proxyless gRPC clients connect over ADS (SotW or delta) and get the snapshot of their
proxy class, compiled when the first proxy of the class connects. The files are watched: a
change is validated again and pushed when it has no errors; with errors, the last good
snapshots keep serving and each error is logged with its file:line:col.

The admin HTTP server answers /metrics (Prometheus), /debug/proxies, /debug/snapshots,
/healthz and /readyz. SIGINT or SIGTERM shuts down gracefully.

Options:
  --xds-address <host:port>   Where to serve xDS (default: 127.0.0.1:15010; port 0: any)
  --http-address <host:port>  Where to serve the admin HTTP API (default: 127.0.0.1:15014)
  --debounce-ms <ms>          Quiet time after a file change before reloading (default: 100)
  --poll                      Poll the policy files instead of using file system events
  --log-format <format>       ${listOr(logFormats)} (default: json), on stderr
  --revision <rev>            Revision the snapshot versions start with (default: local)
  -h, --help                  Show this help

Exit codes:
  0  shut down on SIGINT or SIGTERM
  1  the policy has errors at start; nothing served
  2  usage error, an address in use, or internal error
`;

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the policy to proxies over xDS, reloading it when the files change',
  usage,
  async run(args, context: CommandContext) {
    const { values, positionals } = parseOrUsageError('serve', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          'xds-address': { type: 'string' },
          'http-address': { type: 'string' },
          'debounce-ms': { type: 'string' },
          poll: { type: 'boolean' },
          'log-format': { type: 'string' },
          revision: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      context.stdout.write(usage);
      return 0;
    }
    const logFormat = oneOf('serve', 'log-format', values['log-format'] ?? 'json', logFormats);
    const debounceMs = Number(values['debounce-ms'] ?? '100');
    if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new UsageError(`--debounce-ms takes a whole number of milliseconds, got '${values['debounce-ms']}'`, 'serve');
    const { splitAddress } = await import('../../proxy/admin/server.ts');
    for (const option of ['xds-address', 'http-address'] as const) {
      const value = values[option];
      if (value === undefined) continue;
      try {
        splitAddress(value);
      } catch {
        throw new UsageError(`--${option} takes host:port, got '${value}'`, 'serve');
      }
    }

    const { ControlPlane } = await import('../../proxy/admin/control-plane.ts');
    const { jsonLogger } = await import('../../proxy/index.ts');
    const { textLogger } = await import('../../proxy/admin/text-logger.ts');
    const write = (line: string) => context.stderr.write(line);
    const logger = logFormat === 'json' ? jsonLogger({ write }) : textLogger({ write });
    const plane = new ControlPlane({
      paths: positionals.length > 0 ? positionals : ['.'],
      xdsAddress: values['xds-address'],
      httpAddress: values['http-address'],
      debounceMs,
      poll: values.poll,
      revision: values.revision,
      logger,
      cwd: context.cwd,
    });
    const stop = waitForSignal();
    let started;
    try {
      started = await plane.start();
    } catch (e) {
      await plane.close(1_000);
      const message = e instanceof Error ? e.message : String(e);
      context.stderr.write(`sluice serve: cannot start: ${message.split('\n')[0]}\n`);
      return 2;
    }
    if (!started.ok) {
      const { validation } = started;
      context.stderr.write(
        formatter('human')(
          { diagnostics: validation.diagnostics, files: validation.files, documentCount: validation.documentCount, fileCount: validation.files.size },
          { color: shouldUseColor(context.stderr, context.env), failOn: 'error', cwd: context.cwd, root: context.cwd, tool: { name: 'sluice', version: packageInfo().version } },
        ),
      );
      const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
      context.stderr.write(`sluice serve: the policy has ${errors} error(s); nothing served\n`);
      await plane.close(1_000);
      return 1;
    }
    logger.info(`sluice serve: xDS on ${started.xdsAddress}, admin HTTP on ${started.httpAddress}`, {
      xdsAddress: started.xdsAddress,
      httpAddress: started.httpAddress,
      version: packageInfo().version,
    });
    const signal = await stop;
    logger.info('shutting down', { signal });
    const { forced } = await plane.close(5_000);
    logger.info('stopped', { forced });
    return 0;
  },
};
