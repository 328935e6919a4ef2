/**
 * What the capture's own DNS answers say each address is called. The newest answer wins (an
 * address re-used by a CDN for another name is named by what the device last asked for). Bounded:
 * past AUDIT_LIMITS.maxDnsAddresses the least recently answered address is forgotten.
 */
import { readDnsMessage, resolutions } from '../net/app/dns.js';
import { AUDIT_LIMITS } from './limits.js';

export class NameBook {
  private readonly byIp = new Map<string, string>();

  /** Reads one DNS response datagram (port 53 or mDNS); returns false when it is not one. */
  learn(payload: Uint8Array, mdns: boolean): boolean {
    const d = readDnsMessage(payload, { mdns });
    if (d.kind !== 'value' || !d.value.response) return false;
    for (const r of resolutions(d.value))
      for (const a of r.addresses) this.set(a, r.name.toLowerCase().replace(/\.$/, ''));
    return true;
  }

  nameOf(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  get size(): number {
    return this.byIp.size;
  }

  private set(ip: string, name: string): void {
    this.byIp.delete(ip);
    if (this.byIp.size >= AUDIT_LIMITS.maxDnsAddresses) this.byIp.delete(this.byIp.keys().next().value!);
    this.byIp.set(ip, name);
  }
}
