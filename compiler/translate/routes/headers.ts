/**
 * Header manipulation (Istio `TranslateHeadersOperations`): `set` overwrites
 * (OVERWRITE_IF_EXISTS_OR_ADD), `add` appends (APPEND_IF_EXISTS_OR_ADD), each sorted by
 * name; `remove` as written. Pseudo-headers and `host` cannot be changed this way and are
 * skipped, except that a request `:authority`/`host` set (or add) becomes the route's host
 * rewrite, `set` winning over `add`.
 *
 * Reads Istio's map form (`set: {name: value}`) and the Gateway API's list form
 * (`set: [{name, value}]`) that converted HTTPRoute filters carry.
 */
import type { JsonObject } from '../../xds/index.ts';
import { isRecord } from '../../model/index.ts';

export interface HeaderOperations {
  requestHeadersToAdd: JsonObject[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: JsonObject[];
  responseHeadersToRemove: string[];
  /** A request `:authority`/`host` value: the host rewrite. */
  authority?: string;
}

function isInternal(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function isAuthority(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

function pairs(value: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isRecord(item) && typeof item.name === 'string' && typeof item.value === 'string') out.push([item.name, item.value]);
    }
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out.push([k, v]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function options(value: unknown, append: boolean): { list: JsonObject[]; authority?: string } {
  const list: JsonObject[] = [];
  let authority: string | undefined;
  for (const [key, v] of pairs(value)) {
    if (isAuthority(key)) authority = v;
    if (isInternal(key)) continue;
    list.push({ header: { key, value: v }, appendAction: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  return authority === undefined ? { list } : { list, authority };
}

function removals(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && !isInternal(v));
}

export function headerOperations(headers: unknown): HeaderOperations {
  const request = isRecord(headers) && isRecord(headers.request) ? headers.request : {};
  const response = isRecord(headers) && isRecord(headers.response) ? headers.response : {};
  const reqSet = options(request.set, false);
  const reqAdd = options(request.add, true);
  const out: HeaderOperations = {
    requestHeadersToAdd: [...reqSet.list, ...reqAdd.list],
    requestHeadersToRemove: removals(request.remove),
    responseHeadersToAdd: [...options(response.set, false).list, ...options(response.add, true).list],
    responseHeadersToRemove: removals(response.remove),
  };
  const authority = reqSet.authority ?? reqAdd.authority;
  if (authority !== undefined) out.authority = authority;
  return out;
}

export function isEmpty(ops: HeaderOperations): boolean {
  return ops.requestHeadersToAdd.length === 0 && ops.requestHeadersToRemove.length === 0 && ops.responseHeadersToAdd.length === 0 && ops.responseHeadersToRemove.length === 0;
}

/** Copies non-empty header operations onto a Route or ClusterWeight (appending to what is there). */
export function applyHeaderOperations(target: JsonObject, ops: HeaderOperations): void {
  const put = (key: string, items: readonly (JsonObject | string)[]) => {
    if (items.length === 0) return;
    const existing = target[key];
    target[key] = Array.isArray(existing) ? [...existing, ...items] : [...items];
  };
  put('requestHeadersToAdd', ops.requestHeadersToAdd);
  put('requestHeadersToRemove', ops.requestHeadersToRemove);
  put('responseHeadersToAdd', ops.responseHeadersToAdd);
  put('responseHeadersToRemove', ops.responseHeadersToRemove);
}
