/**
 * The demo's WebSocket endpoints: `/echo` sends every message back; `/chat` and `/chat/ROOM`
 * are rooms, each a topic (so that in a cluster a room spans every worker and machine); and
 * `/dashboard` pushes the channel table once a second (and whenever asked) — every member's in
 * a cluster, with the members themselves — and closes a channel, wherever it lives, when the
 * page asks it to.
 */
import type { HttpServer } from 'connchan/server';
import { live, lookup, send } from 'connchan/ws';
import {
  close as closeAnywhere,
  currentNode,
  list as listCluster,
  members,
  ClusterPartialError,
  type ClusterListEntry,
} from 'connchan/cluster';

interface DashboardRequest {
  close?: string;
  refresh?: boolean;
}

/** The listing of every member (what answered, when some did not). */
async function clusterChannels(): Promise<{ channels: ClusterListEntry[]; unreachable: string[] }> {
  try {
    return { channels: await listCluster({ cluster: true, timeoutMs: 1500 }), unreachable: [] };
  } catch (err) {
    if (err instanceof ClusterPartialError) {
      const partial = err as ClusterPartialError<ClusterListEntry>;
      return { channels: partial.partial, unreachable: partial.failures.map((f) => f.member) };
    }
    return { channels: await listCluster(), unreachable: ['(cluster unavailable)'] };
  }
}

export function addWebSocketRoutes(server: HttpServer): { stop(): void } {
  // A client that sends faster than it reads is slowed down by TCP, not disconnected.
  live(
    server,
    '/echo',
    (sock, type, msg) => {
      if (type === 'text' || type === 'binary') send(sock, type, msg);
    },
    '*',
    { backpressure: 'throttle' },
  );

  // A room is a topic named after its path: /chat, /chat/lobby, /chat/42.
  live(server, '/chat*', (sock, type, msg) => {
    if (type !== 'connect' && type !== 'text') return; // leaving a room happens by itself
    const conn = lookup(sock);
    const room = conn.path ?? '/chat';
    if (type === 'connect') conn.subscribe(room);
    else {
      const line = JSON.stringify({ from: sock, room, text: msg.slice(0, 2000), at: Date.now() });
      send(sock, 'text', line); // the sender sees its own line first
      conn.publish(room, line); // everyone else in the room, on every member
    }
  });

  const watchers = new Set<string>();
  const snapshot = async (): Promise<string> => {
    const { channels, unreachable } = await clusterChannels();
    const me = currentNode();
    return JSON.stringify({
      self: me.broker.kind === 'memory' ? '' : me.id,
      broker: me.broker.kind,
      connected: me.broker.connected,
      members: members(),
      unreachable,
      channels,
      at: Date.now(),
    });
  };
  const push = (to: Iterable<string>): void => {
    void snapshot().then((text) => {
      for (const w of to) if (watchers.has(w)) send(w, 'text', text);
    });
  };
  live(server, '/dashboard', (sock, type, msg) => {
    if (type === 'connect') {
      watchers.add(sock);
      push([sock]);
    } else if (type === 'disconnect') {
      watchers.delete(sock);
    } else if (type === 'text') {
      let req: DashboardRequest;
      try {
        req = JSON.parse(msg) as DashboardRequest;
      } catch {
        return;
      }
      const target = req.close;
      if (typeof target !== 'string') return push([sock]);
      // Wherever the channel lives: a WebSocket gets a closing handshake, anything else is closed.
      closeAnywhere(target, { code: 1000, reason: 'closed from the dashboard' })
        .catch(() => false)
        .then(
          () => push([sock]),
          () => {},
        );
    }
  });
  const timer = setInterval(() => {
    if (watchers.size > 0) push([...watchers]);
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
