import type { Analyzer } from '../types.ts';
import { destinationHosts } from './destination-hosts.ts';
import { destinationPorts } from './destination-ports.ts';
import { destinationRules } from './destination-rules.ts';
import { faults } from './fault.ts';
import { gateways } from './gateways.ts';
import { regexes } from './regexes.ts';
import { retries } from './retries.ts';
import { routeActions } from './route-actions.ts';
import { shadowedRules } from './shadowed-rules.ts';
import { subsets } from './subsets.ts';
import { virtualServiceHosts } from './virtual-service-hosts.ts';
import { weights } from './weights.ts';

export const networkingAnalyzers: readonly Analyzer[] = [
  // SLU3xxx: registry and references
  destinationHosts,
  subsets,
  destinationRules,
  virtualServiceHosts,
  destinationPorts,
  gateways,
  // SLU4xxx: traffic rules
  shadowedRules,
  weights,
  routeActions,
  retries,
  faults,
  regexes,
];
