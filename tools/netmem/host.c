/* SPDX-License-Identifier: MIT */
/*
 * A "host" of the netmem command: the library's nm_host (host.h: one NIC
 * on a PCI topology of its own, its netdev on a wire, a TCP/IP stack with
 * one interface) set up as ncdevmem expects its NIC (header split on), with
 * the capture of --pcap and a control handle (the netlink socket of the
 * kernel's tools).  The demo runs two hosts in one process, one per
 * thread; server and client run one each.  Also here: the counters that
 * summaries report.
 *
 * Invariants: a host is driven by the thread that brought it up (bind-rx
 * and the stack's calls need the netdev's thread); down undoes up in
 * reverse order and is safe on a half-built host.  Workload: setup and
 * teardown, once per command.
 */
#include <string.h>

#include <netmem/page_pool.h>

#include "cli.h"

void nm_cli_host_up(struct nm_cli_host *h, const struct nm_cli_host_params *p)
{
	struct nm_host_params hp = { .flags = NM_HOST_LINK_ONLY };
	struct nm_ringparam rp;
	int r;

	memset(h, 0, sizeof(*h));
	hp.netdev.name = p->name;
	hp.netdev.wire = p->wire;
	hp.netdev.mac[0] = 0x02;
	hp.netdev.mac[4] = 0x4e;	/* 'N' */
	hp.netdev.mac[5] = p->mac_last;
	hp.netdev.mtu = p->mtu;
	hp.netdev.rx_queues = hp.netdev.tx_queues = p->queues;
	hp.iface.addr4 = p->addr4;
	hp.iface.addr6 = p->addr6;
	/* the link first: the capture starts before the stack exists */
	r = nm_host_create(&hp, &h->host);
	if (r < 0)
		nm_cli_die_nm(r, "netdev %s", p->name);
	h->wire = p->wire;
	h->nd = nm_host_netdev(h->host);
	h->ifindex = nm_netdev_ifindex(h->nd);
	/* what ncdevmem asks of the NIC: header split on, threshold 0 */
	r = nm_netdev_get_ringparam(h->nd, &rp);
	if (r >= 0) {
		rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
		rp.hds_thresh = 0;
		r = nm_netdev_set_ringparam(h->nd, &rp);
	}
	if (r < 0)
		nm_cli_die_nm(r, "netdev %s: header split", p->name);
	/* before the stack: its first frame (an ARP) is in the file */
	if (p->pcap && p->pcap->path)
		nm_cli_pcap_start(h, p->pcap);
	r = nm_host_stack_up(h->host);
	if (r < 0)
		nm_cli_die_nm(r, "interface %s (%s%s%s)", p->name, p->addr4 ? p->addr4 : "",
			      p->addr4 && p->addr6 ? " " : "", p->addr6 ? p->addr6 : "");
	h->st = nm_host_stack(h->host);
	r = nm_ctl_open(&h->ctl);
	if (r < 0)
		nm_cli_die_nm(r, "control handle");
}

void nm_cli_host_down(struct nm_cli_host *h)
{
	/* the control handle first: unbinding restarts queues on the netdev */
	if (h->ctl)
		nm_ctl_close(h->ctl);
	if (h->st)
		nm_host_stack_down(h->host);
	nm_cli_pcap_stop(h);
	/* the netdev, the wire and the host's topology */
	if (h->host)
		nm_host_destroy(h->host);
	memset(h, 0, sizeof(*h));
}

static void pool_add(struct nm_page_pool_stats *sum, const struct nm_page_pool_stats *s)
{
	sum->alloc_fast += s->alloc_fast;
	sum->alloc_slow += s->alloc_slow;
	sum->alloc_empty += s->alloc_empty;
	sum->alloc_refill += s->alloc_refill;
	sum->alloc_fail += s->alloc_fail;
	sum->alloc_frag += s->alloc_frag;
	sum->recycle_cached += s->recycle_cached;
	sum->recycle_cache_full += s->recycle_cache_full;
	sum->recycle_ring += s->recycle_ring;
	sum->recycle_ring_full += s->recycle_ring_full;
	sum->recycle_released_refcnt += s->recycle_released_refcnt;
	sum->hold_cnt += s->hold_cnt;
	sum->release_cnt += s->release_cnt;
	sum->release_kept += s->release_kept;
}

void nm_cli_host_counters(struct nm_cli_host *h, struct nm_cli_counters *c)
{
	uint32_t ids[2 * NM_NETDEV_MAX_QUEUES * 4];
	int n;

	memset(c, 0, sizeof(*c));
	nm_stack_get_stats(h->st, &c->stack, sizeof(c->stack));
	nm_netdev_get_stats(h->nd, &c->nic, sizeof(c->nic));
	nm_wire_get_stats(h->wire, &c->wire, sizeof(c->wire));
	/* page-pool-get / page-pool-stats-get over this netdev's payload pools */
	n = nm_ctl_page_pool_dump(h->ctl, ids, sizeof(ids) / sizeof(ids[0]));
	for (int i = 0; i < n && i < (int)(sizeof(ids) / sizeof(ids[0])); i++) {
		struct nm_page_pool_info info;
		struct nm_page_pool_stats st;
		struct nm_rxq_info qi;
		int ifx;

		if (nm_ctl_page_pool_get(h->ctl, ids[i], &info, &ifx) < 0 || ifx != h->ifindex)
			continue;
		/* the queue's payload pool, not its header pool */
		if (nm_netdev_get_rxq_info(h->nd, info.queue_idx, &qi) < 0 ||
		    qi.payload_pp_id != ids[i])
			continue;
		if (nm_ctl_page_pool_stats_get(h->ctl, ids[i], &st, sizeof(st)) < 0)
			continue;
		pool_add(&c->pool, &st);
		c->pool_inflight += info.inflight;
		c->pool_posted += qi.payload_posted;
		c->pools++;
	}
}

void nm_cli_counters_add(struct nm_cli_counters *sum, const struct nm_cli_counters *c)
{
	/* what nm_cli_json_counters() and the summaries read */
	sum->stack.payload_copy_bytes += c->stack.payload_copy_bytes;
	sum->stack.unreadable_dropped += c->stack.unreadable_dropped;
	sum->stack.tcp_retransmits += c->stack.tcp_retransmits;
	sum->stack.tcp_ooo_queued += c->stack.tcp_ooo_queued;
	sum->stack.tcp_dup_dropped += c->stack.tcp_dup_dropped;
	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		sum->nic.drops[i] += c->nic.drops[i];
	sum->wire.inj_lost += c->wire.inj_lost;
	sum->wire.inj_dup += c->wire.inj_dup;
	sum->wire.inj_reordered += c->wire.inj_reordered;
	pool_add(&sum->pool, &c->pool);
	sum->pools += c->pools;
	sum->pool_inflight += c->pool_inflight;
	sum->pool_posted += c->pool_posted;
}

uint64_t nm_cli_nic_drops(const struct nm_queue_stats *s)
{
	uint64_t d = 0;

	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		d += s->drops[i];
	return d;
}

int64_t nm_cli_stack_payload_copies(const struct nm_cli_counters *c)
{
	return (int64_t)c->stack.payload_copy_bytes;
}

void nm_cli_json_counters(struct nm_cli_json *j, const struct nm_cli_counters *c)
{
	struct nm_cli_json o;

	nm_cli_json_begin(&o);
	nm_cli_json_u64(&o, "pools", c->pools);
	nm_cli_json_u64(&o, "alloc_fast", c->pool.alloc_fast);
	nm_cli_json_u64(&o, "alloc_slow", c->pool.alloc_slow);
	nm_cli_json_u64(&o, "alloc_empty", c->pool.alloc_empty);
	nm_cli_json_u64(&o, "alloc_refill", c->pool.alloc_refill);
	nm_cli_json_u64(&o, "alloc_fail", c->pool.alloc_fail);
	nm_cli_json_u64(&o, "recycle_cached", c->pool.recycle_cached);
	nm_cli_json_u64(&o, "recycle_cache_full", c->pool.recycle_cache_full);
	nm_cli_json_u64(&o, "recycle_ring", c->pool.recycle_ring);
	nm_cli_json_u64(&o, "recycle_ring_full", c->pool.recycle_ring_full);
	nm_cli_json_u64(&o, "recycle_released_refcnt", c->pool.recycle_released_refcnt);
	nm_cli_json_i64(&o, "inflight", c->pool_inflight);
	nm_cli_json_i64(&o, "posted", c->pool_posted);
	nm_cli_json_raw(j, "pool", nm_cli_json_end(&o));

	nm_cli_json_begin(&o);
	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		nm_cli_json_u64(&o, nm_rx_drop_name((enum nm_rx_drop)i), c->nic.drops[i]);
	nm_cli_json_u64(&o, "nic_total", nm_cli_nic_drops(&c->nic));
	nm_cli_json_u64(&o, "unreadable_dropped", c->stack.unreadable_dropped);
	nm_cli_json_u64(&o, "tcp_retransmits", c->stack.tcp_retransmits);
	nm_cli_json_u64(&o, "tcp_ooo_queued", c->stack.tcp_ooo_queued);
	nm_cli_json_u64(&o, "tcp_dup_dropped", c->stack.tcp_dup_dropped);
	nm_cli_json_u64(&o, "wire_lost", c->wire.inj_lost);
	nm_cli_json_u64(&o, "wire_dup", c->wire.inj_dup);
	nm_cli_json_u64(&o, "wire_reordered", c->wire.inj_reordered);
	nm_cli_json_raw(j, "drops", nm_cli_json_end(&o));
}
