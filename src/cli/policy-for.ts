/**
 * The policy a command runs under, loading only what it needs: the built-in defaults need neither
 * the YAML loader nor the zod schema (a 1 MB chunk, ~70 ms to load before any worker starts), so
 * those load only for --policy (load-policy.ts).
 */
import type { Policy } from '../policy/types.js';

export async function policyFor(file: string | undefined): Promise<{ policy: Policy; hash: string }> {
  if (file !== undefined) return (await import('./load-policy.js')).loadPolicy(file);
  const [{ defaultPolicy }, { policyHash }] = await Promise.all([
    import('../policy/defaults.js'),
    import('../policy/hash.js'),
  ]);
  const policy = defaultPolicy();
  return { policy, hash: policyHash(policy) };
}
