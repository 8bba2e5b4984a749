// Listening on loopback for a test, on a port the system picks.
import type { Server } from 'node:net';

/** Listens on 127.0.0.1, on a port the system picks, and returns that port. */
export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}
