/**
 * Edits the weights of a VirtualService route in a policy file, keeping everything else as
 * written: the `yaml` library's Document API finds the nodes, and the file's text is changed
 * only at their source ranges (a weight's scalar replaced, a missing `weight:` line inserted
 * under its destination). Only when the route item is written in flow style is that one
 * document re-serialized by the Document API (comments kept, spacing normalized).
 */
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node, YAMLMap } from 'yaml';

export interface RouteTarget {
  namespace: string;
  virtualService: string;
  route: string | number;
}

export type EditResult = { ok: true; text: string; changed: boolean } | { ok: false; message: string };

interface Splice {
  start: number;
  end: number;
  text: string;
}

function str(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function findVirtualService(docs: Document.Parsed[], target: RouteTarget): Document.Parsed | undefined {
  return docs.find((d) => {
    if (str(d.get('kind', true)) !== 'VirtualService') return false;
    if (str(d.getIn(['metadata', 'name'], true)) !== target.virtualService) return false;
    return (str(d.getIn(['metadata', 'namespace'], true)) ?? 'default') === target.namespace;
  });
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The text change that sets an item's weight, or undefined when only re-serializing can (flow style). */
function spliceFor(text: string, item: YAMLMap, current: Node | undefined, want: number): Splice | undefined {
  if (item.flow) return undefined;
  if (isScalar(current) && current.range) return { start: current.range[0], end: current.range[1], text: String(want) };
  if (current !== undefined) return undefined;
  const destinationPair = item.items.find((p) => isScalar(p.key) && p.key.value === 'destination');
  const keyStart = (destinationPair?.key as Node | undefined)?.range?.[0];
  const valueEnd = (destinationPair?.value as Node | undefined)?.range?.[2];
  if (keyStart === undefined || valueEnd === undefined) return undefined;
  const indent = keyStart - lineStart(text, keyStart);
  // a new line after the one the destination ends on
  const newline = text.indexOf('\n', Math.max(valueEnd - 1, keyStart));
  if (newline === -1) return { start: text.length, end: text.length, text: `\n${' '.repeat(indent)}weight: ${want}\n` };
  return { start: newline + 1, end: newline + 1, text: `${' '.repeat(indent)}weight: ${want}\n` };
}

/** Sets `weights` (by subset) on the destinations of the route; other destinations keep theirs. */
export function setRouteWeights(text: string, target: RouteTarget, weights: Readonly<Record<string, number>>): EditResult {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return { ok: false, message: 'the file is empty' };
  const doc = findVirtualService(docs, target);
  if (!doc) return { ok: false, message: `no VirtualService ${target.namespace}/${target.virtualService} in the file` };
  if (doc.errors.length > 0) return { ok: false, message: `the VirtualService does not parse: ${doc.errors[0]?.message ?? ''}` };
  const http = doc.getIn(['spec', 'http'], true);
  if (!isSeq(http)) return { ok: false, message: 'the VirtualService has no spec.http list' };
  const index = typeof target.route === 'number' ? target.route : http.items.findIndex((item) => isMap(item) && str(item.get('name', true)) === target.route);
  const rule = http.items[index];
  if (!isMap(rule)) return { ok: false, message: `the VirtualService has no HTTP route ${JSON.stringify(target.route)}` };
  const routeList = rule.get('route', true);
  if (!isSeq(routeList)) return { ok: false, message: `HTTP route ${JSON.stringify(target.route)} has no route list` };

  const splices: Splice[] = [];
  let reserialize = false;
  let changed = false;
  const seen = new Set<string>();
  for (const item of routeList.items) {
    if (!isMap(item)) continue;
    const subset = str((item.get('destination', true) as YAMLMap | undefined)?.get?.('subset', true));
    if (subset === undefined || !(subset in weights)) continue;
    seen.add(subset);
    const want = weights[subset] as number;
    const current = item.get('weight', true) as Node | undefined;
    if (isScalar(current) && current.value === want) continue;
    changed = true;
    const splice = spliceFor(text, item, current, want);
    if (splice) splices.push(splice);
    else reserialize = true;
    // the document stays in step with the text, for when it is re-serialized
    item.set('weight', want);
  }
  const missing = Object.keys(weights).filter((s) => !seen.has(s));
  if (missing.length > 0) return { ok: false, message: `HTTP route ${JSON.stringify(target.route)} has no destination in subset ${missing.join(', ')}` };
  if (!changed) return { ok: true, text, changed: false };
  if (reserialize) {
    const [start, , end] = doc.range;
    const body = doc.toString();
    return { ok: true, text: text.slice(0, start) + body + text.slice(end), changed: true };
  }
  let out = text;
  for (const s of splices.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return { ok: true, text: out, changed: true };
}
