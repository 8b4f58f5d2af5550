/**
 * The rollout HTTP API, mounted by the composition root on the admin server:
 *
 *   GET  /api/rollouts                      every rollout's status
 *   GET  /api/rollouts/NAMESPACE/NAME       one rollout's status
 *   POST /api/rollouts/NAMESPACE/NAME/promote   {"full": true} skips every remaining step
 *   POST /api/rollouts/NAMESPACE/NAME/abort | retry | start
 *
 * Every request needs `Authorization: Bearer TOKEN` (compared in constant time): without it,
 * or with another token, 401 and nothing happens. Without a configured token the API answers
 * 401 to everything (it is never open). A refused command is 409 with the reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RolloutCommand, RolloutController } from './controller.ts';

export interface RolloutApiRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as JSON (may throw on a malformed body). */
  json(): unknown;
  body: Buffer;
}

export interface RolloutApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ROLLOUT_API_PREFIX = '/api/rollouts';
const COMMANDS: readonly RolloutCommand[] = ['promote', 'abort', 'retry', 'start'];

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether the request carries exactly `token` as its bearer token. */
export function authorized(headers: RolloutApiRequest['headers'], token: string | undefined): boolean {
  if (token === undefined || token === '') return false;
  const raw = headers.authorization;
  const value = Array.isArray(raw) ? raw[0] : raw;
  const match = /^Bearer\s+(.+)$/i.exec(value?.trim() ?? '');
  if (!match?.[1]) return false;
  // hashing first gives equal lengths, so the comparison time does not depend on the guess
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}

export function rolloutApi(controller: RolloutController, options: { token: string | undefined }): (request: RolloutApiRequest) => Promise<RolloutApiResponse> {
  return async (request) => {
    if (!authorized(request.headers, options.token)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="sluice rollouts"' },
        body: { error: options.token ? 'a valid bearer token is required (Authorization: Bearer TOKEN)' : 'the rollout API has no token configured (sluice serve --rollout-token-file)' },
      };
    }
    const rest = request.path.slice(ROLLOUT_API_PREFIX.length).split('/').filter((p) => p !== '');
    if (request.method === 'GET' && rest.length === 0) return { status: 200, body: { rollouts: controller.status() } };
    if (rest.length < 2 || rest.length > 3) return { status: 404, body: { error: `no such endpoint: ${request.method} ${request.path}` } };
    let key: string;
    try {
      key = `${decodeURIComponent(rest[0] ?? '')}/${decodeURIComponent(rest[1] ?? '')}`;
    } catch {
      // a URIError would otherwise be a bare 500 from the admin server
      return { status: 400, body: { error: `malformed percent-encoding in ${request.path}` } };
    }
    if (rest.length === 2) {
      if (request.method !== 'GET') return { status: 405, body: { error: `use GET on ${request.path}` } };
      const [status] = controller.status(key);
      return status ? { status: 200, body: status } : { status: 404, body: { error: `no rollout ${key}` } };
    }
    const command = rest[2] as RolloutCommand;
    if (!COMMANDS.includes(command)) return { status: 404, body: { error: `unknown command ${rest[2]} (promote, abort, retry or start)` } };
    if (request.method !== 'POST') return { status: 405, body: { error: `use POST to ${command}` } };
    let full = false;
    if (request.body.length > 0) {
      let body: unknown;
      try {
        body = request.json();
      } catch {
        return { status: 400, body: { error: 'the body must be JSON, e.g. {"full": true}' } };
      }
      full = typeof body === 'object' && body !== null && (body as { full?: unknown }).full === true;
    }
    if (controller.status(key).length === 0) return { status: 404, body: { error: `no rollout ${key}` } };
    const result = await controller.command(key, command, { full });
    return { status: result.ok ? 200 : 409, body: result };
  };
}
