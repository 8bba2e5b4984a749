/** The side-by-side comparisons `npm run bench` runs, with the targets from the issues. */
export interface Comparison {
  group: string;
  name: string;
  unit: 'ops/s' | 'MB/s' | 'req/s';
  /** `wrk`: ids are `script:kind` servers under bench/servers, loaded by wrk; else worker cases. */
  kind?: 'worker' | 'wrk';
  ours: string;
  peers: { label: string; id: string; env?: Record<string, string> }[];
  target?: number;
}

const wsPeers = (kind: 'parse' | 'encode', size: string) => [
  { label: 'ws', id: `${kind}-ws-${size}`, env: { WS_NO_BUFFER_UTIL: '1' } },
  { label: 'ws+bufferutil', id: `${kind}-ws-${size}` },
];

export const comparisons: Comparison[] = [
  ...(['64', '16k', '1m'] as const).flatMap((size): Comparison[] => [
    {
      group: 'WebSocket frames (proto)',
      name: `parse+unmask ${size === '64' ? '64 B' : size === '16k' ? '16 KiB' : '1 MiB'}`,
      unit: 'MB/s',
      ours: `parse-ours-${size}`,
      peers: wsPeers('parse', size),
      target: size === '64' ? 1.5 : 1.0,
    },
    {
      group: 'WebSocket frames (proto)',
      name: `encode+mask ${size === '64' ? '64 B' : size === '16k' ? '16 KiB' : '1 MiB'}`,
      unit: 'MB/s',
      ours: `encode-ours-${size}`,
      peers: wsPeers('encode', size),
      target: size === '64' ? 1.5 : 1.0,
    },
  ]),
  {
    group: 'HTTP/1.1 request parsing (proto)',
    name: 'browser GET',
    unit: 'ops/s',
    ours: 'http-ours-browser',
    peers: [{ label: 'llhttp (node:http)', id: 'http-llhttp-browser' }],
  },
  {
    group: 'HTTP/1.1 request parsing (proto)',
    name: '16 pipelined GETs',
    unit: 'ops/s',
    ours: 'http-ours-pipelined',
    peers: [{ label: 'llhttp (node:http)', id: 'http-llhttp-pipelined' }],
  },
];

comparisons.push(
  {
    group: 'Channels',
    name: 'detached channel write, plain',
    unit: 'MB/s',
    ours: 'chanwrite-ours-plain',
    peers: [{ label: 'raw net.Socket', id: 'chanwrite-raw-plain' }],
    target: 0.9,
  },
  {
    group: 'Channels',
    name: 'detached channel write, TLS',
    unit: 'MB/s',
    ours: 'chanwrite-ours-tls',
    peers: [{ label: 'raw TLSSocket', id: 'chanwrite-raw-tls' }],
    target: 0.9,
  },
);

comparisons.push({
  group: 'HTTP/1.1 server',
  name: 'keep-alive GET / hello world (wrk -c32)',
  unit: 'req/s',
  kind: 'wrk',
  ours: 'hello:connchan',
  peers: [{ label: 'node:http', id: 'hello:node' }],
  target: 1.5,
});
