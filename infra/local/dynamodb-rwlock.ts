/**
 * A fair (FIFO) read-write lock for the local DynamoDB front.
 *
 * Transactions take it exclusively, every other request takes it shared. FIFO
 * order matters: with a plain readers-first lock, a steady stream of reads
 * (a polling UI, a benchmark) would starve transactions forever.
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
