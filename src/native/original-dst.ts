/**
 * The TCP port a client aimed at before the box's firewall redirected its connection to Airlock
 * (conntrack's SO_ORIGINAL_DST, read by addon.c on the accepted socket's descriptor). The
 * transparent listener for the allowlist's extra ports (gateway.transparent.other) takes every
 * such port on one listening port and learns each connection's port here.
 *
 * Only the port: the address the client aimed at is never read, so an SNI or Host naming an
 * allowlisted host while aimed at another address still reaches the allowlisted host only.
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { loadAddon } from './addon.js';

/** The port, or why it cannot be known (then the connection is refused: fail closed). */
export type OriginalPort = { port: number } | { error: string };

type Native = (fd: number) => number;

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, n]) => [n, name] as [number, string]),
);

/** What an errno from the getsockopt means on the gateway box. */
function explain(errno: number): string {
  const name = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  switch (name) {
    case 'ENOENT':
      return `${name}: conntrack has no redirect for this connection (not redirected by the box's rules: \`airlock gateway rules\`)`;
    case 'ENOPROTOOPT':
      return `${name}: conntrack is not loaded (the box's nftables rules load it)`;
    default:
      return name;
  }
}

let native: Native | undefined | null = null;

function load(): Native | undefined {
  if (native === null) {
    const f = loadAddon().addon?.originalPort;
    native = typeof f === 'function' ? (f as Native) : undefined;
  }
  return native;
}

/** The port `socket` (an accepted connection) was aimed at before a redirect. */
export function originalPort(socket: Socket): OriginalPort {
  const f = load();
  if (!f)
    return {
      error:
        process.platform === 'linux'
          ? `the native addon is not built (npm install builds it): ${loadAddon().error?.message ?? 'no originalPort'}`
          : 'conntrack exists on Linux only',
    };
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0)
    return { error: 'the socket has no descriptor (closed already)' };
  const r = f(fd);
  if (r === 0) return { error: 'conntrack gave port 0' };
  return r > 0 ? { port: r } : { error: explain(-r) };
}
