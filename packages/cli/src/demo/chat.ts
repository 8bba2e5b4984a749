/**
 * `/chat?name=NAME` and `/chat/ROOM?name=NAME`: chat rooms where people have names. A room is a
 * topic named after its path, so that with workers or a cluster a room spans every process and
 * machine. Each message goes out as JSON: `{"type":"message","from":"ada","sock":"conn7",
 * "room":"lobby","text":"hi","at":…}` (`sock` is the sender's channel, which tells its member in
 * a cluster), and `join`/`leave` when someone comes or goes; a newcomer gets `welcome`.
 */
import type { HttpServer } from 'connchan/server';
import { live, lookup, publish, send } from 'connchan/ws';
import type { ChannelOrigins } from '../serve/channel-origins.js';

const MAX_NAME = 32;
const MAX_TEXT = 2000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A name as shown: no control characters, at most 32 characters, `guest-N` when empty. */
export function chatName(raw: string | null, sock: string): string {
  const name = (raw ?? '').replace(CONTROL, '').trim().slice(0, MAX_NAME);
  return name || `guest-${sock.replace(/^.*\D/, '')}`;
}

/** The room a path names: `/chat` is the lobby, `/chat/42` is room 42. */
export function roomOf(path: string): string {
  const rest = path.slice('/chat'.length).replace(/^\/+/, '');
  let room = rest;
  try {
    room = decodeURIComponent(rest);
  } catch {
    // a malformed escape: the room is the path as written
  }
  return room.replace(CONTROL, '').slice(0, MAX_NAME) || 'lobby';
}

interface Member {
  name: string;
  room: string;
  /** The room's topic. */
  topic: string;
}

/**
 * @example
 * ```ts
 * addChat(server, new ChannelOrigins(server.name));
 * ```
 */
export function addChat(server: HttpServer, origins: ChannelOrigins): void {
  const members = new Map<string, Member>();
  live(server, '/chat*', (sock, type, msg) => {
    if (type === 'connect') {
      // The opening request's path and query, from where the channel came from.
      const target = origins.get(sock)?.target ?? '/chat';
      const q = target.indexOf('?');
      const path = q < 0 ? target : target.slice(0, q);
      const name = chatName(
        new URLSearchParams(q < 0 ? '' : target.slice(q + 1)).get('name'),
        sock,
      );
      const room = roomOf(path);
      const m: Member = { name, room, topic: `chat:${room}` };
      members.set(sock, m);
      const conn = lookup(sock);
      conn.subscribe(m.topic);
      send(sock, 'text', JSON.stringify({ type: 'welcome', name, room, sock }));
      conn.publish(
        m.topic,
        JSON.stringify({ type: 'join', from: name, sock, room, at: Date.now() }),
      );
    } else if (type === 'disconnect') {
      // It has left the topic by closing; the others hear it from here.
      const m = members.get(sock);
      if (m === undefined) return;
      members.delete(sock);
      publish(
        m.topic,
        JSON.stringify({ type: 'leave', from: m.name, sock, room: m.room, at: Date.now() }),
      );
    } else if (type === 'text') {
      const m = members.get(sock);
      if (m === undefined) return;
      const line = JSON.stringify({
        type: 'message',
        from: m.name,
        sock,
        room: m.room,
        text: msg.slice(0, MAX_TEXT),
        at: Date.now(),
      });
      send(sock, 'text', line); // the sender sees its own line first
      lookup(sock).publish(m.topic, line); // everyone else in the room, on every member
    }
  });
}
