// The CLI end to end as a process: `connchan serve` prints its URLs, answers on both ports,
// logs each request, and stops on SIGTERM; the dispatcher's own answers and usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { ensureSelfSignedCertificate } from '../src/tls/certificate-files.js';
import { open, type WebSocketConnection } from 'connchan/ws';
import { runCli, spawnServe } from './helpers.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

test('connchan serve starts, prints its URLs, answers and logs on HTTP and HTTPS, and stops on SIGTERM', async () => {
  const dataDir = tempDir('connchan-cli-');
  const serve = spawnServe(['--http-port', '0', '--https-port', '0', '--data-dir', dataDir]);
  const child = serve.child;
  let ws: WebSocketConnection | undefined;
  try {
    const deadline = Date.now() + 20_000;
    while (!/Ctrl-C/.test(serve.out)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`serve did not start: ${serve.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const urls = [...serve.out.matchAll(/(https?:\/\/127\.0\.0\.1:\d+\/)/g)].map((m) => m[1]);
    assert.equal(urls.length, 2, serve.out);
    const certPath = /HTTPS uses (\S+)/.exec(serve.out)![1];
    const dispatcher = new Agent({ connect: { ca: readFileSync(certPath, 'utf8') } });
    for (const url of urls) {
      const r = await undiciFetch(url, { dispatcher });
      assert.equal(r.status, 200);
      assert.match(await r.text(), /connchan/);
    }
    await dispatcher.close();
    while (serve.out.split('GET / 200').length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(serve.out, /Z 127\.0\.0\.1 GET \/ 200 \d+B [\d.]+ms driver=http\n/);
    assert.match(serve.out, /Z 127\.0\.0\.1 GET \/ 200 \d+B [\d.]+ms driver=https\n/);
    // A WebSocket still open at SIGTERM: closed by the shutdown (1001), which logs its close
    // after "stopping". The log is written in batches: those last lines must still come out.
    ws = await open(`${urls[0].replace('http', 'ws')}echo`);
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, `exit code after SIGTERM; output: ${serve.out}`);
  }
  assert.equal((await ws.closed()).code, 1001);
  assert.match(
    serve.out,
    /connchan serve: stopping\n[^]*close channel=\S+ endpoint=\/echo websocket=true/,
  );
});

test('connchan: --version, --help, help COMMAND, and usage errors exit 2', async () => {
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.out, /^connchan-cli 0\.1\.0 \(connchan 0\.1\.0, Node\.js v\d+/);
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /^ {2}serve {2}/m);
  assert.match(h.out, /^ {2}get {4}/m);
  assert.match(h.out, /^ {2}ws {5}/m);
  const hg = await runCli(['help', 'get']);
  assert.match(hg.out, /Usage: connchan get \[options\] URL/);
  assert.match(hg.out, /-x, --proxy URL/);
  const none = await runCli([]);
  assert.equal(none.code, 2);
  const unknown = await runCli(['fetch']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "fetch"; the commands are serve, get, ws/);
  const bad = await runCli(['get', '--max-time', 'soon', 'http://x/']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--max-time takes a number of seconds/);
});

test('connchan serve reloads its certificate files on SIGHUP; a bad pair keeps the old one', async () => {
  const dir = tempDir('connchan-cli-hup-');
  // Two different certificates, made by the CLI's own maker in two data directories.
  const first = ensureSelfSignedCertificate(join(dir, 'a'), ['127.0.0.1']);
  const second = ensureSelfSignedCertificate(join(dir, 'b'), ['127.0.0.1']);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const install = (pair: { certPath: string; keyPath: string }) => {
    copyFileSync(pair.certPath, certFile);
    copyFileSync(pair.keyPath, keyFile);
  };
  install(first);
  const serve = spawnServe([
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--cert',
    certFile,
    '--key',
    keyFile,
    '--data-dir',
    dir,
  ]);
  const child = serve.child;
  const waitFor = async (pattern: RegExp) => {
    const deadline = Date.now() + 20_000;
    while (!pattern.test(serve.out)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no ${String(pattern)} in: ${serve.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const fingerprintAt = (port: number) =>
    new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.destroy();
      });
      s.once('error', reject);
    });
  const fingerprintOf = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;
  try {
    await waitFor(/Ctrl-C/);
    const port = Number(/https:\/\/127\.0\.0\.1:(\d+)\//.exec(serve.out)![1]);
    assert.equal(await fingerprintAt(port), fingerprintOf(first.certPath));
    install(second);
    child.kill('SIGHUP');
    await waitFor(/SIGHUP: reloaded/);
    assert.equal(await fingerprintAt(port), fingerprintOf(second.certPath));
    writeFileSync(certFile, 'not a certificate');
    child.kill('SIGHUP');
    await waitFor(/SIGHUP: certificate reload failed, keeping the old one/);
    assert.equal(child.exitCode, null, 'a bad pair must not stop the server');
    assert.equal(await fingerprintAt(port), fingerprintOf(second.certPath));
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, `exit code after SIGTERM; output: ${serve.out}`);
  }
});
