/** android:protectionLevel as names (PermissionInfo.protectionToString): base level, then flags. */

const BASE = ['normal', 'dangerous', 'signature', 'signatureOrSystem'];
const FLAGS: readonly [number, string][] = [
  [0x10, 'privileged'],
  [0x20, 'development'],
  [0x40, 'appop'],
  [0x80, 'pre23'],
  [0x100, 'installer'],
  [0x200, 'verifier'],
  [0x400, 'preinstalled'],
  [0x800, 'setup'],
  [0x1000, 'instant'],
  [0x2000, 'runtime'],
  [0x4000, 'oem'],
  [0x8000, 'vendorPrivileged'],
  [0x10000, 'textClassifier'],
];

export function protectionNames(level: number): string {
  const names = [BASE[level & 0xf] ?? `base${level & 0xf}`];
  let rest = level & ~0xf;
  for (const [bit, name] of FLAGS)
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.join('|');
}
