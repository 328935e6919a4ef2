/**
 * Loopback fixtures for the socket-level gateway tests. startTestProxy: a ProxyServer with one
 * policy, names resolving to one address (through the gateway's resolver cache), generous limits
 * unless a test narrows them. startLoopbackGateway: the whole gateway, every port the kernel's
 * choice. The caller closes either.
 */
import type { Front } from '../../src/gateway/core/front.js';
import { type GatewayOptions, type RunningGateway, startGateway } from '../../src/gateway/gateway.js';
import type { SpliceRegistry } from '../../src/gateway/io/down-splice.js';
import { type ProxyLimits, ProxyServer } from '../../src/gateway/io/proxy-server.js';
import { cachingResolve } from '../../src/gateway/io/resolve.js';
import { EgressGate } from '../../src/policy/egress/index.js';
import type { Policy } from '../../src/policy/types.js';
import type { ConnectionLogRow, Store } from '../../src/store/types.js';

export interface TestProxyOptions {
  policy: Policy;
  /** Every name resolves to this address. */
  resolveTo: string;
  front?: Front;
  limits?: Partial<ProxyLimits>;
  onLog?: (row: ConnectionLogRow) => void;
  splices?: SpliceRegistry;
  now?: () => number;
  stillOpenEveryMs?: number;
}

export async function startTestProxy(o: TestProxyOptions): Promise<{ port: number; proxy: ProxyServer }> {
  const gate = new EgressGate(o.policy, { windows: [] });
  const mode = () => o.policy.network.mode;
  const proxy = new ProxyServer({
    listen: { host: '127.0.0.1', port: 0 },
    context: () => ({ gate, mode, maxHeaderBytes: 8192, ...(o.front ? { front: o.front } : {}) }),
    limits: () => ({
      maxConnections: 100,
      maxConnectionsPerClient: 100,
      idleTimeoutMs: 30_000,
      handshakeTimeoutMs: 5000,
      ...o.limits,
    }),
    // As the gateway resolves: a name's first request waits for the answer, later ones have it at once.
    resolve: cachingResolve(async () => [o.resolveTo], 60_000),
    refuseAll: () => undefined,
    onLog: o.onLog ?? (() => {}),
    ...(o.splices ? { splices: o.splices } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.stillOpenEveryMs ? { stillOpenEveryMs: o.stillOpenEveryMs } : {}),
  });
  const at = await proxy.start();
  return { port: at.port, proxy };
}

/**
 * The gateway under `policy` on loopback (proxy, DNS and admin ports picked by the kernel), quiet
 * unless `more` says otherwise; `more`: any other option (a resolver, a poll interval…).
 */
export function startLoopbackGateway(
  policy: Policy,
  store: Store,
  anchorPath: string,
  more: Partial<GatewayOptions> = {},
): Promise<RunningGateway> {
  return startGateway({
    policy,
    store,
    anchorPath,
    listen: '127.0.0.1:0',
    dnsListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    say: () => {},
    ...more,
  });
}
