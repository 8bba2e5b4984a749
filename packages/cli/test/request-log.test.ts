// The request log's lines, pinned byte for byte: a request, a WebSocket life (its upgrade and
// its close) and a detach, at info and debug, in text and JSON. The messages are published on
// connchan's diagnostics channels as the server publishes them, at a fixed clock, so that any
// change to what the log writes (or how it formats numbers, times and quoting) shows here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import {
  DIAGNOSTICS,
  type ChannelCloseMessage,
  type DetachMessage,
  type RequestInfo,
  type ResponseMessage,
} from 'connchan';
import { HeaderList } from 'connchan/proto';
import { ChannelOrigins } from '../src/serve/channel-origins.js';
import { startRequestLog, type LogFormat, type LogLevel } from '../src/serve/request-log.js';

const SERVER = 'request-log-test';
/** 2026-12-06T09:30:01.007Z, then a second later, to cross the cached second and millisecond. */
const T0 = Date.UTC(2026, 11, 6, 9, 30, 1, 7);

function request(target: string, headers: string[]): RequestInfo {
  return {
    method: 'GET',
    target,
    path: target.split('?')[0],
    version: '1.1',
    headers: new HeaderList(headers),
    peer: '127.0.0.1',
    driver: 'http',
    startTime: T0 - 3,
  };
}

const upgradeHeaders = ['Host', 'x', 'Upgrade', 'websocket', 'User-Agent', 'wsload 1'];

function life(level: LogLevel, format: LogFormat, clock: { now: number }): string[] {
  const lines: string[] = [];
  const origins = new ChannelOrigins(SERVER);
  const stop = startRequestLog({
    server: SERVER,
    level,
    format,
    origins,
    write: (l) => lines.push(l),
  });
  try {
    clock.now = T0;
    channel(DIAGNOSTICS.response).publish({
      server: SERVER,
      request: request('/channels', ['Host', 'x', 'User-Agent', 'log-test/1']),
      status: 200,
      bytes: 1234,
      durationMs: 0.26,
    } satisfies ResponseMessage);
    channel(DIAGNOSTICS.detach).publish({
      server: SERVER,
      request: request('/echo?viewer=v 1', upgradeHeaders),
      channel: 'conn7',
      durationMs: 1.04,
    } satisfies DetachMessage);
    channel(DIAGNOSTICS.response).publish({
      server: 'another server',
      request: request('/not-ours', []),
      status: 200,
      bytes: 1,
      durationMs: 1,
    } satisfies ResponseMessage);
    clock.now = T0 + 1000;
    channel(DIAGNOSTICS.channelClose).publish(
      closeMessage({ name: 'conn7', peer: '127.0.0.1', sent: 27, received: 35 }),
    );
    clock.now = T0 + 1001;
    channel(DIAGNOSTICS.detach).publish({
      server: SERVER,
      request: request('/stream', ['Host', 'x']),
      channel: 'conn8',
      durationMs: 12,
    } satisfies DetachMessage);
    // A channel whose socket went before its close: the address is no longer known.
    channel(DIAGNOSTICS.channelClose).publish(
      closeMessage({ name: 'conn8', peer: '', sent: 0, received: 0 }),
    );
  } finally {
    stop();
    origins.stop();
  }
  return lines;
}

/** How often the log asked a close message for its peer (the server reads the socket then). */
let peerReads = 0;

/** A channel's close as the server publishes it: its `peer` is asked of the socket when read. */
function closeMessage(
  m: Pick<ChannelCloseMessage, 'name' | 'peer' | 'sent' | 'received'>,
): ChannelCloseMessage {
  return {
    name: m.name,
    server: SERVER,
    kind: 'detached',
    driver: 'http',
    get peer() {
      peerReads++;
      return m.peer;
    },
    startTime: T0 - 3,
    sent: m.sent,
    received: m.received,
    clientData: undefined,
  };
}

function withClock<T>(fn: (clock: { now: number }) => T): T {
  const clock = { now: T0 };
  const realNow = Date.now;
  Date.now = () => clock.now;
  try {
    return fn(clock);
  } finally {
    Date.now = realNow;
  }
}

test('the request log at info writes a request as one line, and a detached connection as one line at its close, without asking for its address (text)', () => {
  peerReads = 0;
  assert.deepEqual(
    withClock((clock) => life('info', 'text', clock)),
    [
      '2026-12-06T09:30:01.007Z 127.0.0.1 GET /channels 200 1234B 0.3ms driver=http',
      '2026-12-06T09:30:02.007Z - close channel=conn7 endpoint=/echo websocket=true sent=27 received=35 1003ms',
      '2026-12-06T09:30:02.008Z - close channel=conn8 endpoint=/stream sent=0 received=0 1004ms',
    ],
  );
  // Each read is a getpeername(2) for the server: at info a WebSocket life costs none.
  assert.equal(peerReads, 0);
});

test('the request log at debug adds the version, user agent, headers, kind and driver, and the address of a channel (text)', () => {
  peerReads = 0;
  assert.deepEqual(
    withClock((clock) => life('debug', 'text', clock)),
    [
      '2026-12-06T09:30:01.007Z 127.0.0.1 GET /channels 200 1234B 0.3ms driver=http version=HTTP/1.1 userAgent=log-test/1\n    Host: x\n    User-Agent: log-test/1',
      '2026-12-06T09:30:01.007Z 127.0.0.1 GET /echo?viewer=v 1 upgrade 101 channel=conn7 1ms driver=http version=HTTP/1.1 userAgent="wsload 1"\n    Host: x\n    Upgrade: websocket\n    User-Agent: wsload 1',
      '2026-12-06T09:30:02.007Z 127.0.0.1 close channel=conn7 endpoint=/echo websocket=true sent=27 received=35 1003ms kind=detached driver=http',
      '2026-12-06T09:30:02.008Z 127.0.0.1 GET /stream detach channel=conn8 12ms driver=http version=HTTP/1.1\n    Host: x',
      '2026-12-06T09:30:02.008Z - close channel=conn8 endpoint=/stream sent=0 received=0 1004ms kind=detached driver=http',
    ],
  );
  assert.equal(peerReads, 2);
});

test('the request log writes these JSON lines at info', () => {
  assert.deepEqual(
    withClock((clock) => life('info', 'json', clock)),
    [
      '{"time":"2026-12-06T09:30:01.007Z","event":"request","peer":"127.0.0.1","method":"GET","path":"/channels","status":200,"bytes":1234,"durationMs":0.3,"driver":"http"}',
      '{"time":"2026-12-06T09:30:02.007Z","event":"close","channel":"conn7","endpoint":"/echo","websocket":true,"sent":27,"received":35,"durationMs":1003}',
      '{"time":"2026-12-06T09:30:02.008Z","event":"close","channel":"conn8","endpoint":"/stream","sent":0,"received":0,"durationMs":1004}',
    ],
  );
});

test('the request log at debug writes the upgrade and the detach as JSON events with their headers', () => {
  const events = withClock((clock) => life('debug', 'json', clock)).map(
    (l) => JSON.parse(l) as Record<string, unknown>,
  );
  assert.deepEqual(
    events.map((e) => e.event),
    ['request', 'upgrade', 'close', 'detach', 'close'],
  );
  assert.deepEqual(events[1], {
    time: '2026-12-06T09:30:01.007Z',
    event: 'upgrade',
    peer: '127.0.0.1',
    method: 'GET',
    path: '/echo?viewer=v 1',
    status: 101,
    channel: 'conn7',
    durationMs: 1,
    driver: 'http',
    version: 'HTTP/1.1',
    userAgent: 'wsload 1',
    headers: [
      ['Host', 'x'],
      ['Upgrade', 'websocket'],
      ['User-Agent', 'wsload 1'],
    ],
  });
  assert.equal(events[3].path, '/stream');
  assert.equal(events[3].status, undefined);
  assert.equal(events[2].peer, '127.0.0.1');
  assert.equal(events[4].kind, 'detached');
});
