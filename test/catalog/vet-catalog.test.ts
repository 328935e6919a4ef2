/** The data vet labels with: SDK signatures, permissions and API capabilities are well-formed. */
import { describe, expect, it } from 'vitest';
import { API_SIGNATURES, CAPABILITIES, CAPABILITY_LABELS } from '../../src/catalog/api-capabilities.js';
import { PERMISSIONS } from '../../src/catalog/permissions.js';
import { SDK_PURPOSES, SDKS, sdkOfClass } from '../../src/catalog/sdks.js';
import { PolicySchema } from '../../src/policy/schema.js';

describe('SDK signatures', () => {
  it.each(SDKS.map((s) => [s.id, s] as const))(
    '%s has a source, purposes, Java packages and valid host patterns',
    (_, s) => {
      expect(s.sources.length).toBeGreaterThan(0);
      for (const src of s.sources) {
        const url = /https?:\/\/\S+/.exec(src.ref)?.[0];
        expect(url, src.ref).toBeDefined();
        expect(() => new URL(url!)).not.toThrow();
        expect(src.note.trim().length).toBeGreaterThan(5);
      }
      for (const p of s.purposes) expect(SDK_PURPOSES).toContain(p);
      for (const p of s.packages) expect(p).toMatch(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/);
      for (const host of s.hosts ?? []) {
        const parsed = PolicySchema.safeParse({ version: 1, network: { allow: [{ host }] } });
        expect(parsed.success, host).toBe(true);
      }
    },
  );

  it('no package belongs to two SDKs', () => {
    const all = SDKS.flatMap((s) => s.packages);
    expect(new Set(all).size).toBe(all.length);
  });

  it('matches a class at a package boundary, the longest package winning', () => {
    expect(sdkOfClass('Lcom/mob/MobSDK;')?.id).toBe('mobtech');
    expect(sdkOfClass('Lcom/mobile/Foo;')).toBeUndefined();
    expect(sdkOfClass('com.tencent.bugly.crashreport.CrashReport')?.id).toBe('bugly');
    expect(sdkOfClass('Lcom/tencent/buglyx/A;')).toBeUndefined();
    // com.google.firebase.crashlytics is Crashlytics, not a broader Firebase entry.
    expect(sdkOfClass('Lcom/google/firebase/crashlytics/FirebaseCrashlytics;')?.id).toBe(
      'firebase-crashlytics',
    );
  });
});

describe('permissions and API capabilities', () => {
  it('permission names are Android’s', () => {
    for (const [name, info] of PERMISSIONS) {
      expect(name).toMatch(/^android\.permission\.[A-Z_]+$/);
      expect(info.label.length).toBeGreaterThan(3);
    }
  });

  it('API signatures are DEX class descriptors and method names, each capability labelled', () => {
    for (const s of API_SIGNATURES) {
      expect(s.cls).toMatch(/^L[a-zA-Z0-9_/$]+;$/);
      expect(s.name).toMatch(/^(<init>|[a-zA-Z_][a-zA-Z0-9_]*)$/);
      expect(CAPABILITIES).toContain(s.capability);
    }
    for (const c of CAPABILITIES) expect(CAPABILITY_LABELS[c].length).toBeGreaterThan(5);
  });
});
