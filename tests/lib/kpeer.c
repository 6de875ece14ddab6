/* SPDX-License-Identifier: MIT */
/*
 * The Linux kernel's TCP as the peer (t_kernel.h): a sender and a
 * receiver, in the caller's thread or one of their own, and the
 * listeners they use.  The TAP tests and the benchmarks' kernel runs
 * (TAP, veth, loopback) share them.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "t_kernel.h"

#define KPEER_CHUNK (256u << 10)

/* ---- listeners -------------------------------------------------------------------- */

static int kernel_listen(const char *ip, uint16_t port, int backlog, int type, int rcvbuf)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int one = 1, fd, v6 = strchr(ip, ':') != NULL;

	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		if (inet_pton(AF_INET6, ip, &a->sin6_addr) != 1)
			return errno = EINVAL, -1;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &a->sin_addr) != 1)
			return errno = EINVAL, -1;
		sl = sizeof(*a);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) ||
	    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, backlog)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int t_kernel_listen(const char *ip, uint16_t port, int backlog)
{
	return kernel_listen(ip, port, backlog, SOCK_STREAM, 0);
}

uint16_t t_kernel_port(int fd)
{
	struct sockaddr_in6 a;
	socklen_t l = sizeof(a);

	T_ASSERT(getsockname(fd, (struct sockaddr *)&a, &l) == 0);
	return ntohs(a.sin6_port);	/* sin_port sits at the same offset */
}

int t_tap_kernel_listen(uint16_t port, int rcvbuf)
{
	int fd = kernel_listen("198.18.0.1", port, 4, SOCK_STREAM | SOCK_NONBLOCK, rcvbuf);

	if (fd < 0)
		T_FAIL("kernel listener on 198.18.0.1:%u: %s", port, strerror(errno));
	return fd;
}

int t_tap_connect(struct t_tap_net *t, int lfd, uint16_t port, int *kfd)
{
	struct sockaddr_in a = t_sin("198.18.0.1", port);
	uint64_t end = t_now_us() + 5000000;
	int sd = (int)T_OK(nm_socket(t->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));

	T_EQ(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	*kfd = -1;
	while (*kfd < 0 || t_tcp_state(sd) != TCP_ESTABLISHED) {
		if (t_now_us() > end)
			T_FAIL("netmem could not connect to the kernel in 5 s");
		T_OK(nm_stack_poll(t->st, 1));
		if (*kfd < 0)
			*kfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	}
	return sd;
}

uint16_t t_tap_local_port(int sd)
{
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);

	T_OK(nm_getsockname(sd, (struct sockaddr *)&l, &ll));
	return ntohs(l.sin_port);
}

/* ---- the sender --------------------------------------------------------------------- */

void t_ksend_to4(struct t_ksend *k, const char *ip, uint16_t port)
{
	struct sockaddr_in a = t_sin(ip, port);

	memset(&k->to, 0, sizeof(k->to));
	memcpy(&k->to, &a, sizeof(a));
}

void t_ksend_to6(struct t_ksend *k, const char *ip, uint16_t port)
{
	struct sockaddr_in6 a = t_sin6(ip, port);

	memset(&k->to, 0, sizeof(k->to));
	memcpy(&k->to, &a, sizeof(a));
}

/* Linux's struct tcp_info up to tcpi_snd_wnd (Linux >= 5.4): glibc's copy
 * in <netinet/tcp.h> stops at tcpi_total_retrans, and <linux/tcp.h>
 * clashes with it.  A shorter kernel fills less; the rest stays 0. */
struct kpeer_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss, unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};

/* NM_BENCH_TCPINFO=1: the sender's TCP_INFO on stderr. */
static void print_tcpinfo(int fd)
{
	struct kpeer_tcp_info ti;
	socklen_t l = sizeof(ti);
	const char *on = getenv("NM_BENCH_TCPINFO");

	if (!on || !*on || *on == '0')
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l))
		return;
	fprintf(stderr, "tcp_info: busy %llu us, rwnd_limited %llu us, sndbuf_limited %llu us, "
		"cwnd %u, ssthresh %u, rtt %u us (var %u), snd_wnd %u, total_retrans %u, "
		"segs_out %u, snd_mss %u\n",
		(unsigned long long)ti.busy_time, (unsigned long long)ti.rwnd_limited,
		(unsigned long long)ti.sndbuf_limited, ti.snd_cwnd, ti.snd_ssthresh, ti.rtt,
		ti.rttvar, ti.snd_wnd, ti.total_retrans, ti.segs_out, ti.snd_mss);
}

static const char kpeer_cc[] = "cubic";

int t_ksend_run(struct t_ksend *k)
{
	size_t chunk = k->chunk ? k->chunk : KPEER_CHUNK;
	socklen_t tl = k->to.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	socklen_t cl = sizeof(k->cc) - 1;
	int fd = socket(k->to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	k->err = 0;
	k->sent = 0;
	memset(k->cc, 0, sizeof(k->cc));
	if (fd < 0) {
		k->err = errno;
		goto out;
	}
	/* cubic where the kernel has it; else its default, reported in cc */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, kpeer_cc, sizeof(kpeer_cc) - 1);
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, k->cc, &cl))
		snprintf(k->cc, sizeof(k->cc), "unknown");
	if (connect(fd, (const struct sockaddr *)&k->to, tl) < 0) {
		k->err = errno ? errno : EIO;
		goto out;
	}
	T_ASSERT(k->buf || chunk <= T_PAT_RUN);
	while (k->sent < k->total) {
		size_t n = k->total - k->sent < chunk ? (size_t)(k->total - k->sent) : chunk;
		ssize_t r = send(fd, k->buf ? k->buf : t_pat(k->sent), n, 0);

		if (r <= 0) {
			k->err = r < 0 ? errno : EPIPE;
			goto out;
		}
		k->sent += (uint64_t)r;
	}
	print_tcpinfo(fd);
out:
	if (fd >= 0)
		close(fd);
	atomic_store(&k->done, true);
	return k->err;
}

static void *ksend_thread(void *arg)
{
	t_ksend_run(arg);
	return NULL;
}

void t_ksend_start(struct t_ksend *k)
{
	atomic_store(&k->done, false);
	T_ASSERT(pthread_create(&k->th, NULL, ksend_thread, k) == 0);
}

int t_ksend_join(struct t_ksend *k)
{
	T_ASSERT(pthread_join(k->th, NULL) == 0);
	return k->err;
}

/* ---- the receiver ---------------------------------------------------------------------- */

int t_krecv_run(struct t_krecv *k)
{
	uint8_t *buf = malloc(KPEER_CHUNK);
	int fd = -1;

	k->err = 0;
	k->got = 0;
	if (!buf) {
		k->err = ENOMEM;
		goto out;
	}
	fd = accept(k->lfd, NULL, NULL);
	if (fd < 0) {
		k->err = errno;
		goto out;
	}
	if (k->rcvtimeo_s) {
		struct timeval tv = { k->rcvtimeo_s, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	for (;;) {
		ssize_t r = recv(fd, buf, KPEER_CHUNK, 0);

		if (r < 0) {
			k->err = errno;
			break;
		}
		if (r == 0)
			break;
		if (k->verify && !t_pat_ok(buf, (uint64_t)r, k->got)) {
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != T_PAT(k->got + (uint64_t)i)) {
					k->bad_at = k->got + (uint64_t)i;
					break;
				}
			k->err = EBADMSG;
			break;
		}
		k->got += (uint64_t)r;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	atomic_store(&k->done, true);
	return k->err;
}

static void *krecv_thread(void *arg)
{
	t_krecv_run(arg);
	return NULL;
}

void t_krecv_start(struct t_krecv *k)
{
	atomic_store(&k->done, false);
	T_ASSERT(pthread_create(&k->th, NULL, krecv_thread, k) == 0);
}

int t_krecv_join(struct t_krecv *k)
{
	T_ASSERT(pthread_join(k->th, NULL) == 0);
	return k->err;
}
