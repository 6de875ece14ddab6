/* SPDX-License-Identifier: MIT */
#ifndef NM_RT_INTERNAL_H
#define NM_RT_INTERNAL_H

/*
 * rt/: the drop-in runtime (libnetmem-preload.so).  An unmodified program
 * runs with this library in LD_PRELOAD; its socket calls land here
 * (interposition, one file per group of calls) and its TCP sockets whose
 * bind or connect the interception rule gives to netmem run on a netmem
 * stack living in the program's own process.  docs/run.md is the design;
 * the files:
 *
 *	real.c		the libc functions underneath (dlsym(RTLD_NEXT), once)
 *	cfg.c		the NETMEM_* environment
 *	rule.c		which sockets are netmem's
 *	fdtab.c		fd -> runtime object (struct rt_sock, struct rt_epoll)
 *	lock.c		the stack lock (a ticket lock whose holder polls), the
 *			stack pass, readiness events, sleeping, the poller thread
 *	up.c		bringing the NIC and stack up, ownership, the run page,
 *			the control-only NIC and its handover
 *	nic_conf.c	the NIC's ethtool configuration, handed to the next owner
 *	sock.c		socket, bind, listen, accept, connect, shutdown, close,
 *			dup*, fcntl, ioctl, names, options
 *	pend.c		what a pending socket's bind and listen are refused at once
 *	io.c		send*, recv*, read, write, readv, writev, sendfile, *mmsg
 *	poll.c		poll, ppoll, select, pselect
 *	epoll.c		epoll_create*, epoll_ctl, epoll_wait, epoll_pwait*
 *	sig.c		sigaction/signal (SA_RESTART), SIGPIPE
 *	fork.c		fork, exit
 *	ctl.c		the devmem control-plane hook (netmem_rt_bind_rx/tx)
 *	ioctl.c		SIOCETHTOOL and SIOCGIF* on netmem's interface
 *	ethtool.c	the ETHTOOL_* commands, answered from the NIC
 *	endpoint.c	the control endpoint: helper processes reach the owner
 *	devfs.c		/dev/udmabuf and /dev/dma_heap/system
 *	dmabuf.c	the dma-buf fds they make: mmap, DMA_BUF_IOCTL_SYNC, SET_NAME
 *	nl.c		AF_NETLINK sockets answered by the emulated families
 *			(src/ctl/nl_sock.h, docs/netlink.md)
 *	chk.c		the __*_chk fortify variants
 *
 * Locking: one lock (rt_lock) covers the stack, every runtime object and
 * the fd table's writes; the table is read without it (a pointer per fd).
 * A call on a kernel fd never takes it.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <netmem/host.h>
#include <netmem/netdev.h>

#include "rt/run_page.h"
#include "sock/sock_internal.h"
#include "util/err.h"

/* ---- real.c: the functions underneath ------------------------------------------- */

struct rt_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_create)(int);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*close_range)(unsigned, unsigned, int);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*execve)(const char *, char *const[], char *const[]);
};
extern struct rt_real rt_real;
/* Resolve every one (idempotent; the constructor runs it, and so does the
 * first interposed call that comes before the constructor). */
void rt_real_init(void);
#define REAL(f) (__builtin_expect(rt_real.f != NULL, 1) ? rt_real.f : (rt_real_init(), rt_real.f))

/* ---- cfg.c: the environment ----------------------------------------------------- */

enum rt_wire { RT_WIRE_NONE = 0, RT_WIRE_TAP, RT_WIRE_SHM };

struct rt_cfg {
	enum rt_wire wire;		/* NETMEM_WIRE; NONE: the runtime stays out */
	char wire_name[64];
	char ifname[16];		/* NETMEM_IFNAME (nm0) */
	char addr[64];			/* NETMEM_ADDR "A/PLEN" (198.18.0.2/24) */
	char host_addr[64];		/* NETMEM_HOST_ADDR (TAP opened here) */
	int family;			/* of addr */
	uint8_t ip[16];			/* addr's bytes (4 or 16) */
	unsigned plen;
	uint32_t queues, mtu;		/* NETMEM_QUEUES (2), NETMEM_MTU (1500) */
	char pcap[256];			/* NETMEM_PCAP, "" none */
	uint32_t pcap_snaplen;		/* NETMEM_PCAP_SNAPLEN, 0: whole frames */
	bool pcap_nano;			/* NETMEM_PCAP_NANO=1: nanosecond stamps */
	bool wildcard_kernel;		/* NETMEM_WILDCARD=kernel */
	bool quiet;			/* NETMEM_QUIET=1 */
	bool verbose;			/* NETMEM_VERBOSE=1: decisions on stderr */
	int tap_fd;			/* NETMEM_TAP_FD (netmem run), -1 */
	int run_fd;			/* NETMEM_RUN_FD (netmem run), -1 */
	int exit_wait_ms;		/* NETMEM_EXIT_WAIT_MS (5000) */
};
extern struct rt_cfg rt_cfg;
/* Read the environment once; on a bad value print one line and set
 * rt_cfg.wire = NONE (-EINVAL). */
int rt_cfg_load(void);
/* "netmem run: ..." on stderr (not with NETMEM_QUIET). */
void rt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With NETMEM_VERBOSE only. */
void rt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- rule.c: which sockets are netmem's ------------------------------------------ */

enum rt_side { RT_SIDE_KERNEL = 0, RT_SIDE_NETMEM };
/* bind(sa): netmem's address, a wildcard (netmem unless NETMEM_WILDCARD=
 * kernel or this process cannot own the NIC), or another (the kernel).
 * dev: SO_BINDTODEVICE named netmem's interface. */
enum rt_side rt_rule_bind(const struct sockaddr *sa, socklen_t len, bool dev, bool wild_ok);
/* connect(sa) of a socket not bound yet: a peer on netmem's subnet (not
 * netmem's own address) is netmem's. */
enum rt_side rt_rule_connect(const struct sockaddr *sa, socklen_t len, bool dev);
/* listen() of a socket never bound: a wildcard bind. */
enum rt_side rt_rule_listen(bool dev, bool wild_ok);

/* ---- fdtab.c: the fd table -------------------------------------------------------- */

enum rt_kind { RT_SOCK = 1, RT_EPOLL, RT_FILE, RT_NL, RT_KINDS };
struct rt_obj {
	uint8_t kind;
	uint32_t size;			/* of the whole object */
	struct rt_obj *free_next;	/* on its kind's free list */
};
/* A zeroed object of kind (size bytes, struct rt_obj first), NULL without
 * memory; rt_obj_free keeps it for the next of its kind and size.  Either
 * may be called with or without rt_lock (the free lists have their own).
 * Objects are type-stable: never given back to malloc, so a thread that
 * read a table entry without the lock (a hint) and then loads the
 * object's kind or state reads an object of the same kind, perhaps stale
 * or reused, never freed memory; it re-reads the entry under the lock
 * before it acts (as the kernel's SLAB_TYPESAFE_BY_RCU sockets). */
void *rt_obj_new(enum rt_kind kind, size_t size);
void rt_obj_free(struct rt_obj *o);
/* The object behind fd, NULL if the runtime does not know fd (a kernel fd:
 * pass the call through).  Without the lock: a hint to take it. */
struct rt_obj *rt_fd_get(int fd);
/* Under the lock.  -ENOMEM, -EBADF (fd out of range). */
int rt_fd_set(int fd, struct rt_obj *o);
void rt_fd_clear(int fd);
/* One past the highest fd ever set (for scans). */
int rt_fd_end(void);
/* The runtime's own fds (the TAP, the stack's, the wires', eventfds): a
 * program's close() of one is a silent no-op, dup2() over one EBUSY. */
void rt_fd_priv_set(int fd, bool on);
bool rt_fd_priv(int fd);

/* ---- the socket object ------------------------------------------------------------ */

enum rt_sock_state {
	RS_CAND = 0,		/* a kernel socket whose bind/connect will decide */
	RS_NM,			/* netmem's: sd on the stack, fd a placeholder */
	RS_PENDING,		/* netmem's, the stack not up yet (an shm wire waiting
				 * for its other end): bind/listen/connect recorded */
	RS_ORPHAN,		/* inherited through fork: unusable here */
};

/* What a pending socket was asked to do, replayed when the stack is up. */
struct rt_pend {
	struct sockaddr_storage addr, peer;
	socklen_t alen, plen;		/* 0: not bound / not connecting */
	int backlog;			/* listen(), -1: not listening */
};

/* An option set while the socket was a candidate, replayed on netmem. */
struct rt_opt {
	int level, name;
	socklen_t len;
	uint8_t val[64];
};

struct rt_waiter;
struct rt_epi;

struct rt_sock {
	struct rt_obj obj;		/* RT_SOCK */
	enum rt_sock_state state;
	int fds;			/* fd numbers pointing here */
	int refs;			/* fds + calls in flight */
	int domain;
	int sd;				/* netmem descriptor (RS_NM), else -1 */
	struct nm_socket *so;		/* its socket object (RS_NM) */
	bool dev;			/* SO_BINDTODEVICE netmem's interface */
	bool connecting;		/* a non-blocking connect not yet counted */
	bool ev_pending;		/* on the event list */
	struct rt_sock *ev_next;
	struct rt_opt *opts;		/* RS_CAND: options to replay */
	int nr_opts;
	struct rt_waiter *waiters;	/* threads blocked on it */
	struct rt_epi *watchers;	/* epoll interest items on it */
	struct rt_kreg *kregs;		/* RS_CAND: kernel epoll registrations */
	struct rt_pend *pend;		/* RS_PENDING */
};

/* A candidate's kernel epoll registration, moved over when it turns netmem. */
struct rt_kreg {
	struct rt_kreg *next;
	int epfd, fd;
	struct epoll_event ev;
};

/* ---- lock.c: the stack lock, passes, events, sleeping ---------------------------- */

void rt_lock(void);
void rt_unlock(void);
/* This thread holds the lock (a signal handler calling in must not wait). */
bool rt_locked_here(void);
/* After fork in the child: a fresh, free lock. */
void rt_lock_reset(void);

/* One pass of the stack (nm_stack_poll(0)) and the readiness events it
 * raised.  Lock held; 0 without a stack.  Returns the work done. */
int rt_pass(void);
/* Readiness of rs may have changed (an application call, not a segment). */
void rt_event(struct rt_sock *rs);
/* Deliver the events queued (lock held). */
void rt_events_flush(void);
/* rs goes away: off the event list. */
void rt_event_forget(struct rt_sock *rs);

/* A thread blocked on a socket (poll, epoll and blocking calls). */
struct rt_thread;
struct rt_waiter {
	struct rt_waiter *next, **pprev;
	struct rt_thread *t;
};
struct rt_thread *rt_self(void);
void rt_waiter_add(struct rt_sock *rs, struct rt_waiter *w);
/* On a list of its own (the threads that wait for the stack to come). */
void rt_waiter_add_list(struct rt_waiter **head, struct rt_waiter *w);
void rt_waiter_del(struct rt_waiter *w);
/* Wake every thread on a waiter list. */
void rt_waiters_wake(struct rt_waiter *head);
/* An event woke this thread during its own pass (cleared by rt_sleep). */
bool rt_self_woken(void);
void rt_self_clear(void);
/* Sleep without the lock until the stack has work, a waiter of this
 * thread is woken, or timeout_ms passes (-1: no limit); with extra fds
 * polled too (NULL, 0: none) and mask (ppoll's, NULL: none).  The lock is
 * held again on return.  0, or -errno (-EINTR: a signal handler ran; see
 * rt_sig_restart()). */
int rt_sleep(int timeout_ms, struct pollfd *extra, nfds_t n, const sigset_t *mask);
/* An application thread sleeps with the stack fd in its set (an epoll
 * wait): the poller leaves the stack to it meanwhile.  Lock held. */
void rt_watch_enter(void);
void rt_watch_leave(void);
/* After fork in the child: no poller, nobody asleep, no events. */
void rt_poller_forget(void);
/* The library's hooks: wait and event (up.c, once the stack is up). */
void rt_hooks_install(void);
/* The library's wait hook (a blocked nm_* call): sock_internal.h. */
int rt_sock_wait(struct nm_socket *so, uint64_t deadline_us);
/* The background poller: started once the stack is up, stopped at exit. */
int rt_poller_start(void);
void rt_poller_stop(void);
/* Milliseconds until deadline_us (0 when passed; -1 for deadline 0). */
int rt_ms_left(uint64_t deadline_us);
uint64_t rt_now_us(void);

/* ---- up.c: the NIC, the stack, ownership --------------------------------------- */

struct rt_nic_conf;
struct nm_wire;
struct rt_state {
	bool enabled;			/* configured (NETMEM_WIRE) */
	bool up;			/* the stack runs in this process */
	bool refused;			/* another live process owns the NIC */
	bool orphan;			/* a fork child: inherited sockets are dead */
	bool dead;			/* exiting: calls on netmem sockets fail */
	bool coming;			/* an shm rendezvous runs in the background */
	bool failed;			/* bring-up failed: netmem sockets are ENETDOWN */
	bool detached;			/* NETMEM_RUN_FD closed (sudo): never the owner */
	bool ctl_only;			/* the NIC is here for control requests only: no
					 * wire, no stack (up.c); up stays false */
	pid_t pid;			/* whose runtime this is (fork changes it) */
	struct nm_host *host;
	struct nm_stack *st;
	struct nm_netdev *nd;
	struct nm_ctl *ctl;		/* the devmem hook's control handle */
	int stack_fd;			/* nm_stack_get_fd() */
	int ifindex;
	int user_ifindex;		/* the netlink view's, 0: not shown yet (nl.c) */
	uint32_t feat_default;		/* wanted features as the NIC came */
	uint32_t feat_set;		/* features a configuration handed on set */
	struct nm_wire *ctl_peer;	/* ctl_only: the placeholder wire's other end */
	struct nm_run_page *page;	/* shared with netmem run, or a private one */
};
extern struct rt_state rt;
/* Bring the NIC and stack up in this process if not yet (lock held): 0,
 * -EBUSY when another process owns the NIC, or another -errno (a message
 * went to stderr).  A control-only NIC here is replaced by the real one
 * (the wire taken, its configuration kept); another process's control-only
 * NIC is asked over the endpoint to hand over.  On the endpoint's server
 * thread (rt_serving_set) a control-only NIC is enough: 0 with rt.nd there
 * and perhaps no stack. */
int rt_up(void);
/* This thread serves helpers' requests (endpoint.c's server). */
void rt_serving_set(bool on);
/* Lock held, on the server thread: another process of the run (pid) wants
 * the NIC.  This process's NIC, if it is control-only (no binding), goes:
 * *c its configuration, the run page's owner pid, 0; else -EBUSY. */
int rt_handover_give(pid_t pid, struct rt_nic_conf *c);
/* Lock held, on the server thread: the owner (pid) exits and hands the
 * NIC's configuration back; this process owns the NIC, holding nothing,
 * with *c pending.  0, or -EBUSY. */
int rt_handback_take(pid_t pid, const struct rt_nic_conf *c);
/* Whether this process may own the NIC (no live other owner). */
bool rt_may_own(void);
/* The stack is coming (an shm wire waits for its other end in the
 * background: rt_up() said -EINPROGRESS). */
bool rt_coming(void);
/* Lock held: wait until rs is no longer pending (rs NULL: until the stack
 * is up or failed).  0, -EINTR, or -ENETDOWN when the bring-up failed. */
int rt_wait_up(struct rt_sock *rs);
/* Totals for netmem run's summary. */
void rt_stat_add(_Atomic uint64_t *c, uint64_t n);
void rt_stats_publish(void);
/* At exit: close every connection, let the FINs and data out. */
void rt_exit_close_all(void);

/* ---- sock.c ----------------------------------------------------------------------- */

/* ---- pend.c: what a pending socket's bind and listen are refused at once ---------- */

/* The address's length (EINVAL) and family (EAFNOSUPPORT), as Linux
 * checks them first. */
int rt_pend_bind_form(int domain, const struct sockaddr *sa, socklen_t len);
/* Lock held: sa, the address rs (one of whose fds is fd) binds or (with
 * listening) listens on, against the other pending sockets' binds:
 * -EADDRINUSE or 0. */
int rt_pend_bind_check(int fd, struct rt_sock *rs, const struct sockaddr *sa, bool listening);

/* Lock held: candidate or pending rs (fd one of its fds) becomes netmem's:
 * 0, -EINPROGRESS (the stack is coming: nothing changed), -errno. */
int rt_sock_migrate(int fd, struct rt_sock *rs);

/* The netmem socket behind fd, referenced, lock held: the call is netmem's.
 * NULL: not netmem's, the lock not held; *err then 0 (pass the call to the
 * kernel) or an errno to fail with (an orphan: EBADFD; the runtime exiting). */
struct rt_sock *rt_enter(int fd, int *err);
/* Drop the reference rt_enter took, unlock. */
void rt_leave(struct rt_sock *rs);
void rt_sock_put(struct rt_sock *rs);
/* errno = -r, -1; or r. */
static inline long rt_ret(long r)
{
	extern int *__errno_location(void);

	if (r < 0) {
		*__errno_location() = (int)-r;
		return -1;
	}
	return r;
}

/* ---- epoll.c ----------------------------------------------------------------------- */

struct rt_epoll;
/* An event on rs for its epoll items (events: its readiness now). */
void rt_epoll_sock_event(struct rt_sock *rs, short events);
/* rs goes away or leaves netmem: drop its items. */
void rt_epoll_sock_gone(struct rt_sock *rs);
/* A candidate turned netmem: its kernel registrations become items. */
void rt_epoll_adopt(struct rt_sock *rs);
void rt_epoll_put(struct rt_epoll *ep);
/* One more fd names ep (dup family); one fewer (close, dup2 over it). */
void rt_epoll_attach(int fd, struct rt_epoll *ep);
void rt_epoll_fd_gone(struct rt_epoll *ep);
/* A fork child: the wake eventfd is the parent's. */
void rt_epoll_forget_wake(struct rt_obj *o);

/* ---- poll.c ------------------------------------------------------------------------- */

/* The readiness poll() reports for a netmem fd (events asked + ERR/HUP),
 * lock held. */
short rt_sock_revents(struct rt_sock *rs, short events);

/* ---- sig.c ---------------------------------------------------------------------------- */

/* Before a sleep that a signal may interrupt. */
void rt_sig_arm(void);
/* After -EINTR: whether the handler that ran asked for SA_RESTART (and a
 * blocked socket call without a timeout is to go on). */
bool rt_sig_restart(void);
/* EPIPE from a send without MSG_NOSIGNAL: SIGPIPE to this thread. */
void rt_sigpipe(void);

/* ---- ioctl.c, ethtool.c: the interface ioctls on netmem's interface ------------- */

/* The most bytes one ethtool request or answer carries. */
#define RT_ETH_MAX	65536
/* ioctl(fd, req, arg) names netmem's interface: answered (*ret: the
 * ioctl's return, errno set), true; else false (the kernel's call). */
bool rt_nic_ioctl(int fd, unsigned long req, void *arg, int *ret);
/* Lock held, the NIC up: answer req (SIOCETHTOOL or SIOCGIF*) on buf, which
 * holds in bytes of request and room for cap; *out: the bytes to copy back. */
int rt_nic_serve(unsigned long req, void *buf, size_t in, size_t cap, size_t *out);
/* n bytes of the program's memory copied as the kernel's copy_from_user
 * (to_user false: src is the program's) or copy_to_user: 0, or -EFAULT for a
 * bad address. */
int rt_user_copy(void *dst, const void *src, size_t n, bool to_user);
/* Take the lock with the NIC up in this process (brought up if need be;
 * an shm wire whose other end has not come yet is waited for, as a socket
 * call would): 0, or -errno with the lock released. */
int rt_nic_enter(void);
/* What of the caller's buffer an ETHTOOL_* command reads (*in) and at most
 * writes (*out); -EOPNOTSUPP for a command not answered. */
int rt_eth_size(const void *user, size_t *in, size_t *out);
/* Lock held, the NIC up: run the command in buf (see rt_nic_serve). */
int rt_eth_do(void *buf, size_t in, size_t cap, size_t *out);

/* ---- devfs.c, dmabuf.c: device and dma-buf fds ---------------------------------- */

struct rt_file;
struct nm_dmabuf;
struct rt_file_ops {
	/* An ioctl on the fd: >= 0 its return, or -errno. */
	int (*ioctl)(struct rt_file *f, unsigned long req, void *arg);
	/* mmap of the fd (NULL: libc's); 0 and *out, or -errno. */
	int (*mmap)(struct rt_file *f, void *addr, size_t len, int prot, int flags, off_t off,
		    void **out);
	/* The last fd naming it went. */
	void (*release)(struct rt_file *f);
};
/* An fd the runtime answers that is neither a socket nor an epoll. */
struct rt_file {
	struct rt_obj obj;		/* RT_FILE */
	const struct rt_file_ops *ops;
	int fds;			/* fd numbers naming it */
};
/* Lock held: fd names f (one more); an fd naming f went. */
void rt_file_attach(int fd, struct rt_file *f);
void rt_file_fd_gone(struct rt_file *f);
/* The file behind fd if it has these ops, else NULL. */
struct rt_file *rt_file_get(int fd, const struct rt_file_ops *ops);
/* An ioctl on a file fd: answered (*ret, errno set), true. */
bool rt_file_ioctl(int fd, unsigned long req, void *arg, int *ret);
/* libc's mmap, under the interposed one. */
/* A dma-buf fd over the n memfd ranges one after the other (the udmabuf
 * rules; UDMABUF_CREATE is a list of one); flags are NM_UDMABUF_FLAGS_*
 * (CLOEXEC: the fd's close-on-exec): the new fd, or -errno.  own: the one
 * item's memfd is the runtime's (a heap allocation) and becomes the
 * program's fd. */
struct nm_memfd_range;
int rt_dmabuf_create(const struct nm_memfd_range *items, uint32_t n, uint32_t flags, bool own);
/* The library's dma-buf behind a dma-buf fd of this process (a new
 * reference): 0, or -EBADF.  What bind-rx and bind-tx take. */
int rt_dmabuf_get(int fd, struct nm_dmabuf **out);

/* ---- endpoint.c: the control endpoint ------------------------------------------- */

/* Whether this process answers control requests itself (it owns the NIC,
 * or may bring it up and is the run's first process); else they go over
 * the endpoint. */
bool rt_nic_here(void);
/* This process owns the NIC now: it listens on the owner's name. */
void rt_endpoint_owner(void);
/* A helper's netlink socket in the owner (nl_fwd.c): opened with
 * RT_EP_NL_OPEN on a connection of its own, sent to with RT_EP_NL_SEND. */
#define RT_EP_NL_OPEN	2
#define RT_EP_NL_SEND	3
#define RT_EP_NL_CLOSE	5	/* answered once the owner's socket is closed */
struct rt_ep_nl_open {
	int32_t protocol;
};
/* The helper's kernel socket's state, sent with each send. */
struct rt_ep_nl_state {
	uint32_t portid, groups;
	int32_t ext_ack, cap_ack, strict;
	uint32_t members[32];		/* joined groups 1..1024, bit g-1 */
	uint32_t rcvlen;		/* the largest receive so far: dump
					 * datagrams are cut to it */
};
/* A connection to the owner that op (with req) opened: *fd, or -errno. */
int rt_endpoint_open(uint32_t op, const void *req, size_t len, int *fd);
/* One forwarded send on it: each datagram the owner's socket then holds to
 * dgram(arg, ...); the send's return. */
ssize_t rt_endpoint_nl_send(int fd, const struct rt_ep_nl_state *st, const void *buf,
			    size_t len, int (*dgram)(void *, const void *, size_t), void *arg);

/* Close the owner's socket of that connection, and wait for it. */
int rt_endpoint_nl_close(int fd);

/* ---- nl_fwd.c: a helper's netlink socket, forwarded ------------------------------ */

struct rt_nlfwd;
int rt_nlfwd_open(int protocol, struct rt_nlfwd **out);
void rt_nlfwd_close(struct rt_nlfwd *f);
ssize_t rt_nlfwd_send(struct rt_nlfwd *f, const struct rt_ep_nl_state *st, const void *buf,
		      size_t len);
bool rt_nlfwd_readable(const struct rt_nlfwd *f);
/* As nm_nl_sock_recv(). */
ssize_t rt_nlfwd_recv(struct rt_nlfwd *f, void *buf, size_t len, int flags, bool *trunc);

/* Ask the owner for the NIC (up.c's handover): 0 and *conf (perhaps not
 * rt_conf_valid: nothing set), or -errno (-EBUSY: it keeps the NIC). */
int rt_endpoint_handover(struct rt_nic_conf *conf);
/* The owner exits: its NIC's configuration to the run's first process
 * (nothing where this is the first process, or it is gone). */
void rt_endpoint_handback(const struct rt_nic_conf *conf);
/* A request answered by the process that owns the NIC (as rt_nic_serve). */
int rt_endpoint_call(unsigned long req, void *buf, size_t in, size_t cap, size_t *out);
/* ---- nl.c: netlink sockets ------------------------------------------------------------ */

/* fd is a netlink socket the runtime answers (the call is nl.c's). */
bool rt_nl_is(int fd);
/* socket() made a netlink socket of protocol: follow it. */
void rt_nl_track(int fd, int protocol);
/* Lock held: one more fd names o (dup family); one fewer (close). */
void rt_nl_attach(int fd, struct rt_obj *o);
void rt_nl_fd_gone(struct rt_obj *o);
/* SOL_NETLINK options: the kernel socket's, and the emulated socket's
 * (its groups: netmem's notifications). */
int rt_nl_setsockopt(int fd, int name, const void *val, socklen_t len);
ssize_t rt_nl_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t rt_nl_send_buf(int fd, const void *buf, size_t len, int flags,
		       const struct sockaddr *sa, socklen_t salen);
ssize_t rt_nl_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t rt_nl_recv_buf(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
		       socklen_t *salen);
/* poll/ppoll: -1 when no netlink socket of the set has replies queued;
 * else the set polled at once with those reported readable. */
int rt_nl_poll(struct pollfd *fds, nfds_t n);
/* The dma-buf a netlink bind-rx/bind-tx names by fd (nm_nl_dmabuf_fn). */
struct nm_dmabuf;
int rt_nl_dmabuf(void *arg, int fd, struct nm_dmabuf **out);
/* epoll_ctl of a followed netlink socket: the kernel's, and the eventfd
 * that mirrors its queued replies beside it. */
int rt_nl_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
/* select/pselect: the same (-1: none; else the sets polled at once). */
int rt_nl_select(int nfds, fd_set *r, fd_set *w, fd_set *e);
/* Lock held: the NIC up (wait: an shm wire's other end waited for; else
 * -EINPROGRESS while it has not come), netmem's interface in the netlink
 * view; its ifindex as the program sees it (if_nametoindex,
 * SIOCGIFINDEX), or -errno. */
int rt_nl_view(bool wait);
/* Lock held, rt.nd there: netmem's interface in the view (under
 * rt.user_ifindex where the run saw one before); its user ifindex. */
int rt_nl_show(void);

/* ---- nic_conf.c: the NIC's configuration, handed on ---------------------------- */

#define RT_CONF_RULES	512
struct rt_nic_conf {
	uint32_t magic, size;
	uint32_t rx_channels, tx_channels;
	uint32_t rx_ring, tx_ring, tcp_data_split, hds_thresh;
	uint32_t feat_mask, feat_val;	/* wanted features that differ from the defaults */
	uint32_t indir_size, rxfh_user;
	uint32_t user_ifindex, nr_rules;
	uint8_t key[NM_RSS_KEY_LEN];
	uint32_t indir[NM_RSS_MAX_INDIR];
	struct nm_flow_rule rules[RT_CONF_RULES];
};
/* What a handover or the image before exec left, applied at bring-up. */
extern struct rt_nic_conf rt_conf_pending;
extern bool rt_conf_has_pending;
/* Lock held, rt.nd there. */
int rt_conf_save(struct rt_nic_conf *c);
void rt_conf_apply(const struct rt_nic_conf *c);
bool rt_conf_valid(const struct rt_nic_conf *c, size_t len);
/* A memfd (no close-on-exec) holding *c: its fd, or -errno. */
int rt_conf_to_memfd(const struct rt_nic_conf *c);
/* The constructor: NETMEM_NIC_CONF's memfd read into rt_conf_pending. */
void rt_conf_from_env(void);

/* ---- fork.c ---------------------------------------------------------------------------- */

void rt_fork_init(void);
/* This process is not the runtime's (a vfork child before its exec):
 * fd-table writes pass to the kernel untouched. */
bool rt_foreign(void);

#endif
