/*
 * The event log's HMAC chain for a whole batch in one call (log-chain.ts defines the chain):
 *   mac(n) = HMAC-SHA256(key, mac(n-1) '\n' seq(n) '\n' body(n)), as lower-case hex.
 * Hand-written because Node's createHmac costs ~5 us a row in per-call overhead (a 300-byte
 * row's SHA-256 is ~0.3 us): the log thread's largest cost after SQLite. This computes the key's
 * inner and outer SHA-256 states once per batch and hashes each row with the OpenSSL that Node
 * itself links and exports (its headers ship with Node's).
 *
 * JS API (Node-API 8), wrapped with types in mac-chain.ts:
 *   macChain(key: Uint8Array, prevMac: string, firstSeq: number, bodies: string) -> string
 * `bodies` is the rows' texts joined by '\n' (canonical JSON never holds a raw newline); the
 * answer is one 64-character hex MAC per line, concatenated. Texts are hashed as UTF-8, as
 * createHmac hashes a string (both through V8, lone surrogates as U+FFFD).
 */
#define NAPI_VERSION 8
/* SHA256_Init and friends: deprecated in OpenSSL 3 for the EVP API, whose per-call cost is the
   overhead this file exists to avoid; Node 20 exports them. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <node_api.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac-chain.h"

#define BLOCK 64
#define HEX_MAC 64
/* A previous MAC is our own 64 hex digits, or '' before the first row; anything longer is refused. */
#define MAX_PREV 128

static napi_value fail(napi_env env, const char *what) {
  napi_throw_error(env, "AIRLOCK_ERR_IO", what);
  return NULL;
}

static void to_hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
}

/* The key's two padded blocks absorbed (RFC 2104): each row starts from copies of these. */
static void key_states(const unsigned char *key, size_t len, SHA256_CTX *inner, SHA256_CTX *outer) {
  unsigned char k[BLOCK] = {0}, pad[BLOCK];
  if (len > BLOCK) {
    SHA256(key, len, k);
  } else {
    memcpy(k, key, len);
  }
  for (int i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x36;
  SHA256_Init(inner);
  SHA256_Update(inner, pad, BLOCK);
  for (int i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x5c;
  SHA256_Init(outer);
  SHA256_Update(outer, pad, BLOCK);
}

napi_value airlock_mac_chain(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4)
    return fail(env, "macChain(key, prevMac, firstSeq, bodies): four arguments");

  napi_typedarray_type type;
  size_t key_len;
  void *key;
  if (napi_get_typedarray_info(env, argv[0], &type, &key_len, &key, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || key_len == 0)
    return fail(env, "macChain: the key must be a non-empty Uint8Array");

  char prev[MAX_PREV + 1];
  size_t prev_len;
  /* As UTF-8, as createHmac reads it (our MACs are ASCII; a tampered head must not MAC alike). */
  if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &prev_len) != napi_ok || prev_len > MAX_PREV)
    return fail(env, "macChain: prevMac must be a string of at most 128 bytes");
  napi_get_value_string_utf8(env, argv[1], prev, sizeof prev, &prev_len);

  double first;
  if (napi_get_value_double(env, argv[2], &first) != napi_ok || !(first >= 1 && first <= 9007199254740991.0) ||
      first != (double)(int64_t)first)
    return fail(env, "macChain: firstSeq must be a positive integer");

  size_t text_len;
  if (napi_get_value_string_utf8(env, argv[3], NULL, 0, &text_len) != napi_ok)
    return fail(env, "macChain: bodies must be a string");
  char *text = malloc(text_len + 1);
  if (!text) return fail(env, "macChain: out of memory");
  napi_get_value_string_utf8(env, argv[3], text, text_len + 1, &text_len);

  size_t rows = 1;
  for (size_t i = 0; i < text_len; i++) rows += text[i] == '\n';
  char *out = malloc(rows * HEX_MAC);
  if (!out) {
    free(text);
    return fail(env, "macChain: out of memory");
  }

  SHA256_CTX inner0, outer0, ctx;
  key_states(key, key_len, &inner0, &outer0);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  char seq_text[24];
  int64_t seq = (int64_t)first;
  const char *line = text;
  const char *end = text + text_len;
  for (size_t r = 0; r < rows; r++, seq++) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    const char *stop = nl ? nl : end;
    int seq_len = snprintf(seq_text, sizeof seq_text, "\n%lld\n", (long long)seq);
    ctx = inner0;
    SHA256_Update(&ctx, prev, prev_len);
    SHA256_Update(&ctx, seq_text, (size_t)seq_len);
    SHA256_Update(&ctx, line, (size_t)(stop - line));
    SHA256_Final(digest, &ctx);
    ctx = outer0;
    SHA256_Update(&ctx, digest, sizeof digest);
    SHA256_Final(digest, &ctx);
    char *mac = out + r * HEX_MAC;
    to_hex(digest, sizeof digest, mac);
    memcpy(prev, mac, HEX_MAC);
    prev_len = HEX_MAC;
    line = stop + 1;
  }
  free(text);

  napi_value result;
  napi_status s = napi_create_string_latin1(env, out, rows * HEX_MAC, &result);
  free(out);
  return s == napi_ok ? result : fail(env, "macChain: cannot make the answer");
}
