/**
 * `/dashboard?viewer=ID`: the channel table pushed once a second (and on request) to every page
 * watching. Each channel comes with its endpoint, its kind and the viewer that opened it (so a
 * page can tell its own channels), and, in a cluster, the member that owns it: the listing is
 * every member's, and the members themselves are part of the snapshot. Totals feed the live
 * chart: channels open and a running count of bytes through them (closed channels included, so
 * the rate does not dip when one closes). `{"close": NAME}` closes a channel wherever it lives.
 *
 * The snapshot is assembled from parts, each adding its fields; the page draws the fields it
 * knows (a view per field).
 */
import type { HttpServer } from 'connchan/server';
import { status } from 'connchan/channels';
import { live, send } from 'connchan/ws';
import {
  close as closeAnywhere,
  currentNode,
  list as listCluster,
  members,
  ClusterPartialError,
  type ClusterListEntry,
} from 'connchan/cluster';
import type { ChannelOrigins } from '../serve/channel-origins.js';

export interface DashboardRow {
  name: string;
  /** The request path the channel came from (`/echo`), or '' (a channel made otherwise). */
  endpoint: string;
  /** `websocket`, or the channel's kind: `detached`, `accepted`, `connect`, `listen`, … */
  kind: string;
  driver: string;
  peer: string;
  start: number;
  sent: number;
  received: number;
  callback: string;
  condition: string;
  /** The viewer id of the page that opened it, or ''. */
  viewer: string;
  /** The cluster member that owns it ('' in one process). */
  member: string;
}

/** One part of a snapshot: its fields, computed when a snapshot is sent. */
export type SnapshotPart = () => Record<string, unknown> | Promise<Record<string, unknown>>;

const PUSH_MS = 1000;

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

/** What the demo's label in a channel's client data says (see ChannelOrigins). */
function labelOf(clientData: unknown): { endpoint: string; websocket: boolean; viewer: string } {
  const c = (typeof clientData === 'object' && clientData !== null ? clientData : {}) as Record<
    string,
    unknown
  >;
  return {
    endpoint: typeof c.endpoint === 'string' ? c.endpoint : '',
    websocket: c.websocket === true,
    viewer: typeof c.viewer === 'string' ? c.viewer : '',
  };
}

export function addDashboard(
  server: HttpServer,
  origins: ChannelOrigins,
  extraParts: SnapshotPart[] = [],
): { stop(): void } {
  let closedBytes = 0;
  origins.onClose((c) => {
    closedBytes += c.sent + c.received;
  });

  const channelsPart: SnapshotPart = async () => {
    const { channels, unreachable } = await clusterChannels();
    const me = currentNode();
    const rows: DashboardRow[] = [];
    let bytes = closedBytes;
    for (const e of channels) {
      const local = origins.get(e.name);
      const label = local ?? labelOf(e.clientData);
      let kind = label.websocket ? 'websocket' : label.endpoint ? 'detached' : 'channel';
      if (local !== undefined || e.member === '' || e.member === me.id) {
        try {
          const st = status(e.name) as { kind: string; websocket?: boolean };
          kind = label.websocket || st.websocket ? 'websocket' : st.kind;
        } catch {
          continue; // closed between the listing and now
        }
      }
      bytes += e.sent + e.received;
      rows.push({
        name: e.name,
        endpoint: label.endpoint,
        kind,
        driver: e.driver,
        peer: e.peer,
        start: e.start,
        sent: e.sent,
        received: e.received,
        callback: e.callback,
        condition: e.condition,
        viewer: label.viewer,
        member: me.broker.kind === 'memory' ? '' : e.member,
      });
    }
    return {
      channels: rows,
      totals: { open: rows.length, bytes },
      // The cluster: who serves this page, through which broker, and every member.
      self: me.broker.kind === 'memory' ? '' : me.id,
      broker: me.broker.kind,
      connected: me.broker.connected,
      members: members(),
      unreachable,
    };
  };
  const parts = [channelsPart, ...extraParts];
  const snapshot = async (): Promise<string> => {
    const out: Record<string, unknown> = { type: 'snapshot', server: server.name, at: Date.now() };
    for (const part of parts) Object.assign(out, await part());
    return JSON.stringify(out);
  };
  const watchers = new Set<string>();
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
      let req: { close?: unknown };
      try {
        req = JSON.parse(msg) as { close?: unknown };
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
  }, PUSH_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
