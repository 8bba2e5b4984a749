/**
 * The demo application `connchan serve` runs: the page and its assets, the HTTP endpoints,
 * and the WebSockets (echo, chat, dashboard).
 */
import type { HttpServer } from 'connchan/server';
import type { ChannelOrigins } from '../serve/channel-origins.js';
import { addPageRoutes } from './page.js';
import { addHttpRoutes } from './routes.js';
import { addWebSocketRoutes } from './websockets.js';

export interface Demo {
  stop(): void;
}

export function addDemo(server: HttpServer, origins: ChannelOrigins): Demo {
  addPageRoutes(server);
  addHttpRoutes(server);
  return addWebSocketRoutes(server, origins);
}
