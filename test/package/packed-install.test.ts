// The package as users get it: built as npm's prepare step builds it, packed, installed from the
// tarball into a fresh project (no network: the library has no dependencies to fetch), then
// every entry point imported as ESM and required as CommonJS (one state between them and a
// second installed copy), a strict consumer type-checked under each moduleResolution, and one
// example compiled and run against the installed package, and the guide's protocol-core program;
// then the command line's tarball, installed beside the library's, serving and fetching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSUMER_CTS, CONSUMER_TS, STATE_CHECK, TS_CONFIGS } from './consumer-files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  homepage?: string;
  keywords?: string[];
  repository?: { url: string };
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, Record<string, string>>>;
  typesVersions: Record<string, Record<string, string[]>>;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    // Bounded: a hang fails the test instead of blocking it (this call blocks the event loop).
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} in ${cwd} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

/** `run` without blocking: several compilers at once on a machine with more than one core. */
function runAsync(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${cmd} ${args.join(' ')} in ${cwd} failed:\n${out}\n${err}`)),
    );
  });
}

/** Every file a package.json entry (exports, main, types, typesVersions) points at. */
function manifestTargets(pkg: PackageJson): string[] {
  const out = [pkg.main, pkg.types];
  for (const target of Object.values(pkg.exports)) {
    if (typeof target === 'string') out.push(target);
    else for (const cond of Object.values(target)) out.push(...Object.values(cond));
  }
  for (const map of Object.values(pkg.typesVersions)) {
    for (const list of Object.values(map)) out.push(...list);
  }
  return out.map((p) => posix.normalize(p));
}

test(
  'npm pack → install the tarball → ESM and CJS share one state → types under every resolution → an example runs → the CLI tarball serves',
  { timeout: 600_000 },
  async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'connchan-pack-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

    // 1. A copy of the package's sources, built by the script npm's prepare step runs, packed.
    assert.match(pkg.scripts.prepare, /npm run build\b/, 'npm pack and git installs build');
    assert.match(pkg.scripts.build, /npm run build:lib\b/);
    const src = join(work, 'connchan');
    mkdirSync(src);
    for (const f of ['package.json', 'LICENSE', 'README.md', 'src', 'scripts']) {
      cpSync(join(ROOT, f), join(src, f), { recursive: true });
    }
    for (const f of readdirSync(ROOT).filter((n) => /^tsconfig.*\.json$/.test(n))) {
      cpSync(join(ROOT, f), join(src, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
    run('npm', ['run', 'build:lib', '--silent'], src);
    const packed = JSON.parse(
      run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], src),
    ) as { filename: string; files: { path: string }[] }[];
    const tarball = join(work, packed[0].filename);
    const files = new Set(packed[0].files.map((f) => f.path));

    // 2. What the tarball holds: the build, the license, the manifest; no sources, no maps
    // pointing at files that are not there, and every entry the manifest names.
    for (const f of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(f), f);
    for (const f of files) {
      assert.ok(/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f), `unexpected: ${f}`);
      if (f.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(src, f), 'utf8')) as { sources: string[] };
        for (const s of map.sources) {
          const shipped = posix.normalize(posix.join(posix.dirname(f), s));
          assert.ok(files.has(shipped), `${f} points at ${s}, which is not shipped`);
        }
      }
    }
    for (const target of manifestTargets(pkg)) assert.ok(files.has(target), `missing ${target}`);
    assert.ok(files.has('dist/cjs/package.json'), 'the CJS build says it is CommonJS');
    assert.equal(Object.keys(pkg.dependencies ?? {}).length, 0, 'no runtime dependencies');
    assert.ok(pkg.repository?.url && pkg.homepage && pkg.license === 'MIT');
    assert.ok((pkg.keywords ?? []).length > 0);

    // 3. Installed from the tarball into a fresh project, and a second copy beside it.
    const app = join(work, 'app');
    const vendor = join(app, 'vendor');
    mkdirSync(vendor, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    writeFileSync(join(vendor, 'package.json'), JSON.stringify({ name: 'vendor', private: true }));
    run('npm', ['install', '--offline', ...NPM_QUIET, tarball], app);
    run('npm', ['install', '--offline', ...NPM_QUIET, tarball], vendor);
    const installed = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    assert.deepEqual(installed, ['connchan'], 'installing the library installs nothing else');

    // 4. Every subpath as ESM and CJS: the same names, and one state with the second copy.
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'connchan' : `connchan/${k.slice(2)}`));
    writeFileSync(join(app, 'state-check.mjs'), STATE_CHECK);
    const report = run(process.execPath, ['state-check.mjs', JSON.stringify(subpaths)], app);
    assert.match(report, /every subpath: same names in ESM and CJS/, report);
    assert.match(report, /one state: esm, cjs and the second copy/, report);

    // 5. A strict consumer type-checks under node16, nodenext, bundler and node10 (our
    // declarations included: skipLibCheck is off), and the example compiles and runs.
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    symlinkSync(
      join(ROOT, 'node_modules', '@types', 'node'),
      join(app, 'node_modules', '@types', 'node'),
      'dir',
    );
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(app, 'consumer-cjs.cts'), CONSUMER_CTS);
    cpSync(join(ROOT, 'examples', 'detach-echo.ts'), join(app, 'example.ts'));
    const cliPacked = packCli(src, work); // meanwhile (step 7)
    cliPacked.catch(() => undefined); // its failure is reported where it is awaited
    await Promise.all(
      Object.entries(TS_CONFIGS).map(([name, config]) => {
        writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
        return runAsync(process.execPath, [TSC, '-p', `tsconfig.${name}.json`], app);
      }),
    );
    const example = join(app, 'out', 'example.js');
    assert.ok(existsSync(example), 'the nodenext build emitted the example');
    assert.ok(existsSync(dirname(example)));
    const output = run(process.execPath, [example], app);
    assert.match(output, /echoed: HELLO, CHANNELS/);

    // 6. docs/getting-started.md's protocol-core program, saved as it says and run with node.
    const guide = readFileSync(join(ROOT, 'docs', 'getting-started.md'), 'utf8');
    const snippet = /## 4\.[^\n]*\n+```ts\n([\s\S]*?)```/.exec(guide);
    assert.ok(snippet, 'the guide has its protocol-core program');
    writeFileSync(join(app, 'server.mjs'), snippet[1]);
    assert.equal(run(process.execPath, ['server.mjs'], app).trim(), 'GET');

    // 7. The command line's tarball, built against the library built above, installed beside
    // it: `connchan serve`, `get` and `ws` work from it.
    const cli = await cliPacked;
    const cliApp = join(work, 'cli-app');
    mkdirSync(cliApp);
    writeFileSync(join(cliApp, 'package.json'), JSON.stringify({ name: 'cli-app', private: true }));
    // The CLI's own dependencies come from npm's cache, filled by the repository's install.
    run('npm', ['install', '--prefer-offline', ...NPM_QUIET, tarball, cli], cliApp);
    const cliInstalled = readdirSync(join(cliApp, 'node_modules'));
    assert.ok(cliInstalled.includes('connchan') && cliInstalled.includes('connchan-cli'));
    await tryCli(join(cliApp, 'node_modules', '.bin', 'connchan'), cliApp);
  },
);

/** Builds packages/cli in the copy `src` (against the copy's library) and packs it. */
async function packCli(src: string, work: string): Promise<string> {
  const dir = join(src, 'packages', 'cli');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const f of ['package.json', 'LICENSE', 'tsconfig.json', 'src', 'bin', 'assets']) {
    cpSync(join(ROOT, 'packages', 'cli', f), join(dir, f), { recursive: true });
  }
  symlinkSync(src, join(dir, 'node_modules', 'connchan'), 'dir');
  await runAsync(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
  const packed = JSON.parse(
    await runAsync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], dir),
  ) as { filename: string; files: { path: string }[] }[];
  const files = packed[0].files.map((f) => f.path);
  for (const f of [
    'bin/connchan.js',
    'dist/run.js',
    'assets/index.html',
    'assets/app.js',
    'LICENSE',
  ]) {
    assert.ok(files.includes(f), `the CLI tarball has ${f}`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.endsWith('.map')), 'no sources, no maps');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  assert.equal(
    manifest.dependencies?.connchan,
    `^${manifest.version}`,
    'the CLI depends on the library',
  );
  return join(work, packed[0].filename);
}

/** The installed `connchan`: --version, then serve with get and ws against it. */
async function tryCli(bin: string, cwd: string): Promise<void> {
  assert.match(run(bin, ['--version'], cwd), /^connchan-cli 0\.1\.0 \(connchan 0\.1\.0, Node\.js/);
  const server = spawn(bin, ['serve', '--no-tls', '--http-port', '0'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout.on('data', (d: Buffer) => (out += d.toString()));
  server.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 20_000;
    while (!/Ctrl-C/.test(out)) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1];
    const getBin = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const c = spawn(bin, args, { cwd });
        let text = '';
        c.stdout.on('data', (d: Buffer) => (text += d.toString()));
        c.on('exit', (code) =>
          code === 0 ? resolve(text) : reject(new Error(`${args}: ${code}`)),
        );
      });
    assert.match(await getBin(['get', url]), /<h1>connchan<\/h1>/);
    assert.match(await getBin(['get', '-f', `${url}assets/app.js`]), /createDashboard/);
    assert.match(
      await getBin(['ws', `${url.slice('http://'.length)}echo`, '-x', 'from the tarball']),
      /^< from the tarball$/m,
    );
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}
