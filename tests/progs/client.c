/* SPDX-License-Identifier: MIT */
/*
 * nmp_client: a TCP client written against glibc and the kernel's headers
 * only (tests/progs/prog.h), the "unmodified program" of the `netmem run`
 * tests.
 *
 *	nmp_client MODE ADDR PORT COUNT BYTES [ncdevmem:PERIOD]
 *
 * Opens COUNT connections to ADDR:PORT (a refused or unreachable connect
 * is tried again for 10 s), sends BYTES on each, shuts its sending side and
 * reads to the server's end.  By default the server is an echo server
 * (nmp_server): every byte that comes back is checked against what was
 * sent, and exactly BYTES must come back.  With ncdevmem:PERIOD it sends the
 * ncdevmem pattern to a sink (`netmem server`) and expects nothing back.
 * Exit 0 when every connection ended well.  MODE:
 *	block     one connection after the other; 32 KiB out, 32 KiB back
 *	thread    a thread per connection, each as block
 *	duplex    a thread per connection that receives while a second
 *	          thread sends on the same socket
 *	epoll-lt, epoll-et, epoll-oneshot, poll, select
 *	          all connections at once in one thread, non-blocking sockets
 *	          and a non-blocking connect
 * A wait of 30 s without progress is a failure.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "mux.h"

#define CHUNK	(32 * 1024)

static const char *host;
static int port;
static uint64_t bytes;
static unsigned period;			/* ncdevmem: its period; 0: echo */
static atomic_int failures;

struct conn {
	int fd;
	unsigned id;
	uint64_t sent, got;
	bool connecting, wr_done, done;
	uint8_t out[CHUNK], in[CHUNK];
};

static void fill(struct conn *c, uint8_t *b, size_t n)
{
	if (!period) {
		pp_fill(c->id, c->sent, b, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		b[i] = pp_ncdevmem(period, c->sent + i);
}

/* What came back: false (and a line) on a wrong byte or bytes from a sink. */
static bool check(struct conn *c, const uint8_t *b, size_t n)
{
	int64_t bad;

	if (period) {
		fprintf(stderr, "conn %u: %zu bytes back from a sink\n", c->id, n);
		return false;
	}
	bad = pp_check(c->id, c->got, b, n);
	if (bad < 0 && c->got + n <= bytes)
		return true;
	if (bad >= 0)
		fprintf(stderr, "conn %u: wrong byte at %lld\n", c->id, (long long)bad);
	else
		fprintf(stderr, "conn %u: more than %llu bytes back\n", c->id,
			(unsigned long long)bytes);
	return false;
}

static void finish(struct conn *c, bool ok)
{
	if (ok && !period && c->got != bytes) {
		fprintf(stderr, "conn %u: %llu of %llu bytes came back\n", c->id,
			(unsigned long long)c->got, (unsigned long long)bytes);
		ok = false;
	}
	if (!ok)
		atomic_fetch_add(&failures, 1);
	if (close(c->fd) < 0)
		pp_die("close: %s", strerror(errno));
	c->done = true;
}

/* ---- blocking ---------------------------------------------------------- */

static void run_blocking_conn(struct conn *c)
{
	bool ok = true;

	c->fd = pp_connect(host, port);
	while (ok && c->sent < bytes) {
		size_t n = bytes - c->sent < CHUNK ? (size_t)(bytes - c->sent) : CHUNK;

		fill(c, c->out, n);
		pp_send_all(c->fd, c->out, n);
		c->sent += n;
		if (period)
			continue;
		if (pp_recv_all(c->fd, c->in, n) != n) {
			fprintf(stderr, "conn %u: end of stream at %llu\n", c->id,
				(unsigned long long)c->got);
			ok = false;
			break;
		}
		ok = check(c, c->in, n);
		c->got += n;
	}
	if (shutdown(c->fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	/* the rest, to the server's end of stream: nothing is expected */
	while (ok) {
		ssize_t k = recv(c->fd, c->in, CHUNK, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			pp_die("conn %u: recv: %s", c->id, strerror(errno));
		if (k == 0)
			break;
		ok = check(c, c->in, (size_t)k);
		c->got += (uint64_t)k;
	}
	finish(c, ok);
}

static void *sender(void *arg)
{
	struct conn *c = arg;

	while (c->sent < bytes) {
		size_t n = bytes - c->sent < CHUNK ? (size_t)(bytes - c->sent) : CHUNK;

		fill(c, c->out, n);
		pp_send_all(c->fd, c->out, n);
		c->sent += n;
	}
	if (shutdown(c->fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	return NULL;
}

/* Two threads on one socket: this one receives while another sends. */
static void run_duplex_conn(struct conn *c)
{
	pthread_t tx;
	bool ok = true;

	c->fd = pp_connect(host, port);
	if (pthread_create(&tx, NULL, sender, c))
		pp_die("pthread_create failed");
	while (ok) {
		ssize_t k = recv(c->fd, c->in, CHUNK, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			pp_die("conn %u: recv: %s", c->id, strerror(errno));
		if (k == 0)
			break;
		ok = check(c, c->in, (size_t)k);
		c->got += (uint64_t)k;
	}
	pthread_join(tx, NULL);
	finish(c, ok);
}

static bool duplex;

static void *conn_thread(void *arg)
{
	if (duplex)
		run_duplex_conn(arg);
	else
		run_blocking_conn(arg);
	return NULL;
}

static void run_threads(struct conn *conns, unsigned count, bool threads)
{
	pthread_t *tid = calloc(count, sizeof(*tid));

	for (unsigned i = 0; i < count; i++) {
		if (!threads) {
			run_blocking_conn(&conns[i]);
			continue;
		}
		if (pthread_create(&tid[i], NULL, conn_thread, &conns[i]))
			pp_die("pthread_create failed");
	}
	for (unsigned i = 0; threads && i < count; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}

/* ---- non-blocking, one thread ------------------------------------------ */

static void start_connect(struct pp_mux *m, struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(host, port, &ss);

	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		pp_die("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		pp_die("connect: %s", strerror(errno));
	c->connecting = true;
	pp_mux_set(m, c->fd, false, true);
}

/* The connect's outcome; a refused one starts again (the server is late). */
static bool connected(struct pp_mux *m, struct conn *c, uint64_t deadline)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		pp_die("SO_ERROR: %s", strerror(errno));
	if (!err) {
		c->connecting = false;
		return true;
	}
	if (err != ECONNREFUSED || pp_now_ms() > deadline)
		pp_die("conn %u: connect: %s", c->id, strerror(err));
	pp_mux_del(m, c->fd);
	close(c->fd);
	usleep(50000);
	start_connect(m, c);
	return false;
}

/* Move what can move without blocking; false on a failure. */
static bool progress(struct conn *c)
{
	for (;;) {
		bool moved = false;

		if (c->sent < bytes) {
			size_t n = bytes - c->sent < CHUNK ? (size_t)(bytes - c->sent) : CHUNK;
			ssize_t k;

			fill(c, c->out, n);
			k = send(c->fd, c->out, n, MSG_NOSIGNAL);
			if (k > 0) {
				c->sent += (uint64_t)k;
				moved = true;
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "conn %u: send: %s\n", c->id, strerror(errno));
				return false;
			}
		}
		if (c->sent == bytes && !c->wr_done) {
			if (shutdown(c->fd, SHUT_WR) < 0)
				pp_die("shutdown: %s", strerror(errno));
			c->wr_done = true;
		}
		ssize_t k = recv(c->fd, c->in, CHUNK, 0);

		if (k > 0) {
			if (!check(c, c->in, (size_t)k))
				return false;
			c->got += (uint64_t)k;
			moved = true;
		} else if (k == 0) {
			c->done = true;
			return true;
		} else if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "conn %u: recv: %s\n", c->id, strerror(errno));
			return false;
		}
		if (!moved)
			return true;
	}
}

static void run_mux(struct pp_mux *m, struct conn *conns, unsigned count)
{
	static struct conn *by_fd[PP_MUX_MAX];
	uint64_t deadline = pp_now_ms() + 10000, idle_since = pp_now_ms();
	unsigned ended = 0;

	for (unsigned i = 0; i < count; i++) {
		start_connect(m, &conns[i]);
		by_fd[conns[i].fd] = &conns[i];
	}
	while (ended < count) {
		struct pp_ev ev[64];
		int n = pp_mux_wait(m, ev, 64, 1000);

		if (n < 0)
			pp_die("wait: %s", strerror(-n));
		if (n == 0 && pp_now_ms() - idle_since > 30000)
			pp_die("30 s without progress (%u of %u connections ended)", ended, count);
		if (n)
			idle_since = pp_now_ms();
		for (int i = 0; i < n; i++) {
			struct conn *c = by_fd[ev[i].fd];
			bool ok;

			if (!c || c->done)
				continue;
			if (c->connecting) {
				int old = c->fd;

				if (!ev[i].wr && !ev[i].rd) {
					pp_mux_set(m, c->fd, false, true);	/* ONESHOT */
					continue;
				}
				if (!connected(m, c, deadline)) {
					by_fd[old] = NULL;
					by_fd[c->fd] = c;
					continue;
				}
			}
			ok = progress(c);
			if (!ok || c->done) {
				pp_mux_del(m, c->fd);
				by_fd[c->fd] = NULL;
				finish(c, ok);
				ended++;
				continue;
			}
			pp_mux_set(m, c->fd, true, c->sent < bytes);
		}
	}
}

int main(int argc, char **argv)
{
	struct conn *conns;
	struct pp_mux m;
	unsigned count;

	if (argc < 6 || argc > 7)
		pp_die("usage: nmp_client block|thread|duplex|epoll-lt|epoll-et|epoll-oneshot|poll|"
		       "select ADDR "
		       "PORT COUNT BYTES [ncdevmem:PERIOD]");
	host = argv[2];
	port = (int)pp_num("PORT", argv[3]);
	count = (unsigned)pp_num("COUNT", argv[4]);
	bytes = (uint64_t)pp_num("BYTES", argv[5]);
	if (argc == 7) {
		if (strncmp(argv[6], "ncdevmem:", 9))
			pp_die("'%s': ncdevmem:PERIOD", argv[6]);
		period = (unsigned)pp_num("PERIOD", argv[6] + 9);
		if (period < 2)
			pp_die("PERIOD below 2");
	}
	conns = calloc(count, sizeof(*conns));
	for (unsigned i = 0; i < count; i++)
		conns[i].id = i + 1;
	duplex = !strcmp(argv[1], "duplex");
	if (!strcmp(argv[1], "block") || !strcmp(argv[1], "thread") || duplex)
		run_threads(conns, count, strcmp(argv[1], "block") != 0);
	else if (pp_mux_init(&m, argv[1]))
		run_mux(&m, conns, count);
	else
		pp_die("unknown mode '%s'", argv[1]);
	free(conns);
	if (failures)
		pp_die("%d of %u connections failed", failures, count);
	fprintf(stderr, "nmp_client %s: %u connections, %llu bytes each, every byte checked\n",
		argv[1], count, (unsigned long long)bytes);
	return 0;
}
