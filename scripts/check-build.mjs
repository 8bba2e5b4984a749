// Loads every entry point of the built package, as ESM and as CommonJS, and checks a few
// names: the build that `npm start` and users get must be whole.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const entries = {
  '': ['createServer', 'geturl', 'channels', 'ws'],
  proto: ['WsReceiver', 'RequestParser', 'NEED_DATA'],
  io: ['dial', 'PerMessageDeflate'],
  channels: ['list', 'callback', 'wsencode'],
  server: ['createServer'],
  ws: ['open', 'live', 'send'],
  'http-client': ['geturl', 'HttpClient'],
  cluster: ['createCluster', 'joinCluster', 'publish', 'list'],
};
let failures = 0;
for (const [sub, names] of Object.entries(entries)) {
  const spec = sub ? `connchan/${sub}` : 'connchan';
  const esm = await import(spec);
  const cjs = require(spec);
  for (const n of names) {
    if (esm[n] === undefined || cjs[n] === undefined) {
      console.error(`${spec}: ${n} missing (esm: ${typeof esm[n]}, cjs: ${typeof cjs[n]})`);
      failures++;
    }
  }
}
console.log(
  failures === 0
    ? 'build check: every entry point loads as ESM and CommonJS'
    : `build check: ${failures} missing`,
);
process.exit(failures === 0 ? 0 : 1);
