/**
 * Throttles messages per (room, event): the first event in a quiet slot goes out at once (low
 * latency), later ones within `intervalMs` are merged and go out together at the end of the window —
 * so a click storm becomes at most 1000/intervalMs messages per second per room and type, each
 * carrying counts.
 */
export interface Accumulator<In, Out> {
  add(item: In): void;
  /** The merged payload, and resets. */
  drain(): Out;
  readonly empty: boolean;
}

interface Slot {
  room: string;
  event: string;
  acc: Accumulator<unknown, unknown>;
  timer: NodeJS.Timeout | null;
}

export class RoomCoalescer {
  /** Per event, per room (no key string built per push). */
  private slots = new Map<string, Map<string, Slot>>();
  private closed = false;

  /** `watched`: whether anybody may be in the room; an item for a room nobody is in is dropped at once. */
  constructor(
    private readonly send: (room: string, event: string, payload: unknown) => void,
    private readonly intervalMs = 250,
    private readonly watched: (room: string) => boolean = () => true,
  ) {}

  push<In, Out>(room: string, event: string, item: In, makeAcc: () => Accumulator<In, Out>): void {
    if (this.closed || !this.watched(room)) return;
    let rooms = this.slots.get(event);
    if (!rooms) {
      rooms = new Map();
      this.slots.set(event, rooms);
    }
    const slot = rooms.get(room);
    if (slot) {
      slot.acc.add(item);
      return;
    }
    const fresh: Slot = { room, event, acc: makeAcc() as Accumulator<unknown, unknown>, timer: null };
    fresh.acc.add(item);
    rooms.set(room, fresh);
    this.emit(rooms, fresh);
  }

  /** Sends what is pending now, then keeps the slot (and its rate limit) for one more window. */
  private emit(rooms: Map<string, Slot>, slot: Slot): void {
    this.send(slot.room, slot.event, slot.acc.drain());
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (slot.acc.empty) rooms.delete(slot.room);
      else this.emit(rooms, slot);
    }, this.intervalMs);
    slot.timer.unref();
  }

  /** Sends everything pending and stops. */
  close(): void {
    this.closed = true;
    for (const rooms of this.slots.values()) {
      for (const slot of rooms.values()) {
        if (slot.timer) clearTimeout(slot.timer);
        if (!slot.acc.empty) this.send(slot.room, slot.event, slot.acc.drain());
      }
    }
    this.slots.clear();
  }
}

/** Keeps a count and the latest `cap` items. */
export class ListAccumulator<T> implements Accumulator<T, { count: number; items: T[]; truncated: boolean }> {
  private items: T[] = [];
  private count = 0;
  constructor(private readonly cap = 50) {}
  add(item: T): void {
    this.count += 1;
    this.items.push(item);
    if (this.items.length > this.cap) this.items.shift();
  }
  drain(): { count: number; items: T[]; truncated: boolean } {
    const out = { count: this.count, items: this.items, truncated: this.count > this.items.length };
    this.items = [];
    this.count = 0;
    return out;
  }
  get empty(): boolean {
    return this.count === 0;
  }
}
