/**
 * `/dashboard?viewer=ID`: the server's channel table pushed once a second (and on request) to
 * every page watching, each channel with its endpoint, its kind and the viewer that opened it
 * (so a page can tell its own channels), plus totals for the live chart: channels open and a
 * running count of bytes through them (closed channels included, so the rate never dips
 * below zero when one closes). `{"close": "connN"}` closes a channel.
 *
 * The snapshot is assembled from parts: each part adds its fields. A cluster adds a part with
 * its workers (and the page draws what it finds), nothing else changes.
 */
import type { HttpServer } from 'connchan/server';
import { close as closeChannel, exists, list, status } from 'connchan/channels';
import { close as closeWebSocket, find, live, send } from 'connchan/ws';
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
}

/** One part of a snapshot: its fields, computed when a snapshot is sent. */
export type SnapshotPart = () => Record<string, unknown>;

const PUSH_MS = 1000;

export function addDashboard(
  server: HttpServer,
  origins: ChannelOrigins,
  extraParts: SnapshotPart[] = [],
): { stop(): void } {
  let closedBytes = 0;
  origins.onClose((c) => {
    closedBytes += c.sent + c.received;
  });

  const channelsPart: SnapshotPart = () => {
    const rows: DashboardRow[] = [];
    let bytes = closedBytes;
    for (const e of list({ server: server.name })) {
      const origin = origins.get(e.name);
      let kind = 'channel';
      try {
        const st = status(e.name, { server: server.name }) as { kind: string; websocket?: boolean };
        kind = origin?.websocket || st.websocket ? 'websocket' : st.kind;
      } catch {
        continue; // closed between list and status
      }
      bytes += e.sent + e.received;
      rows.push({
        name: e.name,
        endpoint: origin?.endpoint ?? '',
        kind,
        driver: e.driver,
        peer: e.peer,
        start: e.start,
        sent: e.sent,
        received: e.received,
        callback: e.callback,
        condition: e.condition,
        viewer: origin?.viewer ?? '',
      });
    }
    return { channels: rows, totals: { open: rows.length, bytes } };
  };
  const parts = [channelsPart, ...extraParts];
  const snapshot = () => {
    const out: Record<string, unknown> = { type: 'snapshot', server: server.name, at: Date.now() };
    for (const part of parts) Object.assign(out, part());
    return JSON.stringify(out);
  };

  const watchers = new Set<string>();
  live(server, '/dashboard', (sock, type, msg) => {
    if (type === 'connect') {
      watchers.add(sock);
      send(sock, 'text', snapshot());
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
      if (typeof target === 'string' && exists(target, { server: server.name })) {
        // A WebSocket gets a closing handshake; any other channel is simply closed.
        if (find().includes(target)) closeWebSocket(target, 1000, 'closed from the dashboard');
        else closeChannel(target, { server: server.name });
      }
      send(sock, 'text', snapshot());
    }
  });
  const timer = setInterval(() => {
    if (watchers.size === 0) return;
    const text = snapshot();
    for (const w of watchers) if (exists(w)) send(w, 'text', text);
  }, PUSH_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
