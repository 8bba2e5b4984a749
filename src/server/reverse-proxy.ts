/**
 * Reverse-proxy mode: the client address comes from `X-Forwarded-For`, but only when the TCP
 * peer is a trusted proxy; the list is walked from the right, skipping trusted hops, so a client
 * cannot forge its address by sending its own X-Forwarded-For.
 */
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  /** @param entries IP addresses and CIDR ranges (`10.0.0.0/8`, `::1`). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, bits] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(addr) === 0)
        throw new TypeError(`trusted proxy "${entry}" is not an IP address or CIDR range`);
      if (bits === undefined) this.#list.addAddress(addr, family);
      else this.#list.addSubnet(addr, Number(bits), family);
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    return address.startsWith('::ffff:') && this.trusts(address.slice(7));
  }

  /**
   * The client's address for a request from `peer` carrying `forwardedFor` (the
   * X-Forwarded-For value, possibly undefined).
   *
   * @example
   * ```ts
   * new TrustedProxies(['10.0.0.1']).clientAddress('10.0.0.1', '203.0.113.7, 10.0.0.1'); // '203.0.113.7'
   * ```
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    if (this.size === 0 || forwardedFor === undefined || !this.trusts(peer)) return peer;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (isIP(hop) === 0) return peer; // garbage: do not guess
      if (!this.trusts(hop)) return hop;
    }
    return hops[0].trim();
  }
}
