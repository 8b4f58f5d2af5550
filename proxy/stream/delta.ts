/**
 * The incremental (delta) protocol (DeltaAggregatedResources and Delta{Listeners,…}).
 *
 * Per type the stream keeps the subscription, the version of every resource the client has
 * (`known`, seeded from `initial_resource_versions` on reconnect), the names it must hear about
 * in the next response whatever their version (`force`), and the latest nonce.
 *
 * Subscription changes apply whatever the nonce: unlike SotW, a delta request only says what
 * changed, so dropping a stale one would lose a subscription. Deleted resources, and names
 * subscribed to that do not exist, go out in `removed_resources`.
 */
import type { Snapshot, SnapshotEntry } from '../../compiler/index.ts';
import { CLUSTER_TYPE_URL, edsNameOf, ENDPOINTS_TYPE_URL, pushOrder, upsertOrder } from '../resource-types.ts';
import { Subscription, WILDCARD } from '../subscription.ts';
import { encodeDeltaDiscoveryResponse } from '../wire/index.ts';
import type { DeltaDiscoveryRequest } from '../wire/index.ts';
import { DiscoveryStream } from './base.ts';
import type { Outgoing } from './base.ts';

interface TypeState {
  readonly subscription: Subscription;
  /** Name → version the client has. */
  readonly known: Map<string, string>;
  /** Names to answer about next time: the resource if it exists, else a removal. */
  readonly force: Set<string>;
  latestNonce: string | undefined;
  mustRespond: boolean;
}

interface Planned {
  typeUrl: string;
  entries: SnapshotEntry[];
  removed: string[];
}

const NO_RESOURCES: ReadonlyMap<string, SnapshotEntry> = new Map();

export class DeltaStream extends DiscoveryStream<DeltaDiscoveryRequest> {
  private readonly types = new Map<string, TypeState>();

  protected handle(request: DeltaDiscoveryRequest, typeUrl: string): boolean {
    const record = this.record;
    if (!record) return false;
    let t = this.types.get(typeUrl);
    const first = t === undefined;
    if (!t) {
      t = { subscription: new Subscription(), known: new Map(), force: new Set(), latestNonce: undefined, mustRespond: false };
      this.types.set(typeUrl, t);
      record.track(typeUrl, t.subscription);
    }
    const nonce = request.responseNonce;
    if (!first && nonce !== '') {
      if (nonce === t.latestNonce || record.isPending(typeUrl, nonce)) record.answered(typeUrl, nonce, request.errorDetail);
      else this.logger.debug('stale nonce: applying only the subscription changes', { streamId: this.streamId, typeUrl, nonce, latest: t.latestNonce });
    }
    const change = t.subscription.update(request.resourceNamesSubscribe, request.resourceNamesUnsubscribe);
    if (first) {
      const initial = Object.entries(request.initialResourceVersions);
      for (const [name, version] of initial) if (t.subscription.covers(name)) t.known.set(name, version);
      record.holds(typeUrl, t.known);
      // Named resources the client does not have yet must be answered, if only to say they
      // do not exist; and a first request with nothing to compare against is always answered.
      for (const name of t.subscription.names) if (!t.known.has(name)) t.force.add(name);
      t.mustRespond = initial.length === 0;
      return true;
    }
    // Subscribing to a name always gets an answer, even if the client has that version.
    for (const name of request.resourceNamesSubscribe) if (name !== WILDCARD) t.force.add(name);
    const dropped: string[] = [];
    for (const name of change.removed) {
      if (t.subscription.covers(name)) {
        // Still covered by the wildcard: the client cannot tell whether to keep it; say so.
        t.force.add(name);
      } else {
        t.known.delete(name);
        t.force.delete(name);
        dropped.push(name);
      }
    }
    if (change.wildcard === false) {
      for (const name of t.known.keys()) {
        if (!t.subscription.covers(name)) {
          t.known.delete(name);
          dropped.push(name);
        }
      }
    }
    if (dropped.length > 0) record.dropped(typeUrl, dropped);
    return t.force.size > 0 || change.wildcard === true;
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
      const changed: SnapshotEntry[] = [];
      const consider = (entry: SnapshotEntry) => {
        if (t.force.has(entry.name) || t.known.get(entry.name) !== entry.version || (typeUrl === ENDPOINTS_TYPE_URL && rewarm.has(entry.name))) changed.push(entry);
      };
      if (t.subscription.wildcard) for (const entry of available.values()) consider(entry);
      else for (const name of t.subscription.names) {
        const entry = available.get(name);
        if (entry) consider(entry);
      }
      if (typeUrl === CLUSTER_TYPE_URL) {
        for (const e of changed) {
          const eds = edsNameOf(e);
          if (eds !== undefined) rewarm.add(eds);
        }
      }
      // Forced names the snapshot does not have are answered with a removal.
      const absent = [...t.force].filter((name) => !available.has(name)).sort();
      const gone = [...t.known.keys()].filter((name) => !available.has(name) && !t.force.has(name)).sort();
      t.force.clear();
      if (changed.length > 0 || absent.length > 0 || t.mustRespond) upserts.push({ typeUrl, entries: changed, removed: absent });
      if (gone.length > 0) removals.push({ typeUrl, entries: [], removed: gone });
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
    for (const entry of p.entries) t.known.set(entry.name, entry.version);
    for (const name of p.removed) t.known.delete(name);
    t.latestNonce = nonce;
    const message = encodeDeltaDiscoveryResponse({
      systemVersionInfo: snapshot.version,
      typeUrl: p.typeUrl,
      nonce,
      resources: p.entries,
      removedResources: p.removed,
      controlPlane: this.context.controlPlaneId,
    });
    return {
      message,
      sent: {
        typeUrl: p.typeUrl,
        versionInfo: snapshot.version,
        nonce,
        snapshotVersion: snapshot.version,
        resources: p.entries,
        removed: p.removed,
        replaces: false,
        bytes: message.length,
      },
    };
  }
}
