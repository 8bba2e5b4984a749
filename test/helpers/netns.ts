// Several "hosts" on one machine: Linux network namespaces joined by veth pairs to a bridge in
// the root namespace (which also gets an address, so that the test process reaches every host).
// Needs root and iproute2; `canMakeNamespaces` tells. Everything made is removed by `remove`,
// and again at process exit should a test fail half-way.
import { spawnSync } from 'node:child_process';

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
}

export interface Hosts {
  /** Host name → its address. */
  address: Record<string, string>;
  /** The address of the test process (the bridge). */
  gateway: string;
  /** The command prefix that runs a program on `host`. */
  wrap(host: string): string[];
  /** Takes a host's link down or up (a partition). */
  link(host: string, up: boolean): void;
  remove(): void;
}

/** True when namespaces can be made here (root, iproute2, a kernel that allows it). */
export function canMakeNamespaces(): boolean {
  const name = `cc-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore', timeout: 10_000 });
  if (add.status !== 0) return false;
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  return true;
}

/** Makes one namespace per name, with addresses 10.213.N.1, .2, … on one bridge. */
export function makeHosts(names: string[]): Hosts {
  const tag = (process.pid % 10_000).toString(36);
  const net = `10.213.${process.pid % 200}`;
  const bridge = `ccb${tag}`;
  const made: { ns: string[]; links: string[] } = { ns: [], links: [] };
  const address: Record<string, string> = {};
  const remove = (): void => {
    for (const ns of made.ns) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    for (const l of made.links) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
    made.ns = [];
    made.links = [];
  };
  process.once('exit', remove);
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    made.links.push(bridge);
    ip(['addr', 'add', `${net}.254/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    names.forEach((name, i) => {
      const ns = `cc${tag}-${name}`;
      const veth = `ccv${tag}${i}`;
      ip(['netns', 'add', ns]);
      made.ns.push(ns);
      ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
      made.links.push(veth);
      ip(['link', 'set', `${veth}p`, 'netns', ns]);
      ip(['-n', ns, 'link', 'set', `${veth}p`, 'name', 'eth0']);
      ip(['-n', ns, 'addr', 'add', `${net}.${i + 1}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['link', 'set', veth, 'master', bridge]);
      ip(['link', 'set', veth, 'up']);
      address[name] = `${net}.${i + 1}`;
    });
  } catch (err) {
    remove();
    throw err;
  }
  return {
    address,
    gateway: `${net}.254`,
    wrap: (host) => ['ip', 'netns', 'exec', `cc${tag}-${host}`],
    link: (host, up) => ip(['link', 'set', `ccv${tag}${names.indexOf(host)}`, up ? 'up' : 'down']),
    remove,
  };
}
