/* SPDX-License-Identifier: MIT */
/*
 * The NIC and the stack of the program's process, and who may have them.
 *
 * Bring-up is lazy: the first socket the rule gives to netmem brings the
 * NIC up (rt_up), so that a shell or a launcher that netmem run starts and
 * that never opens a netmem socket does not take the wire away from the
 * program it runs.  Ownership: one process of a run at a time runs the NIC
 * (the run page's owner_pid, claimed with a compare-and-swap; a later
 * process takes over once the owner is gone, a process after exec() keeps
 * its pid and claims again).  Another live process's netmem sockets are
 * refused (EBUSY), and its wildcard binds go to the kernel, unless that
 * process holds the NIC for control requests only (below).
 *
 * The control-only NIC: a process that brings the NIC up only to answer
 * its helpers' control requests (the shell of `sh -c 'ethtool -L nm0 ...;
 * ./prog'`: the endpoint's server thread, rt_serving_set) gets a NIC
 * without the wire: a netdev on a private placeholder shm pair, no stack,
 * no poller (rt.ctl_only; rt.up stays false).  The run page says so
 * (ctl_only_pid), and then:
 *   - another process that wants the NIC (rt_up) asks it over the
 *     endpoint to hand over (rt_handover_give): its configuration
 *     (nic_conf.c) comes back, the owner's NIC goes, the run page names
 *     the asker, which brings the NIC up on the wire with that
 *     configuration;
 *   - the process itself, the moment it needs the NIC for more than
 *     control (a netmem socket, its own ioctl or netlink socket, the
 *     devmem hook, a helper's bind-rx/bind-tx: endpoint.c), replaces it
 *     with the real one, the configuration kept (a binding cannot move,
 *     so a control-only NIC never holds one; ctl_down checks);
 *   - exec: the configuration crosses in a memfd (endpoint.c's execve),
 *     the new image holds nothing until it brings the NIC up, and may be
 *     asked for it meanwhile;
 *   - an owner's exit: the configuration goes back to the run's first
 *     process (`sh -c 'ethtool ...; ./a; ./b'`: b runs on what ethtool
 *     set, as a did), which holds it the same way.
 * Transitions (lock held in each):
 *	none      -> ctl_only   ctl_up()        (serving a helper)
 *	none      -> up         rt_up()         (a socket, the process's own
 *						 control call)
 *	ctl_only  -> up         rt_up()         (ctl_down, then as above)
 *	ctl_only  -> none       rt_handover_give() (another process asked)
 *	up        -> (exit)     rt_fini(): the configuration back to the first
 *				process, which owns the NIC holding nothing
 *				(rt_handback_take) until it or another brings
 *				it up
 *
 * The wire, as NETMEM_WIRE says:
 *   tap:IFNAME  netmem run opened the TAP and configured its kernel side;
 *		 its fd comes down as NETMEM_TAP_FD and is adopted
 *		 (nm_wire_tap_adopt).  Without NETMEM_TAP_FD (the library
 *		 preloaded by hand) the TAP is opened here, as netmem server
 *		 does, with NETMEM_HOST_ADDR on the kernel side.
 *   shm:NAME    the wire's other end is another netmem process: connect
 *		 to it if it waits, else create NAME and wait for it.
 * Then the host as the netmem command makes one (nm_host: netdev, stack,
 * interface; header split on, as ncdevmem asks), a capture for
 * NETMEM_PCAP, the control handle of the devmem hook (ctl.c), the
 * library's hooks, and the poller thread.
 *
 * Workload: once per process; rt_stats_publish every 250 ms.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <netmem/ctl.h>
#include <netmem/error.h>
#include <netmem/netdev.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "ctl/ctl_internal.h"
#include "ctl/nl_sock.h"
#include "rt/rt_internal.h"
#include "util/fd.h"

struct rt_state rt = { .stack_fd = -1 };

static struct nm_run_page own_page;	/* without netmem run: counted, not shown */
static uint64_t drops_published;
static __thread bool serving;		/* the endpoint's server thread */

void rt_serving_set(bool on)
{
	serving = on;
}

/* ---- the run page and ownership ------------------------------------------------------ */

static void page_map(void)
{
	struct nm_run_page *p;

	rt.page = &own_page;
	if (rt_cfg.run_fd < 0)
		return;
	if (fcntl(rt_cfg.run_fd, F_GETFD) < 0) {
		/* closed by a launcher (sudo closes every fd above 2): a helper
		 * that reaches the owner over the control endpoint */
		rt.detached = true;
		return;
	}
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED, rt_cfg.run_fd, 0);
	if (p == MAP_FAILED || p->magic != NM_RUN_PAGE_MAGIC || p->version != NM_RUN_PAGE_VERSION) {
		rt_note("NETMEM_RUN_FD=%d is not netmem run's page; its summary misses this "
			"process", rt_cfg.run_fd);
		if (p != MAP_FAILED)
			munmap(p, sizeof(*p));
		return;
	}
	rt.page = p;
	rt_fd_priv_set(rt_cfg.run_fd, true);
}

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

bool rt_may_own(void)
{
	int32_t o;

	if (!rt.enabled || rt.orphan || rt.detached)
		return false;
	if (rt.up || rt.ctl_only)
		return true;
	o = atomic_load(&rt.page->owner_pid);
	return o == 0 || o == getpid() || !pid_alive(o) ||
	       atomic_load(&rt.page->ctl_only_pid) == o;	/* it hands over */
}

/* Claim the NIC for this process: true if it is ours now. */
static bool claim(void)
{
	pid_t me = getpid();

	for (;;) {
		int32_t o = atomic_load(&rt.page->owner_pid);

		if (o == me)
			return true;
		if (o && pid_alive(o))
			return false;
		if (atomic_compare_exchange_strong(&rt.page->owner_pid, &o, me))
			return true;
	}
}

void rt_stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* The NIC's drops (every reason) and the wire's losses, as deltas. */
void rt_stats_publish(void)
{
	struct nm_queue_stats qs;
	uint64_t d = 0;

	if (!rt.nd || nm_netdev_get_stats(rt.nd, &qs, sizeof(qs)) < 0)
		return;
	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		d += qs.drops[i];
	if (d > drops_published) {
		rt_stat_add(&rt.page->drops, d - drops_published);
		drops_published = d;
	}
}

/* A runtime error: one line on stderr and on the run page (netmem run
 * then exits 2). */
static int fail(int r, const char *what)
{
	char line[256];

	snprintf(line, sizeof(line), "%s: %s", what, nm_last_error()[0] ? nm_last_error()
								       : strerror(-r));
	rt_note("%s", line);
	if (rt.page != &own_page && !atomic_exchange(&rt.page->failed, 1))
		snprintf(rt.page->error, sizeof(rt.page->error), "%s", line);
	return r;
}

/* ---- the wire ------------------------------------------------------------------------ */

static int wire_tap(struct nm_wire **w)
{
	struct nm_wire_tap_params tp = { .ifname = rt_cfg.wire_name, .mtu = rt_cfg.mtu,
					 .offloads = true, .up = true };
	int r;

	if (rt_cfg.tap_fd >= 0) {
		r = nm_wire_tap_adopt(rt_cfg.tap_fd, &tp, w);
		if (r < 0)
			return fail(r, "the TAP netmem run handed down");
		return 0;
	}
	if (strcmp(rt_cfg.host_addr, "none")) {
		if (strchr(rt_cfg.host_addr, ':'))
			tp.host_addr6 = rt_cfg.host_addr;
		else
			tp.host_addr = rt_cfg.host_addr;
	}
	r = nm_wire_tap_open(&tp, w);
	return r < 0 ? fail(r, "NETMEM_WIRE") : 0;
}

/* The creator side of the rendezvous: create the name and wait for the
 * other end; a name taken meanwhile (the other end came first) is
 * connected to instead.  Blocking, without the lock. */
static int shm_rendezvous(struct nm_wire **w)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20,
					 .mtu = rt_cfg.mtu, .gso = true };
	int r;

	for (;;) {
		r = nm_wire_shm_create(rt_cfg.wire_name, &wp, -1, w);
		if (r == -EADDRINUSE)
			r = nm_wire_shm_connect(rt_cfg.wire_name, 1000, w);
		if (r == 0 || (r != -EADDRINUSE && r != -ECONNREFUSED && r != -ENOENT &&
			       r != -ECONNRESET && r != -EPIPE))
			return r;
		usleep(20000);	/* the name is busy, or the peer went: again */
	}
}

/* ---- the host ------------------------------------------------------------------------- */

/* The netdev goes (out of the netlink view first: the view keeps its
 * ifindex in rt.user_ifindex for the next). */
static void nic_drop(void)
{
	if (rt.nd)
		nm_nl_view_del(rt.nd);
	if (rt.host)
		nm_host_destroy(rt.host);
	rt.host = NULL;
	rt.nd = NULL;
}

/* The netdev on w (the host, no stack yet), as the runtime configures it:
 * header split with threshold 0 (ncdevmem's ask: bind-rx needs it), then
 * the configuration a previous owner handed on.  On failure w is
 * destroyed. */
static int nic_make(struct nm_wire *w)
{
	struct nm_host_params hp = { .flags = NM_HOST_LINK_ONLY };
	struct nm_ringparam rp;
	char a[64];
	int r;

	hp.netdev.name = rt_cfg.ifname;
	hp.netdev.wire = w;
	hp.netdev.mac[0] = 0x02;
	hp.netdev.mac[4] = 0x4e;
	hp.netdev.mac[5] = rt_cfg.ip[rt_cfg.family == AF_INET ? 3 : 15];
	hp.netdev.mtu = nm_wire_mtu(w) < rt_cfg.mtu ? nm_wire_mtu(w) : rt_cfg.mtu;
	hp.netdev.rx_queues = hp.netdev.tx_queues = rt_cfg.queues;
	snprintf(a, sizeof(a), "%s", rt_cfg.addr);
	if (rt_cfg.family == AF_INET)
		hp.iface.addr4 = a;
	else
		hp.iface.addr6 = a;
	r = nm_host_create(&hp, &rt.host);
	if (r < 0) {
		nm_wire_destroy(w);
		return fail(r, "the NIC");
	}
	rt.nd = nm_host_netdev(rt.host);
	rt.ifindex = nm_netdev_ifindex(rt.nd);
	rt.feat_default = nm_netdev_wanted_features(rt.nd);
	rt.feat_set = 0;		/* what the user set is the configuration's */
	r = nm_netdev_get_ringparam(rt.nd, &rp);
	if (r >= 0) {
		rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
		rp.hds_thresh = 0;
		r = nm_netdev_set_ringparam(rt.nd, &rp);
	}
	if (r >= 0 && rt_conf_has_pending) {
		rt_conf_apply(&rt_conf_pending);
		rt_conf_has_pending = false;
	}
	/* a NIC the run's programs saw (this one replaced, or handed over) is
	 * in the view at once: their netlink sockets name it by that number */
	if (r >= 0 && rt.user_ifindex)
		rt_nl_show();
	if (r < 0)
		nic_drop();
	return r < 0 ? fail(r, "the NIC") : 0;
}

static int host_up(struct nm_wire *w)
{
	int r = nic_make(w);

	if (r < 0)
		return r;
	if (rt_cfg.pcap[0])
		r = nm_netdev_capture_start(rt.nd, rt_cfg.pcap, rt_cfg.pcap_snaplen,
					    NM_CAPTURE_F_APPEND |
					    (rt_cfg.pcap_nano ? NM_CAPTURE_F_NSEC : 0));
	if (r >= 0)
		r = nm_host_stack_up(rt.host);
	if (r >= 0)
		r = nm_ctl_open(&rt.ctl);
	if (r < 0) {
		fail(r, "the NIC");
		nic_drop();
		return r;
	}
	rt.st = nm_host_stack(rt.host);
	rt.stack_fd = nm_stack_get_fd(rt.st);
	rt_fd_priv_set(rt.stack_fd, true);
	if (rt_cfg.tap_fd >= 0)
		rt_fd_priv_set(rt_cfg.tap_fd, true);
	return 0;
}

/* ---- the control-only NIC ------------------------------------------------------------ */

/* The run page says whether this owner hands over (see the top). */
static void ctl_only_mark(bool on)
{
	int32_t me = getpid(), o = on ? 0 : me;

	if (on)
		atomic_store(&rt.page->ctl_only_pid, me);
	else
		atomic_compare_exchange_strong(&rt.page->ctl_only_pid, &o, 0);
}

/* Lock held, ownership claimed: a NIC for control requests, on a private
 * placeholder wire (the run's wire stays free for the process that will
 * run the stack). */
static int ctl_up(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 64, .arena_bytes = 1u << 20,
					 .mtu = rt_cfg.mtu, .gso = true };
	struct nm_wire *w, *peer;
	int r = nm_wire_shm_pair(&wp, &w, &peer);

	if (r < 0)
		return fail(r, "the control-only NIC's placeholder wire");
	r = nic_make(w);
	if (r < 0) {
		nm_wire_destroy(peer);
		return r;
	}
	rt.ctl_peer = peer;
	rt.ctl_only = true;
	ctl_only_mark(true);
	rt_endpoint_owner();
	rt_debug("%s up for control requests only (no wire)", rt_cfg.ifname);
	return 0;
}

/* Lock held, rt.ctl_only: the NIC's configuration into *c and the NIC
 * gone; -EBUSY (nothing changed) while a binding holds it. */
static int ctl_down(struct rt_nic_conf *c)
{
	int r;

	if (nm_ctl_netdev_bound(rt.ifindex))
		return nm_err(EBUSY, "netmem's NIC %s holds a dma-buf binding a helper made: it "
			      "stays in process %d", rt_cfg.ifname, (int)getpid());
	r = rt_conf_save(c);
	if (r < 0)
		return r;
	nic_drop();
	nm_wire_destroy(rt.ctl_peer);
	rt.ctl_peer = NULL;
	rt.ctl_only = false;
	return 0;
}

int rt_handover_give(pid_t pid, struct rt_nic_conf *c)
{
	int32_t me = getpid();
	int r;

	memset(c, 0, sizeof(*c));
	if (rt.up || rt.coming || atomic_load(&rt.page->owner_pid) != me)
		return nm_err(EBUSY, "process %d runs netmem's NIC %s", (int)me, rt_cfg.ifname);
	if (rt.ctl_only) {
		r = ctl_down(c);
		if (r < 0)
			return r;
	} else if (rt_conf_has_pending) {	/* an exec's, not applied yet */
		*c = rt_conf_pending;
		rt_conf_has_pending = false;
	}
	ctl_only_mark(false);
	atomic_compare_exchange_strong(&rt.page->owner_pid, &me, pid);
	rt_debug("%s handed over to process %d", rt_cfg.ifname, (int)pid);
	return 0;
}

/* rt_up: the owner is another live process; if it says it hands over,
 * ask it.  True when this process owns the NIC now (its configuration
 * pending). */
static bool handover_take(void)
{
	static struct rt_nic_conf c;
	int32_t o = atomic_load(&rt.page->owner_pid);

	if (serving || !o || atomic_load(&rt.page->ctl_only_pid) != o)
		return false;
	if (rt_endpoint_handover(&c) < 0) {
		rt_debug("process %d kept the NIC: %s", (int)o, nm_last_error());
		return false;
	}
	if (rt_conf_valid(&c, sizeof(c))) {
		rt_conf_pending = c;
		rt_conf_has_pending = true;
	}
	return claim();
}

/* ---- the stack comes up ------------------------------------------------------------- */

static struct rt_waiter *up_waiters;	/* threads waiting for the stack to come */

bool rt_coming(void)
{
	return rt.coming;
}

int rt_wait_up(struct rt_sock *rs)
{
	struct rt_waiter w = { 0 };
	int r;

	while (rs ? rs->state == RS_PENDING : !rt.up) {
		if (rt.failed)
			return nm_err(ENETDOWN, "netmem's NIC failed to come up");
		if (rs)
			rt_waiter_add(rs, &w);
		else
			rt_waiter_add_list(&up_waiters, &w);
		r = rt_sleep(-1, NULL, 0, NULL);
		rt_waiter_del(&w);
		if (r == -EINTR && !rt_sig_restart())
			return r;
		if (r < 0 && r != -EINTR)
			return r;
	}
	return 0;
}

/* Lock held, the stack up: what a pending socket was asked, done now.  A
 * failure is the socket's pending error (SO_ERROR, POLLERR). */
static void pend_replay(int fd, struct rt_sock *rs)
{
	struct rt_pend *pd = rs->pend;
	int r;

	rs->pend = NULL;
	r = rt_sock_migrate(fd, rs);
	if (r == 0 && pd->alen)
		r = nm_bind(rs->sd, (struct sockaddr *)&pd->addr, pd->alen);
	if (r == 0 && pd->backlog >= 0)
		r = nm_listen(rs->sd, pd->backlog);
	if (r == 0 && pd->plen) {
		int fl = nm_fcntl(rs->sd, F_GETFL, 0);

		nm_fcntl(rs->sd, F_SETFL, fl | O_NONBLOCK);	/* the program does not wait here */
		r = nm_connect(rs->sd, (struct sockaddr *)&pd->peer, pd->plen);
		nm_fcntl(rs->sd, F_SETFL, fl);
		if (r == -EINPROGRESS) {
			rs->connecting = true;
			r = 0;
		}
	}
	if (r < 0) {
		rt_note("fd %d: %s (deferred until the shm wire's other end came)", fd,
			nm_last_error());
		if (rs->so)
			nm_sock_set_error(rs->so, -r);
	}
	free(pd);
	rt_event(rs);
}

static void pend_replay_all(void)
{
	int n = rt_fd_end();

	for (int fd = 0; fd < n; fd++) {
		struct rt_obj *o = rt_fd_get(fd);

		if (o && o->kind == RT_SOCK && ((struct rt_sock *)o)->state == RS_PENDING)
			pend_replay(fd, (struct rt_sock *)o);
	}
}

/* Pending sockets of a bring-up that failed: their threads learn it. */
static void pend_fail_all(void)
{
	int n = rt_fd_end();

	for (int fd = 0; fd < n; fd++) {
		struct rt_obj *o = rt_fd_get(fd);

		if (o && o->kind == RT_SOCK && ((struct rt_sock *)o)->state == RS_PENDING)
			rt_waiters_wake(((struct rt_sock *)o)->waiters);
	}
}

/* Lock held: host, hooks, poller; the pending sockets replayed. */
static int stack_start(struct nm_wire *w)
{
	int r = host_up(w);

	if (r < 0)
		return r;
	rt_hooks_install();
	rt.up = true;
	rt.pid = getpid();
	ctl_only_mark(false);
	r = rt_poller_start();
	if (r < 0)
		rt_note("no poller thread (%s): timers run only inside socket calls",
			strerror(-r));
	rt_endpoint_owner();
	rt_debug("%s up on %s:%s, %s", rt_cfg.ifname, rt_cfg.wire == RT_WIRE_TAP ? "tap" : "shm",
		 rt_cfg.wire_name, rt_cfg.addr);
	pend_replay_all();
	rt_waiters_wake(up_waiters);
	return 0;
}

/* The background half of an shm bring-up: this end creates the name and
 * waits for the other; the program goes on meanwhile (pending sockets). */
static void *rendezvous_main(void *arg)
{
	struct nm_wire *w = NULL;
	sigset_t all;
	int r;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	r = shm_rendezvous(&w);
	if (r < 0)
		fail(r, "NETMEM_WIRE");
	rt_lock();
	rt.coming = false;
	if (r == 0)
		r = stack_start(w);
	if (r < 0) {
		rt.failed = true;
		pend_fail_all();
		rt_waiters_wake(up_waiters);
	}
	rt_unlock();
	return NULL;
}

/* shm: the other end waits already (connect now), or this end creates the
 * name in the background (-EINPROGRESS). */
static int up_shm(void)
{
	struct nm_wire *w = NULL;
	pthread_t t;
	pthread_attr_t a;
	int r;

	r = nm_wire_shm_connect(rt_cfg.wire_name, 1000, &w);
	if (r == 0)
		return stack_start(w);
	if (r != -ECONNREFUSED && r != -ENOENT)
		return fail(r, "NETMEM_WIRE");
	rt_note("shm:%s: waiting for the wire's other end (a netmem process on the same "
		"name); sockets wait for it", rt_cfg.wire_name);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &a, rendezvous_main, NULL);
	pthread_attr_destroy(&a);
	if (r)
		return fail(-r, "a thread for the shm rendezvous");
	rt.coming = true;
	return -EINPROGRESS;
}

int rt_up(void)
{
	struct nm_wire *w = NULL;
	int r;

	if (rt.up)
		return 0;
	if (rt.coming)
		return -EINPROGRESS;
	if (rt.failed)
		return nm_err(ENETDOWN, "netmem's NIC failed to come up");
	if (rt.ctl_only) {
		if (serving)
			return 0;
		r = ctl_down(&rt_conf_pending);		/* the real NIC takes over */
		if (r < 0)
			return r;
		rt_conf_has_pending = true;
	}
	if (!rt.enabled || rt.orphan || rt.detached)
		return -EBUSY;
	if (!claim() && !handover_take()) {
		if (!rt.refused)
			rt_note("the netmem NIC %s belongs to pid %d of this run; this process's "
				"netmem sockets are refused (EBUSY)", rt_cfg.ifname,
				(int)atomic_load(&rt.page->owner_pid));
		rt.refused = true;
		return -EBUSY;
	}
	rt.refused = false;
	if (serving)
		return ctl_up();
	if (rt_cfg.wire == RT_WIRE_SHM)
		return up_shm();
	r = wire_tap(&w);
	if (r < 0)
		return r;
	r = stack_start(w);
	if (r < 0)
		rt.failed = true;
	return r;
}

/* ---- exit ------------------------------------------------------------------------------ */

/* Lock held.  Every netmem connection closed the way close() would (FIN,
 * or RST with unread data or SO_LINGER 0), then the stack runs until their
 * data and FINs are acknowledged or NETMEM_EXIT_WAIT_MS passed: a program
 * that sends and exits has its bytes delivered, as the kernel's orphaned
 * sockets do. */
void rt_exit_close_all(void)
{
	uint64_t end;
	int n = rt_fd_end();

	rt.dead = true;		/* blocked calls end, new ones fail */
	for (int fd = 0; fd < n; fd++) {
		struct rt_obj *o = rt_fd_get(fd);
		struct rt_sock *rs;

		if (!o || o->kind != RT_SOCK)
			continue;
		rs = (struct rt_sock *)o;
		if (rs->state != RS_NM || rs->sd < 0)
			continue;
		if (rs->refs > rs->fds) {
			nm_shutdown(rs->sd, SHUT_RDWR);	/* a call is inside: keep the socket */
			continue;
		}
		rt_event_forget(rs);
		nm_sock_set_owner(rs->so, NULL);
		nm_close(rs->sd);
		rs->sd = -1;
		rs->so = NULL;
	}
	end = rt_now_us() + (uint64_t)rt_cfg.exit_wait_ms * 1000u;
	while (nm_sock_stack_unacked(rt.st) > 0 && rt_now_us() < end)
		nm_stack_poll(rt.st, 10);
	rt_stats_publish();
}

/* ---- the constructor -------------------------------------------------------------------- */

/* The runtime's and the library's own fds go above the numbers the program
 * uses (util/fd.h): half the fd limit, at most 4096. */
static void fd_floor_set(void)
{
	struct rlimit rl;
	int floor = 4096;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < (rlim_t)floor)
		floor = (int)(rl.rlim_cur / 2);
	nm_fd_set_floor(floor);
}

__attribute__((constructor(101))) static void rt_init(void)
{
	rt_real_init();
	rt.pid = getpid();
	if (rt_cfg_load() < 0 || rt_cfg.wire == RT_WIRE_NONE) {
		rt.page = &own_page;
		return;
	}
	page_map();
	rt_conf_from_env();
	fd_floor_set();
	if (rt_cfg.tap_fd >= 0)
		rt_fd_priv_set(rt_cfg.tap_fd, true);
	rt.enabled = true;
	rt_fork_init();
}

/* Exit: the connections closed, then the NIC's configuration back to the
 * run's first process (a shell that runs more programs after this one),
 * which keeps it for the next owner as an exec'd image would. */
__attribute__((destructor)) static void rt_fini(void)
{
	static struct rt_nic_conf c;
	bool back;

	if (!rt.up || rt.orphan || getpid() != rt.pid)
		return;
	rt_lock();
	rt_poller_stop();
	rt_exit_close_all();
	back = rt_conf_save(&c) == 0;
	rt_unlock();
	if (back)
		rt_endpoint_handback(&c);
}

int rt_handback_take(pid_t pid, const struct rt_nic_conf *c)
{
	int32_t o = pid;

	if (rt.up || rt.ctl_only || rt.coming)
		return nm_err(EBUSY, "process %d holds netmem's NIC", (int)getpid());
	if (!atomic_compare_exchange_strong(&rt.page->owner_pid, &o, getpid()))
		return nm_err(EBUSY, "process %d does not own netmem's NIC", (int)pid);
	rt_conf_pending = *c;
	rt_conf_has_pending = true;
	ctl_only_mark(true);	/* it holds nothing: another process may ask */
	rt_debug("%s handed back by process %d", rt_cfg.ifname, (int)pid);
	return 0;
}
