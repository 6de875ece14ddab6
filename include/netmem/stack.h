/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_STACK_H
#define NETMEM_STACK_H

/*
 * The TCP/IP stack: one event loop per thread, run to completion.
 *
 * A stack owns interfaces (a netdev with IPv4/IPv6 addresses and routes),
 * the sockets opened on it (socket.h) and a timer wheel.  nm_stack_poll()
 * runs the loop once: it pulls frames from every netdev, runs them up
 * through Ethernet, ARP, IPv4, IPv6/ND, ICMP and TCP, runs the timers that
 * are due and flushes output.  In blocking mode it sleeps (epoll on the
 * wires' fds and a timerfd) when there is nothing to do; in busy-poll mode
 * it never sleeps.
 *
 * Threads: every call on a stack and on its sockets comes from the thread
 * that runs it.  Blocking socket calls run the loop themselves while they
 * wait.
 *
 * Calling order: create the stack, add its interfaces (a netdev each, made
 * first), then open sockets.  Tear down in the reverse order of what
 * depends on what: sockets, then the stack (it drives its netdevs: destroy
 * it before any of them), then each netdev, its wire, and last the PCI
 * topology (nm_topo_destroy() is -EBUSY while a device still has
 * mappings, device memory or attachments: the netdev's rings, the
 * dma-bufs, the bindings).  Bindings (nm_ctl_close(), which restarts the
 * queues on host pages) go before their netdev: from the stack's thread
 * while it runs, or once it is destroyed.  nm_host_destroy() does stack,
 * netdev, wire and the topology it made, in that order.
 */

#include <stdint.h>

#include <netmem/netdev.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_stack;

#define NM_STACK_BUSY_POLL	(1u << 0)	/* never sleep in nm_stack_poll() */
/* Never spin before a sleep (below).  Without it, nm_stack_poll() with a
 * timeout polls for up to NM_SPIN_US microseconds (environment, read at
 * creation: 0 to 100000, default 200) before it sleeps, but only while
 * traffic flows (its last sleep ended within a millisecond, or its last
 * spin found work) and only where this thread may run on two or more
 * CPUs: a peer on another core is then heard without a wakeup on either
 * side.  An idle stack sleeps at once. */
#define NM_STACK_NO_SPIN	(1u << 1)

struct nm_stack_params {
	uint32_t flags;			/* NM_STACK_* */
};

int nm_stack_create(const struct nm_stack_params *p, struct nm_stack **out);
/* Closes every socket (RST to peers of connected ones), drops interfaces.
 * The netdevs are the caller's and stay; destroy them after the stack. */
int nm_stack_destroy(struct nm_stack *st);

struct nm_iface_params {
	struct nm_netdev *nd;		/* required; the stack drives it */
	const char *addr4;		/* "198.18.0.2/24", or NULL */
	const char *gw4;		/* default IPv4 gateway, or NULL */
	const char *addr6;		/* "2001:2::2/64", or NULL (a link-local
					 * address from the MAC is always added) */
	const char *gw6;		/* default IPv6 gateway, or NULL */
};
/* Returns the interface's index in the stack (>= 0).  Before the sockets
 * that use its addresses (socket.h). */
int nm_stack_add_iface(struct nm_stack *st, const struct nm_iface_params *p);

/* Run the loop once; wait up to timeout_ms (0: do not wait, < 0: until
 * something happens) for work in blocking mode.  Returns the number of
 * frames and timers processed, or -errno. */
int nm_stack_poll(struct nm_stack *st, int timeout_ms);

/* An fd that polls readable when nm_stack_poll() has work (an epoll fd
 * over the wires and the timer), for an application's own event loop. */
int nm_stack_get_fd(struct nm_stack *st);

struct nm_stack_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t arp_requests, arp_replies, arp_resolved, arp_timeouts;
	uint64_t nd_solicits, nd_adverts;
	uint64_t ip4_in, ip4_out, ip4_bad_header, ip4_fragments, ip4_no_route, ip4_not_ours;
	uint64_t ip6_in, ip6_out, ip6_bad_header, ip6_fragments, ip6_no_route, ip6_not_ours;
	uint64_t icmp_echo_replied, icmp6_echo_replied, icmp_in_errors;
	uint64_t tcp_in, tcp_out, tcp_bad_csum, tcp_no_socket, tcp_rst_sent;
	uint64_t tcp_retransmits, tcp_sack_recoveries, tcp_fast_retransmits, tcp_rto;
	uint64_t tcp_challenge_acks, tcp_ooo_queued, tcp_dup_dropped;
	uint64_t unreadable_dropped;	/* device-memory payload no socket could take */
	/* Ethernet: every received frame ends in arp_in, ip4_in, ip6_in or one
	 * of these */
	uint64_t eth_bad;		/* shorter than an Ethernet header */
	uint64_t eth_not_ours;		/* another MAC, a multicast group we are not in */
	uint64_t eth_vlan_dropped;	/* VLAN-tagged: no VLAN support */
	uint64_t eth_unknown_type;	/* not ARP / IPv4 / IPv6 */
	uint64_t tx_errors;		/* the NIC refused a frame */
	/* neighbours (ARP and ND) */
	uint64_t arp_in;		/* ARP frames received */
	uint64_t arp_bad, arp_ignored;	/* malformed; not for us / gratuitous unknown */
	uint64_t neigh_queued;		/* packets queued while resolving */
	uint64_t neigh_queue_overflow;	/* dropped: the entry's queue was full */
	uint64_t neigh_failed_dropped;	/* dropped: resolution failed */
	uint64_t nd_resolved, nd_timeouts, nd_bad;
	/* IP: ip4_in == ip4_bad_header + ip4_fragments + ip4_not_ours +
	 * ip4_delivered + ip4_unknown_proto (same for IPv6) */
	uint64_t ip4_delivered, ip4_unknown_proto;
	uint64_t ip6_delivered, ip6_unknown_proto;
	/* ICMP */
	uint64_t icmp_in, icmp_bad, icmp_echo_reply_in;
	uint64_t icmp6_in, icmp6_bad, icmp6_echo_reply_in;
	/* TCP payload the CPU copied: the application's bytes into the send
	 * ring (nm_send) and received bytes out to the application (nm_recv,
	 * and the linear bytes of a devmem recvmsg).  A transfer with devmem
	 * TX and devmem RX copies none. */
	uint64_t payload_copies, payload_copy_bytes;
	/* TCP loss detection: tail loss probes sent (RFC 8985), and loss
	 * responses undone because every retransmission came back as a
	 * duplicate (DSACK): reordering, not loss */
	uint64_t tcp_loss_probes, tcp_spurious_undos;
	/* Replies to out-of-window segments that the per-socket rate limit
	 * (tcp_invalid_ratelimit) left unsent, by the state or check that
	 * drew them; Linux's TCPACKSkippedSynRecv, TCPACKSkippedPAWS,
	 * TCPACKSkippedSeq, TCPACKSkippedFinWait2 (an orphan's FIN_WAIT_2),
	 * TCPACKSkippedTimeWait and TCPACKSkippedChallenge.  Challenge ACKs
	 * sent (RFC 5961) are tcp_challenge_acks, Linux's TCPChallengeACK. */
	uint64_t tcp_ack_skipped_synrecv, tcp_ack_skipped_paws, tcp_ack_skipped_seq;
	uint64_t tcp_ack_skipped_finwait2, tcp_ack_skipped_timewait, tcp_ack_skipped_challenge;
	/* nm_stack_poll(): sleeps (epoll_wait) it took, spins before a sleep
	 * (NM_STACK_NO_SPIN), and spins that found work, so did not sleep */
	uint64_t poll_sleeps, poll_spins, poll_spin_hits;
};
/* The stack's counters (size: sizeof(*s), the convention of error.h). */
int nm_stack_get_stats(const struct nm_stack *st, struct nm_stack_stats *s, size_t size);

/* ---- TCP settings (Linux's net.ipv4.tcp_* sysctls of the same names) ---- */

struct nm_stack_tcp_sysctl {
	uint32_t invalid_ratelimit_ms;	/* tcp_invalid_ratelimit; default 500 */
	uint32_t challenge_ack_limit;	/* tcp_challenge_ack_limit; default INT32_MAX */
};
/*
 * The stack's TCP settings, each the Linux sysctl of its name, with
 * Linux's defaults:
 *   invalid_ratelimit_ms  the least time, in milliseconds, between two
 *	replies a connection sends to segments it cannot accept: duplicate
 *	ACKs for sequence numbers outside the window and PAWS failures,
 *	challenge ACKs for ACKs of unsent data, too-old ACKs, in-window SYNs
 *	and RSTs.  Segments carrying data or a FIN (without SYN) are always
 *	answered.  It stops ACK loops between two TCPs that disagree about
 *	each other's windows (after a spoofed segment, say).  Skipped
 *	replies count in nm_stack_stats.tcp_ack_skipped_*.  0: no limit.
 *	Default 500.
 *   challenge_ack_limit  challenge ACKs (RFC 5961 7) the whole stack sends
 *	per second on average, after each connection's own limit; the
 *	budget of each second is drawn at random between half and one and
 *	a half times it, as Linux does, so that it cannot serve as a side
 *	channel.  0 sends none; INT32_MAX, the default, sets no stack-wide
 *	limit.
 */
int nm_stack_get_tcp_sysctl(const struct nm_stack *st, struct nm_stack_tcp_sysctl *s);
/* Sets every field (read, change, write); applies from the next segment.
 * -EINVAL for a NULL argument or a value above INT32_MAX (nothing changes
 * then). */
int nm_stack_set_tcp_sysctl(struct nm_stack *st, const struct nm_stack_tcp_sysctl *s);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_STACK_H */
