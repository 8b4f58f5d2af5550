// A local stand-in for GitHub's REST API, for tests (not a test file itself): the endpoints
// the review uses, on the wire as GitHub speaks it (JSON bodies, Link pagination, error
// bodies with `message`), with GitHub's limits enforced so a test fails when a limit is broken.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  external_id?: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  output: { title?: string; summary?: string };
  annotations: Record<string, unknown>[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  /** Comments per issue number. */
  comments: Map<number, FakeComment[]>;
  checkRuns: FakeCheckRun[];
  pulls: Map<number, { head: { sha: string }; base: { sha: string } }>;
  /** Who the token belongs to: GET /user answers with it, or 403 as for GITHUB_TOKEN when undefined. */
  login: string | undefined;
  /** Who new comments are written by. */
  commenter: string;
  /** A reply that replaces the normal one (an error, a rate limit); undefined to go on normally. */
  intercept?: (request: RecordedRequest) => FakeReply | undefined;
  /** Writes only: POST, PATCH, PUT, DELETE. */
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

export const COMMENT_BODY_LIMIT = 65_536;
export const COMMENT_BYTES_LIMIT = 262_144;
const CHECK_TEXT_BYTES = 65_535;
/** An annotation's message and raw details: 64 KB each. */
const ANNOTATION_FIELD_BYTES = 64 * 1024;
const ANNOTATIONS_PER_REQUEST = 50;

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch (error) {
        reject(error as Error);
      }
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, reply: FakeReply): void {
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
  response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
}

const invalid = (message: string): FakeReply => ({
  status: 422,
  body: { message: 'Validation Failed', errors: [{ code: 'custom', message }], documentation_url: 'https://docs.github.com/rest' },
});

/** One page of `list` as GitHub serves it: `per_page` (default 30, at most 100), `page`, and a Link header. */
function paginate<T>(list: readonly T[], query: URLSearchParams, url: string, keep: Record<string, string> = {}): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
  const page = Number(query.get('page') ?? 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  const link = (p: number, rel: string) => `<${url}?${new URLSearchParams({ ...keep, per_page: String(perPage), page: String(p) }).toString()}>; rel="${rel}"`;
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return { items: list.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

/** What the Checks API rejects in one annotation (required fields, lines from 1, columns on one line only). */
function annotationProblem(a: Record<string, unknown>): string | undefined {
  for (const field of ['path', 'start_line', 'end_line', 'annotation_level', 'message']) if (a[field] === undefined) return `annotation is missing ${field}`;
  const { start_line: start, end_line: end, start_column: startColumn, end_column: endColumn } = a;
  if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 1 || (end as number) < (start as number)) return `annotation lines ${String(start)}-${String(end)} are invalid`;
  if ((startColumn !== undefined || endColumn !== undefined) && start !== end) return 'start_column and end_column are only supported when start_line and end_line are the same';
  if (!['notice', 'warning', 'failure'].includes(String(a.annotation_level))) return `annotation_level ${String(a.annotation_level)} is not notice, warning or failure`;
  for (const field of ['message', 'raw_details']) {
    if (typeof a[field] === 'string' && Buffer.byteLength(a[field]) > ANNOTATION_FIELD_BYTES) return `annotation ${field} exceeds a maximum bytesize of ${ANNOTATION_FIELD_BYTES}`;
  }
  return undefined;
}

export async function startFakeGitHub(options: { owner?: string; repo?: string } = {}): Promise<FakeGitHub> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'mesh-policy';
  let nextId = 1000;
  const fake: FakeGitHub = {
    url: '',
    requests: [],
    comments: new Map(),
    checkRuns: [],
    pulls: new Map(),
    login: undefined,
    commenter: 'github-actions[bot]',
    writes: () => fake.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const prefix = `/repos/${owner}/${repo}`;

  function route(request: RecordedRequest, base: string): FakeReply {
    const { method, path, query } = request;
    const body = (request.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/user') {
      if (fake.login === undefined) return { status: 403, body: { message: 'Resource not accessible by integration' } };
      return { status: 200, body: { login: fake.login, id: 1, type: 'User' } };
    }
    if ((m = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(path))) {
      const list = fake.comments.get(Number(m[1])) ?? [];
      if (method === 'GET') {
        const { items, headers } = paginate(list, query, `${base}${path}`);
        return { status: 200, body: items, headers };
      }
      if (method === 'POST') {
        if (typeof body.body !== 'string') return invalid('body is missing');
        if (body.body.length > COMMENT_BODY_LIMIT || Buffer.byteLength(body.body) > COMMENT_BYTES_LIMIT) return invalid(`body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)`);
        const comment: FakeComment = { id: nextId++, body: body.body, user: { login: fake.commenter }, html_url: `https://github.test/${owner}/${repo}/pull/${m[1]}#issuecomment-${nextId}` };
        fake.comments.set(Number(m[1]), [...list, comment]);
        return { status: 201, body: comment };
      }
    }
    if ((m = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(path)) && method === 'PATCH') {
      const comment = [...fake.comments.values()].flat().find((c) => c.id === Number(m?.[1]));
      if (!comment) return { status: 404, body: { message: 'Not Found' } };
      if (typeof body.body !== 'string') return invalid('body is missing');
      if (body.body.length > COMMENT_BODY_LIMIT || Buffer.byteLength(body.body) > COMMENT_BYTES_LIMIT) return invalid(`body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)`);
      comment.body = body.body;
      return { status: 200, body: comment };
    }
    const checkOutput = (output: unknown): FakeReply | undefined => {
      const o = (output ?? {}) as { summary?: unknown; text?: unknown; annotations?: unknown[] };
      // the docs say characters; GitHub counts UTF-8 bytes ("summary exceeds a maximum bytesize of 65535", github/docs#35252)
      if (typeof o.summary === 'string' && Buffer.byteLength(o.summary) > CHECK_TEXT_BYTES) return invalid(`summary exceeds a maximum bytesize of ${CHECK_TEXT_BYTES}`);
      if (typeof o.text === 'string' && Buffer.byteLength(o.text) > CHECK_TEXT_BYTES) return invalid(`text exceeds a maximum bytesize of ${CHECK_TEXT_BYTES}`);
      if ((o.annotations?.length ?? 0) > ANNOTATIONS_PER_REQUEST) return invalid('Only 50 annotations are allowed per request');
      for (const annotation of o.annotations ?? []) {
        const problem = annotationProblem(annotation as Record<string, unknown>);
        if (problem) return invalid(problem);
      }
      return undefined;
    };
    if (path === `${prefix}/check-runs` && method === 'POST') {
      const bad = checkOutput(body.output);
      if (bad) return bad;
      const output = (body.output ?? {}) as { title?: string; summary?: string; annotations?: Record<string, unknown>[] };
      const run: FakeCheckRun = {
        id: nextId++,
        name: String(body.name),
        head_sha: String(body.head_sha),
        status: String(body.status ?? 'queued'),
        output: { title: output.title, summary: output.summary },
        annotations: [...(output.annotations ?? [])],
      };
      if (typeof body.conclusion === 'string') run.conclusion = body.conclusion;
      if (typeof body.external_id === 'string') run.external_id = body.external_id;
      fake.checkRuns.push(run);
      return { status: 201, body: { id: run.id, html_url: `https://github.test/${owner}/${repo}/runs/${run.id}`, status: run.status } };
    }
    if ((m = new RegExp(`^${prefix}/check-runs/(\\d+)$`).exec(path)) && method === 'PATCH') {
      const run = fake.checkRuns.find((r) => r.id === Number(m?.[1]));
      if (!run) return { status: 404, body: { message: 'Not Found' } };
      const bad = checkOutput(body.output);
      if (bad) return bad;
      const output = (body.output ?? {}) as { title?: string; summary?: string; annotations?: Record<string, unknown>[] };
      run.annotations.push(...(output.annotations ?? []));
      if (output.summary !== undefined) run.output = { title: output.title, summary: output.summary };
      if (typeof body.status === 'string') run.status = body.status;
      if (typeof body.conclusion === 'string') run.conclusion = body.conclusion;
      return { status: 200, body: { id: run.id, html_url: `https://github.test/${owner}/${repo}/runs/${run.id}`, status: run.status } };
    }
    if ((m = new RegExp(`^${prefix}/commits/([0-9a-f]+)/check-runs$`).exec(path)) && method === 'GET') {
      const runs = fake.checkRuns.filter((r) => r.head_sha === m?.[1] && (!query.get('check_name') || r.name === query.get('check_name')));
      const view = runs.map((r) => ({ id: r.id, name: r.name, head_sha: r.head_sha, status: r.status, conclusion: r.conclusion ?? null, external_id: r.external_id ?? null, html_url: `https://github.test/${owner}/${repo}/runs/${r.id}` }));
      const { items, headers } = paginate(view, query, `${base}${path}`, query.get('check_name') ? { check_name: query.get('check_name') ?? '' } : {});
      return { status: 200, body: { total_count: view.length, check_runs: items }, headers };
    }
    if ((m = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(path)) && method === 'GET') {
      const pull = fake.pulls.get(Number(m[1]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: { number: Number(m[1]), state: 'open', ...pull } };
    }
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body: await readBody(request) };
      fake.requests.push(recorded);
      if (!/^(token|bearer) \S+/i.test(request.headers.authorization ?? '')) return send(response, { status: 401, body: { message: 'Requires authentication' } });
      const reply = fake.intercept?.(recorded) ?? route(recorded, fake.url);
      send(response, reply);
    })().catch((error: Error) => send(response, { status: 500, body: { message: error.message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
