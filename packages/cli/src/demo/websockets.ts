/**
 * The demo's WebSocket endpoints: `/echo` sends every message back, `/chat` is a broadcast room,
 * and `/dashboard` pushes the server's channel table once a second (and whenever asked) and
 * closes a channel when the page asks it to.
 */
import type { HttpServer } from 'connchan/server';
import { close as closeWebSocket, find, live, send } from 'connchan/ws';
import { close as closeChannel, exists, list } from 'connchan/channels';

interface DashboardRequest {
  close?: string;
  refresh?: boolean;
}

export function addWebSocketRoutes(server: HttpServer): { stop(): void } {
  live(server, '/echo', (sock, type, msg) => {
    if (type === 'text' || type === 'binary') send(sock, type, msg);
  });

  const room = new Set<string>();
  live(server, '/chat', (sock, type, msg) => {
    if (type === 'connect') room.add(sock);
    else if (type === 'disconnect') room.delete(sock);
    else if (type === 'text') {
      const line = JSON.stringify({ from: sock, text: msg.slice(0, 2000), at: Date.now() });
      for (const member of room) if (exists(member)) send(member, 'text', line);
    }
  });

  const watchers = new Set<string>();
  const snapshot = () =>
    JSON.stringify({ channels: list({ server: server.name }), at: Date.now() });
  live(server, '/dashboard', (sock, type, msg) => {
    if (type === 'connect') {
      watchers.add(sock);
      send(sock, 'text', snapshot());
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
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
