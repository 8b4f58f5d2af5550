/**
 * Generates the binary FileDescriptorSet of the Envoy xDS v3 protos sluice produces.
 *
 *   npm run gen:descriptors        # writes compiler/xds/generated/envoy.binpb
 *
 * Sources: the `.proto` files @grpc/grpc-js-xds ships in its `deps/` folder (Envoy API, cncf/xds,
 * googleapis, protoc-gen-validate). The compiler is the buf CLI from the npm package
 * `@bufbuild/buf`, run through `npm exec` at generation time only: it is not a dependency,
 * because the registry this project installs from lacks its other platforms' binaries, which
 * leaves `npm ci` unable to accept a lock file that names them. Only the closure of the files
 * listed in ROOTS is written, without source info, so the set stays small.
 *
 * Outputs, all committed: the Envoy set (at run time sluice reads only that file,
 * compiler/xds/registry.ts), the protoc-gen-validate test-harness set the verifier's tests
 * use, and a fingerprint of the inputs, so a test can tell the outputs are stale without buf.
 *
 * One patch is applied to the inputs, in a temporary copy: the protoc-gen-validate
 * `validate.proto` shipped there predates `ignore_empty`, which the shipped Envoy protos
 * already use (e.g. envoy/config/core/v3/protocol.proto), so buf cannot compile them. The
 * missing `ignore_empty` fields are added with upstream PGV's field numbers.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(repoRoot, 'compiler/xds/generated/envoy.binpb');
export const HARNESS_OUTPUT = join(repoRoot, 'compiler/verify/testdata/pgv-harness.binpb');
export const FINGERPRINT = join(repoRoot, 'compiler/xds/generated/inputs.sha256');
export const BUF_VERSION = '1.75.0';
/** protoc-gen-validate's harness cases the verifier's tests run (tests/harness/cases/NAME.proto). */
export const HARNESS_FILES: readonly string[] = ['numbers', 'strings', 'bytes', 'bool', 'enums', 'messages', 'repeated', 'maps', 'oneofs', 'wkt_any', 'wkt_duration', 'wkt_timestamp', 'wkt_wrappers'];

/** The files whose closure is compiled (paths relative to their module root). */
export const ROOTS: readonly string[] = [
  // resources
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/service/discovery/v3/discovery.proto',
  // network filters
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  // http filters
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  // listener filters
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  // transport sockets, upstream options, cluster and lb extensions
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  // access logs
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  // generic typed config wrappers
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
];

/** Upstream protoc-gen-validate field numbers of `ignore_empty`, by rules message. */
const IGNORE_EMPTY: Readonly<Record<string, number>> = {
  FloatRules: 8, DoubleRules: 8, Int32Rules: 8, Int64Rules: 8, UInt32Rules: 8, UInt64Rules: 8,
  SInt32Rules: 8, SInt64Rules: 8, Fixed32Rules: 8, Fixed64Rules: 8, SFixed32Rules: 8, SFixed64Rules: 8,
  StringRules: 26, BytesRules: 14, RepeatedRules: 5, MapRules: 6,
};

/** Adds the `ignore_empty` fields the shipped validate.proto lacks (no-op when present). */
export function patchValidateProto(source: string): string {
  let out = source;
  for (const [message, number] of Object.entries(IGNORE_EMPTY)) {
    const start = out.search(new RegExp(`^message ${message} \\{`, 'm'));
    if (start < 0) throw new Error(`validate.proto: message ${message} not found`);
    const end = out.indexOf('\n}', start);
    if (end < 0) throw new Error(`validate.proto: end of ${message} not found`);
    if (/\bignore_empty\b/.test(out.slice(start, end))) continue;
    out = `${out.slice(0, end)}\n    optional bool ignore_empty = ${number};${out.slice(end)}`;
  }
  return out;
}

function depsRoot(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
}

/**
 * What the outputs are made from: the generator's own settings, the patched validate.proto,
 * the version of the package the protos come from, and buf's version.
 */
export function inputFingerprint(): string {
  const require = createRequire(import.meta.url);
  const xdsVersion = (JSON.parse(readFileSync(require.resolve('@grpc/grpc-js-xds/package.json'), 'utf8')) as { version: string }).version;
  const validate = patchValidateProto(readFileSync(join(depsRoot(), 'protoc-gen-validate', 'validate', 'validate.proto'), 'utf8'));
  const hash = createHash('sha256');
  for (const part of [BUF_VERSION, xdsVersion, ROOTS.join('\n'), HARNESS_FILES.join('\n'), validate]) hash.update(part).update('\0');
  return hash.digest('hex');
}

export interface BuildOptions {
  /** Files to compile, relative to their module root (envoy/… in the Envoy API, the rest in cncf/xds). */
  roots?: readonly string[];
  /**
   * Also make protoc-gen-validate's own test-harness protos (`tests/harness/cases/*.proto`)
   * available, for tests of the verifier; roots then name them as `tests/harness/...`.
   */
  pgvHarness?: boolean;
}

/** Compiles the roots (default ROOTS) with buf; returns the serialized FileDescriptorSet. */
export function buildDescriptorSet(options: BuildOptions = {}): Uint8Array {
  const roots = options.roots ?? ROOTS;
  const deps = depsRoot();
  const work = mkdtempSync(join(tmpdir(), 'sluice-desc-'));
  try {
    for (const module of ['envoy-api', 'xds', 'googleapis']) symlinkSync(join(deps, module), join(work, module), 'dir');
    const validateDir = join(work, 'pgv', 'validate');
    mkdirSync(validateDir, { recursive: true });
    const validate = readFileSync(join(deps, 'protoc-gen-validate', 'validate', 'validate.proto'), 'utf8');
    writeFileSync(join(validateDir, 'validate.proto'), patchValidateProto(validate));
    if (options.pgvHarness === true) symlinkSync(join(deps, 'protoc-gen-validate', 'tests'), join(work, 'pgv', 'tests'), 'dir');
    const config = {
      version: 'v2',
      modules: [{ path: 'envoy-api' }, { path: 'xds' }, { path: 'googleapis' }, { path: 'pgv' }],
    };
    const args = ['build', '.', '--config', JSON.stringify(config), '--exclude-source-info', '--as-file-descriptor-set', '-o', '-'];
    for (const root of roots) {
      const module = root.startsWith('envoy/') ? 'envoy-api' : root.startsWith('tests/') ? 'pgv' : 'xds';
      args.push('--path', `${module}/${root}`);
    }
    const result = spawnSync('npm', ['exec', '--yes', `--package=@bufbuild/buf@${BUF_VERSION}`, '--', 'buf', ...args], { cwd: work, maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`buf build failed:\n${result.stderr.toString()}`);
    return new Uint8Array(result.stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function write(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  console.log(`wrote ${relative(repoRoot, path)} (${bytes.length} bytes)`);
}

async function main(): Promise<void> {
  write(OUTPUT, buildDescriptorSet());
  write(HARNESS_OUTPUT, buildDescriptorSet({ pgvHarness: true, roots: HARNESS_FILES.map((f) => `tests/harness/cases/${f}.proto`) }));
  write(FINGERPRINT, `${inputFingerprint()}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
