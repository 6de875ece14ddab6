/* SPDX-License-Identifier: MIT */
/*
 * zcrx interface queues (IORING_REGISTER_ZCRX_IFQ), following Linux's
 * io_uring/zcrx.c for the rules and errnos, with one change of design
 * (the one the debate behind netmem proposes): the area never reaches the
 * page pool as user pages.  User memory is made into a dma-buf the way
 * udmabuf_create() does (a sealed memfd now backs the application's pages
 * at the same address, and the udmabuf exporter wraps it), and that
 * dma-buf is bound to the RX queue through the existing dmabuf memory
 * provider.  The page pool sees only dma-buf net_iovs.
 *
 * Buffers reach the application through RECV_ZC CQEs (recv_zc.c), each
 * holding one page-pool reference and one "user reference" counted per
 * net_iov slot here.  The refill ring gives them back: each entry names
 * an offset (area token | offset in the area); an entry outside the
 * area, with a wrong token or pad, or naming a buffer with no user
 * reference (a double return) is dropped and counted (rqe_bad), never
 * trusted.  A good one drops the user reference and the page-pool
 * reference (nm_page_pool_put_netmem(), on the stack's thread, the pool's
 * owner), which recycles the buffer into its pool's cache.
 *
 * Copy buffers (the copy fallback) come from the binding's allocator, not
 * a pool; they go back to it when their last user reference returns.
 *
 * Invariants: 1. user_refs[s] counts the CQEs naming slot s the
 * application has not returned; stats.held is their sum.  2. a pool
 * buffer with user_refs[s] = k holds k page-pool references for them.
 * 3. the ifq holds one binding reference until the ring closes, so held
 * buffers stay mapped and readable after unregistration.
 * Threads: everything here runs on the stack's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "uring/uring_internal.h"
#include "util/bits.h"
#include "util/err.h"

#define UR_PAGE		4096ull
#define RQ_HEAD_OFF	0u		/* the kernel's struct io_uring: head, tail */
#define RQ_TAIL_OFF	64u		/* on their own cache lines */
#define RQ_RQES_OFF	128u

struct ifq_reg_args {
	struct io_uring_zcrx_ifq_reg *reg;
};

struct ur_ifq *nm__ur_ifq(struct nm_uring_ctx *ctx, uint32_t id)
{
	return id < UR_MAX_IFQS ? ctx->ifqs[id] : NULL;
}

/* ---- slots: one per net_iov of the binding ----------------------------------------- */

static int64_t slot_of(const struct ur_ifq *ifq, const struct nm_net_iov *niov)
{
	ptrdiff_t i = niov->owner - ifq->area0;

	if (i < 0 || i >= (ptrdiff_t)ifq->nr_areas)
		return -1;
	return (int64_t)(ifq->first_slot[i] + nm_net_iov_idx(niov));
}

static int slots_init(struct ur_ifq *ifq)
{
	uint64_t n = nm_dmabuf_binding_num_niovs(ifq->b), s = 0;

	ifq->nr_slots = n;
	ifq->nr_areas = nm_dmabuf_binding_num_areas(ifq->b);
	ifq->user_refs = calloc(n, sizeof(*ifq->user_refs));
	ifq->copy_buf = calloc(n, 1);
	ifq->slot_niov = calloc(n, sizeof(*ifq->slot_niov));
	ifq->first_slot = calloc(ifq->nr_areas, sizeof(*ifq->first_slot));
	if (!ifq->user_refs || !ifq->copy_buf || !ifq->slot_niov || !ifq->first_slot)
		return nm_err(ENOMEM, "out of memory");
	for (uint32_t i = 0; i < ifq->nr_areas; i++) {
		struct nm_net_iov_area *a;

		nm_dmabuf_binding_area(ifq->b, i, &a);
		if (!i)
			ifq->area0 = a;
		ifq->first_slot[i] = s;
		for (uint32_t k = 0; k < a->num_niovs; k++)
			ifq->slot_niov[s++] = &a->niovs[k];
	}
	return 0;
}

/* Slot s of a CQE or RQE offset (token bits already checked), -1 if none.
 * One area at offset 0 (a memfd's pages, mapped whole): a shift. */
static int64_t slot_at(const struct ur_ifq *ifq, uint64_t off)
{
	struct nm_net_iov *niov;

	if (ifq->nr_areas == 1 && !ifq->area0->base_virtual) {
		uint64_t s = off >> ifq->niov_shift;

		return s < ifq->nr_slots ? (int64_t)s : -1;
	}
	if (nm_dmabuf_binding_niov_at(ifq->b, off, &niov))
		return -1;
	return slot_of(ifq, niov);
}

int64_t nm__ur_ifq_slot(const struct ur_ifq *ifq, const struct nm_net_iov *niov)
{
	return slot_of(ifq, niov);
}

void nm__ur_ifq_put_slot(struct ur_ifq *ifq, uint64_t s)
{
	struct nm_net_iov *niov = ifq->slot_niov[s];

	ifq->user_refs[s]--;
	ifq->stats.held--;
	if (ifq->copy_buf[s]) {
		/* a copy buffer: back to the binding once nobody uses it */
		if (!ifq->user_refs[s] && niov != ifq->copy_niov) {
			ifq->copy_buf[s] = 0;
			nm_dmabuf_binding_free_niov(ifq->b, niov);
		}
		return;
	}
	nm_netmem_t nm = nm_net_iov_to_netmem(niov);

	nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
}

/* ---- the refill ring ------------------------------------------------------------------ */

static bool rqe_take(struct ur_ifq *ifq, const struct io_uring_zcrx_rqe *shared)
{
	struct io_uring_zcrx_rqe e;
	int64_t s;

	memcpy(&e, shared, sizeof(e));	/* one read: the application may rewrite it */
	if ((e.off & IORING_ZCRX_AREA_MASK) || e.__pad)
		return false;		/* area id (token) or pad wrong */
	s = slot_at(ifq, e.off);
	if (s < 0 || !ifq->user_refs[s])
		return false;		/* outside the area, or not held: a double return */
	nm__ur_ifq_put_slot(ifq, (uint64_t)s);
	return true;
}

/* Take what the application published; returns buffers returned. */
static int ifq_refill(struct ur_ifq *ifq)
{
	uint32_t head = *ifq->rq_head;	/* ours to write */
	uint32_t tail = __atomic_load_n(ifq->rq_tail, __ATOMIC_ACQUIRE);
	uint32_t n = tail - head;
	int ok = 0;

	if (!n)
		return 0;
	/* garbage indices: at most one ring's worth, as the kernel does */
	if (n > ifq->rq_entries)
		n = ifq->rq_entries;
	for (uint32_t i = 0; i < n; i++) {
		if (rqe_take(ifq, &ifq->rqes[(head + i) & (ifq->rq_entries - 1)]))
			ok++;
		else
			ifq->stats.rqe_bad++;
	}
	ifq->stats.rqe_returned += (uint64_t)ok;
	__atomic_store_n(ifq->rq_head, head + n, __ATOMIC_RELEASE);
	return ok;
}

int nm__ur_zcrx_refill(struct nm_uring_ctx *ctx)
{
	int work = 0;

	for (uint32_t i = 0; i < UR_MAX_IFQS; i++) {
		struct ur_ifq *ifq = ctx->ifqs[i];
		int n;

		if (!ifq)
			continue;
		n = ifq_refill(ifq);
		if (n > 0) {
			work += n;
			/* memory came back: the receive window may open */
			nm__ur_recv_zc_space(ctx, ifq);
		}
	}
	return work;
}

/* ---- registration ---------------------------------------------------------------------- */

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* io_create_region()'s checks, for a user region big enough for the ring. */
static int check_region(const struct io_uring_region_desc *rd, uint32_t entries)
{
	uint64_t need = RQ_RQES_OFF + (uint64_t)entries * sizeof(struct io_uring_zcrx_rqe);

	if (!all_zero(rd->__resv, sizeof(rd->__resv)))
		return nm_err(EINVAL, "the region's reserved fields are not zero");
	if (rd->flags & ~(uint32_t)IORING_MEM_REGION_TYPE_USER)
		return nm_err(EINVAL, "unknown region flags 0x%x", rd->flags);
	if (!!(rd->flags & IORING_MEM_REGION_TYPE_USER) != !!rd->user_addr)
		return nm_err(EFAULT, "the region's user_addr and IORING_MEM_REGION_TYPE_USER "
				      "disagree");
	if (!rd->size || rd->mmap_offset || rd->id)
		return nm_err(EINVAL, "the region's size is 0, or its mmap_offset or id is set");
	if ((rd->user_addr | rd->size) & (UR_PAGE - 1))
		return nm_err(EINVAL, "the region's address or size is not page-aligned");
	if (!(rd->flags & IORING_MEM_REGION_TYPE_USER))
		return nm_err(EOPNOTSUPP, "a kernel-allocated region (netmem has no ring fd to "
				      "mmap): give user memory (IORING_MEM_REGION_TYPE_USER)");
	if (rd->size < need)
		return nm_err(EINVAL, "the region has %llu bytes, the refill ring of %u "
			      "entries needs %llu", (unsigned long long)rd->size, entries,
			      (unsigned long long)need);
	return 0;
}

/* Every page of [addr, addr + len) mapped readable and writable
 * (what pin_user_pages() would need), from /proc/self/maps. */
static int check_user_range(uint64_t addr, uint64_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	uint64_t at = addr, end = addr + len;
	char line[512];

	if (!f)
		return nm_err_sys(errno, "open /proc/self/maps");
	while (at < end && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perm[8];

		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perm) != 3)
			continue;
		if (hi <= at || lo > at)
			continue;
		if (perm[0] != 'r' || perm[1] != 'w')
			break;
		at = hi;
	}
	fclose(f);
	if (at < end)
		return nm_err(EFAULT, "the area's page at 0x%llx is not mapped readable and writable",
			      (unsigned long long)at);
	return 0;
}

/*
 * The application's memory made into a dma-buf, the udmabuf way: a memfd
 * gets the current contents, is sealed against shrinking and growing,
 * becomes a udmabuf-rules dma-buf, and is mapped over the application's
 * range at the same address (MAP_FIXED | MAP_SHARED): the application and
 * the NIC's DMA then see the same pages.
 */
static int area_from_user(uint64_t addr, uint64_t len, struct nm_dmabuf **out)
{
	int fd, r;
	void *p;

	r = check_user_range(addr, len);
	if (r)
		return r;
	fd = memfd_create("nm-zcrx-area", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return nm_err_sys(errno, "memfd_create");
	if (ftruncate(fd, (off_t)len) < 0) {
		r = nm_err_sys(errno, "ftruncate to %llu", (unsigned long long)len);
		goto err_close;
	}
	if (pwrite(fd, (const void *)(uintptr_t)addr, len, 0) != (ssize_t)len) {
		r = nm_err_sys(errno ? errno : EIO, "copying the area into its memfd");
		goto err_close;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		r = nm_err_sys(errno, "F_ADD_SEALS");
		goto err_close;
	}
	r = nm_udmabuf_create(fd, 0, len, 0, out);
	if (r)
		goto err_close;
	p = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED) {
		r = nm_err_sys(errno, "mapping the area's memfd over the application's range");
		nm_dmabuf_put(*out);
		goto err_close;
	}
	close(fd);
	return 0;

err_close:
	close(fd);
	return r;
}

/* IORING_ZCRX_AREA_DMABUF: a kernel dma-buf fd, or (netmem's stand-in for
 * the fd /dev/udmabuf returns) a memfd under the udmabuf rules. */
static int area_from_fd(int fd, uint64_t len, struct nm_dmabuf **out)
{
	int r = nm_dmabuf_import_fd(fd, out);

	if (r != -EINVAL)
		return r;
	r = nm_udmabuf_create(fd, 0, len, 0, out);
	return r ? nm_err_wrap(r, "dma-buf fd %d", fd) : 0;
}

static int check_area(const struct io_uring_zcrx_area_reg *a)
{
	if (a->flags & ~(uint32_t)IORING_ZCRX_AREA_DMABUF)
		return nm_err(EINVAL, "unknown area flags 0x%x", a->flags);
	if (a->rq_area_token)
		return nm_err(EINVAL, "the area's rq_area_token is an output and must be 0");
	if (a->__resv2[0] || a->__resv2[1])
		return nm_err(EINVAL, "the area's reserved fields are not zero");
	if (a->flags & IORING_ZCRX_AREA_DMABUF) {
		if (a->addr)
			return nm_err(EINVAL, "a dma-buf area starts at offset 0 (addr must be 0)");
		if (!a->len || a->len > UR_AREA_MAX_LEN)
			return nm_err(EINVAL, "a dma-buf area of %llu bytes (1 byte to 1 GiB)", (unsigned long long)a->len);
		return 0;
	}
	if (a->dmabuf_fd)
		return nm_err(EINVAL, "dmabuf_fd set without IORING_ZCRX_AREA_DMABUF");
	if (!a->addr)
		return nm_err(EFAULT, "the area's address is NULL");
	if (!a->len || a->len > UR_AREA_MAX_LEN)
		return nm_err(EFAULT, "an area of %llu bytes (1 byte to 1 GiB)",
			      (unsigned long long)a->len);
	if ((a->addr | a->len) & (UR_PAGE - 1))
		return nm_err(EINVAL, "the area's address or length is not page-aligned");
	if (a->addr + a->len < a->addr)
		return nm_err(EOVERFLOW, "the area's address + length overflows");
	return 0;
}

static int check_reg(struct nm_uring_ctx *ctx, struct io_uring_zcrx_ifq_reg *reg)
{
	if (!(ctx->flags & IORING_SETUP_DEFER_TASKRUN))
		return nm_err(EINVAL, "zcrx needs IORING_SETUP_DEFER_TASKRUN");
	if (!(ctx->flags & IORING_SETUP_CQE32))
		return nm_err(EINVAL, "zcrx needs IORING_SETUP_CQE32");
	if (!all_zero(reg->__resv, sizeof(reg->__resv)) || reg->zcrx_id ||
	    !all_zero(&reg->offsets, sizeof(reg->offsets)))
		return nm_err(EINVAL, "reserved or output fields not zero");
	if (reg->flags & ~(uint32_t)ZCRX_REG_IMPORT)
		return nm_err(EINVAL, "unknown flags 0x%x", reg->flags);
	if (reg->flags & ZCRX_REG_IMPORT)
		return nm_err(EOPNOTSUPP, "ZCRX_REG_IMPORT (sharing an ifq between rings) "
				      "is not implemented");
	if (reg->if_rxq == (uint32_t)-1 || !reg->rq_entries)
		return nm_err(EINVAL, "if_rxq -1 or rq_entries 0");
	if (reg->rq_entries > UR_RQ_MAX_ENTRIES) {
		if (!(ctx->flags & IORING_SETUP_CLAMP))
			return nm_err(EINVAL, "rq_entries %u above %u without "
				      "IORING_SETUP_CLAMP", reg->rq_entries, UR_RQ_MAX_ENTRIES);
		reg->rq_entries = UR_RQ_MAX_ENTRIES;
	}
	if (reg->rx_buf_len && (reg->rx_buf_len & (reg->rx_buf_len - 1)))
		return nm_err(EINVAL, "rx_buf_len %u is not a power of two", reg->rx_buf_len);
	if (reg->rx_buf_len && reg->rx_buf_len < NM_NIOV_SIZE_MIN)
		return nm_err(EINVAL, "rx_buf_len %u is below a page", reg->rx_buf_len);
	if (reg->rx_buf_len > NM_NIOV_SIZE_MAX)
		return nm_err(ERANGE, "rx_buf_len %u: chunks of at most %u bytes",
			      reg->rx_buf_len, NM_NIOV_SIZE_MAX);
	return 0;
}

/* __net_mp_open_rxq()'s checks. */
static int check_queue(struct nm_netdev *nd, uint32_t q)
{
	struct nm_channels ch;
	struct nm_ringparam rp;

	nm_netdev_get_channels(nd, &ch);
	nm_netdev_get_ringparam(nd, &rp);
	if (q >= ch.rx)
		return nm_err(ERANGE, "rx queue index %u out of range (%u queues)", q, ch.rx);
	if (rp.tcp_data_split != NM_TCP_DATA_SPLIT_ENABLED)
		return nm_err(EINVAL, "tcp-data-split is disabled");
	if (rp.hds_thresh)
		return nm_err(EINVAL, "hds-thresh is not zero");
	if (nm_netdev_rxq_provider(nd, q, NULL))
		return nm_err(EEXIST, "designated queue %u already memory provider bound", q);
	return 0;
}


static void ifq_free(struct ur_ifq *ifq)
{
	free(ifq->user_refs);
	free(ifq->copy_buf);
	free(ifq->slot_niov);
	free(ifq->first_slot);
	free(ifq);
}

static uint64_t queue_alloc_fail(const struct ur_ifq *ifq)
{
	struct nm_queue_stats qs;

	if (nm_netdev_get_rxq_stats(ifq->nd, ifq->rxq, &qs, sizeof(qs)))
		return 0;
	return qs.alloc_fail;
}

static int register_on_stack(struct nm_uring_ctx *ctx, void *arg)
{
	struct io_uring_zcrx_ifq_reg *reg = ((struct ifq_reg_args *)arg)->reg;
	struct io_uring_zcrx_area_reg *area;
	struct io_uring_region_desc *rd;
	struct nm_dmabuf *buf = NULL;
	struct ur_ifq *ifq;
	struct nm_netdev *nd;
	uint32_t id, entries, buf_len;
	int r;

	r = check_reg(ctx, reg);
	if (r)
		return r;
	entries = nm_roundup_pow2(reg->rq_entries);
	rd = (struct io_uring_region_desc *)(uintptr_t)reg->region_ptr;
	area = (struct io_uring_zcrx_area_reg *)(uintptr_t)reg->area_ptr;
	if (!rd)
		return nm_err(EFAULT, "NULL region_ptr");
	r = check_region(rd, entries);
	if (r)
		return r;
	if (!area)
		return nm_err(EFAULT, "NULL area_ptr");
	r = check_area(area);
	if (r)
		return r;
	for (id = 0; id < UR_MAX_IFQS && ctx->ifqs[id]; id++)
		;
	if (id == UR_MAX_IFQS)
		return nm_err(ENOSPC, "%u ifqs on this ring already", UR_MAX_IFQS);
	r = nm_netdev_get_by_index((int)reg->if_idx, &nd);
	if (r)
		return r;
	r = check_queue(nd, reg->if_rxq);
	if (r)
		return r;
	buf_len = reg->rx_buf_len ? reg->rx_buf_len : (uint32_t)UR_PAGE;
	if (area->flags & IORING_ZCRX_AREA_DMABUF)
		r = area_from_fd((int)area->dmabuf_fd, area->len, &buf);
	else
		r = area_from_user(area->addr, area->len, &buf);
	if (r)
		return r;
	ifq = calloc(1, sizeof(*ifq));
	if (!ifq) {
		r = nm_err(ENOMEM, "out of memory");
		goto err_put_buf;
	}
	ifq->id = id;
	ifq->nd = nd;
	ifq->rxq = reg->if_rxq;
	ifq->niov_shift = (uint32_t)__builtin_ctz(buf_len);
	r = nm_dmabuf_binding_create(buf, nm_netdev_device(nd), NM_DMA_FROM_DEVICE, buf_len,
				     &ifq->b);
	if (r) {
		r = nm_err_wrap(r, "area");
		goto err_free_ifq;
	}
	nm_dmabuf_put(buf);
	buf = NULL;
	r = slots_init(ifq);
	if (r)
		goto err_put_binding;
	r = nm_netdev_rxq_bind_dmabuf(nd, reg->if_rxq, ifq->b);
	if (r) {
		r = nm_err_wrap(r, "queue %u", reg->if_rxq);
		goto err_put_binding;
	}
	ifq->bound = true;
	ifq->alloc_fail_base = queue_alloc_fail(ifq);
	ifq->rq_head = (uint32_t *)(uintptr_t)(rd->user_addr + RQ_HEAD_OFF);
	ifq->rq_tail = (uint32_t *)(uintptr_t)(rd->user_addr + RQ_TAIL_OFF);
	ifq->rqes = (struct io_uring_zcrx_rqe *)(uintptr_t)(rd->user_addr + RQ_RQES_OFF);
	ifq->rq_entries = entries;
	__atomic_store_n(ifq->rq_head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(ifq->rq_tail, 0, __ATOMIC_RELEASE);
	ctx->ifqs[id] = ifq;
	reg->rq_entries = entries;
	reg->offsets.head = RQ_HEAD_OFF;
	reg->offsets.tail = RQ_TAIL_OFF;
	reg->offsets.rqes = RQ_RQES_OFF;
	reg->zcrx_id = id;
	area->rq_area_token = 0;	/* area 0 << IORING_ZCRX_AREA_SHIFT */
	return 0;

err_put_binding:
	nm_dmabuf_binding_unbind(ifq->b);
err_free_ifq:
	ifq_free(ifq);
err_put_buf:
	if (buf)
		nm_dmabuf_put(buf);
	return r;
}

int nm_uring_register_ifq(struct nm_uring *ring, struct io_uring_zcrx_ifq_reg *reg)
{
	NM_API_CALL();
	struct ifq_reg_args a = { reg };

	if (!ring || !ring->ctx)
		return nm_err(EINVAL, "NULL or closed ring");
	if (!reg)
		return nm_err(EFAULT, "NULL reg");
	return nm__ur_call(ring->ctx, register_on_stack, &a);
}

/* ---- unregistration and teardown ---------------------------------------------------- */

/* Off the queue (a restart on host pages); held buffers stay valid. */
static void ifq_unbind(struct nm_uring_ctx *ctx, struct ur_ifq *ifq)
{
	void *priv;

	if (!ifq->bound)
		return;
	nm__ur_cancel(ctx, -1, ifq);
	if (nm_netdev_rxq_provider(ifq->nd, ifq->rxq, &priv) && priv == ifq->b)
		nm_netdev_rxq_set_provider(ifq->nd, ifq->rxq, NULL, NULL);
	ifq->bound = false;
}

static int unregister_on_stack(struct nm_uring_ctx *ctx, void *arg)
{
	uint32_t id = *(uint32_t *)arg;
	struct ur_ifq *ifq = nm__ur_ifq(ctx, id);

	if (!ifq || !ifq->bound)
		return nm_err(EINVAL, "no registered ifq %u", id);
	ifq_unbind(ctx, ifq);
	return 0;
}

int nm_uring_unregister_ifq(struct nm_uring *ring, uint32_t zcrx_id)
{
	NM_API_CALL();
	if (!ring || !ring->ctx)
		return nm_err(EINVAL, "NULL or closed ring");
	return nm__ur_call(ring->ctx, unregister_on_stack, &zcrx_id);
}

void nm__ur_zcrx_free_all(struct nm_uring_ctx *ctx)
{
	for (uint32_t i = 0; i < UR_MAX_IFQS; i++) {
		struct ur_ifq *ifq = ctx->ifqs[i];
		struct nm_net_iov *cur;

		if (!ifq)
			continue;
		ifq_unbind(ctx, ifq);
		/* what the application still holds comes back (the ring goes) */
		cur = ifq->copy_niov;
		ifq->copy_niov = NULL;
		for (uint64_t s = 0; s < ifq->nr_slots; s++)
			while (ifq->user_refs[s])
				nm__ur_ifq_put_slot(ifq, s);
		if (cur) {
			int64_t s = slot_of(ifq, cur);

			if (s >= 0 && ifq->copy_buf[s]) {
				ifq->copy_buf[s] = 0;
				nm_dmabuf_binding_free_niov(ifq->b, cur);
			}
		}
		nm_dmabuf_binding_unbind(ifq->b);
		ifq_free(ifq);
		ctx->ifqs[i] = NULL;
	}
}

/* ---- control and stats ---------------------------------------------------------------- */

static int ctrl_on_stack(struct nm_uring_ctx *ctx, void *arg)
{
	struct zcrx_ctrl *c = arg;
	struct ur_ifq *ifq = nm__ur_ifq(ctx, c->zcrx_id);

	if (!ifq)
		return nm_err(ENXIO, "no ifq %u", c->zcrx_id);
	if (c->__resv[0] || c->__resv[1])
		return nm_err(EINVAL, "reserved fields not zero");
	switch (c->op) {
	case ZCRX_CTRL_FLUSH_RQ:
		if (!all_zero(&c->zc_flush, sizeof(c->zc_flush)))
			return nm_err(EINVAL, "zc_flush reserved fields not zero");
		if (ifq_refill(ifq) > 0)
			nm__ur_recv_zc_space(ctx, ifq);
		return 0;
	case ZCRX_CTRL_EXPORT:
		return nm_err(EOPNOTSUPP, "ZCRX_CTRL_EXPORT is not implemented");
	default:
		return nm_err(EINVAL, "unknown zcrx ctrl op %u", c->op);
	}
}

int nm_uring_register_zcrx_ctrl(struct nm_uring *ring, struct zcrx_ctrl *ctrl)
{
	NM_API_CALL();
	if (!ring || !ring->ctx)
		return nm_err(EINVAL, "NULL or closed ring");
	if (!ctrl)
		return nm_err(EFAULT, "NULL ctrl");
	return nm__ur_call(ring->ctx, ctrl_on_stack, ctrl);
}

struct stats_args {
	uint32_t id;
	struct nm_uring_zcrx_stats st;
};

static int stats_on_stack(struct nm_uring_ctx *ctx, void *arg)
{
	struct stats_args *a = arg;
	struct ur_ifq *ifq = nm__ur_ifq(ctx, a->id);

	if (!ifq)
		return nm_err(ENXIO, "no ifq %u", a->id);
	a->st = ifq->stats;
	if (ifq->bound)
		a->st.alloc_fail += queue_alloc_fail(ifq) - ifq->alloc_fail_base;
	return 0;
}

int nm_uring_zcrx_get_stats(struct nm_uring *ring, uint32_t zcrx_id,
			    struct nm_uring_zcrx_stats *s, size_t size)
{
	NM_API_CALL();
	struct stats_args a = { .id = zcrx_id };
	int r;

	if (!ring || !ring->ctx || !s)
		return nm_err(EINVAL, "NULL argument");
	r = nm__ur_call(ring->ctx, stats_on_stack, &a);
	if (r)
		return r;
	memset(s, 0, size);
	memcpy(s, &a.st, size < sizeof(a.st) ? size : sizeof(a.st));
	return 0;
}
