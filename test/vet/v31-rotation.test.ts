/**
 * A key rotated with APK Signature Scheme v3.1 (Android 13 and later use the new key, older
 * releases the old one): the report lists both signers and a diff against a release signed by
 * the old key alone calls the signer changed. Oracle: openssl, reading every DER certificate in
 * the APK's signing block by itself (apksigner 31 in Debian predates v3.1 and fails on these),
 * and apksig's own vector names (rsa-2048 rotated to rsa-2048_2).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/policy/index.js';
import { vetApk } from '../../src/vet/analyse.js';
import { diffNeedsReview, diffReports } from '../../src/vet/diff.js';
import { signersInEffect } from '../../src/vet/signers-in-effect.js';
import { corpusFile } from '../helpers/corpus.js';

const vet = (path: string) =>
  vetApk(readFileSync(path), path, { policy: defaultPolicy(), policySource: 'test', nowMs: 0 });

/** Subject and SHA-256 of every certificate openssl reads in the APK Signing Block. */
function blockCertificates(apk: Buffer): Map<string, string> {
  const magic = apk.lastIndexOf(Buffer.from('APK Sig Block 42', 'latin1'));
  expect(magic).toBeGreaterThan(0);
  const size = Number(apk.readBigUInt64LE(magic - 8));
  const block = apk.subarray(magic + 16 - size - 8, magic + 16);
  const out = new Map<string, string>();
  for (let i = 0; i + 4 < block.length; i++) {
    if (block[i] !== 0x30 || block[i + 1] !== 0x82) continue;
    const der = block.subarray(i, i + 4 + block.readUInt16BE(i + 2));
    try {
      const text = execFileSync(
        'openssl',
        ['x509', '-inform', 'DER', '-noout', '-subject', '-fingerprint', '-sha256'],
        {
          input: der,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'ignore'],
        },
      );
      const subject =
        /subject=\s*(.+)/
          .exec(text)?.[1]
          ?.replace(/\s*=\s*/g, '=')
          .trim() ?? '';
      const sha = /Fingerprint=([0-9A-F:]+)/i.exec(text)?.[1]?.replace(/:/g, '').toLowerCase() ?? '';
      out.set(subject, sha);
    } catch {
      // not a certificate at this offset
    }
  }
  return out;
}

describe('APK Signature Scheme v3.1 rotation', () => {
  const rotated = corpusFile('apk/apksig/v31-rsa-2048_2-tgt-33-1-tgt-28.apk');
  const oldKeyOnly = corpusFile('apk/apksig/golden-aligned-v1v2v3-out.apk');

  it('lists the v3.1 signer beside the one older devices check, as openssl reads them', () => {
    const certs = blockCertificates(readFileSync(rotated));
    const oldKey = certs.get('CN=rsa-2048');
    const newKey = certs.get('CN=rsa-2048_2');
    expect(oldKey).toMatch(/^[0-9a-f]{64}$/);
    expect(newKey).toMatch(/^[0-9a-f]{64}$/);
    const r = vet(rotated);
    expect(r.signing?.verified).toBe(true);
    expect(signersInEffect(r.signing).map((s) => [s.certSha256, s.subject, s.rotatedFor13 === true])).toEqual(
      [
        [oldKey, 'CN=rsa-2048', false],
        [newKey, 'CN=rsa-2048_2', true],
      ],
    );
  });

  it('a diff against the release signed by the old key alone calls the signer changed', () => {
    const d = diffReports(vet(oldKeyOnly), vet(rotated));
    expect(d.signerChanged).toBe(true);
    expect(d.signers.candidate).toContain(blockCertificates(readFileSync(rotated)).get('CN=rsa-2048_2'));
    expect(diffNeedsReview(d)).toBe(true);
    // The same rotated release against itself: the same signers, no change.
    expect(diffReports(vet(rotated), vet(rotated)).signerChanged).toBe(false);
  });
});
