/**
 * The demo's WebSocket endpoints: `/echo` sends every message back, `/chat` and `/chat/ROOM`
 * are chat rooms with names, each a topic (chat.ts), and `/dashboard` pushes the channel table
 * (dashboard.ts): every member's in a cluster, with the members themselves.
 */
import type { HttpServer } from 'connchan/server';
import { live, send } from 'connchan/ws';
import type { ChannelOrigins } from '../serve/channel-origins.js';
import { addChat } from './chat.js';
import { addDashboard } from './dashboard.js';

export function addWebSocketRoutes(server: HttpServer, origins: ChannelOrigins): { stop(): void } {
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

  addChat(server, origins);
  return addDashboard(server, origins);
}
