/**
 * Listen addresses: 'host:port' or '[v6]:port'. The gateway listens on loopback unless the policy
 * names the address: it must never become an open proxy by accident.
 */
import { AirlockError } from '../../core/errors.js';
import { endpointText } from '../../net/ip/address.js';
import { classifyIp, parseIp } from '../../policy/egress/address.js';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new AirlockError('AIRLOCK_ERR_USAGE', `'${text}' is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

export const formatHostPort = (a: HostPort): string => endpointText(a.host, a.port);

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const ip = parseIp(host);
  return ip !== undefined && classifyIp(ip) === 'loopback';
}

/**
 * An address to listen on: loopback always; anything else only when the policy lists it
 * (`named`: the policy's own addresses for this listener). Port 0 asks the system for a port.
 */
export function checkListen(text: string, named: readonly string[]): HostPort {
  const a = parseHostPort(text);
  const listed = named.some((n) => {
    const b = parseHostPort(n);
    return b.host === a.host;
  });
  if (!isLoopbackHost(a.host) && !listed) {
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `refusing to listen on ${text}: not a loopback address and not named in the policy's gateway section`,
    );
  }
  return a;
}
