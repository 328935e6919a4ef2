/* The event log's batched HMAC chain (mac-chain.c). */
#ifndef AIRLOCK_MAC_CHAIN_H
#define AIRLOCK_MAC_CHAIN_H
#include <node_api.h>
napi_value airlock_mac_chain(napi_env env, napi_callback_info info);
#endif
