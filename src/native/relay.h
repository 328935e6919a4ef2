/* The splice relay's functions (relay.c), defined on the addon's exports by addon.c. */
#ifndef AIRLOCK_RELAY_H
#define AIRLOCK_RELAY_H
#include <node_api.h>
void airlock_define_relay(napi_env env, napi_value exports);
#endif
