/*
 * Hand-written because no npm library offers splice(2): a one-way socket-to-socket relay that
 * moves bytes from one descriptor to another through a pipe inside the kernel, never through
 * JavaScript. It runs in Node's own event loop (uv_poll_t on duplicated descriptors), so it
 * needs no thread and no lock.
 *
 * JS API (Node-API 8), wrapped with types in relay.ts:
 *   start(fromFd, toFd, onEvent(kind: 'end' | 'error', errno?)) -> handle
 *   moved(handle) -> bytes written to toFd so far
 *   stop(handle)  -> idempotent; no event after it
 *
 * The relay owns dup()s of both descriptors: Node closing its own can never make the relay
 * touch a descriptor number the kernel has since given to another connection.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "relay.h"

#ifdef __linux__

/* Pipe size asked for: 256 KiB to 1 MiB measured best; the kernel may refuse (then its default). */
#define PIPE_BYTES (1024 * 1024)
/* Splice calls per wake-up: one busy tunnel must not starve the others on the loop. */
#define SPLICES_PER_WAKE 16

typedef struct relay {
  napi_env env;
  napi_ref on_event;
  napi_async_context async;
  int from, to;           /* our dups */
  int pipe_r, pipe_w;
  size_t pipe_cap;
  size_t in_pipe;         /* bytes read from `from`, not yet written to `to` */
  double moved;           /* bytes written to `to` */
  int read_done;          /* 0 reading; 1 EOF; -errno failed: drain the pipe, then report */
  int read_stalled;       /* the last read found nothing with bytes in the pipe (maybe slots full) */
  int finished;           /* the event was reported (or stop() ran): no more splices, no events */
  int stopped;
  int polls_open;         /* uv_poll_t handles not yet closed */
  int finalized;          /* the JS handle was garbage-collected */
  int from_events, to_events;
  uv_poll_t from_poll, to_poll;
} relay;

static void free_if_done(relay *r) {
  if (r->polls_open == 0 && r->finalized) free(r);
}

static void on_poll_closed(uv_handle_t *h) {
  relay *r = (relay *)h->data;
  r->polls_open--;
  free_if_done(r);
}

static void relay_stop(relay *r) {
  if (r->stopped) return;
  r->stopped = 1;
  r->finished = 1;
  /* uv_close stops the watcher and drops it from epoll before the descriptor is closed. */
  uv_close((uv_handle_t *)&r->from_poll, on_poll_closed);
  uv_close((uv_handle_t *)&r->to_poll, on_poll_closed);
  close(r->from);
  close(r->to);
  close(r->pipe_r);
  close(r->pipe_w);
  if (r->on_event) {
    napi_delete_reference(r->env, r->on_event);
    r->on_event = NULL;
  }
  if (r->async) {
    napi_async_destroy(r->env, r->async);
    r->async = NULL;
  }
}

static void set_poll(uv_poll_t *p, int *have, int want, uv_poll_cb cb) {
  if (*have == want) return;
  *have = want;
  if (want) uv_poll_start(p, want, cb);
  else uv_poll_stop(p);
}

/* Calls onEvent(kind[, errno]) from a libuv callback: its own handle scope and async context. */
static void report(relay *r, int err) {
  r->finished = 1;
  set_poll(&r->from_poll, &r->from_events, 0, NULL);
  set_poll(&r->to_poll, &r->to_events, 0, NULL);
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[2];
  size_t argc = 1;
  if (r->on_event && napi_get_reference_value(env, r->on_event, &fn) == napi_ok && fn) {
    napi_get_global(env, &recv); /* make_callback wants an object receiver */
    napi_create_string_utf8(env, err ? "error" : "end", NAPI_AUTO_LENGTH, &argv[0]);
    if (err) {
      napi_create_int32(env, err, &argv[1]);
      argc = 2;
    }
    napi_value result;
    if (napi_make_callback(env, r->async, recv, fn, argc, argv, &result) != napi_ok) {
      /* A throw in the callback: surface it as Node would for any event handler. */
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok)
        napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *p, int status, int events);

/* Moves what it can, bounded; then polls `from` only while the pipe has room and `to` only while
 * the pipe holds bytes (a slow reader stops the reads: that is the backpressure). */
static void pump(relay *r) {
  int write_err = 0;
  for (int i = 0; i < SPLICES_PER_WAKE && !r->finished; i++) {
    int progressed = 0;
    if (!r->read_done && r->in_pipe < r->pipe_cap) {
      ssize_t n = splice(r->from, NULL, r->pipe_w, NULL, r->pipe_cap - r->in_pipe,
                         SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        r->in_pipe += (size_t)n;
        r->read_stalled = 0;
        progressed = 1;
      } else if (n == 0) {
        r->read_done = 1;
      } else if (errno == EAGAIN) {
        r->read_stalled = r->in_pipe > 0;
      } else if (errno != EINTR) {
        r->read_done = -errno;
      }
    }
    if (r->in_pipe > 0) {
      ssize_t n = splice(r->pipe_r, NULL, r->to, NULL, r->in_pipe, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        r->in_pipe -= (size_t)n;
        r->moved += (double)n;
        r->read_stalled = 0;
        progressed = 1;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        write_err = errno;
        break;
      }
    }
    if (!progressed) break;
  }
  if (r->finished) return;
  if (write_err) {
    report(r, write_err);
    return;
  }
  /* Bytes read before EOF or a reset are delivered first: the same as the JS path. */
  if (r->read_done != 0 && r->in_pipe == 0) {
    report(r, r->read_done < 0 ? -r->read_done : 0);
    return;
  }
  /* A read that found nothing while the pipe held bytes may mean the pipe's slots are full:
   * wait for the writer to make room rather than spin on a readable socket. */
  int want_read = !r->read_done && r->in_pipe < r->pipe_cap && !r->read_stalled ? UV_READABLE : 0;
  int want_write = r->in_pipe > 0 ? UV_WRITABLE : 0;
  set_poll(&r->from_poll, &r->from_events, want_read, on_poll);
  set_poll(&r->to_poll, &r->to_events, want_write, on_poll);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  relay *r = (relay *)p->data;
  (void)events;
  if (r->finished) return;
  /* On POLLERR libuv has stopped this watcher itself; the failing splice in pump reports why. */
  if (status < 0) *(p == &r->from_poll ? &r->from_events : &r->to_events) = 0;
  pump(r);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  relay *r = (relay *)data;
  (void)env;
  (void)hint;
  relay_stop(r);
  r->finalized = 1;
  free_if_done(r);
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  napi_value code, msg, e;
  char text[160];
  snprintf(text, sizeof text, "%s: errno %d", what, err);
  napi_create_string_utf8(env, "AIRLOCK_ERR_IO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &e);
  napi_throw(env, e);
  return NULL;
}

static relay *relay_of(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a relay handle");
    return NULL;
  }
  return (relay *)data;
}

static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t from_fd = -1, to_fd = -1;
  napi_valuetype fn_type = napi_undefined;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &from_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &to_fd) != napi_ok ||
      napi_typeof(env, argv[2], &fn_type) != napi_ok || fn_type != napi_function || from_fd < 0 ||
      to_fd < 0) {
    napi_throw_type_error(env, NULL, "start(fromFd, toFd, onEvent): two descriptors and a function");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, "no event loop", 0);
  relay *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "calloc", ENOMEM);
  r->env = env;
  r->from = r->to = r->pipe_r = r->pipe_w = -1;
  int fds[2];
  r->from = fcntl(from_fd, F_DUPFD_CLOEXEC, 0);
  if (r->from >= 0) r->to = fcntl(to_fd, F_DUPFD_CLOEXEC, 0);
  if (r->from < 0 || r->to < 0 || pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    int err = errno;
    if (r->from >= 0) close(r->from);
    if (r->to >= 0) close(r->to);
    free(r);
    return throw_errno(env, "dup/pipe", err);
  }
  r->pipe_r = fds[0];
  r->pipe_w = fds[1];
  int cap = fcntl(r->pipe_w, F_SETPIPE_SZ, PIPE_BYTES);
  if (cap < 0) cap = fcntl(r->pipe_w, F_GETPIPE_SZ);
  r->pipe_cap = cap > 0 ? (size_t)cap : 65536;
  if (uv_poll_init(loop, &r->from_poll, r->from) != 0 || uv_poll_init(loop, &r->to_poll, r->to) != 0) {
    /* uv_poll_init fails before registering anything only on a bad descriptor. */
    close(r->from);
    close(r->to);
    close(r->pipe_r);
    close(r->pipe_w);
    free(r);
    return throw_errno(env, "uv_poll_init", EBADF);
  }
  r->from_poll.data = r;
  r->to_poll.data = r;
  r->polls_open = 2;
  napi_value name, handle;
  napi_create_reference(env, argv[2], 1, &r->on_event);
  napi_create_string_utf8(env, "airlock.splice", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->async);
  if (napi_create_external(env, r, on_finalize, NULL, &handle) != napi_ok) {
    relay_stop(r);
    r->finalized = 1;
    return throw_errno(env, "napi_create_external", 0);
  }
  /* Nothing moves until the loop wakes us: the caller has the handle before any event. */
  set_poll(&r->from_poll, &r->from_events, UV_READABLE, on_poll);
  return handle;
}

static napi_value js_moved(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay *r = argc < 1 ? NULL : relay_of(env, argv[0]);
  if (!r) return NULL;
  napi_create_double(env, r->moved, &out);
  return out;
}

static napi_value js_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay *r = argc < 1 ? NULL : relay_of(env, argv[0]);
  if (r) relay_stop(r);
  return NULL;
}

#endif /* __linux__ */

/* Elsewhere the relay is not defined and relay.ts reports splicing unavailable. */
void airlock_define_relay(napi_env env, napi_value exports) {
#ifdef __linux__
  napi_property_descriptor props[] = {
      {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"moved", NULL, js_moved, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stop", NULL, js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
#else
  (void)env;
  (void)exports;
#endif
}
