/**
 * apksigner (Debian's, from build-tools 31.0.2) and aapt as the signing tests' oracles: what
 * `apksigner verify --print-certs -v` says of an APK, and the minSdk/targetSdk `aapt dump badging`
 * reads from its manifest (apksigner's rules depend on them). A missing tool fails the test.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OracleSigner {
  dn: string;
  sha256: string;
  keyAlgorithm: string;
  keyBits: number;
}

export interface Oracle {
  /** apksigner threw (e.g. "Missing AndroidManifest.xml"): no verdict. */
  exception?: string;
  verifies: boolean;
  schemes: { v1: boolean; v2: boolean; v3: boolean };
  signers: OracleSigner[];
  errors: string[];
}

async function output(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
    return r.stdout + r.stderr;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT')
      throw new Error(`${cmd} is not installed (Debian package ${cmd}): the oracle is required`);
    return (err.stdout ?? '') + (err.stderr ?? '');
  }
}

export async function apksigner(file: string): Promise<Oracle> {
  const text = await output('apksigner', ['verify', '--print-certs', '-v', file]);
  const flag = (re: RegExp) => re.exec(text)?.[1] === 'true';
  const signers: OracleSigner[] = [];
  for (let i = 1; text.includes(`Signer #${i} certificate DN: `); i++) {
    const field = (name: string) => new RegExp(`^Signer #${i} ${name}: (.*)$`, 'm').exec(text)?.[1] ?? '';
    signers.push({
      dn: field('certificate DN'),
      sha256: field('certificate SHA-256 digest'),
      keyAlgorithm: field('key algorithm'),
      keyBits: Number(field('key size \\(bits\\)')),
    });
  }
  const exception = /^Exception in thread "main" (.*)$/m.exec(text)?.[1];
  return {
    ...(exception ? { exception } : {}),
    verifies: /^Verifies$/m.test(text),
    schemes: {
      v1: flag(/^Verified using v1 scheme \(JAR signing\): (\w+)/m),
      v2: flag(/^Verified using v2 scheme \(APK Signature Scheme v2\): (\w+)/m),
      v3: flag(/^Verified using v3 scheme \(APK Signature Scheme v3\): (\w+)/m),
    },
    signers,
    errors: [...text.matchAll(/^ERROR: (.*)$/gm)].map((m) => m[1]!),
  };
}

/** minSdk and targetSdk as aapt reads them; minSdk 1 when the manifest names none; undefined when aapt cannot read it. */
export async function sdkVersions(file: string): Promise<{ minSdk: number; targetSdk: number } | undefined> {
  const text = await output('aapt', ['dump', 'badging', file]);
  if (!/^package: /m.test(text)) return undefined;
  const minSdk = Number(/^sdkVersion:'(\d+)'/m.exec(text)?.[1] ?? 1);
  const targetSdk = Number(/^targetSdkVersion:'(\d+)'/m.exec(text)?.[1] ?? minSdk);
  return { minSdk, targetSdk };
}

/** Runs fn over items, `width` at a time. */
export async function pool<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
