/**
 * What the signing reader reports: per scheme whether it is there and holds, who signed, and the
 * verdict apksigner would give (`verified`), with the reasons it fails (`problems`, apksigner's
 * ERRORs) and the oddities that do not make it fail (`warnings`, apksigner's WARNINGs and more).
 */
import type { Warning } from '../../findings/model.js';

export type SchemeName = 'v1' | 'v2' | 'v3' | 'v31';
export type SchemeStatus = 'absent' | 'verified' | 'failed';

export interface Signer {
  scheme: SchemeName;
  /** SHA-256 of the certificate's bytes, lower-case hex (apksigner's and F-Droid's "signer"). */
  certSha256: string;
  /** As apksigner prints it: 'CN=…, OU=…, O=…, C=…'. */
  subject: string;
  issuer: string;
  keyAlgorithm?: string;
  keyBits?: number;
  notBefore?: string;
  notAfter?: string;
  /** v3/v3.1: the platform versions this signer is for. */
  minSdk?: number;
  maxSdk?: number;
  /** v3/v3.1: earlier signing certificates (proof of rotation), oldest first, SHA-256 hex. */
  lineage?: string[];
}

export interface SchemeResult {
  status: SchemeStatus;
  signers: Signer[];
  problems: string[];
  warnings: Warning[];
}

export interface SigningOptions {
  /** The app's minSdkVersion (its manifest; 1 when it names none). Unknown: v2/v3 are authoritative. */
  minSdk?: number;
  /** The app's targetSdkVersion: from 30 on, Android requires v2 or later. */
  targetSdk?: number;
}

export interface SigningReport {
  schemes: Record<SchemeName, SchemeStatus>;
  /**
   * The schemes the verdict rests on (apksigner's "Verified using …: true" is a scheme both here
   * and verified). Others present are still checked and reported, their problems as warnings.
   */
  considered: SchemeName[];
  /**
   * The signers apksigner prints: v3's when v3 verified, else v2's, else v1's (v3.1's, which the
   * platform prefers from its target SDK on, are in `bySchemes.v31`).
   */
  signers: Signer[];
  bySchemes: Partial<Record<SchemeName, Signer[]>>;
  verified: boolean;
  problems: string[];
  warnings: Warning[];
  /** The APK Signing Block's pairs, by name ('v2', 'v3', 'verityPadding', 'unknown 0x…'). */
  block?: {
    offset: number;
    length: number;
    pairs: { id: number; name: string; offset: number; length: number }[];
  };
}
