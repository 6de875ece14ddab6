/* SPDX-License-Identifier: MIT */
/*
 * The NIC's way in on the shm wire (nm_wire_rx): every frame is lent where
 * it lies in the arena, its bytes and offload metadata as sent, and the
 * NIC's buffers are never asked for; the frame stays until consume.
 * Dispatch checks: NULL wire, buffers, get or frame is -EINVAL; a wire
 * without the rx op is -EOPNOTSUPP, and a netdev refuses to run on it.
 */
#include "t_net.h"
#include "nic/wire_drv.h"

struct t_bufs {
	struct nm_wire_rxbufs b;	/* first */
	int gets;
};

static int t_get(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	static uint8_t buf[NM_WIRE_MAX_FRAME];

	((struct t_bufs *)b)->gets++;
	T_ASSERT(max >= 1);
	iov[0] = (struct iovec){ buf, sizeof(buf) };
	return 1;
}

static int t_recv_only(struct nm_wire *w, const struct iovec *iov, unsigned n,
		       struct nm_wire_meta *meta)
{
	(void)w, (void)iov, (void)n, (void)meta;
	return -EAGAIN;
}

int main(void)
{
	static const struct nm_wire_ops recv_only = { .kind = "recv-only", .rx_copy = t_recv_only };
	struct nm_wire other = { .ops = &recv_only, .name = "other0" };
	struct t_bufs tb = { .b.get = t_get };
	struct nm_wire_rxbufs noget = { 0 };
	struct nm_wire_meta meta = { .flags = NM_WIRE_F_DATA_VALID };
	struct nm_netdev_params np = { .name = "nmx" };
	struct nm_wire_frame f;
	struct nm_netdev *nd;
	uint8_t frame[1000];
	struct iovec iov = { frame, sizeof(frame) };
	struct t_nic t;
	struct t_flow fl;
	uint32_t len;

	t_nic_topo(&t);
	T_OK(nm_wire_shm_pair(&(struct nm_wire_shm_params){ 0 }, &t.a, &t.b));
	t_flow_v4(&fl, 0xc6120001, 0xc6120002, 1, 2);
	len = t_flow_frame(frame, &fl, 500, 0);
	iov.iov_len = len;
	T_OK(nm_wire_xmit(t.b, &iov, 1, &meta));

	T_OK(nm_wire_rx(t.a, &tb.b, &f));
	T_EQ(tb.gets, 0);
	T_ASSERT(f.data != NULL);
	T_EQ(f.len, len);
	T_ASSERT(!memcmp(f.data, frame, len));
	T_EQ(f.meta.flags, NM_WIRE_F_DATA_VALID);
	T_OK(nm_wire_consume(t.a));
	T_EQ(nm_wire_rx(t.a, &tb.b, &f), -EAGAIN);	/* flow control: no message */
	T_EQ(tb.gets, 0);

	T_ERR(nm_wire_rx(NULL, &tb.b, &f), -EINVAL);
	T_ERR(nm_wire_rx(t.a, NULL, &f), -EINVAL);
	T_ERR(nm_wire_rx(t.a, &noget, &f), -EINVAL);
	T_ERR(nm_wire_rx(t.a, &tb.b, NULL), -EINVAL);
	T_ERR(nm_wire_rx(&other, &tb.b, &f), -EOPNOTSUPP);
	T_ASSERT(strstr(nm_last_error(), "recv-only"));
	np.dev = t.nic;
	np.wire = &other;
	T_ERR(nm_netdev_create(&np, &nd), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "rx"));

	nm_wire_destroy(t.a);
	nm_wire_destroy(t.b);
	T_OK(nm_topo_destroy(t.topo));
	T_PASS();
}
