/* SPDX-License-Identifier: MIT */
/*
 * rt_peer: the other end for the runtime's test programs, a plain program
 * (kernel sockets when run alone, netmem's under netmem run).
 *
 *	rt_peer echo   IP PORT N         accept N connections (a thread each),
 *					  echo every byte until EOF
 *	rt_peer sink   IP PORT N         accept N, read each to EOF checking the
 *					  pattern, print "conn K: BYTES"
 *	rt_peer source IP PORT N BYTES   accept N, send BYTES of the pattern, close
 *	rt_peer reset  IP PORT N         accept N, read 1 byte, close with
 *					  SO_LINGER 0 (a RST)
 *	rt_peer hold   IP PORT N MS      accept N, keep each MS milliseconds
 *					  without reading, then close
 *	rt_peer echo-client IP PORT BYTES  connect, send BYTES, read them back
 *
 * The listening modes print "ready" once listening; exit 0 when done.
 */
#include <pthread.h>

#include "rt_test.h"

struct conn {
	int fd, k;
	const char *mode;
	uint64_t bytes;
};

static void *serve(void *arg)
{
	struct conn *c = arg;
	uint8_t buf[65536];

	if (!strcmp(c->mode, "echo")) {
		for (;;) {
			ssize_t r = recv(c->fd, buf, sizeof(buf), 0), off = 0;

			CHECK(r >= 0, "echo recv");
			if (r == 0)
				break;
			while (off < r) {
				ssize_t w = send(c->fd, buf + off, (size_t)(r - off), MSG_NOSIGNAL);

				CHECK(w > 0, "echo send");
				off += w;
			}
		}
	} else if (!strcmp(c->mode, "sink")) {
		printf("conn %d: %llu\n", c->k, (unsigned long long)rt_recv_pat(c->fd, 0, 0));
		fflush(stdout);
	} else if (!strcmp(c->mode, "source")) {
		rt_send_pat(c->fd, 0, c->bytes);
	} else if (!strcmp(c->mode, "reset")) {
		struct linger l = { 1, 0 };

		CHECK(recv(c->fd, buf, 1, 0) == 1, "reset: the first byte");
		CHECK(setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == 0, "SO_LINGER");
	} else if (!strcmp(c->mode, "hold")) {
		usleep((useconds_t)c->bytes * 1000);
	}
	close(c->fd);
	return NULL;
}

static int listening(int argc, char **argv)
{
	int lfd, n = atoi(argv[4]);
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	struct conn *cs = calloc((size_t)n, sizeof(*cs));

	CHECK(th && cs, "memory");
	lfd = rt_listen(argv[2], atoi(argv[3]));
	printf("ready\n");
	fflush(stdout);
	for (int k = 0; k < n; k++) {
		cs[k].fd = accept(lfd, NULL, NULL);
		CHECK(cs[k].fd >= 0, "accept");
		cs[k].k = k + 1;
		cs[k].mode = argv[1];
		cs[k].bytes = argc > 5 ? strtoull(argv[5], NULL, 0) : 0;
		CHECK(pthread_create(&th[k], NULL, serve, &cs[k]) == 0, "thread");
	}
	for (int k = 0; k < n; k++)
		pthread_join(th[k], NULL);
	close(lfd);
	return 0;
}

static void *sender(void *arg)
{
	struct conn *c = arg;

	rt_send_pat(c->fd, 0, c->bytes);
	CHECK(shutdown(c->fd, SHUT_WR) == 0, "shutdown");
	return NULL;
}

static int echo_client(char **argv)
{
	struct conn c = { .bytes = strtoull(argv[4], NULL, 0) };
	pthread_t t;

	c.fd = rt_connect(argv[2], atoi(argv[3]));
	CHECK(pthread_create(&t, NULL, sender, &c) == 0, "thread");
	CHECK(rt_recv_pat(c.fd, 0, 0) == c.bytes, "echo came back short");
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "echo-client"))
		return listening(argc, argv);
	if (argc == 5)
		return echo_client(argv);
	fprintf(stderr, "usage: rt_peer echo|sink|source|reset|hold IP PORT N [BYTES|MS]\n"
			"       rt_peer echo-client IP PORT BYTES\n");
	return 2;
}
