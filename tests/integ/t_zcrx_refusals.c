/* SPDX-License-Identifier: MIT */
/*
 * Every refusal of IORING_REGISTER_ZCRX_IFQ and IORING_REGISTER_ZCRX_CTRL
 * with the kernel's errno (io_uring/zcrx.c, __net_mp_open_rxq()), each
 * leaving a message and changing nothing: after all of them a good
 * registration still succeeds on the same queue, rq_entries comes back
 * rounded up to a power of two, and a second one on that queue is -EEXIST.
 */
#include "t_zcrx.h"

static struct t_zc z;
static struct t_net n;

static void fresh(const struct t_zc_opts *o)
{
	t_zc_prepare(&z, n.sb, n.ndb, 0, o);
}

static void refuse(int err)
{
	T_ERR(nm_uring_register_ifq(&z.ring, &z.reg), -err);
	t_zc_close(&z);
}

/* A fresh good registration with one change, refused with err (a macro:
 * the change is a statement, and a failure names its line). */
#define REFUSE(opts, change, err)                                                \
	do {                                                                     \
		fresh(opts);                                                     \
		change;                                                          \
		T_ERR(nm_uring_register_ifq(&z.ring, &z.reg), -(err));           \
		t_zc_close(&z);                                                  \
	} while (0)

int main(void)
{
	const struct t_zc_opts o = { .area = 1 << 20 };
	struct nm_ringparam rp;
	struct nm_uring plain;
	struct zcrx_ctrl c;
	struct t_zc z2;

	t_net_up(&n, NULL);
	/* header split off */
	T_OK(nm_netdev_get_ringparam(n.ndb, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_DISABLED;
	T_OK(nm_netdev_set_ringparam(n.ndb, &rp));
	fresh(&o);
	refuse(EINVAL);
	t_zc_hds(n.ndb);
	/* hds-thresh not 0 */
	T_OK(nm_netdev_get_ringparam(n.ndb, &rp));
	if (rp.hds_thresh_max) {
		rp.hds_thresh = 1;
		T_OK(nm_netdev_set_ringparam(n.ndb, &rp));
		fresh(&o);
		refuse(EINVAL);
		t_zc_hds(n.ndb);
	}
	/* the ring: DEFER_TASKRUN and CQE32 needed */
	T_OK(nm_uring_queue_init(n.sb, 8, &plain, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32));
	fresh(&o);
	T_ERR(nm_uring_register_ifq(&plain, &z.reg), -EINVAL);
	nm_uring_queue_exit(&plain);
	T_OK(nm_uring_queue_init(n.sb, 8, &plain, IORING_SETUP_SINGLE_ISSUER |
				 IORING_SETUP_DEFER_TASKRUN));
	T_ERR(nm_uring_register_ifq(&plain, &z.reg), -EINVAL);
	nm_uring_queue_exit(&plain);
	t_zc_close(&z);
	/* queue out of range, no such netdev */
	REFUSE(&o, z.reg.if_rxq = 64, ERANGE);
	REFUSE(&o, z.reg.if_rxq = (uint32_t)-1, EINVAL);
	REFUSE(&o, z.reg.if_idx = 9999, ENODEV);
	/* flags, reserved and output fields */
	REFUSE(&o, z.reg.flags = 4, EINVAL);
	REFUSE(&o, z.reg.flags = ZCRX_REG_IMPORT, EOPNOTSUPP);
	REFUSE(&o, z.reg.__resv[1] = 1, EINVAL);
	REFUSE(&o, z.reg.zcrx_id = 3, EINVAL);
	/* refill ring entries */
	REFUSE(&o, z.reg.rq_entries = 0, EINVAL);
	REFUSE(&o, z.reg.rq_entries = 40000, EINVAL);	/* above 32768 without CLAMP */
	/* rx_buf_len: a power of two from a page to 64 KiB */
	REFUSE(&o, z.reg.rx_buf_len = 12288, EINVAL);
	REFUSE(&o, z.reg.rx_buf_len = 2048, EINVAL);
	REFUSE(&o, z.reg.rx_buf_len = 128 << 10, ERANGE);
	/* the region */
	REFUSE(&o, z.reg.region_ptr = 0, EFAULT);
	REFUSE(&o, z.rd.size = 4096, EINVAL);	/* too small for 4096 entries */
	REFUSE(&o, z.rd.flags = 0, EFAULT);	/* user_addr without TYPE_USER */
	REFUSE(&o, z.rd.user_addr += 8, EINVAL);	/* misaligned */
	REFUSE(&o, z.rd.__resv[0] = 1, EINVAL);
	/* the area */
	REFUSE(&o, z.reg.area_ptr = 0, EFAULT);
	REFUSE(&o, z.area_reg.addr += 100, EINVAL);	/* misaligned */
	REFUSE(&o, z.area_reg.len = 0, EFAULT);
	REFUSE(&o, z.area_reg.len = (1ull << 30) + 4096, EFAULT);	/* the kernel's 1 GiB limit */
	REFUSE(&o, z.area_reg.addr = 0, EFAULT);
	REFUSE(&o, z.area_reg.flags = 2, EINVAL);
	REFUSE(&o, z.area_reg.rq_area_token = 1, EINVAL);
	REFUSE(&o, z.area_reg.dmabuf_fd = 5, EINVAL);	/* without IORING_ZCRX_AREA_DMABUF */
	fresh(&o);		/* a page of the range not writable */
	munmap(z.area, z.area_len);
	z.area_len = 2 << 20;
	z.area = mmap(NULL, z.area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(z.area != MAP_FAILED);
	T_ASSERT(mprotect(z.area + (1 << 20), 4096, PROT_READ) == 0);
	z.area_reg.addr = (uint64_t)(uintptr_t)z.area;
	z.area_reg.len = 2 << 20;
	refuse(EFAULT);
	/* dma-buf areas: offset must be 0; a bad fd */
	{
		struct t_zc_opts od = { .area = 1 << 20, .dmabuf = true };

		REFUSE(&od, z.area_reg.addr = 4096, EINVAL);
		REFUSE(&od, z.area_reg.dmabuf_fd = 9999, EBADF);
	}
	/* nothing changed: a good registration, rounded entries */
	fresh(&o);
	z.reg.rq_entries = 1000;
	T_OK(nm_uring_register_ifq(&z.ring, &z.reg));
	T_EQ(z.reg.rq_entries, 1024u);
	T_EQ(z.reg.zcrx_id, 0u);
	T_EQ(z.area_reg.rq_area_token, 0u);
	/* the queue has a provider now */
	t_zc_prepare(&z2, n.sb, n.ndb, 0, &o);
	T_ERR(nm_uring_register_ifq(&z2.ring, &z2.reg), -EEXIST);
	t_zc_close(&z2);
	/* ZCRX_CTRL */
	memset(&c, 0, sizeof(c));
	c.zcrx_id = 0;
	c.op = ZCRX_CTRL_FLUSH_RQ;
	T_OK(nm_uring_register_zcrx_ctrl(&z.ring, &c));
	c.op = 7;
	T_ERR(nm_uring_register_zcrx_ctrl(&z.ring, &c), -EINVAL);
	c.op = ZCRX_CTRL_EXPORT;
	T_ERR(nm_uring_register_zcrx_ctrl(&z.ring, &c), -EOPNOTSUPP);
	c.op = ZCRX_CTRL_FLUSH_RQ;
	c.zcrx_id = 5;
	T_ERR(nm_uring_register_zcrx_ctrl(&z.ring, &c), -ENXIO);
	c.zcrx_id = 0;
	c.zc_flush.__resv[2] = 1;
	T_ERR(nm_uring_register_zcrx_ctrl(&z.ring, &c), -EINVAL);
	T_ERR(nm_uring_unregister_ifq(&z.ring, 4), -EINVAL);
	T_OK(nm_uring_unregister_ifq(&z.ring, 0));
	T_ERR(nm_uring_unregister_ifq(&z.ring, 0), -EINVAL);
	t_zc_close(&z);
	t_pump_for(&n, 10);
	t_net_down(&n);
	T_PASS();
}
