/**
 * GitHub's push webhook (`POST /hooks/github`): the signature (`X-Hub-Signature-256`, HMAC
 * SHA-256 of the raw body with the shared secret) is checked by @octokit/webhooks before the
 * body is even parsed; a push to the served branch asks for a sync at once instead of at the
 * next poll. The payload is never trusted for content: the sync fetches from the configured
 * remote, so a webhook can only make sluice look sooner, not look elsewhere.
 */
import { Webhooks } from '@octokit/webhooks';
import type { SyncLogger } from './sync.ts';

export interface WebhookRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body, exactly as received. */
  body: Buffer;
  /** Remote address, for the log line. */
  peer?: string;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  /** Whether to sync now. */
  sync: boolean;
}

export interface GitHubWebhookOptions {
  /** The shared secret; without one every delivery is refused (nothing unsigned is accepted). */
  secret: string | undefined;
  branch: string;
  logger?: SyncLogger;
}

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class GitHubWebhook {
  private readonly webhooks: Webhooks | undefined;
  private readonly logger: SyncLogger;

  constructor(private readonly options: GitHubWebhookOptions) {
    this.webhooks = options.secret ? new Webhooks({ secret: options.secret }) : undefined;
    this.logger = options.logger ?? { info() {}, warn() {}, error() {} };
  }

  async handle(request: WebhookRequest): Promise<WebhookResponse> {
    const delivery = header(request.headers, 'x-github-delivery')?.slice(0, 64);
    const event = header(request.headers, 'x-github-event')?.slice(0, 64) ?? '';
    if (!this.webhooks) {
      this.logger.warn('GitHub webhook refused: no webhook secret is configured (SLUICE_WEBHOOK_SECRET)', { delivery, event, peer: request.peer });
      return { status: 503, body: { error: 'no webhook secret is configured on this sluice serve' }, sync: false };
    }
    const signature = header(request.headers, 'x-hub-signature-256') ?? '';
    // verify throws on a malformed header; that is a bad signature like any other.
    const valid = signature !== '' && (await this.webhooks.verify(request.body.toString('utf8'), signature).catch(() => false));
    if (!valid) {
      this.logger.warn(`GitHub webhook refused: ${signature === '' ? 'no X-Hub-Signature-256 header' : 'X-Hub-Signature-256 does not match the body and the secret'}`, { delivery, event, peer: request.peer });
      return { status: 401, body: { error: 'signature does not match' }, sync: false };
    }
    if (event === 'ping') return { status: 200, body: { ok: true, event }, sync: false };
    if (event !== 'push') return { status: 202, body: { ok: true, event, ignored: 'only push events trigger a sync' }, sync: false };
    let ref: unknown;
    let after: unknown;
    try {
      ({ ref, after } = JSON.parse(request.body.toString('utf8')) as { ref?: unknown; after?: unknown });
    } catch {
      return { status: 400, body: { error: 'the push payload is not JSON' }, sync: false };
    }
    const wanted = `refs/heads/${this.options.branch}`;
    if (ref !== wanted) return { status: 202, body: { ok: true, event, ignored: `push to ${String(ref).slice(0, 200)}, not ${wanted}` }, sync: false };
    this.logger.info(`GitHub push webhook for ${this.options.branch}; syncing now`, { delivery, after: typeof after === 'string' ? after.slice(0, 64) : undefined });
    return { status: 202, body: { ok: true, event, sync: true }, sync: true };
  }
}
