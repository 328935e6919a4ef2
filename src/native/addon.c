/* The one native addon, airlock_native.node: the splice relay (relay.c, Linux), the event log's
   batched HMAC chain (mac-chain.c) and, here, the port a redirected connection was aimed at. */
#define NAPI_VERSION 8
#include <node_api.h>

#include "mac-chain.h"
#include "relay.h"

#ifdef __linux__
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>: kernel ABI values, spelled
   out because those headers clash with the C library's <netinet/in.h>. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

/*
 * originalPort(fd) -> the TCP port the client aimed at before the box's nftables `redirect`
 * rewrote it (conntrack's original tuple), or -errno when there is none to read: ENOENT (no
 * conntrack entry: the connection was not redirected, or conntrack does not track this
 * namespace), ENOPROTOOPT (conntrack not loaded), EBADF/ENOTSOCK (not a socket).
 *
 * Only the port is returned: the gateway routes to the NAME the client sent (SNI / Host), never
 * to the address it aimed at, so the address is not handed to JavaScript at all.
 */
static int original_port(int fd) {
  struct sockaddr_storage local;
  socklen_t n = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &n) != 0) return -errno;
  if (local.ss_family == AF_INET6 &&
      !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&local)->sin6_addr)) {
    struct sockaddr_in6 dst;
    socklen_t len = sizeof dst;
    memset(&dst, 0, sizeof dst);
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &len) != 0) return -errno;
    return ntohs(dst.sin6_port);
  }
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6) return -EAFNOSUPPORT;
  /* IPv4, or IPv4 accepted by a dual-stack listener (v4-mapped): conntrack tracked it as IPv4,
     and the kernel answers SOL_IP on such a socket from its IPv4 addresses. */
  struct sockaddr_in dst;
  socklen_t len = sizeof dst;
  memset(&dst, 0, sizeof dst);
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &len) != 0) return -errno;
  return ntohs(dst.sin_port);
}

static napi_value js_original_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "AIRLOCK_ERR_USAGE", "originalPort(fd): fd must be a descriptor number");
    return NULL;
  }
  napi_create_int32(env, original_port(fd), &out);
  return out;
}
#endif /* __linux__ */

static napi_value init(napi_env env, napi_value exports) {
  airlock_define_relay(env, exports);
  napi_property_descriptor mac = {"macChain", NULL, airlock_mac_chain, NULL, NULL, NULL, napi_enumerable, NULL};
  napi_define_properties(env, exports, 1, &mac);
#ifdef __linux__
  /* Elsewhere there is no conntrack: original-dst.ts then refuses every redirected connection. */
  napi_property_descriptor orig = {"originalPort", NULL, js_original_port, NULL, NULL, NULL, napi_enumerable, NULL};
  napi_define_properties(env, exports, 1, &orig);
#endif
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
