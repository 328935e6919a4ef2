/* The one native addon, airlock_native.node: the splice relay (relay.c, Linux) and the event
   log's batched HMAC chain (mac-chain.c). */
#define NAPI_VERSION 8
#include <node_api.h>

#include "mac-chain.h"
#include "relay.h"

static napi_value init(napi_env env, napi_value exports) {
  airlock_define_relay(env, exports);
  napi_property_descriptor mac = {"macChain", NULL, airlock_mac_chain, NULL, NULL, NULL, napi_enumerable, NULL};
  napi_define_properties(env, exports, 1, &mac);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
