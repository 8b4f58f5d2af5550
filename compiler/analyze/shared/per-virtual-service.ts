import type { CodeDefinition, Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel, VirtualService } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';

/**
 * An analyzer whose findings are about one VirtualService (or converted Gateway API route)
 * at a time: `check` looks at that route and at the rest of the model (services, workloads,
 * DestinationRules, gateways, security policies) but never at other routes or at rollouts.
 * That is what lets incremental validation check only the routes that changed. `after`,
 * if any, adds findings about the model as a whole; it runs every time, so it must be cheap
 * when nothing it looks for is there.
 */
export function perVirtualService(spec: {
  name: string;
  codes: readonly CodeDefinition[];
  check(vs: VirtualService, model: PolicyModel, out: Diagnostic[]): void;
  after?(model: PolicyModel, out: Diagnostic[]): void;
}): Analyzer {
  const after = spec.after;
  return {
    name: spec.name,
    codes: spec.codes,
    run(model) {
      const out: Diagnostic[] = [];
      for (const vs of model.virtualServices) spec.check(vs, model, out);
      after?.(model, out);
      return out;
    },
    forVirtualService(vs, model) {
      const out: Diagnostic[] = [];
      spec.check(vs, model, out);
      return out;
    },
    ...(after ? { afterRoutes: (model: PolicyModel) => {
      const out: Diagnostic[] = [];
      after(model, out);
      return out;
    } } : {}),
  };
}
