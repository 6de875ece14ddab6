/* SPDX-License-Identifier: MIT */
/*
 * The TCP connection table of one stack and tcb lifetime.
 *
 * Connected tcbs (SYN_SENT and later, TIME_WAIT included) sit in ehash
 * under their 4-tuple; every tcb with a local port sits in bhash under
 * that port, which is what bind() conflicts, listener lookup and
 * ephemeral port choice scan.  Buckets are short lists: one port's users.
 *
 * Lifetime: a tcb lives while a socket holds it (sock != NULL) or while it
 * still has protocol work (closing, TIME_WAIT, an unaccepted child).
 * nm_tcp_done() frees a CLOSED tcb nobody holds.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/tcp.h"
#include "util/err.h"

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

void (*nm_tcp_notify_hook)(struct nm_tcp_sock *tp);

const char *nm_tcp_state_name(int s)
{
	if (s < 0 || s >= (int)NM_ARRAY_SIZE(state_names))
		return "?";
	return state_names[s];
}

int nm_tcp_init(struct nm_stack *st)
{
	struct nm_tcp_table *t = calloc(1, sizeof(*t));

	if (!t)
		return nm_err(ENOMEM, "out of memory");
	t->st = st;
	nm_tcp_list_init(&t->all);
	for (int i = 0; i < NM_TCP_EHASH; i++)
		nm_tcp_list_init(&t->ehash[i]);
	for (int i = 0; i < NM_TCP_BHASH; i++)
		nm_tcp_list_init(&t->bhash[i]);
	nm_tcp_isn_key_init(t->isn_key);
	t->next_ephemeral = (uint16_t)(32768 + (nm_tcp_siphash(t->isn_key, "port", 4) % 28232));
	t->rx_pool_space = nm_tcp_rx_pool_space;
	t->invalid_ratelimit_ms = NM_TCP_INVALID_RATELIMIT_MS;
	t->challenge_ack_limit = NM_TCP_CHALLENGE_ACK_LIMIT;
	st->tcp = t;
	return 0;
}

/* Stack teardown: RST every synchronized connection, free every tcb no
 * descriptor holds, detach the others (their calls then fail). */
void nm_tcp_fini(struct nm_stack *st)
{
	struct nm_tcp_table *t = st->tcp;

	if (!t)
		return;
	while (!nm_tcp_list_empty(&t->all)) {
		struct nm_tcp_sock *tp = nm_container_of(t->all.next, struct nm_tcp_sock, all);

		if (tp->state >= NM_TCP_SYN_RECEIVED && tp->state != NM_TCP_TIME_WAIT)
			nm_tcp_send_rst_conn(tp);
		if (tp->sock) {
			/* The descriptor outlives the stack: keep the tcb, empty. */
			nm_tcp_timers_stop(tp);
			nm_tcp_unhash_conn(tp);
			nm_tcp_unhash_bind(tp);
			nm_skb_queue_purge(&tp->rcvq);
			nm_skb_queue_purge(&tp->ooo);
			tp->rcvq_bytes = tp->ooo_bytes = 0;
			nm_tcp_sbuf_release(tp);
			if (tp->parent) {
				nm_tcp_list_del(&tp->acq_node);
				tp->parent = NULL;
			}
			nm_tcp_list_del(&tp->all);
			tp->state = NM_TCP_CLOSED;
			tp->err = tp->err ? tp->err : ENETDOWN;
			tp->st = NULL;
			continue;
		}
		nm_tcp_sock_destroy(tp);
	}
	free(t);
	st->tcp = NULL;
}

/* A fresh, unconnected tcb's fields on zeroed memory: the defaults of the
 * options, nothing linked yet but its own empty lists. */
static void tcb_init(struct nm_tcp_sock *tp, struct nm_stack *st, int family)
{
	tp->st = st;
	tp->family = family;
	if (family == AF_INET)	/* 0.0.0.0 as a v4-mapped address */
		tp->laddr.b[10] = tp->laddr.b[11] = 0xff;
	nm_tcp_list_init(&tp->bnode);
	nm_tcp_list_init(&tp->enode);
	nm_tcp_list_init(&tp->acq);
	nm_tcp_list_init(&tp->synq);
	nm_tcp_list_init(&tp->acq_node);
	nm_skb_queue_init(&tp->rcvq);
	nm_skb_queue_init(&tp->ooo);
	tp->sndbuf = NM_TCP_DEFAULT_BUF;
	tp->rcvbuf = NM_TCP_DEFAULT_BUF;
	tp->cc = &nm_tcp_cc_cubic;
	tp->rto = NM_TCP_RTO_INIT_US;
	tp->mss = 536;
	tp->ka_idle_s = 7200;
	tp->ka_intvl_s = 75;
	tp->ka_cnt = 9;
	tp->linger_s = 0;
	nm_tcp_timers_init(tp);
}

struct nm_tcp_sock *nm_tcp_sock_new(struct nm_stack *st, int family)
{
	/* cache-line aligned: the hot group (tcp.h) starts a line */
	struct nm_tcp_sock *tp = aligned_alloc(64, (sizeof(*tp) + 63) & ~(size_t)63);

	if (!tp)
		return NULL;
	memset(tp, 0, sizeof(*tp));
	tcb_init(tp, st, family);
	nm_tcp_list_add_tail(&st->tcp->all, &tp->all);
	st->tcp->nr_socks++;
	return tp;
}

/*
 * A socket's tcb whose connection failed or ended (CLOSED) made new for
 * another connect, as Linux's tcp_disconnect() when connect() reports
 * the failure: everything of the old connection goes (queues, send ring,
 * devmem TX state, timers, sequence spaces, the pending error), and with
 * it the port unless bind() named one, and the local address unless
 * bind() named one.  The options set on the socket stay.
 */
void nm_tcp_disconnect(struct nm_tcp_sock *tp)
{
	struct nm_tcp_sock old = *tp;

	nm_tcp_timers_stop(tp);
	nm_tcp_unhash_conn(tp);
	nm_tcp_unhash_bind(tp);
	nm_skb_queue_purge(&tp->rcvq);
	nm_skb_queue_purge(&tp->ooo);
	nm_tcp_sbuf_release(tp);
	nm_tcp_zc_release(tp);
	free(tp->rack);
	memset(tp, 0, sizeof(*tp));
	tcb_init(tp, old.st, old.family);
	tp->all = old.all;		/* its neighbours point at &tp->all */
	tp->sock = old.sock;
	tp->notify = old.notify;
	tp->bind_addr_lock = old.bind_addr_lock;
	tp->bind_port_lock = old.bind_port_lock;
	if (old.bind_addr_lock)
		tp->laddr = old.laddr;
	if (old.bind_port_lock)
		tp->lport = old.lport;
	/* what setsockopt() set */
	tp->nodelay = old.nodelay;
	tp->sndbuf = old.sndbuf;
	tp->rcvbuf = old.rcvbuf;
	tp->cc = old.cc;
	tp->v6only = old.v6only;
	tp->reuseaddr = old.reuseaddr;
	tp->keepalive = old.keepalive;
	tp->linger_on = old.linger_on;
	tp->linger_s = old.linger_s;
	tp->mss_clamp = old.mss_clamp;
	tp->ka_idle_s = old.ka_idle_s;
	tp->ka_intvl_s = old.ka_intvl_s;
	tp->ka_cnt = old.ka_cnt;
	if (tp->lport && tp->st)
		nm_tcp_hash_bind(tp);	/* bind()'s port stays taken, as on Linux */
}

void nm_tcp_drop_children(struct nm_tcp_sock *tp)
{
	while (!nm_tcp_list_empty(&tp->acq) || !nm_tcp_list_empty(&tp->synq)) {
		struct nm_tcp_list *n = !nm_tcp_list_empty(&tp->acq) ? tp->acq.next
								     : tp->synq.next;
		struct nm_tcp_sock *c = nm_container_of(n, struct nm_tcp_sock, acq_node);

		nm_tcp_send_rst_conn(c);
		nm_tcp_list_del(&c->acq_node);
		c->parent = NULL;
		nm_tcp_sock_destroy(c);
	}
	tp->acq_len = tp->syn_len = 0;
}

void nm_tcp_sock_destroy(struct nm_tcp_sock *tp)
{
	if (tp->st) {
		nm_tcp_drop_children(tp);
		if (tp->parent) {
			if (tp->in_acq)
				tp->parent->acq_len--;
			else
				tp->parent->syn_len--;
			nm_tcp_list_del(&tp->acq_node);
			tp->parent = NULL;
		}
		nm_tcp_timers_stop(tp);
		nm_tcp_unhash_conn(tp);
		nm_tcp_unhash_bind(tp);
		nm_tcp_list_del(&tp->all);
		tp->st->tcp->nr_socks--;
	}
	nm_skb_queue_purge(&tp->rcvq);
	nm_skb_queue_purge(&tp->ooo);
	nm_tcp_sbuf_release(tp);
	nm_tcp_zc_release(tp);
	free(tp->rack);
	free(tp);
}

void nm_tcp_set_state(struct nm_tcp_sock *tp, int state)
{
	tp->state = state;
}

void nm_tcp_done(struct nm_tcp_sock *tp)
{
	nm_tcp_set_state(tp, NM_TCP_CLOSED);
	nm_tcp_timers_stop(tp);
	nm_tcp_unhash_conn(tp);
	if (tp->parent) {
		/* A child the app never accepted: it vanishes. */
		struct nm_tcp_sock *lp = tp->parent;

		if (tp->in_acq)
			lp->acq_len--;
		else
			lp->syn_len--;
		nm_tcp_list_del(&tp->acq_node);
		tp->parent = NULL;
		nm_tcp_sock_destroy(tp);
		return;
	}
	if (!tp->sock)
		nm_tcp_sock_destroy(tp);
	else if (!tp->bind_port_lock)	/* a port bind() named stays taken
					 * until close, as on Linux */
		nm_tcp_unhash_bind(tp);
}

static uint32_t ehash_of(const struct nm_addr *raddr, uint16_t lport, uint16_t rport)
{
	uint32_t h;

	memcpy(&h, raddr->b + 12, 4);
	h ^= ((uint32_t)lport << 16) | rport;
	h *= 0x9e3779b1u;
	return (h >> 16) & (NM_TCP_EHASH - 1);
}

void nm_tcp_hash_bind(struct nm_tcp_sock *tp)
{
	if (tp->in_bhash)
		return;
	nm_tcp_list_add_tail(&tp->st->tcp->bhash[tp->lport & (NM_TCP_BHASH - 1)], &tp->bnode);
	tp->in_bhash = true;
}

void nm_tcp_unhash_bind(struct nm_tcp_sock *tp)
{
	if (!tp->in_bhash)
		return;
	nm_tcp_list_del(&tp->bnode);
	tp->in_bhash = false;
}

void nm_tcp_hash_conn(struct nm_tcp_sock *tp)
{
	if (tp->in_ehash)
		return;
	nm_tcp_list_add_tail(&tp->st->tcp->ehash[ehash_of(&tp->raddr, tp->lport, tp->rport)],
			     &tp->enode);
	tp->in_ehash = true;
}

void nm_tcp_unhash_conn(struct nm_tcp_sock *tp)
{
	if (!tp->in_ehash)
		return;
	nm_tcp_list_del(&tp->enode);
	tp->in_ehash = false;
}

struct nm_tcp_sock *nm_tcp_lookup_conn(struct nm_tcp_table *t, const struct nm_addr *laddr,
				       uint16_t lport, const struct nm_addr *raddr, uint16_t rport)
{
	struct nm_tcp_list *h = &t->ehash[ehash_of(raddr, lport, rport)];

	for (struct nm_tcp_list *n = h->next; n != h; n = n->next) {
		struct nm_tcp_sock *tp = nm_container_of(n, struct nm_tcp_sock, enode);

		if (tp->lport == lport && tp->rport == rport &&
		    !memcmp(&tp->raddr, raddr, sizeof(*raddr)) &&
		    !memcmp(&tp->laddr, laddr, sizeof(*laddr)))
			return tp;
	}
	return NULL;
}

bool nm_tcp_addr_any(const struct nm_addr *a)
{
	static const uint8_t z[16];
	static const uint8_t z4[16] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a->b, z, 16) || !memcmp(a->b, z4, 16);
}

/* Which families a bound address takes: 1 IPv4, 2 IPv6. */
static int addr_fams(const struct nm_tcp_sock *tp, const struct nm_addr *a)
{
	static const uint8_t z[16];

	if (nm_addr_is_v4(a))
		return 1;
	if (!memcmp(a->b, z, 16))
		return (tp->family == AF_INET6 && !tp->v6only) ? 3 : 2;
	return 2;
}

static bool addr_covers(const struct nm_tcp_sock *tp, const struct nm_addr *bound,
			const struct nm_addr *a)
{
	if (!memcmp(bound, a, sizeof(*a)))
		return true;
	if (!nm_tcp_addr_any(bound))
		return false;
	return (addr_fams(tp, bound) & (nm_addr_is_v4(a) ? 1 : 2)) != 0;
}

struct nm_tcp_sock *nm_tcp_lookup_listener(struct nm_tcp_table *t, const struct nm_addr *laddr,
					   uint16_t lport)
{
	struct nm_tcp_list *h = &t->bhash[lport & (NM_TCP_BHASH - 1)];
	struct nm_tcp_sock *wild = NULL;

	for (struct nm_tcp_list *n = h->next; n != h; n = n->next) {
		struct nm_tcp_sock *tp = nm_container_of(n, struct nm_tcp_sock, bnode);

		if (tp->state != NM_TCP_LISTEN || tp->lport != lport)
			continue;
		if (!memcmp(&tp->laddr, laddr, sizeof(*laddr)))
			return tp;
		if (!wild && addr_covers(tp, &tp->laddr, laddr))
			wild = tp;
	}
	return wild;
}

static bool binds_overlap(const struct nm_tcp_sock *a, const struct nm_addr *aa,
			  const struct nm_tcp_sock *b, const struct nm_addr *ba)
{
	if (!(addr_fams(a, aa) & addr_fams(b, ba)))
		return false;
	if (nm_tcp_addr_any(aa) || nm_tcp_addr_any(ba))
		return true;
	return !memcmp(aa, ba, sizeof(*aa));
}

int nm_tcp_bind_check(struct nm_tcp_table *t, struct nm_tcp_sock *tp, const struct nm_addr *laddr,
		      uint16_t port)
{
	struct nm_tcp_list *h = &t->bhash[port & (NM_TCP_BHASH - 1)];

	for (struct nm_tcp_list *n = h->next; n != h; n = n->next) {
		struct nm_tcp_sock *o = nm_container_of(n, struct nm_tcp_sock, bnode);

		if (o == tp || o->lport != port)
			continue;
		if (!binds_overlap(tp, laddr, o, &o->laddr))
			continue;
		/* SO_REUSEADDR: share with anything but a listener (Linux). */
		if (tp->reuseaddr && o->state != NM_TCP_LISTEN &&
		    (o->reuseaddr || o->state == NM_TCP_TIME_WAIT))
			continue;
		return nm_err(EADDRINUSE, "port %u is in use (%s)", port,
			      nm_tcp_state_name(o->state));
	}
	return 0;
}

static bool port_unused(struct nm_tcp_table *t, uint16_t port)
{
	struct nm_tcp_list *h = &t->bhash[port & (NM_TCP_BHASH - 1)];

	for (struct nm_tcp_list *n = h->next; n != h; n = n->next)
		if (nm_container_of(n, struct nm_tcp_sock, bnode)->lport == port)
			return false;
	return true;
}

int nm_tcp_pick_ephemeral(struct nm_tcp_table *t, struct nm_tcp_sock *tp)
{
	for (uint32_t i = 0; i < 28232; i++) {
		uint16_t p = t->next_ephemeral;

		t->next_ephemeral = (uint16_t)(p >= 60999 ? 32768 : p + 1);
		if (port_unused(t, p)) {
			tp->lport = p;
			return 0;
		}
	}
	return nm_err(EADDRNOTAVAIL, "no free ephemeral port");
}
