/* SPDX-License-Identifier: MIT */
#ifndef NM_T_NET_H
#define NM_T_NET_H

/*
 * Hosts on wires (net.c, raw.c, sock.c): the set-ups of the test bed, the
 * hosts built on the library's nm_host (host.h), as the netmem command
 * builds its hosts.
 *
 *  - struct t_net: two hosts A and B joined by an in-process shm wire,
 *    each netdev on a NIC of its own (nic0, nic1) of one PCI topology.
 *    A is 198.18.0.1/24 + 2001:2::1/64 with MAC t_mac_a, B .2 / ::2 with
 *    t_mac_b.  Both stacks live in the calling thread: tests use
 *    non-blocking sockets and pump both loops (t_pump: never sleeps;
 *    t_net_poll / t_net_until: sleep 1 ms on A's fds when idle, for tests
 *    that wait on timers).
 *
 *	struct t_net n;
 *	t_net_up(&n, NULL);		// defaults: MTU 1500, no faults
 *	lsd = t_listen(n.sb, AF_INET, 5000, 8);
 *	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5000, &ssd);
 *	t_stream(&n, csd, ssd, 1 << 20, 5000);
 *	t_net_down(&n);
 *
 *  - struct t_raw: one host (198.18.0.2, 2001:2::2, MAC t_mac_b) on shm
 *    wire end w; the test drives the peer end by hand (t_wire_send /
 *    t_wire_recv on r.peer) as 198.18.0.1 with MAC t_mac_a.
 *  - struct t_nic: a netdev "nm0" (MAC t_mac_b) alone on wire end a, no
 *    stack; the test drives end b and polls the netdev itself.
 *  - struct t_env: the default PCI topology (nic0, gpu0 with 16 GiB).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <netmem/host.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "net/ip.h"
#include "net/net_internal.h"
#include "util/err.h"
#include "t_frame.h"
#include "t_util.h"
#include "t_wire.h"

/* ---- the default topology ---------------------------------------------------- */

struct t_env {
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
};

/* rc0(p2p) { sw0 { nic0 gpu0(mem=16G) } } */
void t_env_init(struct t_env *e);
/* Every mapping, attachment and device object must be gone by now. */
void t_env_fini(struct t_env *e);

/* ---- two hosts on a wire --------------------------------------------------------- */

struct t_net {
	struct nm_topo *topo;
	struct nm_device *nic0, *nic1;
	struct nm_host *ha, *hb;
	struct nm_wire *wa, *wb;	/* A's end, B's end (the hosts own them) */
	struct nm_netdev *nda, *ndb;
	struct nm_stack *sa, *sb;	/* NULL while the stacks are down */
	/* t_pump() first flushes the fault injector's held frames both ways
	 * (shm wires): reordering and delays then last at most one poll */
	bool flush_wires;
	bool b_gone;			/* t_net_poll*() leave B alone */
};

struct t_net_params {
	/* NULL: 4096 ring entries, 32 MiB arena, MTU 1500, no faults; the
	 * netdevs take the wire's MTU */
	const struct nm_wire_shm_params *wire;
	const char *topo;		/* holding nic0 and nic1; NULL: rc0(p2p) { sw0 { nic0 nic1 } } */
	uint32_t rx_ring, tx_ring;	/* per queue; 0: 1024 RX, the netdev's TX default */
	uint32_t stack_flags;		/* NM_STACK_* */
	bool no_addr6;			/* IPv4 addresses only */
	bool links_only;		/* no stacks yet: t_net_stacks_up() */
};

void t_net_create(struct t_net *n, const struct t_net_params *p);
/* The defaults with the wire wp (NULL: the defaults). */
void t_net_up(struct t_net *n, const struct nm_wire_shm_params *wp);
void t_net_up_topo(struct t_net *n, const struct nm_wire_shm_params *wp, const char *topo);
/* Both stacks, then both links (netdevs, wires, the topology: -EBUSY
 * there while a device still has users: a pool kept alive by a buffer
 * never given back, a binding, a mapping). */
void t_net_down(struct t_net *n);
/* The stacks alone (a fuzz harness keeps its links across inputs); down
 * takes down whichever is still up (a test may have taken one down with
 * nm_host_stack_down(n->hb)). */
void t_net_stacks_up(struct t_net *n);
void t_net_stacks_down(struct t_net *n);

/* Run both loops once, never sleeping. */
void t_pump(struct t_net *n);
/* Pump until cond(arg) or timeout_ms; returns whether cond held. */
bool t_pump_until(struct t_net *n, bool (*cond)(void *), void *arg, int timeout_ms);
/* Pump for ms milliseconds. */
void t_pump_for(struct t_net *n, int ms);

/* One iteration of both stacks (B unless b_gone); frames and timers run. */
int t_net_poll1(struct t_net *n);
/* Poll both for ms milliseconds, sleeping 1 ms on A's fds when idle. */
void t_net_poll(struct t_net *n, uint64_t ms);
typedef bool (*t_net_pred)(struct t_net *n, void *arg);
/* Poll (as t_net_poll) until pred holds; false after timeout_ms. */
bool t_net_until(struct t_net *n, t_net_pred pred, void *arg, uint64_t timeout_ms);

/* ---- one host, the peer driven by hand --------------------------------------------- */

struct t_raw {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_host *h;
	struct nm_wire *w, *peer;
	struct nm_netdev *nd;
	struct nm_stack *st;
};

/* The link alone (topology, wire, netdev "nm0"); t_raw_stack() adds a
 * stack with flags (NM_STACK_*), t_raw_stack_down() takes it away. */
void t_raw_link(struct t_raw *r, uint32_t flags);
void t_raw_stack(struct t_raw *r);
void t_raw_stack_down(struct t_raw *r);
void t_raw_up(struct t_raw *r, uint32_t flags);
void t_raw_down(struct t_raw *r);
/* Send a frame from the peer; -EAGAIN when the ring is full. */
int t_raw_send(struct t_raw *r, const uint8_t *f, uint32_t len);
/* Receive one frame the stack sent (0 if none). */
int t_raw_recv(struct t_raw *r, uint8_t *buf, uint32_t cap);
/* The peer (198.18.0.1, MAC t_mac_a) announces itself with an ARP request
 * and pings the stack: true once the echo reply comes back to the peer's
 * MAC within timeout_ms of polling (frames of other kinds are dropped). */
bool t_raw_ping_answered(struct t_raw *r, uint64_t timeout_ms);

/* ---- a netdev alone ------------------------------------------------------------------ */

struct t_nic {
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_wire *a, *b;
	struct nm_netdev *nd;		/* on a; the NIC layer's own, no host */
};

/* The default topology: nic0 (the netdev's DMA device) and gpu0. */
void t_nic_topo(struct t_nic *t);
/* The netdev "nm0" on a wire of arena_bytes and ring_entries (0: the
 * wire's defaults) with rxq RX queues of 256 descriptors. */
void t_nic_up_wire(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso, uint32_t arena_bytes,
		   uint32_t ring_entries);
/* The same on a 64 MiB arena, 4096 entries. */
void t_nic_up(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso);
void t_nic_down(struct t_nic *t);

/* ---- stacks and sockets ----------------------------------------------------------------- */

/* The ARP/ICMP tests' two stacks: a wire of 1024 entries and 8 MiB with
 * this MTU, 256 descriptors per ring. */
void t_net_up_mtu(struct t_net *n, uint32_t mtu);

/* "198.18.0.1" or "2001:2::1" as a struct nm_addr. */
struct nm_addr t_addr(const char *s);
struct nm_stack_stats t_stats(struct nm_stack *st);
struct nm_iface *t_iface(struct nm_stack *st);
/* Every frame the stack received is accounted for exactly once, by the
 * Ethernet layer and then by IPv4 / IPv6 (direct: frames handed to
 * nm_eth_rcv() by the test, which rx_frames does not count). */
void t_stats_add_up(const struct nm_stack_stats *s, uint64_t direct);

struct sockaddr_in t_sin(const char *ip, uint16_t port);
struct sockaddr_in6 t_sin6(const char *ip, uint16_t port);
/* A non-blocking listener (SO_REUSEADDR) on the wildcard address. */
int t_listen(struct nm_stack *st, int family, uint16_t port, int backlog);
/* A test's end: close each socket of the list (a failure fails the test
 * at the caller's line, naming the socket) and run both stacks for ms so
 * the FINs settle before what the sockets used is unbound. */
void t_close_all(const char *file, int line, struct t_net *n, int ms, const int *sds, size_t nsd);
#define T_CLOSE_ALL(n, ms, ...)                                              \
	t_close_all(__FILE__, __LINE__, (n), (ms), (const int[]){ __VA_ARGS__ }, \
		    sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))
/* The connection's state in the kernel's numbering (TCP_INFO's
 * tcpi_state, but TCP_TIME_WAIT where TCP_INFO says TCP_CLOSE as Linux's
 * socket does in TIME_WAIT), or -1. */
int t_tcp_state(int sd);
/* A connection in the making, for t_pump_until(t_conn_ready, ...): true
 * once lsd accepted it (ssd) and the client csd is established. */
struct t_conn_arg {
	int lsd, csd, ssd;
};
bool t_conn_ready(void *arg);
/* Connect a non-blocking client on A to B's listener lsd; returns the
 * client sd, *ssd the accepted one. */
int t_connect_pair(struct t_net *n, int lsd, const char *ip, uint16_t port, int *ssd);
/* Move len bytes of the stream pattern from sd_tx to sd_rx, pumping,
 * verifying every byte.  Returns elapsed microseconds. */
uint64_t t_stream(struct t_net *n, int sd_tx, int sd_rx, uint64_t len, int timeout_ms);

#endif
