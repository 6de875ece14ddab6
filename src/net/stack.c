/* SPDX-License-Identifier: MIT */
/*
 * The stack's event loop and its interfaces (stack.h).
 *
 * One iteration (nm_stack_poll): for each interface pull up to 64 frames
 * from the wire into the NIC's queues (nm_netdev_poll), take every received
 * packet of every RX queue (nm_netdev_rx_poll), wrap it in an skb and run
 * it up through Ethernet; then run the timers due at nm_now_us().  In
 * blocking mode, an iteration that found nothing arms every wire's wakeup
 * (nm_wire_arm) and sleeps in epoll on every wire's fd and a timerfd armed
 * for the next timer, then runs once more.  Wakeups are armed only before
 * a sleep (ours, or an application's on nm_stack_get_fd()), so polling
 * with timeout 0 costs the wires no syscalls.  Busy-poll mode never sleeps
 * and never arms the shm wires' wakeups.
 *
 * Transmit does not come back here: frames leave net/ through
 * nm_dev_queue_xmit() (dev.c), whose per-interface state add_iface sets up.
 *
 * Invariants: 1. every interface's wire fd (when it has one) is in epfd;
 * 2. timerfd is armed for timer_armed_us (0: disarmed) in blocking mode,
 * and for the next timer whenever the loop sleeps or returns to an
 * application that asked for epfd (a loop polling with timeout 0 and no
 * one sleeping on epfd does not pay a timerfd_settime per timer change);
 * 3. st->now_us is the time of the current iteration.
 * Threads: everything here runs on the stack's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "net/ip.h"
#include "net/tcp.h"
#include "nic/netdev_drv.h"
#include "nic/pkt.h"
#include "util/cpu.h"
#include "util/err.h"
#include "util/fd.h"
#include "util/stats.h"

#define STACK_RX_BUDGET	64	/* frames per interface per iteration (NAPI's) */
/* Spinning before a sleep (NM_STACK_NO_SPIN in stack.h): the default
 * budget, its ceiling, and the sleep after which traffic counts as
 * stopped.  Measured on the 2-core development VM (netmem demo, devmem,
 * 5 runs each): a spin of 200 us before every sleep gave a median of 45.1
 * Gbit/s against 37.8 without, 50 us no gain (the peer's next frame is
 * further away); this adaptive form 42.4 against 40.2 (docs/stack.md). */
#define STACK_SPIN_DEFAULT_US	200u
#define STACK_SPIN_MAX_US	100000u
#define STACK_SPIN_HOT_US	1000u
#define STACK_SPIN_BACKOFF_MAX	6u	/* after misses: skip up to 2^6 spins */
#define STACK_RX_BATCH	16
/* Private st->flags bit (nm_stack_create refuses all but the public ones):
 * nm_stack_get_fd() was called, an application may sleep on epfd. */
#define STACK_F_EXT_WAIT	(1u << 31)

struct nm_iface_priv {
	struct nm_iface ifc;		/* first: nm_iface * converts */
	uint32_t nr_rxq;
	int wire_fd;
};

static struct nm_iface_priv *iface_priv(struct nm_iface *ifc)
{
	return (struct nm_iface_priv *)ifc;
}

/* ---- creation ------------------------------------------------------------- */

/* The spin budget for a new stack: NM_SPIN_US, else the default; none
 * with NM_STACK_NO_SPIN or fewer than two CPUs to run on (the peer this
 * spin waits for could not run meanwhile). */
static int stack_spin_budget(uint32_t flags, uint32_t *us)
{
	const char *e = getenv("NM_SPIN_US");
	cpu_set_t cpus;

	*us = STACK_SPIN_DEFAULT_US;
	if (e) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(e, &end, 10);
		if (!*e || *end || errno || e[0] == '-' || v > STACK_SPIN_MAX_US)
			return nm_err(EINVAL, "NM_SPIN_US=\"%s\": microseconds from 0 to %u "
				      "expected", e, STACK_SPIN_MAX_US);
		*us = (uint32_t)v;
	}
	if ((flags & (NM_STACK_NO_SPIN | NM_STACK_BUSY_POLL)) ||
	    (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2))
		*us = 0;
	return 0;
}

int nm_stack_create(const struct nm_stack_params *p, struct nm_stack **out)
{
	NM_API_CALL();
	struct epoll_event ev = { .events = EPOLLIN };
	struct nm_stack *st;
	int r;
	uint32_t spin_us;

	if (!out)
		return nm_err(EINVAL, "NULL out");
	if (p && (p->flags & ~(NM_STACK_BUSY_POLL | NM_STACK_NO_SPIN)))
		return nm_err(EINVAL, "unknown flags 0x%x", p->flags);
	r = stack_spin_budget(p ? p->flags : 0, &spin_us);
	if (r < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return nm_err(ENOMEM, "out of memory");
	st->flags = p ? p->flags : 0;
	st->spin_us = spin_us;
	st->now_us = nm_now_us();
	st->ip4_id = (uint32_t)st->now_us;
	r = nm_timer_wheel_create(st->now_us, &st->wheel);
	if (r < 0)
		goto err_free;
	st->epfd = nm_fd_lift(epoll_create1(EPOLL_CLOEXEC));
	if (st->epfd < 0) {
		r = nm_err_sys(errno, "epoll_create1");
		goto err_wheel;
	}
	st->timerfd = nm_fd_lift(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (st->timerfd < 0) {
		r = nm_err_sys(errno, "timerfd_create");
		goto err_epoll;
	}
	ev.data.fd = st->timerfd;
	if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->timerfd, &ev) < 0) {
		r = nm_err_sys(errno, "epoll_ctl ADD timerfd");
		goto err_timerfd;
	}
	r = nm_stack_hooks_init(st);
	if (r < 0)
		goto err_timerfd;
	r = nm_tcp_init(st);
	if (r < 0) {
		nm_stack_hooks_fini(st);
		goto err_timerfd;
	}
	*out = st;
	return 0;

err_timerfd:
	close(st->timerfd);
err_epoll:
	close(st->epfd);
err_wheel:
	nm_timer_wheel_destroy(st->wheel);
err_free:
	free(st);
	return r;
}

static void iface_free(struct nm_iface_priv *ip)
{
	nm_neigh_table_destroy(ip->ifc.neigh);
	nm_dev_fini(&ip->ifc);
	free(ip);
}

int nm_stack_destroy(struct nm_stack *st)
{
	NM_API_CALL();
	if (!st)
		return nm_err(EINVAL, "NULL stack");
	st->now_us = nm_now_us();
	nm_tcp_fini(st);	/* may still send RSTs: interfaces stay until after */
	for (int i = 0; i < st->nr_ifaces; i++)
		iface_free(iface_priv(st->ifaces[i]));
	st->nr_ifaces = 0;
	nm_timer_wheel_destroy(st->wheel);
	close(st->timerfd);
	close(st->epfd);
	nm_stack_hooks_fini(st);
	free(st);
	return 0;
}

/* ---- addresses ------------------------------------------------------------ */

/* "A.B.C.D/P" or "X::Y/P" (with_prefix) or a bare address; strict. */
static int parse_addr(const char *what, const char *s, bool v6, bool with_prefix,
		      struct nm_addr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint8_t raw[16];
	unsigned max = v6 ? 128 : 32, val = 0;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return nm_err(EINVAL, "%s \"%s\" is not an address", what, s);
	if (with_prefix != (slash != NULL))
		return nm_err(EINVAL, "%s \"%s\": %s", what, s,
			      with_prefix ? "needs a /prefix" : "takes no /prefix");
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, raw) != 1)
		return nm_err(EINVAL, "%s \"%s\" is not an IPv%d address", what, s,
			      v6 ? 6 : 4);
	if (slash) {
		const char *d = slash + 1;

		if (!*d || strlen(d) > 3)
			return nm_err(EINVAL, "%s \"%s\": bad prefix length", what, s);
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return nm_err(EINVAL, "%s \"%s\": bad prefix length", what,
					      s);
			val = val * 10 + (unsigned)(*d - '0');
		}
		if (val > max || (val == 0 && !v6) || (v6 && val == 0))
			return nm_err(EINVAL, "%s \"%s\": prefix length %u outside 1..%u",
				      what, s, val, max);
		*plen = (uint8_t)val;
	}
	if (v6)
		nm_addr_set_v6(a, raw);
	else
		nm_addr_set_v4(a, raw);
	if (nm_addr_unspec(a) || (v6 ? (nm_addr6_mcast(a) || nm_addr_is_v4(a))
				     : nm_addr4_mcast_or_bcast(raw)))
		return nm_err(EINVAL, "%s \"%s\" is not a unicast address", what, s);
	return 0;
}

static void ll6_from_mac(struct nm_addr *a, const uint8_t mac[6])
{
	memset(a->b, 0, 16);
	a->b[0] = 0xfe;
	a->b[1] = 0x80;
	a->b[8] = mac[0] ^ 0x02;	/* modified EUI-64: flip universal/local */
	a->b[9] = mac[1];
	a->b[10] = mac[2];
	a->b[11] = 0xff;
	a->b[12] = 0xfe;
	a->b[13] = mac[3];
	a->b[14] = mac[4];
	a->b[15] = mac[5];
}

static int iface_parse(struct nm_iface *ifc, const struct nm_iface_params *p)
{
	int r;

	if (p->addr4) {
		r = parse_addr("addr4", p->addr4, false, true, &ifc->addr4, &ifc->plen4);
		if (r < 0)
			return r;
		ifc->has4 = true;
	}
	if (p->gw4) {
		if (!ifc->has4)
			return nm_err(EINVAL, "gw4 without addr4");
		r = parse_addr("gw4", p->gw4, false, false, &ifc->gw4, NULL);
		if (r < 0)
			return r;
		ifc->has_gw4 = true;
	}
	if (p->addr6) {
		r = parse_addr("addr6", p->addr6, true, true, &ifc->addr6, &ifc->plen6);
		if (r < 0)
			return r;
		ifc->has6 = true;
	}
	if (p->gw6) {
		r = parse_addr("gw6", p->gw6, true, false, &ifc->gw6, NULL);
		if (r < 0)
			return r;
		ifc->has_gw6 = true;
	}
	return 0;
}

int nm_stack_add_iface(struct nm_stack *st, const struct nm_iface_params *p)
{
	NM_API_CALL();
	struct epoll_event ev = { .events = EPOLLIN };
	struct nm_channels ch;
	struct nm_iface_priv *ip;
	struct nm_iface *ifc;
	int r, mtu;

	if (!st || !p || !p->nd)
		return nm_err(EINVAL, "NULL stack, params or netdev");
	if (st->nr_ifaces >= NM_STACK_MAX_IFACES)
		return nm_err(ENOSPC, "%d interfaces already", NM_STACK_MAX_IFACES);
	for (int i = 0; i < st->nr_ifaces; i++)
		if (st->ifaces[i]->nd == p->nd)
			return nm_err(EEXIST, "netdev %s already added",
				      nm_netdev_name(p->nd));
	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return nm_err(ENOMEM, "out of memory");
	ifc = &ip->ifc;
	ifc->st = st;
	ifc->idx = st->nr_ifaces;
	ifc->nd = p->nd;
	ip->wire_fd = -1;
	r = iface_parse(ifc, p);
	if (r < 0)
		goto err_free;
	r = nm_netdev_get_mac(p->nd, ifc->mac);
	if (r < 0)
		goto err_free;
	mtu = nm_netdev_mtu(p->nd);
	if (mtu < 0) {
		r = mtu;
		goto err_free;
	}
	ifc->mtu = (uint32_t)mtu;
	r = nm_netdev_get_channels(p->nd, &ch);
	if (r < 0)
		goto err_free;
	ip->nr_rxq = ch.rx;
	ll6_from_mac(&ifc->ll6, ifc->mac);
	r = nm_neigh_table_create(ifc, &ifc->neigh);
	if (r < 0)
		goto err_free;
	r = nm_dev_init(ifc);
	if (r < 0)
		goto err_free;
	if (!(st->flags & NM_STACK_BUSY_POLL)) {
		/* asking for the fd arms the shm wire's wakeups: only when we
		 * may sleep */
		ip->wire_fd = nm_wire_get_fd(nm_netdev_wire(p->nd));
		if (ip->wire_fd >= 0) {
			/* from now on the loop arms it, only before a sleep */
			nm_wire_arm(nm_netdev_wire(p->nd));
			ev.data.fd = ip->wire_fd;
			if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, ip->wire_fd, &ev) < 0 &&
			    errno != EEXIST) {
				r = nm_err_sys(errno, "epoll_ctl ADD wire fd %d", ip->wire_fd);
				goto err_free;
			}
		}
	}
	st->ifaces[st->nr_ifaces++] = ifc;
	return ifc->idx;

err_free:
	iface_free(ip);
	return r;
}

/* ---- the loop ------------------------------------------------------------- */

static int iface_rx(struct nm_iface_priv *ip)
{
	struct nm_rx_pkt pkts[STACK_RX_BATCH];
	struct nm_iface *ifc = &ip->ifc;
	int work = 0;

	nm_netdev_poll(ifc->nd, STACK_RX_BUDGET);
	for (uint32_t q = 0; q < ip->nr_rxq; q++) {
		int n;

		while ((n = nm_netdev_rx_poll(ifc->nd, q, pkts, STACK_RX_BATCH)) > 0) {
			for (int i = 0; i < n; i++) {
				struct nm_skb *skb = nm_skb_from_rx(ifc, &pkts[i]);

				ifc->st->stats.rx_frames++;
				if (skb)
					nm_eth_rcv(ifc, skb);
			}
			work += n;
		}
	}
	return work;
}

static int stack_run_once(struct nm_stack *st)
{
	uint64_t held;
	int work = 0, r;

	/* one clock read per pass (two with frames): timer.c says why */
	st->now_us = nm_clock_read();
	held = nm_clock_hold(st->now_us);
	if (st->timer_armed_us && st->now_us >= st->timer_armed_us) {
		uint64_t ticks;

		if (read(st->timerfd, &ticks, sizeof(ticks)) < 0) {
			/* nothing to drain: EAGAIN */
		}
		st->timer_armed_us = 0;
	}
	/* what the pass transmits (its ACKs) may go out together at its end */
	for (int i = 0; i < st->nr_ifaces; i++)
		nm_netdev_tx_batch(st->ifaces[i]->nd, true);
	for (int i = 0; i < st->nr_ifaces; i++)
		work += iface_rx(iface_priv(st->ifaces[i]));
	if (work) {	/* frames took time; an idle pass did not (one clock read) */
		st->now_us = nm_clock_read();
		nm_clock_hold(st->now_us);
	}
	r = nm_timer_run(st->wheel, st->now_us);
	if (r > 0)
		work += r;
	/* rings of other threads (stack_hook.c), after the frames they wait for */
	work += nm_stack_run_hooks(st);
	/* the pass's queued writes (ACKs, the hooks' sends) go out together */
	for (int i = 0; i < st->nr_ifaces; i++)
		nm_netdev_tx_batch(st->ifaces[i]->nd, false);
#if defined(__SANITIZE_ADDRESS__)
	/* the sanitizer build is the test build: every pass ends with every
	 * TCP invariant checked (tcp_input.c), whoever runs the loop */
	nm_tcp_check_stack_or_abort(st);
#endif
	nm_clock_hold(held);
	return work;
}

/* Arm the timerfd for the next timer (invariant 2); a syscall only when
 * that changed. */
static void stack_arm_timer(struct nm_stack *st)
{
	uint64_t next = nm_timer_next(st->wheel, st->now_us), at;
	struct itimerspec its = { 0 };

	nm_timer_armed_take(st->wheel);	/* next covers whatever was armed */
	if (next == UINT64_MAX) {
		if (!st->timer_armed_us)
			return;
		at = 0;
	} else {
		at = st->now_us + next;
		if (at == 0)
			at = 1;
		if (at == st->timer_armed_us)
			return;
		its.it_value.tv_sec = (time_t)(at / 1000000);
		its.it_value.tv_nsec = (long)(at % 1000000) * 1000;
	}
	if (timerfd_settime(st->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		st->timer_armed_us = at;
}

/* About to sleep on epfd (ours or the application's): arm every wire's
 * wakeup.  > 0 when a wire already holds frames (do not sleep). */
static int stack_arm_wires(struct nm_stack *st)
{
	int ready = 0;

	for (int i = 0; i < st->nr_ifaces; i++) {
		struct nm_iface_priv *ip = iface_priv(st->ifaces[i]);

		if (ip->wire_fd >= 0 && nm_wire_arm(nm_netdev_wire(ip->ifc.nd)) > 0)
			ready++;
	}
	return ready;
}

/* Traffic flows and a sleep is next: poll for up to spin_us instead, so a
 * peer on another core is heard without a wakeup (its eventfd write costs
 * it a syscall and an IPI; ours a sleep and a reschedule).  A spin that
 * finds nothing ends the streak (the sleep after it decides the next) and
 * backs off: after k misses in a row the next 2^k short sleeps go without
 * a spin, so a machine whose CPUs are all busy (the peer cannot run while
 * we spin) loses at most one spin in 2^6 sleeps; a hit starts over. */
static int stack_spin(struct nm_stack *st, int timeout_ms)
{
	/* never longer than the caller would have slept */
	uint64_t budget = timeout_ms > 0 && (uint64_t)timeout_ms * 1000u < st->spin_us
				  ? (uint64_t)timeout_ms * 1000u : st->spin_us;
	/* the machine's clock, not the stack's: a test's faked clock
	 * (nm_clock_fake) stands still and would never end the spin */
	uint64_t end = nm_clock_mono_us() + budget;
	int work = 0;

	if (st->spin_skip) {
		st->spin_skip--;
		return 0;
	}
	st->stats.poll_spins++;
	while (!work && nm_clock_mono_us() < end) {
		nm_cpu_relax();
		work = stack_run_once(st);
	}
	if (work) {
		st->stats.poll_spin_hits++;
		st->spin_misses = 0;
		return work;
	}
	st->spin_hot = false;
	if (st->spin_misses < STACK_SPIN_BACKOFF_MAX)
		st->spin_misses++;
	st->spin_skip = (1u << st->spin_misses) - 1;
	return 0;
}

/* Sleep on epfd for up to timeout_ms; a short sleep means traffic flows. */
static int stack_sleep(struct nm_stack *st, int timeout_ms)
{
	struct epoll_event evs[NM_STACK_MAX_IFACES + 1];
	uint64_t t0 = nm_clock_mono_us();

	stack_arm_timer(st);
	st->stats.poll_sleeps++;
	if (epoll_wait(st->epfd, evs, (int)NM_ARRAY_SIZE(evs), timeout_ms) < 0 && errno != EINTR)
		return nm_err_sys(errno, "epoll_wait");
	st->spin_hot = st->spin_us && nm_clock_mono_us() - t0 < STACK_SPIN_HOT_US;
	return 0;
}

int nm_stack_poll(struct nm_stack *st, int timeout_ms)
{
	NM_API_CALL();
	unsigned long self = (unsigned long)pthread_self();
	int work;

	if (!st)
		return nm_err(EINVAL, "NULL stack");
	/* who runs the loop: a ring's waiter on this thread runs it itself
	 * (written only when it changes: ring threads read the line) */
	if (atomic_load_explicit(&st->owner, memory_order_relaxed) != self)
		atomic_store_explicit(&st->owner, self, memory_order_relaxed);
	work = stack_run_once(st);
	if (st->flags & NM_STACK_BUSY_POLL)
		return work;
	if (work == 0 && timeout_ms != 0 && st->spin_hot)
		work = stack_spin(st, timeout_ms);
	/* Wakeups are armed only when someone may sleep: here, or an
	 * application waiting on nm_stack_get_fd() between polls.  A loop that
	 * polls with timeout 0 and never asked for the fd spins for free. */
	if (work == 0 && (timeout_ms != 0 || (st->flags & STACK_F_EXT_WAIT)) &&
	    stack_arm_wires(st) > 0)
		work = stack_run_once(st);
	if (work == 0 && timeout_ms != 0) {
		int r = stack_sleep(st, timeout_ms);

		if (r < 0)
			return r;
		work = stack_run_once(st);
	}
	/* an application may sleep on epfd: the timerfd must be right then */
	if (st->flags & STACK_F_EXT_WAIT)
		stack_arm_timer(st);
	return work;
}

void nm_stack_timer_sync(struct nm_stack *st)
{
	uint64_t m;

	if (!st || !(st->flags & STACK_F_EXT_WAIT))
		return;
	m = nm_timer_armed_take(st->wheel);
	if (m != UINT64_MAX && (!st->timer_armed_us || m < st->timer_armed_us))
		stack_arm_timer(st);
}

int nm_stack_get_fd(struct nm_stack *st)
{
	NM_API_CALL();
	if (!st)
		return nm_err(EINVAL, "NULL stack");
	st->flags |= STACK_F_EXT_WAIT;
	return st->epfd;
}

int nm_stack_get_stats(const struct nm_stack *st, struct nm_stack_stats *s, size_t size)
{
	NM_API_CALL();
	if (!st || !s)
		return nm_err(EINVAL, "NULL argument");
	return nm_stats_copy(s, size, &st->stats, sizeof(st->stats));
}
