/**
 * The resolved policy: every default filled, the profile applied, zone files loaded.
 * This is what scrub, inspect, audit and gateway read; none of them sees the YAML.
 */
import type { Position } from '../findings/model.js';

export const PROFILES = ['default', 'mapping', 'thermal'] as const;
export type ProfileName = (typeof PROFILES)[number];

/** A position control: remove it, keep it exact, or keep it rounded to a grid of `metres`. */
export type LocationRule = { action: 'drop' } | { action: 'keep' } | { action: 'coarsen'; metres: number };
export type DropKeep = 'drop' | 'keep';
export type TimeRule = 'keep' | 'date-only' | 'drop';
/** Faces in pictures: not looked for, or looked for and the file withheld, or the faces masked. */
export type FacesRule = 'keep' | 'withhold' | 'mask';

export interface MediaPolicy {
  location: {
    drone: LocationRule;
    /** SRT HOME, flight-log home/RC/app position: where the pilot stood. */
    operator: LocationRule;
    /** Laser range finder target: what was looked at. */
    target: LocationRule;
    /** Place names (City, Sub-location, State, Country…). */
    text: DropKeep;
  };
  identity: {
    /** Serials, ImageUniqueID, CaptureUUID, SensorID, the DJI debug MakerNote. */
    device: DropKeep;
    /** Artist, Copyright, OwnerName, creator, By-line. */
    person: DropKeep;
    /** The organisation's own systems: NTRIP caster host, port, mount point. */
    infrastructure: DropKeep;
  };
  camera: {
    /** Make, Model, Software. */
    model: DropKeep;
    /** DewarpData, CalibratedFocalLength… */
    calibration: DropKeep;
  };
  time: TimeRule;
  /** Gimbal and flight yaw/pitch/roll, speeds. */
  attitude: DropKeep;
  imagery: {
    /** IFD1 thumbnail, MPF previews, other DJI APPn pictures. */
    embedded: DropKeep;
    /** Radiometric thermal data (DJI APP3–APP5, FLIR RawThermalImage). */
    thermal: DropKeep;
  };
  /**
   * Faces in the picture itself. keep: not looked for. withhold: every picture is looked at by the
   * detector (src/faces/) and withheld when a face is found. mask: each face found becomes a flat
   * patch, the rest of the picture left block for block as it was (baseline JPEG; others are
   * withheld). Under both, what cannot be looked at (a video, a picture that does not decode) is
   * withheld.
   */
  faces: FacesRule;
  /** DJI flight records are encrypted and cannot be cleaned: withheld unless copied on purpose. */
  flightRecords: 'withhold' | 'copy';
  /**
   * Tags of otherwise-dropped 'other'/'opaque' findings to keep (the allowlist for everything
   * no control covers). Patterns: exact tag, or '*' globs such as 'exif:*' or 'APP4*'.
   */
  keep: string[];
}

export interface BudgetOverride {
  upstreamBytesPerConnection?: number;
  upstreamBytesPerHour?: number;
}

export interface AllowEntry {
  /** 'host.example' (exactly that name) or '*.example' (any name under example). */
  host: string;
  purpose?: string;
  /**
   * The TCP ports the entry allows (one-way): absent, 443 and 80. DNS is not governed by it (a
   * name is answered as now); see the egress gate's header for precedence and unlock windows.
   */
  ports?: number[];
  budget?: BudgetOverride;
  /**
   * A connection on one of `ports` that names no host (an HTTP request without Host, a TLS
   * ClientHello without SNI) is taken to be for this host instead of refused 'no-name'
   * (egress/unnamed-claim.ts). Only an exact name, with `ports` listed, none of them 443 or 80,
   * and no port claimed by two entries.
   */
  claimsUnnamed?: boolean;
}

export type NetworkMode = 'sealed' | 'one-way' | 'monitor';
export type AllowBlock = 'allow' | 'block';

export interface NetworkPolicy {
  mode: NetworkMode;
  allow: AllowEntry[];
  budgets: {
    /** Upstream (device → internet) bytes one connection may send. */
    upstreamBytesPerConnection: number;
    /** Upstream bytes per destination over a rolling hour. */
    upstreamBytesPerHour: number;
  };
  dns: {
    /** Longest query name answered (DNS tunnels need long names). */
    maxNameLength: number;
    /** Queries per client per minute. */
    maxQueriesPerMinute: number;
  };
  local: { mdns: AllowBlock; dhcp: AllowBlock; lan: AllowBlock };
  /** Loopback, private, link-local and cloud-metadata destinations inside these CIDRs are allowed. */
  allowedPrivateCidrs: string[];
}

export interface GatewayPolicy {
  /** Proxy listen addresses, 'host:port' ('[v6]:port'). */
  listen: string[];
  dnsListen: string;
  /** /metrics and health. */
  adminListen: string;
  maxConnections: number;
  maxConnectionsPerClient: number;
  maxHeaderBytes: number;
  idleTimeoutSeconds: number;
  handshakeTimeoutSeconds: number;
  /**
   * Listeners for TCP the box's firewall redirects to Airlock (`airlock gateway rules`): 443 to
   * `tls` (routed by SNI), 80 to `http` (routed by Host), and every other port an allowlist entry
   * lists (`ports`) to `other` (TLS by SNI or HTTP by Host, on the port the client aimed at, read
   * from conntrack). null: that listener is off.
   */
  transparent: { tls: string | null; http: string | null; other: string | null };
  /** 'host:port' of the resolver allowlisted DNS names are forwarded to; null: none (SERVFAIL). */
  dnsUpstream: string | null;
}

export interface StorePolicy {
  /** Relative paths are relative to the policy file. */
  sqlitePath: string;
  /** A fleet's database: the PostgreSQL store instead of the SQLite file. */
  postgresUrl: string | null;
  /** The schema holding this box's tables in that database: one per box, so boxes never share a chain. */
  postgresSchema: string;
  /** The HMAC key lives outside the database, so a copy of the DB cannot forge its chain. */
  hmacKeyFile: string;
  anchorFile: string;
  groupCommitMs: number;
}

export type ZoneRole = 'drone' | 'target' | 'operator';
export type ZoneAction = 'withhold' | 'drop-location';

/** A ring of [lon, lat] pairs (GeoJSON order). */
export type Ring = [number, number][];
export type Shape =
  /** First ring is the outline, the rest are holes. */
  { type: 'polygon'; rings: Ring[] } | { type: 'circle'; center: Position; radius: number };

export interface Zone {
  name: string;
  action: ZoneAction;
  roles: ZoneRole[];
  /** A point inside any shape is inside the zone. */
  shapes: Shape[];
  /** The import path as written in the policy, for zones read from a file. */
  source?: string;
}

export interface Policy {
  version: 1;
  profile: ProfileName;
  media: MediaPolicy;
  zones: Zone[];
  network: NetworkPolicy;
  gateway: GatewayPolicy;
  store: StorePolicy;
}

/** Policy sections that profiles and files override field by field. */
export type DeepPartial<T> = T extends unknown[] | LocationRule
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
