/**
 * SLU3008: a destination without a port on a service with several ports (Istio cannot
 * tell which port to send to).
 * SLU3009: a destination port the service does not expose.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import { indexOf, isWildcardHost } from '../../model/index.ts';
import type { Service } from '../../model/index.ts';
import { at, forEachDestinationOf, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const DESTINATION_PORT_REQUIRED = defineCode({
  code: 'SLU3008',
  stage: 'networking',
  severity: 'error',
  title: 'Destination port required',
  hint: 'Add `port: {number: N}` to the destination, naming one of the service\'s ports.',
  istio: 'IST0112',
});

export const UNKNOWN_DESTINATION_PORT = defineCode({
  code: 'SLU3009',
  stage: 'networking',
  severity: 'error',
  title: 'Destination port not exposed by the service',
  hint: 'Use a port the Service (port, not targetPort) or ServiceEntry exposes, or add the port to the service.',
  istio: 'IST0101',
});

const portCache = new WeakMap<readonly Service[], number[]>();

function portList(services: readonly Service[]): number[] {
  let list = portCache.get(services);
  if (!list) {
    const ports = new Set<number>();
    for (const s of services) for (const p of s.ports) ports.add(p.number);
    list = [...ports].sort((a, b) => a - b);
    portCache.set(services, list);
  }
  return list;
}

export const destinationPorts: Analyzer = perVirtualService({
  name: 'destination-ports',
  codes: [DESTINATION_PORT_REQUIRED, UNKNOWN_DESTINATION_PORT],
  check(vs, model, out) {
    const index = indexOf(model);
    forEachDestinationOf(vs, ({ destination: d }) => {
      if (isWildcardHost(d.host.fqdn)) return;
      const services = index.servicesFor(d.host.fqdn);
      if (services.length === 0) return;
      const ports = portList(services);
      if (ports.length === 0) return;
      const kind = services[0]?.source === 'serviceentry' ? 'ServiceEntry' : 'Service';
      if (d.port === undefined) {
        if (ports.length > 1 && vs.sourceKind === 'VirtualService') {
          out.push(
            diagnostic(DESTINATION_PORT_REQUIRED, at(vs, [...d.path, 'destination'], 'key'), `destination ${d.host.fqdn} has no port, but the ${kind} exposes ${ports.length} ports (${ports.join(', ')}); Istio cannot tell which one to route to`),
          );
        }
        return;
      }
      if (ports.includes(d.port)) return;
      const path = vs.sourceKind === 'VirtualService' ? [...d.path, 'destination', 'port', 'number'] : [...d.path, 'port'];
      const targets = services.flatMap((s) => s.ports.filter((p) => p.targetPort === d.port).map((p) => p.number));
      const hint = targets.length > 0 ? ` (${d.port} is the targetPort of port ${targets.join(', ')}; routes name the service port)` : '';
      out.push(
        diagnostic(UNKNOWN_DESTINATION_PORT, at(vs, path), `port ${d.port} is not a port of ${d.host.fqdn}, which exposes ${ports.join(', ')}${hint}; traffic to it fails with 503`),
      );
    });
  },
});
