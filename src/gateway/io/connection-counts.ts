/**
 * Client connections held, in all and per client address: one instance shared by every listener
 * (forward proxy, transparent TLS, transparent HTTP), so the policy's limits bound the gateway,
 * not each listener.
 */
export class ConnectionCounts {
  private readonly perClient = new Map<string, number>();
  active = 0;

  /** Counts a new connection from `host` when both limits allow it; false (nothing counted) otherwise. */
  take(host: string, max: number, maxPerClient: number): boolean {
    const mine = this.perClient.get(host) ?? 0;
    if (this.active >= max || mine >= maxPerClient) return false;
    this.active++;
    this.perClient.set(host, mine + 1);
    return true;
  }

  /** One connection from `host` ended. */
  give(host: string): void {
    this.active--;
    const n = (this.perClient.get(host) ?? 1) - 1;
    if (n <= 0) this.perClient.delete(host);
    else this.perClient.set(host, n);
  }
}
