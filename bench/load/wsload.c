/*
 * wsload: a WebSocket load generator in C, so that the load side is never the bottleneck when
 * Node servers are compared (a Node client saturates before a fast Node server does).
 *
 *   wsload echo HOST PORT CONNS INFLIGHT SIZE SECONDS
 *       CONNS connections, each keeping INFLIGHT binary messages of SIZE bytes in flight:
 *       every echo that comes back completely is answered with the next message.
 *   wsload handshake HOST PORT CONCURRENCY SECONDS
 *       whole WebSocket lives per second, CONCURRENCY clients at once, each in a loop: connect,
 *       upgrade, one 16-byte echo, the closing handshake, and the server ending TCP.
 *   wsload idle HOST PORTS CONNS SECONDS [PATH]
 *       opens CONNS WebSockets (on PATH, default /echo, spread over the comma-separated PORTS),
 *       prints "ready" once all are open, then holds them for SECONDS.
 *   wsload fanout HOST PORTS CONNS PATH PROTO TRIGGER_PORT TRIGGER_PATH EXPECT TIMEOUT
 *       (a burst per line on stdin: "go", or "EXPECT PATH" for another burst such as a
 *       warm-up; TRIGGER_PORT 0: another generator triggers)
 *       opens CONNS WebSockets on PATH spread over PORTS (comma-separated), prints "ready",
 *       then sends GET TRIGGER_PATH to TRIGGER_PORT (the server publishes a burst) and counts
 *       the messages every connection receives until each has EXPECT (or TIMEOUT seconds
 *       pass). Each message carries its number (the first digits in it): a number out of
 *       order is counted in "misordered". PROTO is ws (plain frames) or sio (socket.io 4: the
 *       connection joins the default namespace, messages are "42[...]" text frames).
 *   wsload latency HOST PORT PATH PROTO TRIGGER_PORT TRIGGER_PATH SECONDS
 *       one WebSocket; after the trigger, every message carries its send time (microseconds
 *       since the epoch, the first digits after a 'T'); prints p50/p99/max of the delays.
 *
 * Prints one JSON line: {"messages":…, "bytes":…, "seconds":…, "cpu":…} (handshake: "handshakes";
 * cpu: its own CPU seconds, so that a saturated load side is noticed).
 * Bounded in count and time; loopback only by intent (it takes any host, use 127.0.0.1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define RBUF (256 * 1024)

static const char *REQUEST_FMT =
    "GET /echo HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

typedef struct {
  int fd;
  int upgraded;
  /* input: bytes of the current frame still to skip, and a small header buffer */
  unsigned char *rbuf;
  size_t rlen;
  /* output: bytes owed to the server (to keep INFLIGHT in flight), the offset into the current
     frame, and whether EPOLLOUT is armed because the socket was full */
  size_t owed;
  size_t out_off;
  int want_out;
  /* fanout: messages received, the next number expected, numbers out of order */
  long got;
  long next_seq;
  long misordered;
} conn_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds this process used: the caller checks that the load side was not saturated. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int connect_to(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); exit(1); }
  return fd;
}

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0) { if (errno == EINTR || errno == EAGAIN) continue; perror("write"); exit(1); }
    c += w; n -= (size_t)w;
  }
}

/* Reads the 101 answer (blocking); anything after the head is kept as the start of the input. */
static void handshake(conn_t *c, const char *host, int port) {
  char req[512];
  int n = snprintf(req, sizeof req, REQUEST_FMT, host, port);
  write_all(c->fd, req, (size_t)n);
  char buf[4096];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(c->fd, buf + got, sizeof buf - 1 - got);
    if (r <= 0) { fprintf(stderr, "handshake failed (read %zd)\n", r); exit(1); }
    got += (size_t)r;
    buf[got] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (end) {
      if (strncmp(buf, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "no 101: %.60s\n", buf); exit(1); }
      size_t head = (size_t)(end + 4 - buf);
      c->rlen = got - head;
      memcpy(c->rbuf, buf + head, c->rlen);
      c->upgraded = 1;
      return;
    }
  }
}

/* A masked client binary frame carrying SIZE bytes (mask key 0x12345678). */
static unsigned char *build_frame(size_t size, size_t *len) {
  size_t hl = size < 126 ? 2 : size < 65536 ? 4 : 10;
  unsigned char *f = malloc(hl + 4 + size);
  f[0] = 0x82;
  if (size < 126) f[1] = 0x80 | (unsigned char)size;
  else if (size < 65536) { f[1] = 0x80 | 126; f[2] = size >> 8; f[3] = size & 0xff; }
  else { f[1] = 0x80 | 127; for (int i = 0; i < 8; i++) f[2 + i] = (unsigned char)((uint64_t)size >> (56 - 8 * i)); }
  unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  memcpy(f + hl, key, 4);
  for (size_t i = 0; i < size; i++) f[hl + 4 + i] = (unsigned char)('a' + i % 26) ^ key[i & 3];
  *len = hl + 4 + size;
  return f;
}

/* Consumes whole server frames from c->rbuf; returns how many were complete. */
static long consume_frames(conn_t *c) {
  long done = 0;
  size_t off = 0;
  for (;;) {
    size_t avail = c->rlen - off;
    if (avail < 2) break;
    unsigned char *p = c->rbuf + off;
    uint64_t len = p[1] & 0x7f;
    size_t hl = 2;
    if (len == 126) { if (avail < 4) break; len = ((uint64_t)p[2] << 8) | p[3]; hl = 4; }
    else if (len == 127) { if (avail < 10) break; len = 0; for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i]; hl = 10; }
    if (avail < hl + len) break;
    off += hl + len;
    if ((p[0] & 0x0f) == 0x2 || (p[0] & 0x0f) == 0x1) done++;
  }
  /* Nothing consumed (a large frame part-way in): nothing to move. */
  if (off == 0) return 0;
  memmove(c->rbuf, c->rbuf + off, c->rlen - off);
  c->rlen -= off;
  return done;
}

/* Writes what is owed from the block of INFLIGHT identical frames; 0 when all is written, 1 when
   the socket is full (EPOLLOUT then says when to go on). */
static int send_owed(conn_t *c, const unsigned char *block, size_t block_len, size_t flen) {
  while (c->owed > 0) {
    size_t pos = c->out_off % flen;
    size_t n = c->owed < block_len - pos ? c->owed : block_len - pos;
    ssize_t w = write(c->fd, block + pos, n);
    if (w < 0) { if (errno == EAGAIN) return 1; if (errno == EINTR) continue; perror("write"); exit(1); }
    c->owed -= (size_t)w;
    c->out_off = (pos + (size_t)w) % flen;
  }
  return 0;
}

static int run_echo(const char *host, int port, int conns, int inflight, size_t size, double secs) {
  size_t flen;
  unsigned char *frame = build_frame(size, &flen);
  /* INFLIGHT copies back to back: everything owed leaves in one write, as a client that queues
     its sends would do, so that the load side spends one syscall per batch, not per message. */
  size_t block_len = flen * (size_t)inflight;
  unsigned char *block = malloc(block_len);
  for (int i = 0; i < inflight; i++) memcpy(block + flen * (size_t)i, frame, flen);
  size_t rbuf_size = RBUF > flen * 2 + 64 ? RBUF : flen * 2 + 64;
  int ep = epoll_create1(0);
  conn_t *cs = calloc((size_t)conns, sizeof *cs);
  for (int i = 0; i < conns; i++) {
    cs[i].fd = connect_to(host, port);
    cs[i].rbuf = malloc(rbuf_size);
    handshake(&cs[i], host, port);
    fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
    cs[i].owed = block_len;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    if (send_owed(&cs[i], block, block_len, flen)) {
      ev.events = EPOLLIN | EPOLLOUT;
      epoll_ctl(ep, EPOLL_CTL_MOD, cs[i].fd, &ev);
      cs[i].want_out = 1;
    }
  }
  long messages = 0;
  double t0 = now_s(), end = t0 + secs;
  struct epoll_event evs[MAX_EVENTS];
  while (now_s() < end) {
    int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (evs[i].events & EPOLLIN) {
        /* Level-triggered: one read per readiness, what is left comes with the next wait. */
        if (c->rlen == rbuf_size) { fprintf(stderr, "input buffer full\n"); exit(1); }
        ssize_t r = read(c->fd, c->rbuf + c->rlen, rbuf_size - c->rlen);
        if (r > 0) {
          c->rlen += (size_t)r;
          long got = consume_frames(c);
          messages += got;
          c->owed += (size_t)got * flen;
        } else if (r == 0) { fprintf(stderr, "server closed a connection\n"); exit(1); }
        else if (errno != EAGAIN && errno != EINTR) { perror("read"); exit(1); }
      }
      int full = send_owed(c, block, block_len, flen);
      if (full != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (full ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = full;
      }
    }
  }
  double elapsed = now_s() - t0;
  printf("{\"messages\":%ld,\"bytes\":%.0f,\"seconds\":%.3f,\"cpu\":%.3f}\n", messages, (double)messages * size, elapsed, cpu_s());
  return 0;
}

/* One client of the handshake loop: where it is in connect → 101 → echo → close → EOF. */
enum { HS_HEAD, HS_ECHO, HS_CLOSE, HS_EOF };
typedef struct {
  int fd;
  int state;
  size_t len;
  unsigned char buf[1024];
} hs_t;

/* Length of the whole server frame at the start of p (unmasked, payload < 64 KiB), 0 if not all in. */
static size_t whole_frame(const unsigned char *p, size_t n) {
  if (n < 2) return 0;
  size_t len = p[1] & 0x7f, hl = 2;
  if (len == 126) { if (n < 4) return 0; len = ((size_t)p[2] << 8) | p[3]; hl = 4; }
  else if (len == 127) { fprintf(stderr, "unexpected large frame\n"); exit(1); }
  return n >= hl + len ? hl + len : 0;
}

static void hs_start(hs_t *h, int ep, const char *host, int port, const char *req, size_t rl) {
  h->fd = connect_to(host, port);
  h->state = HS_HEAD;
  h->len = 0;
  write_all(h->fd, req, rl);
  fcntl(h->fd, F_SETFL, O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = h};
  epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &ev);
}

/* Advances h with what was read; returns 1 when its cycle is complete (the server closed TCP). */
static int hs_step(hs_t *h, const unsigned char *echo, size_t echo_len, const unsigned char *closef) {
  for (;;) {
    if (h->state == HS_HEAD) {
      h->buf[h->len < sizeof h->buf ? h->len : sizeof h->buf - 1] = 0;
      char *end = strstr((char *)h->buf, "\r\n\r\n");
      if (!end) return 0;
      if (strncmp((char *)h->buf, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "no 101: %.80s\n", h->buf); exit(1); }
      size_t head = (size_t)(end + 4 - (char *)h->buf);
      memmove(h->buf, h->buf + head, h->len - head);
      h->len -= head;
      write_all(h->fd, echo, echo_len);
      h->state = HS_ECHO;
    } else if (h->state == HS_ECHO || h->state == HS_CLOSE) {
      size_t n = whole_frame(h->buf, h->len);
      if (n == 0) return 0;
      int op = h->buf[0] & 0x0f;
      memmove(h->buf, h->buf + n, h->len - n);
      h->len -= n;
      if (h->state == HS_ECHO && (op == 1 || op == 2)) {
        write_all(h->fd, closef, 8);
        h->state = HS_CLOSE;
      } else if (h->state == HS_CLOSE && op == 8) {
        h->state = HS_EOF;
      } else if (op == 8) { fprintf(stderr, "server closed before the echo\n"); exit(1); }
    } else {
      return 0;
    }
  }
}

static int run_handshake(const char *host, int port, int conc, double secs) {
  /* CONC clients at once, each in a loop: connect, upgrade, one 16-byte echo, the closing
     handshake (our close, the server's close, then the server ends TCP), then the next. */
  int ep = epoll_create1(0);
  char req[512];
  int rl = snprintf(req, sizeof req, REQUEST_FMT, host, port);
  size_t echo_len;
  unsigned char *echo = build_frame(16, &echo_len);
  static const unsigned char closef[8] = {0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2};
  hs_t *hs = calloc((size_t)conc, sizeof *hs);
  long done = 0;
  double t0 = now_s(), end = t0 + secs;
  int active = 0;
  for (int i = 0; i < conc; i++, active++) hs_start(&hs[i], ep, host, port, req, (size_t)rl);
  struct epoll_event evs[MAX_EVENTS];
  while (active > 0) {
    int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
    if (n == 0 && now_s() > end + 5) { fprintf(stderr, "handshake: %d clients stuck\n", active); exit(1); }
    for (int i = 0; i < n; i++) {
      hs_t *h = evs[i].data.ptr;
      ssize_t r = read(h->fd, h->buf + h->len, sizeof h->buf - 1 - h->len);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      int finished = 0;
      if (r > 0) {
        h->len += (size_t)r;
        hs_step(h, echo, echo_len, closef);
      } else if (r == 0 && h->state == HS_EOF) {
        finished = 1;
      } else {
        fprintf(stderr, "handshake: connection %s in state %d\n", r == 0 ? "closed" : strerror(errno), h->state);
        exit(1);
      }
      if (!finished) continue;
      done++;
      epoll_ctl(ep, EPOLL_CTL_DEL, h->fd, NULL);
      /* The server closed first, so the TIME-WAIT is its own; RST frees ours at once. */
      struct linger lg = {1, 0};
      setsockopt(h->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(h->fd);
      if (now_s() < end) hs_start(h, ep, host, port, req, (size_t)rl);
      else active--;
    }
  }
  printf("{\"handshakes\":%ld,\"seconds\":%.3f,\"cpu\":%.3f}\n", done, now_s() - t0, cpu_s());
  return 0;
}

static int open_ws(conn_t *c, const char *host, int port, const char *path, int sio);
static void raise_fd_limit(void);

static int run_idle(const char *host, const char *ports_s, int conns, double secs, const char *path) {
  raise_fd_limit();
  int ports[64], np = 0;
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", ports_s);
  for (char *t = strtok(tmp, ","); t && np < 64; t = strtok(NULL, ",")) ports[np++] = atoi(t);
  conn_t c = {0};
  c.rbuf = malloc(RBUF);
  int *fds = calloc((size_t)conns, sizeof *fds);
  for (int i = 0; i < conns; i++) {
    c.rlen = 0;
    fds[i] = open_ws(&c, host, ports[i % np], path, 0);
  }
  printf("ready\n");
  fflush(stdout);
  double end = now_s() + secs;
  while (now_s() < end) usleep(50 * 1000);
  for (int i = 0; i < conns; i++) close(fds[i]);
  printf("{\"connections\":%d}\n", conns);
  return 0;
}

/* Parses the first run of digits at or after p (at most 18), or -1. */
static long first_number(const unsigned char *p, size_t n, char after) {
  size_t i = 0;
  if (after) { while (i < n && p[i] != after) i++; i++; }
  while (i < n && (p[i] < '0' || p[i] > '9')) i++;
  if (i >= n) return -1;
  long v = 0;
  for (int k = 0; i < n && k < 18 && p[i] >= '0' && p[i] <= '9'; i++, k++) v = v * 10 + (p[i] - '0');
  return v;
}

/* Reads one whole frame (blocking), from what is buffered first; returns its opcode, payload in *pl. */
static int read_frame_blocking(conn_t *c, unsigned char *pl, size_t *pln) {
  for (;;) {
    if (c->rlen >= 2) {
      unsigned char *p = c->rbuf;
      uint64_t len = p[1] & 0x7f;
      size_t hl = 2;
      if (len == 126) { hl = 4; if (c->rlen >= 4) len = ((uint64_t)p[2] << 8) | p[3]; }
      if (c->rlen >= hl && c->rlen >= hl + len) {
        int op = p[0] & 0x0f;
        memcpy(pl, p + hl, len);
        *pln = len;
        memmove(c->rbuf, c->rbuf + hl + len, c->rlen - hl - len);
        c->rlen -= hl + len;
        return op;
      }
    }
    ssize_t r = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1; /* SO_RCVTIMEO passed */
    if (r <= 0) { fprintf(stderr, "connection closed while reading a frame\n"); exit(1); }
    c->rlen += (size_t)r;
  }
}

static void send_text(int fd, const char *text) {
  size_t n = strlen(text);
  unsigned char f[140];
  f[0] = 0x81; f[1] = 0x80 | (unsigned char)n;
  unsigned char key[4] = {1, 2, 3, 4};
  memcpy(f + 2, key, 4);
  for (size_t i = 0; i < n; i++) f[6 + i] = (unsigned char)text[i] ^ key[i & 3];
  write_all(fd, f, 6 + n);
}

/* socket.io 4: wait for the open packet "0{...}", join the default namespace with "40". */
static void sio_join(conn_t *c) {
  unsigned char pl[4096];
  size_t n;
  for (;;) { int op = read_frame_blocking(c, pl, &n); if (op == 1 && n > 0 && pl[0] == '0') break; }
  send_text(c->fd, "40");
  for (;;) { int op = read_frame_blocking(c, pl, &n); if (op == 1 && n >= 2 && pl[0] == '4' && pl[1] == '0') break; }
}

static int open_ws(conn_t *c, const char *host, int port, const char *path, int sio) {
  char req[1024];
  c->fd = connect_to(host, port);
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, host, port);
  write_all(c->fd, req, (size_t)n);
  char buf[4096];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(c->fd, buf + got, sizeof buf - 1 - got);
    if (r <= 0) { fprintf(stderr, "handshake failed on port %d\n", port); exit(1); }
    got += (size_t)r;
    buf[got] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (end) {
      if (strncmp(buf, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "no 101: %.80s\n", buf); exit(1); }
      size_t head = (size_t)(end + 4 - buf);
      c->rlen = got - head;
      memcpy(c->rbuf, buf + head, c->rlen);
      break;
    }
  }
  if (sio) sio_join(c);
  return c->fd;
}

static void trigger(const char *host, int port, const char *path) {
  int fd = connect_to(host, port);
  char req[512];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
  write_all(fd, req, (size_t)n);
  /* the answer is not awaited: the server may answer after it published */
  close(fd);
}

/* Consumes whole frames of c, counting data messages (socket.io: "42" text frames only). */
static void count_frames(conn_t *c, int sio, long *total) {
  size_t off = 0;
  for (;;) {
    size_t avail = c->rlen - off;
    if (avail < 2) break;
    unsigned char *p = c->rbuf + off;
    uint64_t len = p[1] & 0x7f;
    size_t hl = 2;
    if (len == 126) { if (avail < 4) break; len = ((uint64_t)p[2] << 8) | p[3]; hl = 4; }
    else if (len == 127) { if (avail < 10) break; len = 0; for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i]; hl = 10; }
    if (avail < hl + len) break;
    int op = p[0] & 0x0f;
    const unsigned char *pl = p + hl;
    if (op == 1 || op == 2) {
      if (sio && op == 1 && len == 1 && pl[0] == '2') send_text(c->fd, "3"); /* ping: pong */
      else if (!sio || (len >= 2 && pl[0] == '4' && pl[1] == '2')) {
        long seq = first_number(pl + (sio ? 2 : 0), len - (sio ? 2 : 0), 0);
        if (seq != c->next_seq) c->misordered++;
        c->next_seq = seq + 1;
        c->got++;
        (*total)++;
      }
    }
    off += hl + len;
  }
  memmove(c->rbuf, c->rbuf + off, c->rlen - off);
  c->rlen -= off;
}

static void raise_fd_limit(void) {
  struct rlimit rl = {200000, 200000};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int run_fanout(const char *host, const char *ports_s, int conns, const char *path, int sio,
                      int tport, const char *tpath, long expect, double timeout) {
  raise_fd_limit();
  int ports[64], np = 0;
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", ports_s);
  for (char *t = strtok(tmp, ","); t && np < 64; t = strtok(NULL, ",")) ports[np++] = atoi(t);
  int ep = epoll_create1(0);
  conn_t *cs = calloc((size_t)conns, sizeof *cs);
  for (int i = 0; i < conns; i++) {
    cs[i].rbuf = malloc(RBUF);
    open_ws(&cs[i], host, ports[i % np], path, sio);
    fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  printf("ready\n");
  fflush(stdout);
  /* Each line from the driver is a burst: "go" (EXPECT messages on TRIGGER_PATH), or
     "EXPECT PATH" (a warm-up burst, say); one JSON line answers each. */
  char line[600];
  while (fgets(line, sizeof line, stdin)) {
    long want_each = expect;
    char path_buf[512];
    const char *bpath = tpath;
    if (sscanf(line, "%ld %511s", &want_each, path_buf) == 2) bpath = path_buf;
    else want_each = expect;
    for (int i = 0; i < conns; i++) { cs[i].got = 0; cs[i].next_seq = 0; cs[i].misordered = 0; }
    double cpu0 = cpu_s();
    double t0 = now_s(), end = t0 + timeout, last = t0;
    if (tport > 0) trigger(host, tport, bpath); /* 0: another generator triggers */
    long total = 0, want = want_each * conns;
    struct epoll_event evs[MAX_EVENTS];
    while (total < want && now_s() < end) {
      int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
      for (int i = 0; i < n; i++) {
        conn_t *c = evs[i].data.ptr;
        ssize_t r = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
        if (r > 0) { c->rlen += (size_t)r; count_frames(c, sio, &total); last = now_s(); }
        else if (r == 0) { fprintf(stderr, "server closed a connection\n"); exit(1); }
      }
    }
    long misordered = 0, complete = 0;
    for (int i = 0; i < conns; i++) { misordered += cs[i].misordered; if (cs[i].got == want_each) complete++; }
    printf("{\"messages\":%ld,\"seconds\":%.4f,\"cpu\":%.3f,\"misordered\":%ld,\"complete\":%ld}\n",
           total, last - t0, cpu_s() - cpu0, misordered, complete);
    fflush(stdout);
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int run_latency(const char *host, int port, const char *path, int sio, int tport,
                       const char *tpath, double secs) {
  conn_t c = {0};
  c.rbuf = malloc(RBUF);
  open_ws(&c, host, port, path, sio);
  struct timeval tv = {0, 100 * 1000};
  setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  printf("ready\n");
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 1;
  trigger(host, tport, tpath);
  size_t cap = 1 << 20, n = 0;
  double *lat = malloc(cap * sizeof *lat);
  double end = now_s() + secs;
  unsigned char *pl = malloc(RBUF);
  while (now_s() < end && n < cap) {
    size_t len;
    int op = read_frame_blocking(&c, pl, &len);
    if (op != 1 && op != 2) continue;
    if (sio && len == 1 && pl[0] == '2') { send_text(c.fd, "3"); continue; }
    long sent = first_number(pl, len, 'T');
    if (sent < 0) continue;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now_us = ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
    lat[n++] = (now_us - (double)sent) / 1000.0;
  }
  qsort(lat, n, sizeof *lat, cmp_double);
  printf("{\"count\":%zu,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}\n", n, n ? lat[n / 2] : 0,
         n ? lat[(size_t)(n * 0.99)] : 0, n ? lat[n - 1] : 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 8 && strcmp(argv[1], "echo") == 0)
    return run_echo(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), (size_t)atol(argv[6]), atof(argv[7]));
  if (argc >= 6 && strcmp(argv[1], "handshake") == 0)
    return run_handshake(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
  if (argc >= 11 && strcmp(argv[1], "fanout") == 0)
    return run_fanout(argv[2], argv[3], atoi(argv[4]), argv[5], strcmp(argv[6], "sio") == 0, atoi(argv[7]), argv[8], atol(argv[9]), atof(argv[10]));
  if (argc >= 9 && strcmp(argv[1], "latency") == 0)
    return run_latency(argv[2], atoi(argv[3]), argv[4], strcmp(argv[5], "sio") == 0, atoi(argv[6]), argv[7], atof(argv[8]));
  if (argc >= 6 && strcmp(argv[1], "idle") == 0)
    return run_idle(argv[2], argv[3], atoi(argv[4]), atof(argv[5]), argc >= 7 ? argv[6] : "/echo");
  fprintf(stderr, "usage: wsload echo HOST PORT CONNS INFLIGHT SIZE SECONDS | handshake HOST PORT CONC SECONDS | idle HOST PORT CONNS SECONDS\n");
  return 2;
}
