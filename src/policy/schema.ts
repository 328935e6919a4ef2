/**
 * The schema of airlock.yaml (zod). Every object is strict: an unknown key is an error, because
 * a typo ('operater: keep') must never silently leave a policy weaker or stronger than written.
 * Every field is optional here; defaults.ts and profiles.ts fill what the file leaves out.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { POSTGRES_SCHEMA_NAME } from '../store/postgres-name.js';
import { type LocationRule, PROFILES } from './types.js';

const dropKeep = z.enum(['drop', 'keep']);
const allowBlock = z.enum(['allow', 'block']);
const bytes = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const seconds = z.number().positive();

/** `drop` | `keep` | `coarsen: <metres>` (YAML `{coarsen: 1000}` or a nested block). */
const locationRule = z
  .union([dropKeep, z.strictObject({ coarsen: z.number().positive().max(20_000_000) })], {
    error: 'expected drop, keep or {coarsen: <metres>}',
  })
  .transform(
    (v): LocationRule => (typeof v === 'string' ? { action: v } : { action: 'coarsen', metres: v.coarsen }),
  );

const MediaSchema = z.strictObject({
  location: z
    .strictObject({
      drone: locationRule.optional(),
      operator: locationRule.optional(),
      target: locationRule.optional(),
      text: dropKeep.optional(),
    })
    .optional(),
  identity: z
    .strictObject({
      device: dropKeep.optional(),
      person: dropKeep.optional(),
      infrastructure: dropKeep.optional(),
    })
    .optional(),
  camera: z.strictObject({ model: dropKeep.optional(), calibration: dropKeep.optional() }).optional(),
  time: z.enum(['keep', 'date-only', 'drop']).optional(),
  attitude: dropKeep.optional(),
  imagery: z.strictObject({ embedded: dropKeep.optional(), thermal: dropKeep.optional() }).optional(),
  faces: z.enum(['keep', 'withhold', 'mask']).optional(),
  flightRecords: z.enum(['withhold', 'copy']).optional(),
  keep: z.array(z.string().min(1).max(256)).max(10_000).optional(),
});

/** Exact names, or '*.' plus a suffix of at least two labels: '*' or '*.com' would open everything. */
const HOST_PATTERN =
  /^(\*\.)?(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/;
const hostPattern = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => HOST_PATTERN.test(s) && (!s.startsWith('*.') || s.slice(2).includes('.')), {
    error: "expected a host name or '*.suffix' (suffix of two labels or more)",
  });

const budgetOverride = z.strictObject({
  upstreamBytesPerConnection: bytes.optional(),
  upstreamBytesPerHour: bytes.optional(),
});

export function isCidr(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  if (addr === undefined || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix))
    return false;
  const family = isIP(addr);
  return family !== 0 && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** 'host:port' with an IPv4 address, 'localhost' or '[IPv6]'. */
export function isListenAddress(s: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return false;
  if (m[1] !== undefined) return isIP(m[1]) === 6;
  return m[2] === 'localhost' || isIP(m[2] ?? '') === 4;
}

const listen = z
  .string()
  .refine(isListenAddress, { error: "expected 'host:port' (IPv4, localhost or [IPv6])" });

/**
 * The TCP ports an allowlist entry opens: whole numbers 1-65535, at least one, each once (a
 * repeated port is a typo for another one). Absent: 443 and 80 (gate.ts DEFAULT_ALLOW_PORTS).
 */
const allowPorts = z
  .array(
    z
      .number({ error: 'expected a TCP port number' })
      .int({ error: 'expected a whole TCP port number' })
      .min(1, { error: 'expected a TCP port from 1 to 65535' })
      .max(65535, { error: 'expected a TCP port from 1 to 65535' }),
  )
  .min(1, { error: 'expected at least one port (leave ports out for 443 and 80)' })
  .superRefine((ports, ctx) => {
    const seen = new Set<number>();
    ports.forEach((p, i) => {
      if (seen.has(p)) ctx.addIssue({ code: 'custom', message: `port ${p} is listed twice`, path: [i] });
      seen.add(p);
    });
  });

const NetworkSchema = z.strictObject({
  mode: z.enum(['sealed', 'one-way', 'monitor']).optional(),
  allow: z
    .array(
      z
        .strictObject({
          host: hostPattern,
          purpose: z.string().max(200).optional(),
          ports: allowPorts.optional(),
          budget: budgetOverride.optional(),
          claimsUnnamed: z.boolean().optional(),
        })
        .superRefine((e, ctx) => {
          if (e.claimsUnnamed !== true) return;
          // A claim names one host for a port that only it serves: never a pattern, never the main ports.
          const no = (message: string) => ctx.addIssue({ code: 'custom', message, path: ['claimsUnnamed'] });
          if (e.host.startsWith('*.')) no('claimsUnnamed needs an exact host name, not a pattern');
          if (e.ports === undefined) no('claimsUnnamed needs the entry to list its ports');
          const main = e.ports?.filter((p) => p === 443 || p === 80) ?? [];
          if (main.length > 0)
            no(`claimsUnnamed cannot cover port ${main.join(' or ')}: a connection there must name its host`);
        }),
    )
    .max(10_000)
    .superRefine((entries, ctx) => {
      // The gate judges a name by one entry, the most specific: of two for the same host only the
      // first is ever used, so a second (a tighter budget added below) would silently do nothing.
      const first = new Map<string, number>();
      entries.forEach((e, i) => {
        const key = e.host.toLowerCase();
        const had = first.get(key);
        if (had === undefined) first.set(key, i);
        else
          ctx.addIssue({
            code: 'custom',
            message: `${e.host} is already entry ${had + 1} of allow: only that one would be used; put its ports and budget in one entry`,
            path: [i, 'host'],
          });
      });
      const claimed = new Map<number, string>();
      entries.forEach((e, i) => {
        if (e.claimsUnnamed !== true) return;
        for (const p of e.ports ?? []) {
          const other = claimed.get(p);
          if (other !== undefined)
            ctx.addIssue({
              code: 'custom',
              message: `port ${p} is claimed for unnamed connections by ${other} already`,
              path: [i, 'claimsUnnamed'],
            });
          else claimed.set(p, e.host);
        }
      });
    })
    .optional(),
  budgets: budgetOverride.optional(),
  dns: z
    .strictObject({
      maxNameLength: z.number().int().min(1).max(253).optional(),
      maxQueriesPerMinute: positiveInt.optional(),
    })
    .optional(),
  local: z
    .strictObject({ mdns: allowBlock.optional(), dhcp: allowBlock.optional(), lan: allowBlock.optional() })
    .optional(),
  allowedPrivateCidrs: z
    .array(z.string().refine(isCidr, { error: "expected a CIDR such as '10.0.0.0/8' or 'fd00::/8'" }))
    .max(10_000)
    .optional(),
});

const GatewaySchema = z.strictObject({
  listen: z.array(listen).min(1).max(64).optional(),
  dnsListen: listen.optional(),
  adminListen: listen.optional(),
  maxConnections: positiveInt.optional(),
  maxConnectionsPerClient: positiveInt.optional(),
  maxHeaderBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .optional(),
  idleTimeoutSeconds: seconds.optional(),
  handshakeTimeoutSeconds: seconds.optional(),
  /** Listeners for connections the box's firewall redirected (nftables redirect); null: off. */
  transparent: z
    .strictObject({
      tls: listen.nullable().optional(),
      http: listen.nullable().optional(),
      other: listen.nullable().optional(),
    })
    .optional(),
  /** The resolver allowlisted DNS names are forwarded to; null: none (SERVFAIL). */
  dnsUpstream: listen.nullable().optional(),
});

const StoreSchema = z.strictObject({
  sqlitePath: z.string().min(1).optional(),
  postgresUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "expected a 'postgres://' URL" })
    .nullable()
    .optional(),
  postgresSchema: z
    .string()
    .regex(POSTGRES_SCHEMA_NAME, {
      error: "expected lower-case letters, digits and '_' (at most 63, not starting with a digit)",
    })
    .optional(),
  hmacKeyFile: z.string().min(1).optional(),
  anchorFile: z.string().min(1).optional(),
  groupCommitMs: z.number().int().min(1).max(60_000).optional(),
});

/** [lon, lat] or [lon, lat, alt], GeoJSON order. */
const lonLat = z
  .array(z.number())
  .min(2)
  .max(3)
  .refine((p) => Math.abs(p[0] ?? NaN) <= 180 && Math.abs(p[1] ?? NaN) <= 90, {
    error: 'expected [lon, lat] with lon in -180..180 and lat in -90..90',
  })
  .transform((p): [number, number] => [p[0] ?? 0, p[1] ?? 0]);
const ring = z.array(lonLat).min(3).max(100_000);
const polygon = z.array(ring).min(1).max(10_000);

const ZoneEntrySchema = z
  .strictObject({
    name: z.string().min(1).max(500).optional(),
    /** What happens to media inside: withheld (not copied, the default) or its location dropped. */
    action: z.enum(['withhold', 'drop-location']).optional(),
    roles: z
      .array(z.enum(['drone', 'target', 'operator']))
      .min(1)
      .optional(),
    circle: z
      .strictObject({
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
        radius: z.number().positive().max(20_000_000),
      })
      .optional(),
    /** GeoJSON Polygon coordinates: rings of [lon, lat], the first the outline, the rest holes. */
    polygon: polygon.optional(),
    multiPolygon: z.array(polygon).min(1).max(10_000).optional(),
    /** A zone file, relative to the policy file: GeoJSON, ED-269, ED-318, Danish drone zones. */
    import: z.string().min(1).optional(),
    format: z.enum(['auto', 'geojson', 'ed269', 'dronezoner-dk']).optional(),
    /** Radius (metres) for GeoJSON Point features, which have no area of their own. */
    pointRadius: z.number().positive().max(20_000_000).optional(),
  })
  .superRefine((z0, ctx) => {
    const given = (['circle', 'polygon', 'multiPolygon', 'import'] as const).filter(
      (k) => z0[k] !== undefined,
    );
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a zone needs exactly one of circle, polygon, multiPolygon, import (has ${given.length ? given.join(', ') : 'none'})`,
      });
    }
    if (z0.import === undefined && z0.name === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a zone needs a name', path: [] });
    }
    for (const k of ['format', 'pointRadius'] as const) {
      if (z0[k] !== undefined && z0.import === undefined) {
        ctx.addIssue({ code: 'custom', message: `${k} applies only to an import`, path: [k] });
      }
    }
  });

export const PolicySchema = z.strictObject({
  version: z.literal(1).optional(),
  profile: z.enum(PROFILES).optional(),
  media: MediaSchema.optional(),
  zones: z.array(ZoneEntrySchema).max(10_000).optional(),
  network: NetworkSchema.optional(),
  gateway: GatewaySchema.optional(),
  store: StoreSchema.optional(),
});

/** What airlock.yaml holds once validated (before defaults, profile and zone files). */
export type PolicyFile = z.output<typeof PolicySchema>;
export type ZoneEntry = z.output<typeof ZoneEntrySchema>;
