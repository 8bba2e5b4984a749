/**
 * `connchan --version`: the command line's version, the library's it runs on, and Node's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function versionOf(packageJson: string): string {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * @example
 * ```ts
 * versionText(); // 'connchan-cli 0.1.0 (connchan 0.1.0, Node.js v20.20.2)'
 * ```
 */
export function versionText(): string {
  // src/ and dist/ are both one level below the package's root.
  const cli = versionOf(fileURLToPath(new URL('../package.json', import.meta.url)));
  let lib = 'unknown';
  try {
    lib = versionOf(require.resolve('connchan/package.json'));
  } catch {
    // an unusual install; the CLI's own version is still worth printing
  }
  return `connchan-cli ${cli} (connchan ${lib}, Node.js ${process.version})`;
}
