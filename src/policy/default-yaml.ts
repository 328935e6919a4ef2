/**
 * The commented airlock.yaml that `airlock policy init` writes. Parsing it gives exactly
 * defaultPolicy() (a test holds them together). The media controls are shown commented out:
 * a line written in the file overrides the profile, so writing every default out would make
 * `profile: mapping` do nothing.
 */
export const DEFAULT_POLICY_YAML = `# airlock.yaml: what may leave, and in what form.
# One policy drives scrub (media), audit (captures, after the fact) and gateway (live traffic).
# Unknown keys are errors: a typo must never silently weaken a policy.
# Relative paths in this file are relative to this file.
version: 1

# default | mapping | thermal
#   mapping: keeps what photogrammetry needs (exact drone position and altitudes, camera
#            model, calibration such as DewarpData and CalibratedFocalLength, gimbal angles);
#            still drops device identity and the operator's position.
#   thermal: keeps radiometric thermal data (DJI APP3-APP5, a FLIR FFF edited in place:
#            serials, GPS, notes and voice memos still go); otherwise as default.
# Settings written below override the profile's.
profile: default

media:
  # Each control below is shown with the default profile's value. Uncomment to override.
  # location:
  #   drone: {coarsen: 1000}    # drop | keep | {coarsen: <metres>}
  #   operator: drop            # SRT HOME, flight-log home/RC/app position: where the pilot stood
  #   target: drop              # laser range finder (LRF) target: what was looked at
  #   text: drop                # place names (City, State, Country...): drop | keep
  # identity:
  #   device: drop              # serials, ImageUniqueID, CaptureUUID, DJI debug MakerNote
  #   person: drop              # Artist, Copyright, OwnerName, creator
  #   infrastructure: drop      # RTK caster: NTRIP host, port, mount point
  # camera:
  #   model: keep               # Make, Model, Software
  #   calibration: drop         # DewarpData, CalibratedFocalLength (mapping keeps it)
  # time: date-only             # keep | date-only | drop
  # attitude: drop              # gimbal and flight yaw/pitch/roll, speeds: keep | drop
  # imagery:
  #   embedded: drop            # IFD1 thumbnail, MPF previews, other DJI APPn pictures
  #   thermal: drop             # radiometric thermal data (thermal profile keeps it)
  # faces: keep                 # keep | withhold | mask: look at every picture for faces (slow:
  #                             # seconds a still); withhold the file when one is found, or mask
  #                             # each face with a flat patch (baseline JPEG; others withheld).
  #                             # What cannot be looked at (videos, pictures that do not decode)
  #                             # is withheld under both
  # flightRecords: withhold     # DJI flight records are encrypted, cannot be cleaned: withhold | copy
  #
  # Everything no control covers (other vendors' blocks, unknown tags) is dropped unless named
  # here: an allowlist, not a denylist. What the picture needs to display (ICC profile,
  # orientation, JFIF/Adobe markers) is always kept. A file Airlock cannot read or clean is
  # withheld, never copied as it is.
  # Patterns match the whole tag, case-sensitively; '*' matches any run: 'exif:*', 'APP4*'.
  keep: []

# Protected zones: media whose drone or target position lies inside is withheld (not copied)
# or has its location dropped. Each zone: one of circle, polygon, multiPolygon, import.
#   - name: Substation North
#     circle: {lat: 52.3791, lon: 4.9003, radius: 300}   # radius in metres
#     action: withhold                                   # withhold | drop-location
#     roles: [drone, target]                             # add operator to judge the pilot's spot
#   - name: Depot
#     polygon: [[[4.90, 52.37], [4.91, 52.37], [4.91, 52.38], [4.90, 52.37]]]  # [lon, lat] rings, then holes
#   - import: zones/ed269-nl.json    # GeoJSON (Polygon, MultiPolygon, FeatureCollection),
#     format: auto                   # ED-269, ED-318; auto | geojson | ed269 | dronezoner-dk
#     pointRadius: 150               # metres, for GeoJSON Point features
#     action: drop-location
zones: []

network:
  mode: sealed          # sealed: nothing leaves | one-way: downloads from the allowlist only | monitor: log, block nothing
  # Download allowlist: 'host.example' (that name) or '*.example.com' (names under it).
  # A host that serves both directions is only as safe as its budget: mydjiflight.dji.com
  # serves firmware AND takes flight records, so the upstream budget is what stops the upload.
  # An entry allows TCP 443 and 80 to its names; \`ports\` lists other ones INSTEAD (name 443 or
  # 80 too when still wanted). Only the most specific entry for a name counts: a host's own entry
  # is not widened by a '*.' entry listing more ports. Unlock windows open 443 and 80 only.
  # Ports do not govern DNS: a name is answered by the allowlist whatever the ports.
  #   - host: '*.djicdn.com'
  #     purpose: firmware
  #   - host: mydjiflight.dji.com
  #     purpose: firmware (also takes flight-record uploads)
  #     budget: {upstreamBytesPerConnection: 16384, upstreamBytesPerHour: 65536}
  #   - host: rtk.caster.example      # your RTK network's NTRIP caster (often port 2101)
  #     purpose: RTK corrections
  #     ports: [2101]                  # TCP ports 1-65535, each once; absent: [443, 80]
  #     claimsUnnamed: true            # a request there without Host (most NTRIP 1.0 rovers) is this host's
  allow: []
  budgets:
    upstreamBytesPerConnection: 65536   # 64 KiB up per connection, then it is cut
    upstreamBytesPerHour: 262144        # 256 KiB up per destination, rolling hour
  # Names are upload too (one-way): a NEW name under a '*.' entry that leaves the gateway (a
  # forwarded DNS query, or a lookup the proxy or a transparent listener makes) costs its length
  # in that entry's upstreamBytesPerHour, once per rolling hour; when it does not fit, the name is
  # refused (name-budget-spent). Names already sent that hour keep resolving; exact entries'
  # names and names under an open unlock window cost nothing.
  dns:                  # in one-way mode only allowlisted names are answered
    maxNameLength: 128  # for every name the gateway resolves: DNS port, proxy and transparent listeners
    maxQueriesPerMinute: 120   # per client, DNS port
  local:                # traffic that stays on the local network
    mdns: block
    dhcp: allow
    lan: block
  # Loopback, private, link-local and cloud-metadata (169.254.169.254) destinations are
  # refused unless inside one of these CIDRs.
  allowedPrivateCidrs: []

gateway:
  listen: ['127.0.0.1:3128']        # proxy; loopback unless you mean otherwise
  dnsListen: '127.0.0.1:5353'
  adminListen: '127.0.0.1:9464'     # /metrics
  maxConnections: 1024
  maxConnectionsPerClient: 128
  maxHeaderBytes: 32768
  idleTimeoutSeconds: 120
  handshakeTimeoutSeconds: 10
  # Transparent mode, for tablets that cannot set a proxy: the box's firewall redirects TCP 443
  # and 80 here (\`airlock gateway rules\` prints the nftables rules). Each connection is routed
  # by its TLS SNI or HTTP Host, never decrypted: vendor apps pin certificates, so the unit is the
  # host name, and where one host serves both ways the budgets are what stop an upload.
  # \`other\` takes every other port an allowlist entry lists (\`ports: [2101]\`), TLS or HTTP,
  # sent on to the name on the port the client aimed at (needed once an entry lists one).
  # Off (null) by default; e.g. {tls: '0.0.0.0:8443', http: '0.0.0.0:8080', other: '0.0.0.0:8444'}.
  transparent: {tls: null, http: null, other: null}
  dnsUpstream: null                 # resolver for allowlisted names, e.g. '192.168.1.1:53'

store:
  sqlitePath: airlock.sqlite
  # A fleet's boxes may share one PostgreSQL database instead: each box its own schema (its own
  # chain, under its own key file on the box). Then sqlitePath is unused, and the anchor is by
  # default postgres-<schema>.anchor. e.g. 'postgres://airlock@db.lan/fleet?sslmode=verify-full'
  # (TLS to a server on another host; a password is best kept in ~/.pgpass or PGPASSWORD).
  postgresUrl: null
  postgresSchema: airlock
  hmacKeyFile: airlock.hmac.key     # outside the database, so a copied DB cannot forge its chain
  # anchorFile: the chain's head, written beside the database; by default sqlitePath's name with
  # .anchor (airlock.anchor): one anchor per store, so two stores in one folder never share one.
  # Log rows are committed in one transaction at least every groupCommitMs (sooner once 64 rows
  # wait): a crash or SIGKILL loses at most the last interval's rows and the commit in progress.
  # Tested under load: nothing that completed more than groupCommitMs + 250 ms before a SIGKILL
  # is lost (the oldest lost row measured was 32 ms old with 50). A power cut may lose more
  # (SQLite synchronous=NORMAL).
  groupCommitMs: 50
`;
