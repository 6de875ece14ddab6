/* SPDX-License-Identifier: MIT */
/*
 * The devmem control-plane hook, until the kernel's netlink control plane
 * comes to the runtime (the next issue): a program under netmem run that
 * uses the devmem uAPI through plain socket calls (recvmsg with
 * MSG_SOCK_DEVMEM, SO_DEVMEM_DONTNEED, sendmsg with SCM_DEVMEM_DMABUF)
 * needs what ncdevmem does over netlink and ethtool first: bind a dma-buf
 * to RX queues, steer its flow there, bind one for TX.  It finds these
 * functions with dlsym(RTLD_DEFAULT, "netmem_rt_bind_rx") and so on (the
 * program still builds against glibc alone; docs/run.md has the snippet):
 *
 *	int netmem_rt_queues(void);
 *		RX queues of netmem's NIC (NETMEM_QUEUES).
 *	int netmem_rt_bind_rx(int memfd, unsigned first, unsigned n, uint32_t *id);
 *		bind-rx of the whole memfd (the udmabuf rules: size a page
 *		multiple, F_SEAL_SHRINK set) to RX queues first..first+n-1;
 *		RSS spreads over the other queues (ethtool -X equal).  *id is
 *		the dmabuf_id of the SCM_DEVMEM_DMABUF cmsgs; the payload is in
 *		the memfd at their frag_offset.
 *	int netmem_rt_steer(uint16_t dst_port, unsigned queue);
 *		ethtool -N flow-type tcp4|tcp6 dst-ip <netmem's address>
 *		dst-port P action Q; returns the rule's id.
 *	int netmem_rt_bind_tx(int memfd, uint32_t *id);
 *		bind-tx of the whole memfd; *id goes in SCM_DEVMEM_DMABUF.
 * Each returns >= 0, or -1 with errno (the kernel's refusals: EINVAL,
 * ERANGE, EEXIST, ... as nm_ctl_bind_rx() documents; EBUSY when another
 * process owns the NIC).  A binding lives as long as the process.
 */
#include <string.h>
#include <sys/stat.h>

#include <netmem/ctl.h>
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#include "rt/rt_internal.h"

int netmem_rt_queues(void);
int netmem_rt_bind_rx(int memfd, unsigned first, unsigned n, uint32_t *id);
int netmem_rt_steer(uint16_t dst_port, unsigned queue);
int netmem_rt_bind_tx(int memfd, uint32_t *id);

/* A dma-buf fd of /dev/udmabuf or /dev/dma_heap/system (devfs.c), or a
 * memfd taken whole with the udmabuf rules. */
static int dmabuf_of(int memfd, struct nm_dmabuf **buf)
{
	struct stat sb;

	if (rt_dmabuf_get(memfd, buf) == 0)
		return 0;
	if (fstat(memfd, &sb) < 0)
		return -errno;
	return nm_udmabuf_create(memfd, 0, (uint64_t)sb.st_size, 0, buf);
}

int netmem_rt_queues(void)
{
	struct nm_channels ch;
	int r = rt_nic_enter();

	if (r < 0)
		return (int)rt_ret(r);
	r = nm_netdev_get_channels(rt.nd, &ch);
	rt_unlock();
	return (int)rt_ret(r < 0 ? r : (int)ch.rx);
}

int netmem_rt_bind_rx(int memfd, unsigned first, unsigned n, uint32_t *id)
{
	struct nm_queue_id qs[NM_NETDEV_MAX_QUEUES];
	struct nm_dmabuf *buf = NULL;
	struct nm_channels ch;
	int r;

	if (!id || n == 0 || n > NM_NETDEV_MAX_QUEUES)
		return (int)rt_ret(!id ? -EFAULT : -EINVAL);
	r = rt_nic_enter();
	if (r < 0)
		return (int)rt_ret(r);
	r = nm_netdev_get_channels(rt.nd, &ch);
	if (r >= 0 && (first >= ch.rx || n > ch.rx - first))
		r = nm_err(ERANGE, "bind-rx: queues %u..%u of %u", first, first + n - 1, ch.rx);
	/* RSS over the queues left unbound, as ncdevmem's ethtool -X does */
	if (r >= 0 && first > 0)
		r = nm_netdev_set_rss_equal(rt.nd, 0, first);
	else if (r >= 0 && first + n < ch.rx)
		r = nm_netdev_set_rss_equal(rt.nd, first + n, ch.rx - first - n);
	if (r >= 0)
		r = dmabuf_of(memfd, &buf);
	for (unsigned i = 0; r >= 0 && i < n; i++)
		qs[i] = (struct nm_queue_id){ first + i, NETDEV_QUEUE_TYPE_RX };
	if (r >= 0)
		r = nm_ctl_bind_rx(rt.ctl, rt.ifindex, buf, qs, n, id);
	if (buf)
		nm_dmabuf_put(buf);	/* the binding holds its own reference */
	rt_unlock();
	return (int)rt_ret(r < 0 ? r : 0);
}

int netmem_rt_steer(uint16_t dst_port, unsigned queue)
{
	struct nm_flow_rule fr = { .id = NM_FLOW_ID_ANY };
	size_t alen = rt_cfg.family == AF_INET ? 4 : 16;
	int r = rt_nic_enter();

	if (r < 0)
		return (int)rt_ret(r);
	fr.flow_type = rt_cfg.family == AF_INET ? NM_FLOW_TCP4 : NM_FLOW_TCP6;
	memcpy(fr.dst_ip, rt_cfg.ip, alen);
	memset(fr.dst_ip_mask, 0xff, alen);
	fr.dst_port = dst_port;
	fr.dst_port_mask = 0xffff;
	fr.action = (int32_t)queue;
	r = nm_netdev_flow_add(rt.nd, &fr);
	rt_unlock();
	return (int)rt_ret(r);
}

int netmem_rt_bind_tx(int memfd, uint32_t *id)
{
	struct nm_dmabuf *buf = NULL;
	int r;

	if (!id)
		return (int)rt_ret(-EFAULT);
	r = rt_nic_enter();
	if (r < 0)
		return (int)rt_ret(r);
	r = dmabuf_of(memfd, &buf);
	if (r >= 0)
		r = nm_ctl_bind_tx(rt.ctl, rt.ifindex, buf, id);
	if (buf)
		nm_dmabuf_put(buf);
	rt_unlock();
	return (int)rt_ret(r < 0 ? r : 0);
}
