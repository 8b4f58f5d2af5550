/**
 * The Git sync's Prometheus metrics, registered in the registry the composition root hands
 * over (the admin server's, so one /metrics shows everything):
 *
 *   sluice_gitops_last_synced_commit_info{commit}      gauge      1 for the branch head last fetched
 *   sluice_gitops_last_sync_timestamp_seconds           gauge      wall clock of the last successful fetch
 *   sluice_gitops_last_good_commit_info{commit}         gauge      1 for the commit being served
 *   sluice_gitops_last_good_timestamp_seconds           gauge      when it was published
 *   sluice_gitops_sync_failures_total{reason}           counter    auth, unreachable, branch-missing, too-large, git
 *   sluice_gitops_commits_total{result}                 counter    published, rejected, skipped
 *   sluice_gitops_commit_acked_seconds                  histogram  the poll or webhook that found a commit →
 *                                                                  every connected proxy ACKed its snapshots
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export class GitOpsMetrics {
  private readonly synced: Gauge<'commit'>;
  private readonly syncedAt: Gauge;
  private readonly good: Gauge<'commit'>;
  private readonly goodAt: Gauge;
  private readonly failures: Counter<'reason'>;
  private readonly commits: Counter<'result'>;
  private readonly acked: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.synced = new Gauge({ name: 'sluice_gitops_last_synced_commit_info', help: 'The branch head last fetched from the policy repository (value 1).', labelNames: ['commit'], registers });
    this.syncedAt = new Gauge({ name: 'sluice_gitops_last_sync_timestamp_seconds', help: 'Wall clock of the last successful fetch of the policy repository.', registers });
    this.good = new Gauge({ name: 'sluice_gitops_last_good_commit_info', help: 'The commit whose policy is being served (value 1).', labelNames: ['commit'], registers });
    this.goodAt = new Gauge({ name: 'sluice_gitops_last_good_timestamp_seconds', help: 'When the commit being served was published.', registers });
    this.failures = new Counter({ name: 'sluice_gitops_sync_failures_total', help: 'Failed syncs with the policy repository, by reason.', labelNames: ['reason'], registers });
    this.commits = new Counter({ name: 'sluice_gitops_commits_total', help: 'Commits of the branch by what became of them: published, rejected (errors), skipped (a newer one came first).', labelNames: ['result'], registers });
    this.acked = new Histogram({
      name: 'sluice_gitops_commit_acked_seconds',
      help: 'Seconds from the poll or webhook that found a commit to every connected proxy having ACKed its snapshots.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
  }

  syncSucceeded(head: string, at: number): void {
    this.synced.reset();
    this.synced.set({ commit: head }, 1);
    this.syncedAt.set(at / 1000);
  }

  syncFailed(reason: string): void {
    this.failures.inc({ reason });
  }

  published(sha: string, at: number): void {
    this.good.reset();
    this.good.set({ commit: sha }, 1);
    this.goodAt.set(at / 1000);
  }

  commit(result: 'published' | 'rejected' | 'skipped', count = 1): void {
    this.commits.inc({ result }, count);
  }

  ackedAfter(seconds: number): void {
    this.acked.observe(seconds);
  }
}
