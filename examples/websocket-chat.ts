// A WebSocket chat room on connchan's server, and two clients talking through it.
// Run: npx tsx examples/websocket-chat.ts
import { createServer } from 'connchan/server';
import { live, open, send } from 'connchan/ws';

const http = createServer({ name: 'chat-example', drivers: [{ port: 0 }] });
const room = new Set<string>();
live(http, '/chat', (sock, type, msg) => {
  if (type === 'connect') room.add(sock);
  else if (type === 'disconnect') room.delete(sock);
  else if (type === 'text') for (const member of room) send(member, 'text', `${sock} says: ${msg}`);
});
const [d] = await http.listen();
const url = `ws://127.0.0.1:${d.port}/chat`;

let heard!: (line: string) => void;
const got = new Promise<string>((resolve) => (heard = resolve));
const alice = await open(url);
await open(url, (_sock, type, msg) => {
  if (type === 'text') heard(msg);
});
alice.send('text', 'hello, room');
console.log('bob heard:', await got);
await http.close({ graceMs: 200 });
