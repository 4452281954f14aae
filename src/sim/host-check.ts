import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * Ollama's Host-header check (§1): when bound to a loopback address, a request whose Host is not
 * local gets 403 with an empty body (a DNS-rebinding guard). Allowed: no Host, `localhost`, the
 * machine's hostname, names under `.localhost`/`.local`/`.internal`, and IP literals that are
 * loopback, private, unspecified or one of this machine's addresses.
 */

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(':');
  return colon !== -1 && host.indexOf(':', colon + 1) === -1 ? host.slice(0, colon) : host;
}

function isLocalIp(ip: string, own: ReadonlySet<string>): boolean {
  if (own.has(ip)) return true;
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  const v6 = ip.toLowerCase();
  if (v6.startsWith('::ffff:')) return isLocalIp(v6.slice(7), own);
  return v6 === '::1' || v6 === '::' || v6.startsWith('fc') || v6.startsWith('fd');
}

export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** A predicate over Host header values; built once per server. */
export function makeHostCheck(): (hostHeader: string | undefined) => boolean {
  const machine = hostname().toLowerCase();
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) own.add(a.address.toLowerCase());
  return (hostHeader) => {
    if (!hostHeader) return true;
    const h = stripPort(hostHeader.trim()).toLowerCase();
    if (h === '' || h === 'localhost' || h === machine) return true;
    if (h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
    return isIP(h) !== 0 && isLocalIp(h, own);
  };
}
