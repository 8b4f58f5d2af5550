// Helpers for the diff tests (not a test file itself).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSources } from '../load/index.ts';
import { buildModel } from '../model/index.ts';
import type { PolicyModel } from '../model/types.ts';
import { percentText, splitText } from './split.ts';
import type { PolicyDiff, ServiceDiff, Split } from './types.ts';

export const BOOKINFO = fileURLToPath(new URL('../../../shared/conformance/istio-bookinfo/', import.meta.url));

/** Bookinfo files by path relative to the sample's root (`networking/...`), read as they are. */
export function bookinfo(...files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, readFileSync(BOOKINFO + f, 'utf8')]));
}

/** A bookinfo scenario: the platform manifests, a DestinationRule file, and networking files. */
export function scenario(destinationRules: string, ...networking: string[]): Record<string, string> {
  return bookinfo('platform/bookinfo.yaml', `networking/${destinationRules}`, ...networking.map((f) => `networking/${f}`));
}

export function model(files: Record<string, string>): PolicyModel {
  return buildModel(loadSources(Object.entries(files).map(([path, content]) => ({ path, content }))).documents).model;
}

/** `v1 90% → 50%` per destination. */
export function trafficLines(service: ServiceDiff | undefined): string[] | undefined {
  return service?.traffic?.shares.map((s) => `${s.label} ${percentText(s.before)} → ${percentText(s.after)}`);
}

export function splitLine(split: Split): string {
  return splitText(split);
}

/** One line per change, for exact assertions: routes, reroutes and clusters of a service. */
export function serviceLines(service: ServiceDiff | undefined): string[] {
  if (!service) return [];
  const out: string[] = [];
  for (const r of service.routes) {
    const detail = r.change === 'changed' ? r.fields.map((f) => `${f.field}: ${f.before} → ${f.after}`).join('; ') : splitText((r.after ?? r.before)?.destinations ?? []);
    out.push(`route ${r.change} [${r.title}] ${detail} @${r.location.side}:${r.location.file}:${r.location.line}`);
  }
  for (const r of service.rerouted) out.push(`rerouted ${r.requests}: ${splitText(r.before)} → ${splitText(r.after)}${r.partial ? ' (partial)' : ''}`);
  for (const c of service.clusters) out.push(`cluster ${c.change} ${c.name} ${c.fields.map((f) => `${f.field}: ${f.before} → ${f.after}`).join('; ')} @${c.location.side}:${c.location.file}:${c.location.line}`);
  return out;
}

export function service(diff: PolicyDiff, title: string): ServiceDiff | undefined {
  return diff.services.find((s) => s.title === title);
}
