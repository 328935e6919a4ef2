/**
 * The box's firewall for transparent mode as an nftables ruleset (`table inet airlock`, IPv4 and
 * IPv6 in one table), built from the policy and the interface names; `airlock gateway rules`
 * prints it for `nft -f -`. Pure: text in, text out.
 *
 * What the LAN (the tablet's side) can do afterwards:
 *  - TCP 443 and 80 (IPv4) are redirected to the transparent listeners, where SNI / Host name
 *    each connection and the policy judges it; DNS (UDP and TCP 53) is redirected to Airlock's DNS,
 *    so a resolver hard-coded in an app gets Airlock's answer, never the real one;
 *  - the other TCP ports allowlist entries list (`ports: [2101]`) are redirected (IPv4) to the
 *    `other` transparent listener, which reads each connection's port from conntrack: exactly
 *    those ports, so the ruleset follows the policy and must be printed again when they change;
 *  - it reaches the box itself only on Airlock's ports, DHCP and ICMP;
 *  - NOTHING is forwarded: QUIC and other UDP, DoT 853, MQTT 8883, any other port, and all IPv6
 *    beyond the link are dropped (named counters say how often). Airlock connects upstream from
 *    the box itself, so no masquerading is needed and replies to the box are the box's own.
 */
import { AirlockError } from '../../core/errors.js';
import type { Policy } from '../../policy/types.js';
import { isLoopbackHost, parseHostPort } from '../io/listen-address.js';

export interface RulesInput {
  policy: Policy;
  /** The tablet's side (Wi-Fi access point), e.g. 'wlan0'. */
  lan: string;
  /** The uplink, e.g. 'eth0'. */
  wan: string;
}

/** The counters the ruleset keeps, one per class of refused traffic (`nft list counters`). */
export const DROP_COUNTERS = {
  lan_udp: 'UDP from the LAN that is not DNS (QUIC included)',
  lan_tcp: "TCP from the LAN to ports other than 80/443 and the allowlist's (DoT 853, MQTT 8883, ...)",
  lan_ipv6: 'IPv6 from the LAN to anywhere but the box',
  lan_other: 'anything else from the LAN that would be forwarded',
  lan_to_box: 'LAN traffic to the box on ports other than Airlock ones',
} as const;

/** Interface names go into the ruleset's text: only what Linux allows in one (IFNAMSIZ 16). */
const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;

function portOf(what: string, text: string | null, extraPorts: readonly number[] = []): number {
  if (text === null)
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      what === 'transparent.other'
        ? `the policy's gateway.transparent.other is off, but allowlist entries list ports ${extraPorts.join(', ')}: they need that listener (e.g. '0.0.0.0:8444') to be reached without a proxy`
        : `the policy's gateway.${what} is off: transparent mode needs gateway.transparent.tls and .http (e.g. '0.0.0.0:8443', '0.0.0.0:8080') and a gateway.dnsListen the LAN can reach`,
    );
  const a = parseHostPort(text);
  // nftables `redirect` sends to the incoming interface's own address: a loopback listener never sees it.
  if (isLoopbackHost(a.host))
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `gateway.${what} is ${text}: a loopback address cannot take redirected LAN traffic; listen on 0.0.0.0 or the LAN address`,
    );
  return a.port;
}

/**
 * The TCP ports redirected to the `other` transparent listener: every port an allowlist entry
 * lists beyond 443 and 80 (their own listeners') and 53 (always Airlock's DNS), ascending.
 * Whatever the mode: a reload may change the mode but not the loaded rules, and in sealed mode
 * a redirected connection is refused and logged rather than dropped unseen.
 */
export function extraPorts(policy: Policy): number[] {
  const own = new Set([443, 80, 53]);
  const ports = new Set<number>();
  for (const e of policy.network.allow) for (const p of e.ports ?? []) if (!own.has(p)) ports.add(p);
  return [...ports].sort((a, b) => a - b);
}

export function nftablesRules({ policy, lan, wan }: RulesInput): string {
  for (const [flag, v] of [
    ['--lan', lan],
    ['--wan', wan],
  ] as const)
    if (!IFACE.test(v)) throw new AirlockError('AIRLOCK_ERR_USAGE', `${flag} ${v}: not an interface name`);
  if (lan === wan) throw new AirlockError('AIRLOCK_ERR_USAGE', '--lan and --wan must differ');
  const g = policy.gateway;
  const tls = portOf('transparent.tls', g.transparent.tls);
  const http = portOf('transparent.http', g.transparent.http);
  const dns = portOf('dnsListen', g.dnsListen);
  const extra = extraPorts(policy);
  // Only when an entry lists a port: a policy without any needs no third listener.
  const other = extra.length > 0 ? portOf('transparent.other', g.transparent.other, extra) : undefined;
  // Tablets set to use the proxy reach it too, when it listens beyond loopback.
  const proxies = g.listen.map(parseHostPort).filter((a) => !isLoopbackHost(a.host));
  const tcpPorts = [
    ...new Set([tls, http, dns, ...(other === undefined ? [] : [other]), ...proxies.map((a) => a.port)]),
  ].sort((a, b) => a - b);
  const L = JSON.stringify(lan);
  const W = JSON.stringify(wan);
  const counters = Object.entries(DROP_COUNTERS).map(
    ([n, why]) => `  counter ${n} { comment ${JSON.stringify(why)} }`,
  );
  return [
    `# airlock gateway rules --lan ${lan} --wan ${wan}: transparent mode, mode ${policy.network.mode}.`,
    '# Load with: airlock gateway rules ... | nft -f -   (replaces any earlier table inet airlock)',
    ...(extra.length > 0
      ? [
          `# Allowlist ports redirected to gateway.transparent.other: ${extra.join(', ')} (print and load again when they change).`,
        ]
      : []),
    'table inet airlock',
    'delete table inet airlock',
    'table inet airlock {',
    ...counters,
    '',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    // IPv4 only: IPv6 from the LAN is not redirected, so it meets the forward chain's drop.
    `    iifname ${L} meta nfproto ipv4 tcp dport 443 redirect to :${tls}`,
    `    iifname ${L} meta nfproto ipv4 tcp dport 80 redirect to :${http}`,
    `    iifname ${L} meta nfproto ipv4 udp dport 53 redirect to :${dns}`,
    `    iifname ${L} meta nfproto ipv4 tcp dport 53 redirect to :${dns}`,
    // The allowlist's extra ports: the listener learns each connection's port from conntrack.
    ...(other === undefined
      ? []
      : [`    iifname ${L} meta nfproto ipv4 tcp dport { ${extra.join(', ')} } redirect to :${other}`]),
    '  }',
    '',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname != ${L} accept`,
    '    ct state established,related accept',
    '    meta l4proto { icmp, ipv6-icmp } accept',
    '    udp dport { 67, 68 } accept',
    `    meta nfproto ipv4 udp dport ${dns} accept`,
    `    meta nfproto ipv4 tcp dport { ${tcpPorts.join(', ')} } accept`,
    '    counter name lan_to_box drop',
    '  }',
    '',
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    `    iifname ${W} oifname ${L} ct state established,related accept`,
    `    iifname ${L} meta nfproto ipv6 counter name lan_ipv6 drop`,
    `    iifname ${L} meta l4proto udp counter name lan_udp drop`,
    `    iifname ${L} meta l4proto tcp counter name lan_tcp drop`,
    `    iifname ${L} counter name lan_other drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}
