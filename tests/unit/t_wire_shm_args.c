/* Every wire and shm-wire function refuses bad arguments with -errno and a
 * message, without crashing, and the wire still works afterwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

/* A wire with nothing but recv: what a TAP-like wire looks like to the
 * dispatcher. */
static int t_nop_recv(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		      struct nm_wire_meta *meta)
{
	(void)w;
	(void)iov;
	(void)iovcnt;
	(void)meta;
	return -EAGAIN;
}

static const struct nm_wire_ops t_bare_ops = { .kind = "bare", .rx_copy = t_nop_recv };

static void t_dispatch(struct nm_wire *a)
{
	static uint8_t buf[100];
	struct iovec iov = { buf, sizeof(buf) }, many[NM_WIRE_MAX_IOV + 1], nullbase = { NULL, 10 };
	struct nm_wire bare = { .ops = &t_bare_ops, .name = "bare" }, noops = { 0 };
	struct nm_wire_stats st;
	const uint8_t *f;
	uint32_t len;

	for (int i = 0; i <= NM_WIRE_MAX_IOV; i++)
		many[i] = (struct iovec){ buf, 1 };

	T_ERR(nm_wire_xmit(NULL, &iov, 1, NULL), -EINVAL);
	T_ERR(nm_wire_xmit(&noops, &iov, 1, NULL), -EINVAL);
	T_ERR(nm_wire_xmit(a, NULL, 1, NULL), -EINVAL);
	T_ERR(nm_wire_xmit(a, many, NM_WIRE_MAX_IOV + 1, NULL), -EINVAL);
	T_ERR(nm_wire_xmit(a, &nullbase, 1, NULL), -EINVAL);
	T_ERR(nm_wire_xmit(a, NULL, 0, NULL), -EINVAL);		/* empty frame */
	T_ERR(nm_wire_xmit(a, many, 13, NULL), -EINVAL);	/* shorter than Ethernet */
	T_OK(nm_wire_xmit(a, many, NM_WIRE_MAX_IOV, NULL));	/* 64 pieces is fine */
	T_ERR(nm_wire_xmit(&bare, &iov, 1, NULL), -EOPNOTSUPP);

	T_ERR(nm_wire_rx_copy(NULL, &iov, 1, NULL), -EINVAL);
	T_ERR(nm_wire_rx_copy(a, NULL, 1, NULL), -EINVAL);
	T_ERR(nm_wire_rx_copy(a, many, NM_WIRE_MAX_IOV + 1, NULL), -EINVAL);
	T_ERR(nm_wire_rx_copy(a, &nullbase, 1, NULL), -EINVAL);
	T_EQ(nm_wire_rx_copy(&bare, &iov, 1, NULL), -EAGAIN);

	T_ERR(nm_wire_peek(NULL, &f, &len, NULL), -EINVAL);
	T_ERR(nm_wire_peek(a, NULL, &len, NULL), -EINVAL);
	T_ERR(nm_wire_peek(a, &f, NULL, NULL), -EINVAL);
	T_ERR(nm_wire_peek(&bare, &f, &len, NULL), -EOPNOTSUPP);
	T_ERR(nm_wire_consume(NULL), -EINVAL);
	T_ERR(nm_wire_consume(&bare), -EOPNOTSUPP);
	T_ERR(nm_wire_consume(a), -EINVAL);	/* nothing peeked */

	T_ERR(nm_wire_get_fd(NULL), -EINVAL);
	T_EQ(nm_wire_get_fd(&bare), -1);	/* no fd: poll by calling recv */
	T_ERR(nm_wire_get_stats(NULL, &st, sizeof(st)), -EINVAL);
	T_ERR(nm_wire_get_stats(a, NULL, sizeof(*NULL)), -EINVAL);
	T_ERR(nm_wire_get_stats(&bare, &st, sizeof(st)), -EOPNOTSUPP);

	nm_wire_destroy(NULL);
	nm_wire_destroy(&noops);
	nm_wire_destroy(&bare);		/* no destroy op: nothing to do */

	T_ERR(nm_wire_shm_flush(NULL), -EINVAL);
	T_ERR(nm_wire_shm_flush(&bare), -EINVAL);
	T_ERR(nm__wire_shm_assert_ok(&bare), -EINVAL);
}

static void t_params(void)
{
	struct nm_wire *a = NULL, *b = NULL;
	struct nm_wire_shm_params p = { 0 };
	const double bad_rates[] = { -0.1, 1.5, NAN, INFINITY };

	T_ERR(nm_wire_shm_pair(NULL, &a, &b), -EINVAL);
	T_ERR(nm_wire_shm_pair(&p, NULL, &b), -EINVAL);
	T_ERR(nm_wire_shm_pair(&p, &a, NULL), -EINVAL);
	p.ring_entries = 3;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.ring_entries = 1;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.ring_entries = NM_SHM_RING_MAX * 2;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.ring_entries = 0;
	p.mtu = 67;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.mtu = 65535;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.mtu = 9000;
	p.arena_bytes = 8192;			/* smaller than one frame */
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.gso = true;
	p.mtu = 1500;
	p.arena_bytes = 65536;			/* a 65550-byte frame does not fit */
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.arena_bytes = NM_SHM_ARENA_MAX + 1u;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.arena_bytes = 0;
	for (size_t i = 0; i < sizeof(bad_rates) / sizeof(bad_rates[0]); i++) {
		p.faults[1] = (struct nm_wire_faults){ .loss = bad_rates[i] };
		T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
		p.faults[0] = (struct nm_wire_faults){ .corrupt = bad_rates[i] };
		p.faults[1] = (struct nm_wire_faults){ 0 };
		T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
		p.faults[0] = (struct nm_wire_faults){ 0 };
	}
	p.faults[0].delay_frames = NM_SHM_DELAY_MAX + 1;
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	p.faults[0].delay_frames = 0;
	/* corruption on a GSO wire would go unseen (partial checksums) */
	p.faults[1] = (struct nm_wire_faults){ .corrupt = 0.01 };
	T_ERR(nm_wire_shm_pair(&p, &a, &b), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "gso"));
	T_ASSERT(a == NULL && b == NULL);
	p.gso = false;
	T_OK(nm_wire_shm_pair(&p, &a, &b));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	a = b = NULL;
}

static void t_names(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *w = NULL;
	char longname[66];

	memset(longname, 'x', 65);
	longname[65] = '\0';
	T_ERR(nm_wire_shm_create(NULL, &p, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create("", &p, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create(longname, &p, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create("a/b", &p, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create("sp ace", &p, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create("ok", NULL, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_create("ok", &p, 0, NULL), -EINVAL);
	p.ring_entries = 5;
	T_ERR(nm_wire_shm_create("ok", &p, 0, &w), -EINVAL);
	p.ring_entries = 0;
	T_ERR(nm_wire_shm_connect(NULL, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_connect("", 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_connect(longname, 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_connect("a\nb", 0, &w), -EINVAL);
	T_ERR(nm_wire_shm_connect("ok", 0, NULL), -EINVAL);
	longname[64] = '\0';			/* 64 characters is allowed */
	T_ERR(nm_wire_shm_connect(longname, 100, &w), -ECONNREFUSED);
	/* nobody comes: the creator gives up after its timeout */
	snprintf(longname, sizeof(longname), "t_wire_shm_args.lonely.%d", (int)getpid());
	T_ERR(nm_wire_shm_create(longname, &p, 50, &w), -ETIMEDOUT);
	T_ASSERT(w == NULL);
	/* ... and released the name */
	T_ERR(nm_wire_shm_connect(longname, 100, &w), -ECONNREFUSED);
}

int main(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;
	static uint8_t buf[2000], in[2000];

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t_dispatch(a);
	t_params();
	t_names();

	/* frame sizes */
	T_ERR(t_wire_send(a, buf, 1519, NULL), -EMSGSIZE);	/* mtu 1500 + 18 */
	struct nm_wire_meta gso = { .gso_type = NM_WIRE_GSO_TCPV4, .gso_size = 1448 };
	T_ERR(t_wire_send(a, buf, 1519, &gso), -EMSGSIZE);	/* gso is off */

	/* all of that left the wires working */
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 64);	/* the 64-piece frame */
	t_wfill(buf, 1518, 9);
	T_OK(t_wire_send(a, buf, 1518, NULL));
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 1518);
	T_EQ(t_wbitdiff(in, 1518, 9), 0);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm__wire_shm_assert_ok(b));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
