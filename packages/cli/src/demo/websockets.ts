/**
 * The demo's WebSocket endpoints: `/echo` sends every message back, `/chat` is a chat room
 * with names (chat.ts), and `/dashboard` pushes the server's channel table (dashboard.ts).
 */
import type { HttpServer } from 'connchan/server';
import { live, send } from 'connchan/ws';
import type { ChannelOrigins } from '../serve/channel-origins.js';
import { addChat } from './chat.js';
import { addDashboard } from './dashboard.js';

export function addWebSocketRoutes(server: HttpServer, origins: ChannelOrigins): { stop(): void } {
  live(server, '/echo', (sock, type, msg) => {
    if (type === 'text' || type === 'binary') send(sock, type, msg);
  });

  const chat = addChat(server, origins);
  const dashboard = addDashboard(server, origins);
  return {
    stop: () => {
      chat.stop();
      dashboard.stop();
    },
  };
}
