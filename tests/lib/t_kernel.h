/* SPDX-License-Identifier: MIT */
#ifndef NM_T_KERNEL_H
#define NM_T_KERNEL_H

/*
 * The Linux kernel as the peer (netns.c, tap.c, kpeer.c, capture.c): the
 * set-up of the tests in tests/kernel/ and of the benchmarks' kernel runs.
 *
 *  - t_enter_netns(): a private network namespace (root; 77 otherwise).
 *  - A TAP in it: the kernel is 198.18.0.1/24 (2001:2::1) on "nmtap0",
 *    our side is .2 / ::2 with MAC t_our_mac (02:00:00:00:00:02);
 *    frames read and written by hand (t_tap_wait, t_tap_send).
 *  - struct t_tap_net: a netmem host on that TAP (an nm_host), for tests
 *    that run both ends in one thread.
 *  - The kernel's TCP as sender and receiver (struct t_ksend, t_krecv),
 *    each in a thread of its own or in the caller's.
 *  - A raw AF_PACKET socket on the TAP: the wire seen and forged from the
 *    kernel's side (t_cap_*).
 *
 * Addresses: 198.18.0.0/15 and 2001:2::/48 only (benchmarking ranges).
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netmem/host.h>
#include <netmem/wire.h>

#include "t_frame.h"
#include "t_net.h"
#include "nic/rtnl.h"
#include "nic/wire_drv.h"

/* ---- a network namespace of the test's own (netns.c) ------------------------------ */

/*
 * Move the calling process into a fresh network namespace (unshare
 * (CLONE_NEWNET)) with only lo, brought up.  Devices, addresses and routes
 * made there vanish when the process exits, so tests never touch the
 * host's network and can run in parallel with fixed names like "nmtap0".
 * Call it first, before creating threads: unshare() acts on the calling
 * thread only.  0; 77 (skip) after printing why without root or where
 * namespaces are not allowed; 1 on another failure.
 *
 *	int r = t_enter_netns();
 *	if (r)
 *		return r;
 */
int t_enter_netns(void);

/* ---- a TAP (tap.c) ------------------------------------------------------------------ */

extern const uint8_t t_our_mac[6];
extern const uint8_t t_host_ip[4], t_our_ip[4];
extern const uint8_t t_host_ip6[16], t_our_ip6[16];

/* The usual test TAP: "nmtap0", 198.18.0.1/24 (and addr6 if not NULL), up. */
struct nm_wire *t_tap_open(bool offloads, const char *addr6);
/* A TAP made with plain ioctls (/dev/net/tun, TUNSETIFF: no wire code
 * involved), for the rtnetlink tests: its fd; the device lives while the
 * fd is open. */
int t_tap_plain(const char *ifname);
/* The kernel side's MAC address. */
void t_tap_kernel_mac(struct nm_wire *w, uint8_t mac[6]);
/* Tell the kernel our MAC for ip (4 or 16 bytes), so it sends without
 * resolving first. */
void t_tap_neigh(struct nm_wire *w, int family, const uint8_t *ip);
/* Write a sysctl under /proc/sys; false if it does not exist. */
bool t_sysctl(const char *path, const char *val);
/* IPv4-only tests: devices created after this have IPv6 off, so the
 * kernel sends no router solicitations or MLD reports on them. */
void t_no_ipv6(void);

typedef bool (*t_frame_pred)(const uint8_t *f, size_t len, void *arg);
/* An ARP frame with this op for target protocol address tpa. */
struct t_arp_match {
	uint16_t op;
	const uint8_t *tpa;
};
bool t_pred_arp(const uint8_t *f, size_t len, void *arg);
/* Read frames until pred accepts one (others, such as the kernel's router
 * solicitations and MLD reports, are skipped and counted); fail the test
 * after timeout_ms.  Returns the accepted frame's length. */
size_t t_tap_wait(struct nm_wire *w, uint8_t *buf, size_t cap, struct nm_wire_meta *meta,
		  t_frame_pred pred, void *arg, int timeout_ms, const char *what);
/* Send one linear frame (fails the test if the wire refuses it). */
void t_tap_send(struct nm_wire *w, const uint8_t *f, size_t len, const struct nm_wire_meta *meta);

/* How many of this process's fds under floor are anonymous inodes
 * (eventfds, epolls, io_uring rings: the library's own kind). */
int t_anon_fds_below(int floor);
/* With an fd floor of 256 set (the drop-in runtime's, src/util/fd.h), a
 * TAP opened on engine io (enum nm_wire_tap_io) and its first receive
 * leave no fd of the library's under 256. */
void t_tap_check_fd_floor(int io);

/* ICMP echo requests the kernel sends to t_our_ip over the TAP (a raw
 * socket's; tap.c): T_ECHO_DATA bytes of data that depend on seq. */
#define T_ECHO_DATA	64
#define T_ECHO_FRAME	(14 + 20 + 8 + T_ECHO_DATA)
int t_echo_sock(void);
void t_echo_send(int sock, uint16_t id, uint16_t seq);
/* Is f (len bytes, from Ethernet on) the request id/seq, data and all? */
bool t_is_echo(const uint8_t *f, uint32_t len, uint16_t id, uint16_t seq);

/* Take frames off the wire (peek, consume) until the echo request id/seq
 * comes, waiting on the wire's fd up to 3 s. */
void t_tap_recv_echo(struct nm_wire *w, uint16_t id, uint16_t seq);
/* Another thread drives the wire: n requests from seq on, each sent and
 * received there in turn; then seq + n here again. */
void t_tap_echo_other_thread(struct nm_wire *w, int sock, uint16_t id, uint16_t seq, int n);

/* Buffers for driving a wire's receive (nm_wire_rx) by hand, as the NIC
 * does: get() offers one buffer for a whole frame and counts the calls. */
struct t_tap_bufs {
	struct nm_wire_rxbufs b;	/* first */
	int gets;
	uint8_t buf[NM_WIRE_MAX_FRAME + 64];
};
void t_tap_bufs_init(struct t_tap_bufs *tb, bool prefer_copy);
/* The echo request id/seq through nm_wire_rx (frames before it taken and
 * dropped), waiting on the wire's fd up to 3 s; whether it came lent
 * (else it landed in tb->buf through get()). */
bool t_tap_rx_echo(struct nm_wire *w, struct t_tap_bufs *tb, uint16_t id, uint16_t seq);

/* A UDP datagram from t_our_ip to the kernel's t_host_ip:port over the
 * TAP (kmac: t_tap_kernel_mac), len bytes that all read tag (tap.c). */
void t_tap_send_udp(struct nm_wire *w, const uint8_t *kmac, uint16_t port, uint32_t len,
		    uint8_t tag);
/* A kernel UDP socket bound to t_host_ip:port, for those datagrams. */
int t_udp_host_sock(uint16_t port);
/* The next datagram's tag (its first byte) on socket us and its length,
 * waiting up to wait_ms for it (the test fails when none comes); with 0
 * -1 if none waits. */
int t_udp_tag(int us, uint32_t *len, int wait_ms);

/* ---- a netmem host on the TAP (tap.c) -------------------------------------------------- */

struct t_tap_net {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_host *h;
	struct nm_wire *w;
	struct nm_netdev *nd;
	struct nm_stack *st;
	uint8_t kmac[6];		/* the kernel side's MAC */
	int ifindex;			/* the TAP's */
};

struct t_tap_params {
	const char *ifname;		/* NULL: "nmtap0" */
	bool offloads;			/* vnet_hdr + offloads on the TAP */
	bool ipv6;			/* 2001:2::1/64 and ::2/64; else IPv6 off */
	uint32_t rx_queues;		/* 0: 1 */
};

/* Enter a private namespace (t_enter_netns: its 77 or 1 is returned) and
 * bring up the TAP and the host: the kernel 198.18.0.1/24 on the TAP,
 * netmem 198.18.0.2/24 "nm0" with MAC t_our_mac. */
int t_tap_net_create(struct t_tap_net *t, const struct t_tap_params *p);
/* The same without entering a namespace (the caller is in one); 0, or
 * the TAP's -errno (no /dev/net/tun, no right to it: nm_last_error()
 * says), the one failure that does not fail the test. */
int t_tap_net_create_here(struct t_tap_net *t, const struct t_tap_params *p);
/* IPv4 only, no offloads: the one-thread TCP tests' TAP. */
int t_tap_net_up(struct t_tap_net *t);
void t_tap_net_down(struct t_tap_net *t);

/* A non-blocking kernel listener on 198.18.0.1:port (rcvbuf 0: default). */
int t_tap_kernel_listen(uint16_t port, int rcvbuf);
/* A non-blocking netmem client connected to the kernel listener lfd on
 * port; *kfd the kernel's (non-blocking) end. */
int t_tap_connect(struct t_tap_net *t, int lfd, uint16_t port, int *kfd);
/* The netmem end's local port. */
uint16_t t_tap_local_port(int sd);

/* ---- the kernel's TCP as sender and receiver (kpeer.c) -------------------------------- */

/*
 * A kernel TCP client that connects to `to` and sends total bytes, chunk
 * bytes per send(): buf over and over, or the stream pattern (t_util.h)
 * when buf is NULL.  The congestion control is pinned to cubic, Linux's
 * default, whatever this machine's default is: with BBR the sender's
 * pacing costs it more CPU than a whole receive path and sets the pace of
 * every receiver alike, hiding the differences the benchmarks measure.
 * If cubic is not available the default stays; cc says what ran.
 *
 * NM_BENCH_TCPINFO=1 in the environment prints the sender's TCP_INFO at
 * the end to stderr: how long it was limited by the receive window, by
 * its send buffer or by nothing (busy), its cwnd, RTT and retransmits,
 * which says which end set the pace.
 */
struct t_ksend {
	struct sockaddr_storage to;	/* t_ksend_to4() / t_ksend_to6() */
	uint64_t total;
	size_t chunk;			/* 0: 256 KiB */
	const uint8_t *buf;		/* chunk bytes, or NULL: the stream pattern */
	/* out */
	int err;			/* 0, or the errno that ended it (EPIPE: the peer
					 * closed early) */
	uint64_t sent;
	char cc[16];			/* the congestion control that ran */
	atomic_bool done;
	pthread_t th;
};

void t_ksend_to4(struct t_ksend *k, const char *ip, uint16_t port);
void t_ksend_to6(struct t_ksend *k, const char *ip, uint16_t port);
/* In the caller's thread; returns k->err. */
int t_ksend_run(struct t_ksend *k);
/* In a thread of its own; t_ksend_join() waits and returns k->err. */
void t_ksend_start(struct t_ksend *k);
int t_ksend_join(struct t_ksend *k);

/*
 * A kernel TCP server: accept one connection on the listening socket lfd
 * (blocking), receive until EOF, check every byte against the stream
 * pattern when verify is set, and count.
 */
struct t_krecv {
	int lfd;
	bool verify;
	int rcvtimeo_s;			/* SO_RCVTIMEO after accept; 0: none */
	/* out */
	int err;			/* 0, or an errno (EBADMSG: a wrong byte) */
	uint64_t got;
	uint64_t bad_at;		/* the first wrong byte's position */
	atomic_bool done;
	pthread_t th;
};

/* A blocking kernel listener bound to ip:port (port 0: any, read it back
 * with t_kernel_port()); -1 with errno on failure. */
int t_kernel_listen(const char *ip, uint16_t port, int backlog);
uint16_t t_kernel_port(int fd);
int t_krecv_run(struct t_krecv *k);
void t_krecv_start(struct t_krecv *k);
int t_krecv_join(struct t_krecv *k);

/* ---- the wire seen from the kernel's side (capture.c) --------------------------------- */

/*
 * One raw AF_PACKET socket bound to the TAP device.  Frames netmem writes
 * into the TAP are received by the kernel (PACKET_HOST and friends:
 * from_netmem), frames the kernel sends to netmem are outgoing
 * (PACKET_OUTGOING).  A frame the socket injects goes out of the TAP to
 * netmem; the socket does not see its own injections.  t_seg_parse()
 * (t_frame.h) reads a captured TCP frame.
 *
 *	int fd = t_cap_open(nm_wire_tap_ifindex(w));
 *	while ((len = t_cap_next(fd, f, sizeof(f), &from_netmem)) > 0) ...
 *	t_cap_inject(fd, ifindex, frame, len);	// to netmem, as if the kernel sent it
 */
int t_cap_open(int ifindex);
/* The next captured frame, without waiting: its length, 0 if none. */
size_t t_cap_next(int fd, uint8_t *f, size_t cap, bool *from_netmem);
void t_cap_inject(int fd, int ifindex, const uint8_t *f, size_t len);

#endif
