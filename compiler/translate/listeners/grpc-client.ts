/**
 * Proxyless gRPC client listeners: a channel to `xds:///NAME:PORT` asks for the Listener
 * named `NAME:PORT`, so every name that reaches a service from the proxy's namespace gets
 * one per port with routes (`isRoutedPort`) — `reviews.default.svc.cluster.local:9080`,
 * `reviews.default.svc:9080`, `reviews.default:9080`, and `reviews:9080` from `default`
 * itself (the routes translator's `serviceNames`) — each an `api_listener`
 * whose routes come over RDS from the route configuration of the service's host and port
 * (`grpcRouteName`), with the fault and router filters. Wildcard ServiceEntry hosts are not
 * gRPC targets and get none. No RBAC: gRPC clients reject it.
 *
 * This is the large part of a gRPC class (about four listeners per service port), so a
 * listener is one small object around a shared filter list and config source.
 */
import type { Origin, Service } from '../../model/index.ts';
import type { JsonObject } from '../../xds/index.ts';
import { EXTENSION_TYPE_URLS as X, RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { grpcRouteName, hostPort } from '../naming.ts';
import type { Resource, TranslateContext } from '../types.ts';
import { GRPC_LISTENER_NAME_CONFLICT } from './codes.ts';
import { ADS_SOURCE, FAULT, ROUTER } from './filters.ts';
import { serviceNames } from '../routes/index.ts';
import { isRoutedPort } from './ports.ts';
import { visibleServices } from './registry.ts';
import type { Reporter } from './sources.ts';

const CLIENT_HTTP_FILTERS: readonly JsonObject[] = Object.freeze([FAULT, ROUTER]);
const ROOT: readonly [] = Object.freeze([]) as readonly [];

/** The route configuration a client listener of `service` on `port` uses: one per host and port, shared by its aliases. */
function routeNameFor(service: Service, port: number): string {
  return grpcRouteName(service.hostname, port);
}

interface Claim {
  service: Service;
  resource: Resource;
}

export function grpcClientListeners(ctx: TranslateContext, reporter: Reporter): Resource[] {
  const from = ctx.proxy.namespace;
  const claims = new Map<string, Claim>();
  const typeUrl = RESOURCE_TYPE_URLS.listener;
  const built = ctx.options.built;
  for (const service of visibleServices(ctx)) {
    if (service.hostname.startsWith('*')) continue;
    const origin: Origin = { doc: service.doc, path: service.path };
    const sources = [{ path: ROOT, origin }];
    const names = serviceNames(service, from);
    for (const port of service.ports) {
      if (!isRoutedPort(service, port)) continue;
      const rds = { configSource: ADS_SOURCE, routeConfigName: routeNameFor(service, port.number) };
      for (const alias of names) {
        const name = hostPort(alias, port.number);
        const existing = claims.get(name);
        if (existing) {
          if (existing.service.hostname === service.hostname) continue;
          // the service named exactly so wins; otherwise the first (services are sorted)
          if (alias === service.hostname && alias !== existing.service.hostname) {
            conflict(reporter, name, existing.service, service);
          } else {
            conflict(reporter, name, service, existing.service);
            continue;
          }
        }
        const json: JsonObject = {
          name,
          apiListener: {
            apiListener: { '@type': X.httpConnectionManager, statPrefix: name, rds, httpFilters: CLIENT_HTTP_FILTERS as JsonObject[] },
          },
        };
        const resource: Resource = { typeUrl, name, json, sources };
        claims.set(name, { service, resource });
        built?.(resource);
      }
    }
  }
  const out: Resource[] = [];
  for (const claim of claims.values()) out.push(claim.resource);
  return out;
}

function conflict(reporter: Reporter, name: string, loser: Service, winner: Service): void {
  reporter.at(
    GRPC_LISTENER_NAME_CONFLICT,
    { doc: loser.doc, path: loser.path },
    `the gRPC target ${name} reaches both ${winner.hostname} and ${loser.hostname}; it is given to ${winner.hostname}`,
  );
}
