/**
 * A TCP proxy in front of the real Redis that counts round trips: on each connection, client bytes
 * that arrive while no reply is pending start a new round trip, so pipelined commands count once
 * and every awaited command counts on its own. Under load each round trip waits for a busy event
 * loop, so this count is what a lookup costs in wall time, measured without a clock.
 * `holdReplies` withholds the answers to a command (and, Redis answering in order, every later
 * one on its connection), which tells a command that is awaited from one that is not.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RoundTripProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Round trips since the last `reset`, over every connection. */
  count(): number;
  /** Whether a reply is still on its way on any connection. */
  busy(): boolean;
  /** What the clients sent since the last `reset`, one string per chunk (pipelined commands share one). */
  sent(): string[];
  /** What the clients sent since the last `reset`, one string per round trip (a connection's chunks sent before its reply, together). */
  sentByTrip(): string[];
  reset(): void;
  /** From the first request matching `pattern` on, replies on that connection wait for the returned release. */
  holdReplies(pattern: RegExp): () => void;
  close(): Promise<void>;
}

export async function startRoundTripProxy(redisUrl: string): Promise<RoundTripProxy> {
  const target = new URL(redisUrl);
  let trips = 0;
  let pending = 0;
  let chunks: string[] = [];
  let tripTexts: string[] = [];
  let hold: { pattern: RegExp; held: Array<() => void>; released: boolean } | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    let replyPending = false;
    let trip = -1;
    let holding: typeof hold;
    client.on('data', (chunk: Buffer) => {
      if (!replyPending) {
        trips++;
        pending++;
        trip = tripTexts.push('') - 1;
      }
      replyPending = true;
      chunks.push(chunk.toString('latin1'));
      if (trip >= 0 && trip < tripTexts.length) tripTexts[trip] += chunk.toString('latin1');
      if (hold && !hold.released && hold.pattern.test(chunk.toString('latin1'))) holding = hold;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const forward = () => {
        if (replyPending) pending--;
        replyPending = false;
        client.write(chunk);
      };
      if (holding && !holding.released) holding.held.push(forward);
      else forward();
    });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a);
      a.on('close', () => (sockets.delete(a), b.destroy()));
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => trips,
    busy: () => pending > 0,
    sent: () => [...chunks],
    sentByTrip: () => [...tripTexts],
    reset: () => {
      trips = 0;
      chunks = [];
      tripTexts = [];
    },
    holdReplies: (pattern) => {
      const current = { pattern, held: [] as Array<() => void>, released: false };
      hold = current;
      return () => {
        current.released = true;
        for (const forward of current.held.splice(0)) forward();
      };
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
