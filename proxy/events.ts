/**
 * A small typed event hub. `on` returns its own unsubscribe function, so a subscriber cannot
 * forget which function it registered, and `listenerCount` lets tests prove nothing leaks.
 */
export class Emitter<Events extends { [event: string]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /**
   * @param onListenerError what to do when a subscriber throws. A failing subscriber (metrics,
   *   the rollout controller) must not break the xDS stream that emitted, so the error never
   *   reaches the emitter; by default it is thrown again outside, where it shows up as a bug.
   */
  constructor(
    private readonly onListenerError: (event: keyof Events, error: unknown) => void = (_event, error) =>
      queueMicrotask(() => {
        throw error;
      }),
  ) {}

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    // Wrapped so the same function can be registered twice and removed once per registration.
    const entry = (payload: never) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: Events[E]) => void)(payload);
      } catch (e) {
        this.onListenerError(event, e);
      }
    }
  }

  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.listeners.get(event)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
