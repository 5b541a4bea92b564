/**
 * Listens to job events over one shared Redis subscriber connection per process, fanning them
 * out to any number of local listeners (long-polls, Server-Sent Events streams).
 */
import type { Redis } from 'ioredis';
import type { JobEvent } from './job-store';
import type { StoreKeys } from './keys';

type Listener = (event: JobEvent) => void;

export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: StoreKeys,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      let event: JobEvent;
      try {
        event = JSON.parse(message) as JobEvent;
      } catch {
        return;
      }
      for (const listener of [...set]) listener(event);
    });
  }

  /** Subscribes; resolves once Redis confirmed, so no event published afterwards is missed. */
  async listen(jobId: string, listener: Listener): Promise<() => Promise<void>> {
    const channel = this.keys.events(jobId);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      // A SUBSCRIBE sent while ioredis is still connecting can be lost when its ready check runs;
      // subscribe only on a ready connection.
      if (this.subscriber.status !== 'ready') await new Promise((resolve) => this.subscriber.once('ready', resolve));
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }
}
