/**
 * Locks of the local DynamoDB front.
 *
 * `ReadWriteLock` is a fair (FIFO) read-write lock. FIFO order matters: with a
 * plain readers-first lock, a steady stream of reads (a polling UI, a
 * benchmark) would starve writers forever.
 *
 * `ItemLocks` holds one such lock per item: a transaction or a write locks the
 * items it touches exclusively, a read of items locks them shared, so work on
 * disjoint items runs side by side (DynamoDB's own isolation is per item too).
 * A request takes all its item locks in one canonical (sorted) order, so two
 * requests touching the same items in opposite orders cannot deadlock.
 */
export type Release = () => void;

interface Waiter {
  readonly exclusive: boolean;
  readonly grant: () => void;
}

export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** Resolves once no exclusive holder is active or queued ahead of us. */
  acquireShared(): Promise<Release> {
    return this.enqueue(false);
  }

  /** Resolves once nobody else holds the lock. */
  acquireExclusive(): Promise<Release> {
    return this.enqueue(true);
  }

  /** Runs `work` while holding the lock shared, releasing it however `work` ends. */
  async withShared<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquireShared();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Runs `work` while holding the lock exclusively, releasing it however `work` ends. */
  async withExclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquireExclusive();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Nobody holds the lock and nobody waits for it. */
  get idle(): boolean {
    return !this.writer && this.readers === 0 && this.queue.length === 0;
  }

  private enqueue(exclusive: boolean): Promise<Release> {
    return new Promise((resolve) => {
      this.queue.push({
        exclusive,
        grant: () => resolve(this.releaser(exclusive)),
      });
      this.drain();
    });
  }

  /** A release function that only works once, so a double release cannot corrupt the counts. */
  private releaser(exclusive: boolean): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) this.writer = false;
      else this.readers -= 1;
      this.drain();
    };
  }

  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || this.writer) return;
      if (head.exclusive) {
        if (this.readers > 0) return;
        this.queue.shift();
        this.writer = true;
        head.grant();
        return;
      }
      this.queue.shift();
      this.readers += 1;
      head.grant();
    }
  }
}

/** One item to lock: its identity (table and key, see itemLockId) and whether the request changes it. */
export interface ItemLockRequest {
  readonly id: string;
  readonly exclusive: boolean;
}

export class ItemLocks {
  /** Per item: its lock and how many requests hold it or wait for it (the entry goes when that reaches 0). */
  private readonly locks = new Map<string, { readonly lock: ReadWriteLock; users: number }>();

  /** Items currently locked or waited for (diagnostics and tests). */
  get size(): number {
    return this.locks.size;
  }

  /**
   * Takes every requested item lock, one after another in sorted order (an
   * item asked for twice is locked once, exclusively if either asked so).
   * Resolves with one release for all of them.
   */
  async acquire(requests: readonly ItemLockRequest[]): Promise<Release> {
    const merged = new Map<string, boolean>();
    for (const request of requests)
      merged.set(request.id, (merged.get(request.id) ?? false) || request.exclusive);
    const ordered = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const releases: Release[] = [];
    for (const [id, exclusive] of ordered) {
      let entry = this.locks.get(id);
      if (!entry) {
        entry = { lock: new ReadWriteLock(), users: 0 };
        this.locks.set(id, entry);
      }
      entry.users += 1;
      const release = await (exclusive ? entry.lock.acquireExclusive() : entry.lock.acquireShared());
      const held = entry;
      releases.push(() => {
        release();
        held.users -= 1;
        if (held.users === 0 && held.lock.idle && this.locks.get(id) === held) this.locks.delete(id);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  /** Runs `work` holding the requested item locks, releasing them however `work` ends. */
  async with<T>(requests: readonly ItemLockRequest[], work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(requests);
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/** The lock identity of an item: its table and its key values in key-schema order (hash, then range). */
export function itemLockId(
  tableName: string,
  keyAttributes: readonly string[],
  key: Readonly<Record<string, unknown>>,
): string {
  return JSON.stringify([tableName, ...keyAttributes.map((name) => key[name] ?? null)]);
}
