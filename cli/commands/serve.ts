import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatter, shouldUseColor } from '../format/index.ts';
import { listOr, oneOf, parseOrUsageError } from '../args.ts';
import type { Command } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { packageInfo } from '../version.ts';
import { rolloutOptionSpec, rolloutUsage } from '../rollouts/options.ts';

const logFormats = ['json', 'text'] as const;

const usage = `Usage: sluice serve [PATH...] [options]
       sluice serve --repo URL|PATH [--branch main] [--path SUBDIR] [--poll 15s] [--state-dir DIR]

Validates the policy at PATH (default: the current directory) and serves it: Envoy sidecars
and proxyless gRPC clients connect over ADS (SotW or delta) and get the snapshot of their
proxy class, compiled when the first proxy of the class connects. The files are watched: a
change is validated again and pushed when it has no errors; with errors, the last good
snapshots keep serving and each error is logged with its file:line:col.

With --repo, the policy comes from a branch of a Git repository instead: sluice keeps a
clone in the state dir, and every new commit (found by polling, or at once on a GitHub push
webhook to POST /hooks/github) is read without a checkout, validated, compiled and published
only if it has no errors. A bad commit is listed with its diagnostics (GET /debug/commits,
'sluice status') and the last good one keeps serving. The last good policy is kept in the
state dir and served at start-up before Git is reached. Snapshot versions are
<commit sha>/<hash>.

The admin HTTP server answers /metrics (Prometheus), /debug/proxies, /debug/snapshots,
/healthz and /readyz (and /debug/commits, /hooks/github with --repo). SIGINT or SIGTERM
shuts down gracefully.

Options:
  --xds-address <host:port>   Where to serve xDS (default: 127.0.0.1:15010; port 0: any)
  --http-address <host:port>  Where to serve the admin HTTP API (default: 127.0.0.1:15014)
  --debounce-ms <ms>          Quiet time after a file change before reloading (default: 100)
  --poll [INTERVAL]           Files: poll them instead of using file system events (every
                              INTERVAL, default 500ms). Git: how often to fetch (default
                              15s; 10s, 30s, 1m, 5m..., a cron expression, or 'off')
  --log-format <format>       ${listOr(logFormats)} (default: json), on stderr
  --revision <rev>            Revision the snapshot versions start with (default: local)
  -h, --help                  Show this help

Git options:
  --repo <url|path>           Serve the policy of this Git repository (https, ssh or a path)
  --branch <name>             The branch to follow (default: main)
  --path <dir>                The folder of the repository that holds the policy (default: all)
  --state-dir <dir>           The clone and the last good policy (default: .sluice-state)
  --max-repo-bytes <n>        Refuse a repository larger than this after a fetch (default: 1 GiB)
  --webhook-secret-env <var>  The environment variable holding the GitHub webhook secret
                              (default: SLUICE_WEBHOOK_SECRET); without it /hooks/github
                              refuses every delivery

${rolloutUsage}
Exit codes:
  0  shut down on SIGINT or SIGTERM
  1  the policy has errors at start; nothing served (files only: with --repo, sluice waits
     for a good commit)
  2  usage error, an address in use, or internal error
`;

/**
 * `--poll` is a flag for files and takes an interval for Git: a bare `--poll` (nothing, or
 * something that is not an interval after it) becomes `--poll=on` before parsing.
 */
export function normalizePollFlag(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (arg !== '--poll') {
      out.push(arg);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && (/^\d+\s*(ms|s|m|h)$/.test(next) || /^(off|never|0)$/.test(next) || next.trim().split(/\s+/).length >= 5)) {
      out.push(`--poll=${next}`);
      i++;
    } else out.push('--poll=on');
  }
  return out;
}

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
        args: normalizePollFlag(args),
        allowPositionals: true,
        strict: true,
        options: {
          'xds-address': { type: 'string' },
          'http-address': { type: 'string' },
          'debounce-ms': { type: 'string' },
          poll: { type: 'string' },
          repo: { type: 'string' },
          branch: { type: 'string' },
          path: { type: 'string' },
          'state-dir': { type: 'string' },
          'max-repo-bytes': { type: 'string' },
          'webhook-secret-env': { type: 'string' },
          'log-format': { type: 'string' },
          revision: { type: 'string' },
          ...rolloutOptionSpec,
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

    const repo = values.repo;
    if (repo === undefined) {
      for (const option of ['branch', 'path', 'state-dir', 'max-repo-bytes', 'webhook-secret-env'] as const) {
        if (values[option] !== undefined) throw new UsageError(`--${option} goes with --repo`, 'serve');
      }
    } else {
      if (positionals.length > 0) throw new UsageError(`PATH and --repo exclude each other; --path names a folder of the repository`, 'serve');
      if (values.revision !== undefined) throw new UsageError('--revision is for files; with --repo, snapshot versions start with the commit sha', 'serve');
    }
    const filePollMs = repo === undefined ? filePollInterval(values.poll) : undefined;
    const git = repo === undefined ? undefined : await gitSettings(values, context);

    const { ControlPlane } = await import('../../proxy/admin/control-plane.ts');
    const { jsonLogger } = await import('../../proxy/index.ts');
    const { textLogger } = await import('../../proxy/admin/text-logger.ts');
    const write = (line: string) => context.stderr.write(line);
    const logger = logFormat === 'json' ? jsonLogger({ write }) : textLogger({ write });
    let source;
    if (git) {
      const { GitPolicySource } = await import('./serve-git.ts');
      source = new GitPolicySource({ ...git, logger });
    }
    const rolloutOptions = await import('../rollouts/options.ts');
    const rolloutSettings = rolloutOptions.rolloutSettings(values, context.cwd, context.env, git);
    const rollouts = rolloutSettings ? rolloutOptions.createRolloutWiring(rolloutSettings, logger) : undefined;
    let observed;
    if (rollouts) {
      const { FilePolicySource } = await import('../../proxy/admin/file-source.ts');
      observed = rollouts.observe(source ?? new FilePolicySource({ paths: positionals.length > 0 ? positionals : ['.'], debounceMs, revision: values.revision, poll: filePollMs !== undefined, pollIntervalMs: filePollMs, logger, cwd: context.cwd }));
    }
    const plane = new ControlPlane({
      source: observed ?? source,
      paths: positionals.length > 0 ? positionals : ['.'],
      xdsAddress: values['xds-address'],
      httpAddress: values['http-address'],
      debounceMs,
      poll: filePollMs !== undefined,
      pollIntervalMs: filePollMs,
      revision: values.revision,
      logger,
      cwd: context.cwd,
    });
    source?.attach(plane);
    const stop = waitForSignal();
    let started;
    try {
      await rollouts?.attach(plane);
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
    rollouts?.start();
    logger.info(`sluice serve: xDS on ${started.xdsAddress}, admin HTTP on ${started.httpAddress}`, {
      xdsAddress: started.xdsAddress,
      httpAddress: started.httpAddress,
      version: packageInfo().version,
    });
    if (git) {
      // The URL may carry a token (https://user:token@host/...): never in a log line.
      const { maskCredentials } = await import('../../gitops/index.ts');
      logger.info(`following ${maskCredentials(git.repo)} (${git.branch}${git.path ? `, ${git.path}/` : ''}); polling ${git.pollDescription}; state in ${git.stateDir}`, {
        repo: maskCredentials(git.repo),
        branch: git.branch,
        path: git.path,
        poll: git.pollDescription,
        stateDir: git.stateDir,
        webhook: git.webhookSecret ? 'POST /hooks/github' : 'off (no secret)',
      });
    }
    const signal = await stop;
    logger.info('shutting down', { signal });
    await rollouts?.close();
    const { forced } = await plane.close(5_000);
    logger.info('stopped', { forced });
    return 0;
  },
};

/** `--poll` for files: undefined (fs.watch), or the interval in ms. */
function filePollInterval(value: string | undefined): number | undefined {
  if (value === undefined || value === 'off') return undefined;
  if (value === 'on') return 500;
  const m = /^(\d+)\s*(ms|s|m)$/.exec(value);
  if (!m) throw new UsageError(`--poll takes an interval for files (500ms, 2s), got '${value}'`, 'serve');
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

interface GitValues {
  repo?: string;
  branch?: string;
  path?: string;
  poll?: string;
  'state-dir'?: string;
  'max-repo-bytes'?: string;
  'webhook-secret-env'?: string;
}

async function gitSettings(values: GitValues, context: CommandContext) {
  const { pollSchedule, PollScheduleError, policyFolder, RevisionError } = await import('../../gitops/index.ts');
  let schedule;
  try {
    schedule = pollSchedule(values.poll === undefined || values.poll === 'on' ? '15s' : values.poll);
  } catch (e) {
    if (e instanceof PollScheduleError) throw new UsageError(e.message, 'serve');
    throw e;
  }
  let maxRepoBytes: number | undefined;
  if (values['max-repo-bytes'] !== undefined) {
    maxRepoBytes = parseBytes(values['max-repo-bytes']);
    if (maxRepoBytes === undefined) throw new UsageError(`--max-repo-bytes takes a size (500MiB, 2GiB, 1000000), got '${values['max-repo-bytes']}'`, 'serve');
  }
  const secretVariable = values['webhook-secret-env'] ?? 'SLUICE_WEBHOOK_SECRET';
  const branch = values.branch ?? 'main';
  if (!/^[\w./-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..')) throw new UsageError(`--branch '${branch}' is not a branch name`, 'serve');
  let path: string;
  try {
    path = policyFolder(values.path);
  } catch (e) {
    if (e instanceof RevisionError) throw new UsageError(`--path: ${e.message}`, 'serve');
    throw e;
  }
  const repo = values.repo ?? '';
  // A path is read relative to the working directory; URLs (scheme://, user@host:path) as written.
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+@[^:]+:/.test(repo);
  return {
    repo: isUrl ? repo : resolve(context.cwd, repo),
    branch,
    path,
    stateDir: resolve(context.cwd, values['state-dir'] ?? '.sluice-state'),
    pollExpression: schedule.expression,
    pollDescription: schedule.description,
    maxRepoBytes,
    webhookSecret: context.env[secretVariable] || undefined,
  };
}

function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('k') ? 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}
