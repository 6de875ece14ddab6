/* SPDX-License-Identifier: MIT */
#ifndef NM_FZ_TCP_H
#define NM_FZ_TCP_H

/*
 * The two-stack bed of the TCP-level harnesses (tcp_states, sockopt,
 * cmsg), the test bed's struct t_net: its links (topology, shm wire,
 * netdevs nma for stack A and nmb for B) live for the process, set up
 * once; each input gets fresh stacks (fz_tcp_begin) and leaves the links
 * as it found them (fz_tcp_end: sockets closed, stacks destroyed, what is
 * still on the wire received and dropped), so no state passes from one
 * input to the next.
 * The RX rings are short (128) and nmb splits headers with threshold 0,
 * ready for bind-rx: restarting a queue (each bind and unbind) allocates
 * its rings' buffers, the bulk of an input's set-up time.
 */
#include "fuzz.h"
#include "t_devmem.h"
#include "nic/netdev_drv.h"

#define FZ_TCP_RING	128

static struct t_net fz_net;
static bool fz_net_up;

static inline void fz_tcp_links(void)
{
	struct nm_ringparam rp;

	t_net_create(&fz_net, &(struct t_net_params){ .links_only = true });
	T_OK(nm_netdev_get_ringparam(fz_net.nda, &rp));
	rp.rx = FZ_TCP_RING;
	T_OK(nm_netdev_set_ringparam(fz_net.nda, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(fz_net.ndb, &rp));
	fz_net_up = true;
}

/* Fresh stacks on the links; the fake clock reset. */
static inline struct t_net *fz_tcp_begin(void)
{
	fz_begin();
	if (!fz_net_up)
		fz_tcp_links();
	t_net_stacks_up(&fz_net);
	return &fz_net;
}

/* Receive and drop whatever waits for nd. */
static inline void fz_tcp_drain(struct nm_netdev *nd)
{
	struct nm_rx_pkt p[16];

	for (int i = 0; i < 1000 && nm_netdev_poll(nd, 64) > 0; i++)
		for (uint32_t q = 0; q < nm_netdev_num_rx_queues(nd); q++) {
			int k;

			while ((k = nm_netdev_rx_poll(nd, q, p, 16)) > 0)
				for (int j = 0; j < k; j++)
					nm_rx_pkt_release(&p[j]);
		}
}

/* Close the n descriptors of sds (-1: none), destroy the stacks, empty the
 * wire. */
static inline void fz_tcp_end(struct t_net *n, const int *sds, int nsd)
{
	for (int i = 0; i < nsd; i++)
		if (sds[i] >= 0)
			T_OK(nm_close(sds[i]));
	t_net_stacks_down(n);
	fz_tcp_drain(n->nda);
	fz_tcp_drain(n->ndb);
}

/* t_devmem.h's binding of a memfd dma-buf of size bytes to nmb's RX
 * queue 0; returns a reference on the binding, for fz_tcp_unbind(). */
static inline struct nm_dmabuf_binding *fz_tcp_bind(struct t_net *n, struct t_dm *d,
						    uint64_t size)
{
	struct nm_dmabuf_binding *b;

	t_dm_bind(d, n->ndb, size);
	b = nm_ctl_binding_get(d->id, NULL, NULL);
	T_ASSERT(b);
	return b;
}

/* Unbind (after the sockets are closed): every buffer of the dma-buf is
 * free again, none lost or still lent out. */
static inline void fz_tcp_unbind(struct t_dm *d, struct nm_dmabuf_binding *b)
{
	t_dm_unbind(d);
	FZ_ASSERT(nm_dmabuf_binding_avail(b) == nm_dmabuf_binding_num_niovs(b),
		  "%llu of %llu dma-buf buffers free after close and unbind",
		  (unsigned long long)nm_dmabuf_binding_avail(b),
		  (unsigned long long)nm_dmabuf_binding_num_niovs(b));
	nm_dmabuf_binding_put(b);
}

#endif
