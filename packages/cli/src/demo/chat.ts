/**
 * `/chat?name=NAME&room=ROOM`: a chat room where people have names. Each message goes out as
 * JSON: `{"type":"message","from":"ada","text":"hi","at":…}`, and `join`/`leave` when someone
 * comes or goes.
 *
 * Messages travel through a {@link ChatBus} of topics (one per room): in one process a map of
 * subscribers; a cluster puts pub/sub topics (node:cluster IPC, Redis) behind the same two
 * functions, and the endpoint does not change.
 */
import type { HttpServer } from 'connchan/server';
import { exists } from 'connchan/channels';
import { live, send } from 'connchan/ws';
import type { ChannelOrigins } from '../serve/channel-origins.js';

export interface ChatBus {
  /** Delivers every message published to `topic` from now on; returns the unsubscribe. */
  subscribe(topic: string, deliver: (message: string) => void): () => void;
  publish(topic: string, message: string): void;
  stop(): void;
}

/** The bus of one process. */
export function localChatBus(): ChatBus {
  const topics = new Map<string, Set<(message: string) => void>>();
  return {
    subscribe(topic, deliver) {
      let subscribers = topics.get(topic);
      if (subscribers === undefined) {
        subscribers = new Set();
        topics.set(topic, subscribers);
      }
      subscribers.add(deliver);
      return () => {
        subscribers.delete(deliver);
        if (subscribers.size === 0) topics.delete(topic);
      };
    },
    publish(topic, message) {
      for (const deliver of topics.get(topic) ?? []) deliver(message);
    },
    stop() {
      topics.clear();
    },
  };
}

const MAX_NAME = 32;
const MAX_TEXT = 2000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A name as shown: no control characters, at most 32 characters, `guest-N` when empty. */
export function chatName(raw: string | null, sock: string): string {
  const name = (raw ?? '').replace(CONTROL, '').trim().slice(0, MAX_NAME);
  return name || `guest-${sock.replace(/^\D+/, '')}`;
}

interface Member {
  name: string;
  topic: string;
  unsubscribe: () => void;
}

/**
 * @example
 * ```ts
 * const chat = addChat(server, new ChannelOrigins(server.name)); // later: chat.stop()
 * ```
 */
export function addChat(
  server: HttpServer,
  origins: ChannelOrigins,
  bus: ChatBus = localChatBus(),
): { stop(): void } {
  const members = new Map<string, Member>();
  live(server, '/chat', (sock, type, msg) => {
    if (type === 'connect') {
      // The opening request's query, from where the channel came from.
      const target = origins.get(sock)?.target ?? '';
      const query = new URLSearchParams(
        target.includes('?') ? target.slice(target.indexOf('?') + 1) : '',
      );
      const name = chatName(query.get('name'), sock);
      const topic = `chat:${(query.get('room') ?? 'lobby').slice(0, MAX_NAME) || 'lobby'}`;
      const unsubscribe = bus.subscribe(topic, (message) => {
        if (exists(sock)) send(sock, 'text', message);
      });
      members.set(sock, { name, topic, unsubscribe });
      send(sock, 'text', JSON.stringify({ type: 'welcome', name, room: topic.slice(5) }));
      bus.publish(topic, JSON.stringify({ type: 'join', from: name, at: Date.now() }));
    } else if (type === 'disconnect') {
      const m = members.get(sock);
      if (m === undefined) return;
      members.delete(sock);
      m.unsubscribe();
      bus.publish(m.topic, JSON.stringify({ type: 'leave', from: m.name, at: Date.now() }));
    } else if (type === 'text') {
      const m = members.get(sock);
      if (m === undefined) return;
      bus.publish(
        m.topic,
        JSON.stringify({
          type: 'message',
          from: m.name,
          text: msg.slice(0, MAX_TEXT),
          at: Date.now(),
        }),
      );
    }
  });
  return {
    stop: () => {
      for (const m of members.values()) m.unsubscribe();
      members.clear();
      bus.stop();
    },
  };
}
