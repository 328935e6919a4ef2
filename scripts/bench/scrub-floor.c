/*
 * The floor under a verified scrub in any language, for bench-scrub.mjs (which compiles it with
 * cc -O2 -lcrypto when it can): `scrub-floor IN OUT` does for each file of folder IN only the I/O
 * and hashing the proof asks for, as scrub-floor.mjs does in Node: read whole, SHA-256 of
 * the input and of its image data (here the whole file), written 1 MiB a call through a temp name
 * with the output's SHA-256 computed as it is written, renamed. No parsing, no re-inspection, no
 * fsync. A thread per core takes files from a shared index, as the node floor's workers do
 * (OpenSSL's SHA-256 uses the CPU's SHA extensions where there are some).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char **names;
static int count;
static atomic_int next_file;
static const char *src, *dst;

static void die(const char *what, const char *path) {
  perror(path);
  fprintf(stderr, "scrub-floor: %s failed\n", what);
  exit(2);
}

static void sha256(const unsigned char *b, size_t n, unsigned char *md) {
  unsigned int len;
  if (!EVP_Digest(b, n, md, &len, EVP_sha256(), NULL)) die("SHA-256", "-");
}

static void *work(void *arg) {
  (void)arg;
  size_t cap = CHUNK;
  unsigned char *buf = malloc(cap), md[EVP_MAX_MD_SIZE];
  char in[4096], tmp[4096], out[4096];
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  for (int i; (i = atomic_fetch_add(&next_file, 1)) < count;) {
    snprintf(in, sizeof in, "%s/%s", src, names[i]);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dst, names[i]);
    snprintf(out, sizeof out, "%s/%s", dst, names[i]);
    int fd = open(in, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) die("open", in);
    if ((size_t)st.st_size > cap) buf = realloc(buf, cap = st.st_size);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
      ssize_t r = read(fd, buf + got, st.st_size - got);
      if (r <= 0) die("read", in);
      got += r;
    }
    close(fd);
    sha256(buf, got, md); /* the input's */
    sha256(buf, got, md); /* its image data's */
    int o = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0) die("create", tmp);
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t off = 0; off < got; off += CHUNK) {
      size_t k = got - off < CHUNK ? got - off : CHUNK;
      if (write(o, buf + off, k) != (ssize_t)k) die("write", tmp);
      EVP_DigestUpdate(ctx, buf + off, k); /* the output's, as it is written */
    }
    EVP_DigestFinal_ex(ctx, md, NULL);
    if (close(o) || rename(tmp, out)) die("rename", out);
  }
  EVP_MD_CTX_free(ctx);
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: scrub-floor IN OUT\n");
    return 64;
  }
  src = argv[1];
  dst = argv[2];
  if (mkdir(dst, 0755) && access(dst, W_OK)) die("mkdir", dst);
  DIR *d = opendir(src);
  if (!d) die("opendir", src);
  size_t cap = 1024;
  names = malloc(cap * sizeof *names);
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    if ((size_t)count == cap) names = realloc(names, (cap *= 2) * sizeof *names);
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  long threads = sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  pthread_t *t = malloc(threads * sizeof *t);
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, work, NULL);
  for (long i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return 0;
}
