/**
 * Proxies from the environment, as curl and most tools read them: `http_proxy` for http/ws,
 * `https_proxy` for https/wss (upper-case variants too), and `no_proxy` listing hosts, domain
 * suffixes (`.example.org` or `example.org`), host:port, or `*`.
 */
import type { ProxyAddress } from './http-connect.js';

export function proxyFromEnv(
  target: URL,
  env: NodeJS.ProcessEnv = process.env,
): ProxyAddress | undefined {
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  const raw = secure ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!raw) return undefined;
  if (bypassed(target, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  return parseProxyUrl(raw);
}

/** `http://user:pass@host:port` → ProxyAddress (Basic authorization from the credentials). */
export function parseProxyUrl(raw: string): ProxyAddress {
  const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  const tls = url.protocol === 'https:';
  const proxy: ProxyAddress = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    tls,
  };
  if (url.username) {
    const cred = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    proxy.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  return proxy;
}

function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port =
    target.port || (target.protocol === 'https:' || target.protocol === 'wss:' ? '443' : '80');
  for (let entry of noProxy.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.includes(']') && entry.split(':').length === 2) {
      entry = m[1];
      entryPort = m[2];
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    const bare = entry.startsWith('.') ? entry.slice(1) : entry;
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}
