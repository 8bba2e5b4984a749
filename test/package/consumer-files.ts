// The files of the consumer project that test/package/packed-install.test.ts installs the
// packed tarball into: a state check run by Node, and strict TypeScript consumers with one
// tsconfig per moduleResolution.

/**
 * Run with the subpaths as JSON: each one imported as ESM and required as CJS must export the
 * same names; then the ESM build, the CJS build and a second installed copy (vendor/) must see
 * one channel table, one WebSocket registry and one set of defaults.
 */
export const STATE_CHECK = `
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const requireSecond = createRequire(new URL('./vendor/', import.meta.url));
const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort();

for (const spec of JSON.parse(process.argv[2])) {
  const esm = await import(spec);
  const cjs = require(spec);
  assert.ok(names(esm).length > 0, spec + ' exports something');
  assert.deepEqual(names(esm), names(cjs), spec + ': ESM and CJS export the same names');
  for (const n of names(esm)) assert.equal(typeof esm[n], typeof cjs[n], spec + ' ' + n);
}
console.log('every subpath: same names in ESM and CJS');

const esm = await import('connchan');
const cjs = require('connchan');
const second = requireSecond('connchan');
assert.match(requireSecond.resolve('connchan'), /vendor/, 'the second copy is another install');
assert.notEqual(esm.channels.list, cjs.channels.list, 'ESM and CJS are two module instances');
assert.notEqual(cjs.channels.list, second.channels.list, 'the second copy is a third');

// Channels: names from one counter, one table, closed from any copy.
const listeners = [
  await esm.channels.listen('127.0.0.1', 0, () => false),
  await cjs.channels.listen('127.0.0.1', 0, () => false),
  await second.channels.listen('127.0.0.1', 0, () => false),
];
const made = listeners.map((l) => l.channel).sort();
assert.equal(new Set(made).size, 3, 'channel names are unique in the process: ' + made);
for (const m of [esm, cjs, second]) {
  assert.deepEqual(m.channels.list().map((e) => e.name).sort(), made);
}
cjs.channels.close(listeners[0].channel);
second.channels.close(listeners[1].channel);
esm.channels.close(listeners[2].channel);
assert.deepEqual(esm.channels.list(), []);

// WebSockets: a server of the ESM build, an endpoint added by the CJS build, answered through
// the second copy, and a client of the second copy; every copy finds every socket.
const server = esm.createServer({ name: 'mixed', drivers: [{ host: '127.0.0.1', port: 0 }] });
cjs.ws.live(server, '/echo', (sock, type, msg) => {
  if (type === 'text') second.ws.send(sock, 'text', 'echo: ' + msg);
});
const [bound] = await server.listen();
const heard = [];
const client = await second.ws.open('ws://127.0.0.1:' + bound.port + '/echo', (_s, type, msg) => {
  if (type === 'text') heard.push(msg);
});
client.send('text', 'hi');
while (heard.length === 0) await new Promise((r) => setTimeout(r, 5));
assert.deepEqual(heard, ['echo: hi']);
for (const m of [esm, cjs, second]) {
  assert.equal(m.ws.find().length, 2, 'both ends of the WebSocket are in every registry');
  assert.equal(m.channels.status(client.name).websocket, true);
}

// Topics: subscribed through the second copy, published through the ESM build.
const served = esm.ws.find().find((n) => n !== client.name);
second.ws.subscribe(served, 'news');
esm.ws.publish('news', 'to every subscriber');
while (heard.length < 2) await new Promise((r) => setTimeout(r, 5));
assert.equal(heard[1], 'to every subscriber');

// Defaults: the WebSocket log level and the HTTP client's configuration.
cjs.ws.loglevel('warn');
assert.equal(second.ws.loglevel(), 'warn');
esm.http.config({ useragent: 'one-state/1.0' });
assert.equal(cjs.http.config('useragent'), 'one-state/1.0');
assert.equal(second.http.config('useragent'), 'one-state/1.0');

esm.ws.close(client.name, 1000);
while (cjs.channels.exists(client.name)) await new Promise((r) => setTimeout(r, 5));
await server.close({ graceMs: 100 });
console.log('one state: esm, cjs and the second copy');
`;

/** An ES module consumer of every subpath, with types that would be wrong if they were `any`. */
export const CONSUMER_TS = `
import {
  channels, ws, http, createServer, geturl, HttpClient, ConnchanError, ProtocolError, UsageError,
} from 'connchan';
import { list, status, type ChannelListEntry, type ChannelStatus } from 'connchan/channels';
import { createServer as createHttpServer, type HttpServer, type Handler } from 'connchan/server';
import { open, live, send, WebSocket, type WsOpenOptions } from 'connchan/ws';
import { HttpClient as Client, type HttpToken, type GeturlOptions } from 'connchan/http-client';
import { WsReceiver, RequestParser, NEED_DATA } from 'connchan/proto';
import { dial, parseTimeValue } from 'connchan/io';
import { createCluster, list as listCluster, type ClusterListEntry } from 'connchan/cluster';

export function rows(): ChannelListEntry[] {
  return list();
}
export function kindOf(name: string): ChannelStatus['kind'] {
  return status(name).kind;
}
export function makeServer(): HttpServer {
  const server = createHttpServer({ drivers: [{ port: 0 }] });
  const hello: Handler = (ctx) => ctx.send('hello');
  server.get('/', hello);
  live(server, '/ws', (sock, type, msg) => {
    if (type === 'text') send(sock, 'text', String(msg).toUpperCase());
  });
  return server;
}
export async function fetchStatus(url: string, options: GeturlOptions = {}): Promise<number> {
  const token: HttpToken = await new Client().geturl(url, options);
  return token.ncode;
}
export const wsOptions: WsOpenOptions = { protocols: ['chat'] };
export const wsOpen: typeof ws.open = open;
export const BrowserLike: typeof WebSocket = WebSocket;
export const same: boolean =
  createServer === createHttpServer && geturl === http.geturl && HttpClient === Client &&
  channels.list === list;
export function isOurs(err: unknown): boolean {
  return err instanceof ConnchanError || err instanceof ProtocolError || err instanceof UsageError;
}
export const parsers = { rx: new WsReceiver({ role: 'server' }), req: new RequestParser(), NEED_DATA };
export const ms: number = parseTimeValue('1.5s', 'interval');
export const connect: typeof dial = dial;
export async function everywhere(): Promise<ClusterListEntry[]> {
  return listCluster({ cluster: true });
}
export const startCluster: typeof createCluster = createCluster;

// @ts-expect-error a channel name is a string
status(42);
// @ts-expect-error geturl takes a URL string
void geturl(new Date());
`;

/** A CommonJS consumer (under node16/nodenext it must get the CommonJS declarations). */
export const CONSUMER_CTS = `
import { list, type ChannelListEntry } from 'connchan/channels';
import { HttpClient } from 'connchan/http-client';
import connchan = require('connchan');

export const rows: ChannelListEntry[] = list();
export const client: HttpClient = new HttpClient();
export const same: boolean = connchan.channels.list === list;
// @ts-expect-error a channel name is a string
connchan.channels.status(42);
`;

const strict = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  target: 'ES2022',
  lib: ['ES2023'],
  types: ['node'],
  noEmit: true,
};

/** One tsconfig per moduleResolution; `example` also emits the example to run it. */
export const TS_CONFIGS: Record<string, { compilerOptions: object; files: string[] }> = {
  node16: {
    compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' },
    files: ['consumer.ts', 'consumer-cjs.cts'],
  },
  nodenext: {
    compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' },
    files: ['consumer.ts', 'consumer-cjs.cts'],
  },
  bundler: {
    compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' },
    files: ['consumer.ts'],
  },
  node10: {
    compilerOptions: { ...strict, module: 'commonjs', moduleResolution: 'node10' },
    files: ['consumer.ts'],
  },
  example: {
    compilerOptions: {
      ...strict,
      // The example is written as README's snippets are: \`const [http] = await listen()\`.
      noUncheckedIndexedAccess: false,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      noEmit: false,
      outDir: 'out',
    },
    files: ['example.ts'],
  },
};
