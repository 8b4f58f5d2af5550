/**
 * The state-of-the-world protocol (StreamAggregatedResources and Stream{Listeners,Routes,…}).
 *
 * Per type the stream keeps the subscription, what the client holds from us (`held`: exactly
 * the last response for full-state types, the union of responses for the others) and the
 * latest nonce. A request is:
 * - the first of its type: subscribe, and answer it (for LDS/CDS even with nothing);
 * - stale (a nonce other than the latest): ignored; an answer to an older response still
 *   pending is recorded, since the client did apply it;
 * - current: an ACK or NACK (decided by `error_detail` alone), then its resource list.
 *
 * Nothing is ever re-sent because of a NACK: what we push is decided by comparing the snapshot
 * with `held`, which a NACK does not change, so a rejected version goes out again only as
 * part of a newer version of its type, or when the client subscribes to something new.
 */
import type { Snapshot, SnapshotEntry } from '../../compiler/index.ts';
import { CLUSTER_TYPE_URL, edsNameOf, ENDPOINTS_TYPE_URL, isFullStateType, pushOrder, upsertOrder } from '../resource-types.ts';
import { Subscription } from '../subscription.ts';
import { encodeDiscoveryResponse } from '../wire/index.ts';
import type { DiscoveryRequest } from '../wire/index.ts';
import { DiscoveryStream } from './base.ts';
import type { Outgoing } from './base.ts';

interface TypeState {
  readonly subscription: Subscription;
  /** Name → entry the client has from us. */
  held: Map<string, SnapshotEntry>;
  latestNonce: string | undefined;
  /** The client asked for something: answer even if nothing changed (LDS/CDS). */
  mustRespond: boolean;
}

interface Planned {
  typeUrl: string;
  entries: Map<string, SnapshotEntry>;
  versionInfo: string;
  removed: string[];
}

/** Version of the make-before-break response that still carries removed resources. */
export const RETAINED_SUFFIX = '+retained';

const NO_RESOURCES: ReadonlyMap<string, SnapshotEntry> = new Map();

export class SotwStream extends DiscoveryStream<DiscoveryRequest> {
  private readonly types = new Map<string, TypeState>();

  protected handle(request: DiscoveryRequest, typeUrl: string): boolean {
    const record = this.record;
    if (!record) return false;
    let t = this.types.get(typeUrl);
    if (!t) {
      // Nothing was sent of this type on this stream, so no nonce can be stale: a client that
      // reconnects may echo one from its previous stream.
      t = { subscription: new Subscription(), held: new Map(), latestNonce: undefined, mustRespond: true };
      this.types.set(typeUrl, t);
      t.subscription.replace(request.resourceNames);
      record.track(typeUrl, t.subscription);
      return true;
    }
    const nonce = request.responseNonce;
    if (nonce !== '' && nonce !== t.latestNonce) {
      if (record.isPending(typeUrl, nonce)) record.answered(typeUrl, nonce, request.errorDetail);
      this.logger.debug('ignoring a request with a stale nonce', { streamId: this.streamId, typeUrl, nonce, latest: t.latestNonce });
      return false;
    }
    // grpc-js-xds repeats its last error_detail with every request until a response is valid:
    // only the first answer to a nonce counts.
    if (nonce !== '') record.answered(typeUrl, nonce, request.errorDetail);
    else t.mustRespond = true;
    const change = t.subscription.replace(request.resourceNames);
    if (change.added.length > 0 || change.wildcard === true) t.mustRespond = true;
    const dropped = [...t.held.keys()].filter((name) => !t.subscription.covers(name));
    for (const name of dropped) t.held.delete(name);
    if (dropped.length > 0) record.dropped(typeUrl, dropped);
    return t.mustRespond || change.added.length > 0;
  }

  protected plan(snapshot: Snapshot, nonce: () => string): Outgoing[] {
    const upserts: Planned[] = [];
    const removals: Planned[] = [];
    /** Endpoints of clusters pushed in this plan: they go out again so the clusters warm. */
    const rewarm = new Set<string>();
    for (const typeUrl of upsertOrder(this.types.keys())) {
      const t = this.types.get(typeUrl);
      if (!t) continue;
      const available = snapshot.resources.get(typeUrl as never) ?? NO_RESOURCES;
      const desired = new Map<string, SnapshotEntry>();
      if (t.subscription.wildcard) for (const [name, entry] of available) desired.set(name, entry);
      else for (const name of t.subscription.names) {
        const entry = available.get(name);
        if (entry) desired.set(name, entry);
      }
      const changed = [...desired.values()].filter((e) => t.held.get(e.name)?.version !== e.version || (typeUrl === ENDPOINTS_TYPE_URL && rewarm.has(e.name)));
      if (typeUrl === CLUSTER_TYPE_URL) {
        for (const e of changed) {
          const eds = edsNameOf(e);
          if (eds !== undefined) rewarm.add(eds);
        }
      }
      if (isFullStateType(typeUrl)) {
        const removed = [...t.held.keys()].filter((name) => !desired.has(name));
        if (changed.length === 0 && removed.length === 0 && !t.mustRespond) continue;
        const final: Planned = { typeUrl, entries: desired, versionInfo: snapshot.version, removed };
        if (changed.length > 0 && removed.length > 0) {
          // Make before break: first everything new alongside what is going away, the
          // removal only after the other types have moved off the removed resources.
          const retained = new Map(desired);
          for (const name of removed) {
            const held = t.held.get(name);
            if (held) retained.set(name, held);
          }
          upserts.push({ typeUrl, entries: retained, versionInfo: snapshot.version + RETAINED_SUFFIX, removed: [] });
          removals.push(final);
        } else if (removed.length > 0) removals.push(final);
        else upserts.push(final);
      } else if (changed.length > 0) {
        // RDS and EDS responses need only what changed; an absent name is not a deletion.
        upserts.push({ typeUrl, entries: new Map(changed.map((e) => [e.name, e])), versionInfo: snapshot.version, removed: [] });
      }
      t.mustRespond = false;
    }
    return pushOrder(upserts, removals).map((p) => this.emit(p, snapshot, nonce()));
  }

  protected release(): void {
    this.types.clear();
  }

  private emit(p: Planned, snapshot: Snapshot, nonce: string): Outgoing {
    const t = this.types.get(p.typeUrl);
    if (!t) throw new Error(`no state for ${p.typeUrl}`);
    const fullState = isFullStateType(p.typeUrl);
    const entries = [...p.entries.values()];
    // The planned map is this response's own: it becomes what the client holds, uncopied.
    if (fullState) t.held = p.entries;
    else for (const entry of entries) t.held.set(entry.name, entry);
    t.latestNonce = nonce;
    const message = encodeDiscoveryResponse({ versionInfo: p.versionInfo, typeUrl: p.typeUrl, nonce, resources: entries, controlPlane: this.context.controlPlaneId });
    return {
      message,
      sent: {
        typeUrl: p.typeUrl,
        versionInfo: p.versionInfo,
        nonce,
        snapshotVersion: snapshot.version,
        resources: entries,
        removed: p.removed,
        replaces: fullState,
        bytes: message.length,
      },
    };
  }
}
