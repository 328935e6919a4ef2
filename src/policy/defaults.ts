/**
 * Every default of the policy, in one place. The commented file `airlock policy init` writes
 * (default-yaml.ts) must parse to exactly this; a test holds the two together.
 */
import type { Policy } from './types.js';

const KiB = 1024;

const DEFAULT_POLICY: Policy = {
  version: 1,
  profile: 'default',
  media: {
    location: {
      drone: { action: 'coarsen', metres: 1000 },
      operator: { action: 'drop' },
      target: { action: 'drop' },
      text: 'drop',
    },
    identity: { device: 'drop', person: 'drop', infrastructure: 'drop' },
    camera: { model: 'keep', calibration: 'drop' },
    time: 'date-only',
    attitude: 'drop',
    imagery: { embedded: 'drop', thermal: 'drop' },
    faces: 'keep',
    flightRecords: 'withhold',
    keep: [],
  },
  zones: [],
  network: {
    mode: 'sealed',
    allow: [],
    budgets: { upstreamBytesPerConnection: 64 * KiB, upstreamBytesPerHour: 256 * KiB },
    dns: { maxNameLength: 128, maxQueriesPerMinute: 120 },
    local: { mdns: 'block', dhcp: 'allow', lan: 'block' },
    allowedPrivateCidrs: [],
  },
  gateway: {
    listen: ['127.0.0.1:3128'],
    dnsListen: '127.0.0.1:5353',
    adminListen: '127.0.0.1:9464',
    maxConnections: 1024,
    maxConnectionsPerClient: 128,
    maxHeaderBytes: 32 * KiB,
    idleTimeoutSeconds: 120,
    handshakeTimeoutSeconds: 10,
    transparent: { tls: null, http: null, other: null },
    dnsUpstream: null,
  },
  store: {
    sqlitePath: 'airlock.sqlite',
    postgresUrl: null,
    postgresSchema: 'airlock',
    hmacKeyFile: 'airlock.hmac.key',
    anchorFile: 'airlock.anchor',
    groupCommitMs: 50,
  },
};

/** A fresh copy each call, so no caller can change another's defaults. */
export const defaultPolicy = (): Policy => structuredClone(DEFAULT_POLICY);
