import { createServer } from 'node:net';

/** Checks that `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Allocates free loopback ports. The kernel picks a free ephemeral port; ports handed out recently are
 * not handed out again, so two replicas starting at once never get the same one.
 */
export class PortAllocator {
  readonly #recent = new Set<number>();
  readonly #host: string;

  constructor(host = '127.0.0.1') {
    this.#host = host;
  }

  async allocate(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await new Promise<number>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen({ port: 0, host: this.#host, exclusive: true }, () => {
          const address = server.address();
          const chosen = typeof address === 'object' && address ? address.port : 0;
          server.close(() => resolve(chosen));
        });
      });
      if (port !== 0 && !this.#recent.has(port)) {
        this.#recent.add(port);
        if (this.#recent.size > 1024) this.#recent.delete(this.#recent.values().next().value as number);
        return port;
      }
    }
    throw new Error('no free loopback port found');
  }

  /** Returns a port for reuse once its replica is gone. */
  release(port: number): void {
    this.#recent.delete(port);
  }
}
