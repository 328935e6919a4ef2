/** Name resolution for upstream connections: the system resolver, every address, in its order. */
import { lookup } from 'node:dns/promises';

export async function systemResolve(host: string): Promise<string[]> {
  const all = await lookup(host, { all: true, verbatim: true });
  return all.map((a) => a.address);
}
