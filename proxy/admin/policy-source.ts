/**
 * The seam between where policy comes from and the control plane that serves it.
 *
 * A PolicySource (files on disk, a Git sync wired in by the cli, anything else) finds
 * candidate policies, validates them and hands the good ones to the control plane through the
 * PolicySink it is given in `start`. The control plane owns compiling and publishing: a
 * `publish` compiles every proxy class that has proxies with the new model and publishes all
 * of them or none (a candidate that fails to compile for any live class is not served, and
 * the last good model keeps serving). Sources never see snapshots or the xDS server, which is
 * what lets gitops/ (which must not import proxy/) be adapted into a source by the cli.
 */
import type { Diagnostic, PolicyModel, ValidationResult } from '../../compiler/index.ts';

/** One load or commit, as /debug/snapshots and /readyz show it. */
export interface PolicyAttempt {
  at: string;
  ok: boolean;
  /** The revision it was read at: `local` for files, a commit sha for Git. */
  revision?: string;
  files: number;
  documents: number;
  errors: number;
  warnings: number;
  /** The first errors (at most 20), each `file:line:col code message`. */
  findings: string[];
}

/** A validated model, ready to compile. */
export interface PolicyUpdate {
  model: PolicyModel;
  /**
   * What snapshot versions start with: `local`, or the commit sha, so a snapshot version is
   * `<commit sha>/<hash of its resources>` and names the commit it came from.
   */
  revision: string;
  /** The load that produced the model (recorded as the last good one when published). */
  attempt: PolicyAttempt;
}

export type PublishOutcome =
  | {
      ok: true;
      revision: string;
      /**
       * classKey → snapshot version now served, for every class that has proxies. Wait on
       * exactly these with `registry.waitForConvergence` (or `ControlPlane.waitForAcks`).
       */
      versions: Map<string, string>;
    }
  | {
      ok: false;
      /** Compile or verify errors of some live proxy class: nothing was published. */
      diagnostics: Diagnostic[];
    };

/** What a source calls on the control plane. */
export interface PolicySink {
  /** Compiles every live class with `update.model` and publishes all of them, or none. */
  publish(update: PolicyUpdate): Promise<PublishOutcome>;
  /** A candidate that did not validate: recorded for /readyz and /debug/snapshots; nothing changes. */
  rejected(attempt: PolicyAttempt): void;
}

/**
 * How `start` went: a source that cannot serve without its first load (files) returns
 * `ok: false` with the reason, and the control plane starts nothing. A source that serves what
 * it persisted and connects later (Git) returns `ok: true` at once.
 */
export type SourceStart = { ok: true } | { ok: false; validation: ValidationResult };

export interface PolicySource {
  /** `files`, `git`: shown in /debug/snapshots. */
  readonly kind: string;
  /** Loads the first policy (publishing it through `sink`) and starts watching for changes. */
  start(sink: PolicySink): Promise<SourceStart>;
  /** Stops watching; a publish in flight may finish. */
  close(): Promise<void>;
  /** Extra JSON for /debug/snapshots' `policy` (watch mode, paths, the repository …). */
  status?(): Record<string, unknown>;
  /** Why the control plane is not ready while no policy has been published (e.g. Git is unreachable). */
  waitingFor?(): string | undefined;
  /** A problem of the source while it serves (Git unreachable…), for /readyz's reason. */
  health?(): string | undefined;
  /** Reload now (tests; files). */
  reload?(): Promise<void>;
}
