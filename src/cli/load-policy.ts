/** The policy a command runs under: the file named with --policy, else the built-in defaults. */
import { defaultPolicy, loadPolicyFile, type Policy, policyHash } from '../policy/index.js';

export function loadPolicy(file: string | undefined): { policy: Policy; hash: string } {
  const policy = file === undefined ? defaultPolicy() : loadPolicyFile(file);
  return { policy, hash: policyHash(policy) };
}
