/* SPDX-License-Identifier: MIT */
/*
 * Socket options: nm_setsockopt() and nm_getsockopt() look the option up in
 * one table and call its handler, one small function per option and
 * direction.
 *
 * The value rules, Linux's:
 *  - An int option's value is checked by the table before its setter runs:
 *    NULL is -EFAULT, fewer than sizeof(int) bytes -EINVAL; the messages
 *    name the option's label.  At IPPROTO_TCP the int is read before the
 *    option is looked up (Linux's do_tcp_setsockopt()), so an unknown TCP
 *    option with a short value is -EINVAL, not -ENOPROTOOPT; only
 *    TCP_CONGESTION, a string, is exempt.
 *  - Other setters check their value themselves (struct linger, struct
 *    timeval, a name, SO_DEVMEM_DONTNEED's token runs).
 *  - getsockopt needs val and len (-EFAULT) and writes at most *len
 *    bytes, then sets *len to the bytes written.
 *  - An option unknown at its level, or known but only readable or only
 *    writable, is -ENOPROTOOPT.
 *
 * Each setter and getter runs on the socket's stack thread.
 */
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#include <netmem/devmem.h>
#include <netmem/socket.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

struct sockopt {
	int level, name;
	/* names an int option in the value messages ("setsockopt %s: NULL
	 * value"); at IPPROTO_TCP the level's name does */
	const char *label;
	/* one of each pair, or neither: the direction is not supported */
	int (*set_int)(struct nm_socket *so, int v);
	int (*set)(struct nm_socket *so, const void *val, socklen_t len);
	int (*get_int)(struct nm_socket *so, int *v);
	int (*get)(struct nm_socket *so, void *val, socklen_t *len);
};

/* ---- value helpers ------------------------------------------------------------- */

static int val_int(const void *val, socklen_t len, int *out, const char *label)
{
	if (!val)
		return nm_err(EFAULT, "setsockopt %s: NULL value", label);
	if (len < (socklen_t)sizeof(int))
		return nm_err(EINVAL, "setsockopt %s: length %u < sizeof(int)", label,
			      (unsigned)len);
	memcpy(out, val, sizeof(int));
	return 0;
}

static int val_timeval(const void *val, socklen_t len, uint64_t *us, const char *label)
{
	struct timeval tv;

	if (!val)
		return nm_err(EFAULT, "setsockopt %s: NULL value", label);
	if (len < (socklen_t)sizeof(tv))
		return nm_err(EINVAL, "setsockopt %s: length %u", label, (unsigned)len);
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return nm_err(EDOM, "setsockopt %s: bad timeval", label);
	*us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	return 0;
}

/* The caller checked val and len. */
static int put_out(void *val, socklen_t *len, const void *src, size_t n)
{
	if (*len > n)
		*len = (socklen_t)n;
	memcpy(val, src, *len);
	return 0;
}

static int put_timeval(void *val, socklen_t *len, uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	return put_out(val, len, &tv, sizeof(tv));
}

/* SO_RCVBUF / SO_SNDBUF: Linux doubles the request (the other half is its
 * bookkeeping), within our bounds. */
static uint32_t clamp_buf(int v)
{
	uint64_t d = v < 0 ? 0 : (uint64_t)v * 2;

	if (d < NM_TCP_MIN_BUF)
		d = NM_TCP_MIN_BUF;
	if (d > NM_TCP_MAX_BUF)
		d = NM_TCP_MAX_BUF;
	return (uint32_t)d;
}

/* ---- SOL_SOCKET ---------------------------------------------------------------- */

static int set_reuseaddr(struct nm_socket *so, int v)
{
	so->tcp->reuseaddr = v != 0;
	return 0;
}

static int get_reuseaddr(struct nm_socket *so, int *v)
{
	*v = so->tcp->reuseaddr;
	return 0;
}

static int set_keepalive(struct nm_socket *so, int v)
{
	so->tcp->keepalive = v != 0;
	nm_tcp_arm_keepalive(so->tcp);
	return 0;
}

static int get_keepalive(struct nm_socket *so, int *v)
{
	*v = so->tcp->keepalive;
	return 0;
}

static int set_rcvbuf(struct nm_socket *so, int v)
{
	so->tcp->rcvbuf = clamp_buf(v);
	return 0;
}

static int get_rcvbuf(struct nm_socket *so, int *v)
{
	*v = (int)so->tcp->rcvbuf;
	return 0;
}

static int set_sndbuf(struct nm_socket *so, int v)
{
	so->tcp->sndbuf = clamp_buf(v);
	return 0;
}

static int get_sndbuf(struct nm_socket *so, int *v)
{
	*v = (int)so->tcp->sndbuf;
	return 0;
}

static int set_zerocopy(struct nm_socket *so, int v)
{
	if (v != 0 && v != 1)
		return nm_err(EINVAL, "setsockopt SO_ZEROCOPY: value %d (0 or 1)", v);
	so->zerocopy = v;
	return 0;
}

static int get_zerocopy(struct nm_socket *so, int *v)
{
	*v = so->zerocopy;
	return 0;
}

static int get_type(struct nm_socket *so, int *v)
{
	(void)so;
	*v = SOCK_STREAM;
	return 0;
}

static int get_domain(struct nm_socket *so, int *v)
{
	*v = so->tcp->family;
	return 0;
}

static int get_protocol(struct nm_socket *so, int *v)
{
	(void)so;
	*v = IPPROTO_TCP;
	return 0;
}

static int get_acceptconn(struct nm_socket *so, int *v)
{
	*v = so->tcp->state == NM_TCP_LISTEN;
	return 0;
}

/* Kept and reported; a bind still conflicts as SO_REUSEADDR decides (the
 * stack does not spread a port's connections over listeners). */
static int set_reuseport(struct nm_socket *so, int v)
{
	so->reuseport = v != 0;
	return 0;
}

static int get_reuseport(struct nm_socket *so, int *v)
{
	*v = so->reuseport;
	return 0;
}

/* Reading the pending error clears it. */
static int get_error(struct nm_socket *so, int *v)
{
	*v = so->tcp->err;
	so->tcp->err = 0;
	return 0;
}

static int set_linger(struct nm_socket *so, const void *val, socklen_t len)
{
	struct linger l;

	if (!val)
		return nm_err(EFAULT, "setsockopt SO_LINGER: NULL value");
	if (len < (socklen_t)sizeof(l))
		return nm_err(EINVAL, "setsockopt SO_LINGER: length %u", (unsigned)len);
	memcpy(&l, val, sizeof(l));
	so->tcp->linger_on = l.l_onoff != 0;
	so->tcp->linger_s = l.l_linger < 0 ? 0 : l.l_linger;
	return 0;
}

static int get_linger(struct nm_socket *so, void *val, socklen_t *len)
{
	struct linger l = { so->tcp->linger_on, so->tcp->linger_s };

	return put_out(val, len, &l, sizeof(l));
}

static int set_rcvtimeo(struct nm_socket *so, const void *val, socklen_t len)
{
	return val_timeval(val, len, &so->rcvtimeo_us, "SO_RCVTIMEO");
}

static int get_rcvtimeo(struct nm_socket *so, void *val, socklen_t *len)
{
	return put_timeval(val, len, so->rcvtimeo_us);
}

static int set_sndtimeo(struct nm_socket *so, const void *val, socklen_t len)
{
	return val_timeval(val, len, &so->sndtimeo_us, "SO_SNDTIMEO");
}

static int get_sndtimeo(struct nm_socket *so, void *val, socklen_t *len)
{
	return put_timeval(val, len, so->sndtimeo_us);
}

/* ---- IPPROTO_TCP ---------------------------------------------------------------- */

static int set_nodelay(struct nm_socket *so, int v)
{
	struct nm_tcp_sock *tp = so->tcp;

	tp->nodelay = v != 0;
	if (tp->nodelay && tp->st)
		nm_tcp_push(tp);	/* what Nagle held goes now */
	return 0;
}

static int get_nodelay(struct nm_socket *so, int *v)
{
	*v = so->tcp->nodelay;
	return 0;
}

static int set_maxseg(struct nm_socket *so, int v)
{
	if (v != 0 && (v < 88 || v > 32767))
		return nm_err(EINVAL, "setsockopt TCP_MAXSEG: %d outside [88, 32767]", v);
	so->tcp->mss_clamp = (uint16_t)v;
	return 0;
}

/* The MSS in use once connecting, before it the clamp or the default. */
static int get_maxseg(struct nm_socket *so, int *v)
{
	const struct nm_tcp_sock *tp = so->tcp;

	*v = tp->state >= NM_TCP_SYN_SENT ? tp->mss : (tp->mss_clamp ? tp->mss_clamp : 536);
	return 0;
}

static int set_keepidle(struct nm_socket *so, int v)
{
	if (v < 1 || v > 32767)
		return nm_err(EINVAL, "setsockopt keepalive time %d", v);
	so->tcp->ka_idle_s = (uint32_t)v;
	nm_tcp_arm_keepalive(so->tcp);
	return 0;
}

static int get_keepidle(struct nm_socket *so, int *v)
{
	*v = (int)so->tcp->ka_idle_s;
	return 0;
}

static int set_keepintvl(struct nm_socket *so, int v)
{
	if (v < 1 || v > 32767)
		return nm_err(EINVAL, "setsockopt keepalive time %d", v);
	so->tcp->ka_intvl_s = (uint32_t)v;
	return 0;
}

static int get_keepintvl(struct nm_socket *so, int *v)
{
	*v = (int)so->tcp->ka_intvl_s;
	return 0;
}

static int set_keepcnt(struct nm_socket *so, int v)
{
	if (v < 1 || v > 127)
		return nm_err(EINVAL, "setsockopt TCP_KEEPCNT %d", v);
	so->tcp->ka_cnt = (uint32_t)v;
	return 0;
}

static int get_keepcnt(struct nm_socket *so, int *v)
{
	*v = (int)so->tcp->ka_cnt;
	return 0;
}

/* A name, NUL-terminated or not, of at most 15 characters. */
static int set_congestion(struct nm_socket *so, const void *val, socklen_t len)
{
	struct nm_tcp_sock *tp = so->tcp;
	const struct nm_tcp_cc_ops *cc;
	char buf[16];

	if (!val)
		return nm_err(EFAULT, "setsockopt TCP_CONGESTION: NULL value");
	if (len == 0)
		return nm_err(EINVAL, "setsockopt TCP_CONGESTION: empty name");
	memset(buf, 0, sizeof(buf));
	memcpy(buf, val, len < sizeof(buf) - 1 ? len : sizeof(buf) - 1);
	cc = nm_tcp_cc_find(buf);
	if (!cc)
		return nm_err(ENOENT, "setsockopt TCP_CONGESTION: no algorithm \"%s\"", buf);
	if (cc != tp->cc) {
		tp->cc = cc;
		if (cc->init && tp->state >= NM_TCP_SYN_SENT)
			cc->init(tp);
	}
	return 0;
}

static int get_congestion(struct nm_socket *so, void *val, socklen_t *len)
{
	char buf[16] = { 0 };

	strncpy(buf, so->tcp->cc->name, sizeof(buf) - 1);
	return put_out(val, len, buf, sizeof(buf));
}

/* ---- IPPROTO_IPV6 ---------------------------------------------------------------- */

/* Only before bind or connect, only on an AF_INET6 socket. */
static int set_v6only(struct nm_socket *so, int v)
{
	struct nm_tcp_sock *tp = so->tcp;

	if (tp->family != AF_INET6)
		return nm_err(ENOPROTOOPT, "setsockopt IPV6_V6ONLY: not an AF_INET6 socket");
	if (tp->lport || tp->state != NM_TCP_CLOSED)
		return nm_err(EINVAL, "setsockopt IPV6_V6ONLY: socket already bound");
	tp->v6only = v != 0;
	return 0;
}

static int get_v6only(struct nm_socket *so, int *v)
{
	if (so->tcp->family != AF_INET6)
		return nm_err(ENOPROTOOPT, "level %d option %d", IPPROTO_IPV6,
			      IPV6_V6ONLY);
	*v = so->tcp->v6only;
	return 0;
}

/* ---- the table --------------------------------------------------------------------- */

#define OPT_INT(lv, nm, lbl, s, g) { lv, nm, lbl, s, NULL, g, NULL }
#define OPT_RAW(lv, nm, s, g) { lv, nm, NULL, NULL, s, NULL, g }

static const struct sockopt sockopts[] = {
	OPT_INT(SOL_SOCKET, SO_REUSEADDR, "SOL_SOCKET", set_reuseaddr, get_reuseaddr),
	OPT_INT(SOL_SOCKET, SO_KEEPALIVE, "SOL_SOCKET", set_keepalive, get_keepalive),
	OPT_INT(SOL_SOCKET, SO_RCVBUF, "SOL_SOCKET", set_rcvbuf, get_rcvbuf),
	OPT_INT(SOL_SOCKET, SO_SNDBUF, "SOL_SOCKET", set_sndbuf, get_sndbuf),
	OPT_INT(SOL_SOCKET, SO_ZEROCOPY, "SO_ZEROCOPY", set_zerocopy, get_zerocopy),
	OPT_INT(SOL_SOCKET, SO_REUSEPORT, "SOL_SOCKET", set_reuseport, get_reuseport),
	OPT_INT(SOL_SOCKET, SO_TYPE, NULL, NULL, get_type),
	OPT_INT(SOL_SOCKET, SO_DOMAIN, NULL, NULL, get_domain),
	OPT_INT(SOL_SOCKET, SO_PROTOCOL, NULL, NULL, get_protocol),
	OPT_INT(SOL_SOCKET, SO_ACCEPTCONN, NULL, NULL, get_acceptconn),
	OPT_INT(SOL_SOCKET, SO_ERROR, NULL, NULL, get_error),
	OPT_RAW(SOL_SOCKET, SO_LINGER, set_linger, get_linger),
	OPT_RAW(SOL_SOCKET, SO_RCVTIMEO, set_rcvtimeo, get_rcvtimeo),
	OPT_RAW(SOL_SOCKET, SO_SNDTIMEO, set_sndtimeo, get_sndtimeo),
	OPT_RAW(SOL_SOCKET, SO_DEVMEM_DONTNEED, nm_sock_devmem_dontneed, NULL),
	OPT_INT(IPPROTO_TCP, TCP_NODELAY, NULL, set_nodelay, get_nodelay),
	OPT_INT(IPPROTO_TCP, TCP_MAXSEG, NULL, set_maxseg, get_maxseg),
	OPT_INT(IPPROTO_TCP, TCP_KEEPIDLE, NULL, set_keepidle, get_keepidle),
	OPT_INT(IPPROTO_TCP, TCP_KEEPINTVL, NULL, set_keepintvl, get_keepintvl),
	OPT_INT(IPPROTO_TCP, TCP_KEEPCNT, NULL, set_keepcnt, get_keepcnt),
	OPT_RAW(IPPROTO_TCP, TCP_CONGESTION, set_congestion, get_congestion),
	OPT_RAW(IPPROTO_TCP, TCP_INFO, NULL, nm_sock_get_tcp_info),
	OPT_INT(IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", set_v6only, get_v6only),
};

static const struct sockopt *opt_find(int level, int name)
{
	for (size_t i = 0; i < NM_ARRAY_SIZE(sockopts); i++)
		if (sockopts[i].level == level && sockopts[i].name == name)
			return &sockopts[i];
	return NULL;
}

/* The level's name in "unknown option" messages, NULL where they give its
 * number. */
static const char *level_name(int level)
{
	return level == SOL_SOCKET ? "SOL_SOCKET" : level == IPPROTO_TCP ? "IPPROTO_TCP" : NULL;
}

static int opt_unknown(const char *call, int level, int name)
{
	const char *ln = level_name(level);

	if (ln)
		return nm_err(ENOPROTOOPT, "%s: %s option %d", call, ln, name);
	return nm_err(ENOPROTOOPT, "%s: level %d option %d", call, level, name);
}

int nm_setsockopt(int sd, int level, int name, const void *val, socklen_t len)
{
	NM_API_CALL();
	const struct sockopt *o = opt_find(level, name);
	struct nm_socket *so;
	int v = 0, ret;

	so = nm_sock_get(sd, &ret);
	if (!so)
		return ret;
	if (o && o->set)
		return o->set(so, val, len);
	if (level == IPPROTO_TCP) {	/* the int first, whatever the option */
		ret = val_int(val, len, &v, "IPPROTO_TCP");
		if (ret)
			return ret;
	}
	if (!o || !o->set_int)
		return opt_unknown("setsockopt", level, name);
	if (level != IPPROTO_TCP) {
		ret = val_int(val, len, &v, o->label);
		if (ret)
			return ret;
	}
	return o->set_int(so, v);
}

int nm_getsockopt(int sd, int level, int name, void *val, socklen_t *len)
{
	NM_API_CALL();
	const struct sockopt *o = opt_find(level, name);
	struct nm_socket *so;
	int v, ret;

	so = nm_sock_get(sd, &ret);
	if (!so)
		return ret;
	if (!val || !len)
		return nm_err(EFAULT, "NULL value or length");
	if ((int)*len < 0)	/* Linux reads optlen as an int */
		return nm_err(EINVAL, "negative length %d", (int)*len);
	if (o && o->get)
		return o->get(so, val, len);
	if (!o || !o->get_int)
		return opt_unknown("getsockopt", level, name);
	ret = o->get_int(so, &v);
	if (ret)
		return ret;
	return put_out(val, len, &v, sizeof(v));
}
