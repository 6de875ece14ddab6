/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf object: lifetime, attachments, mappings, CPU access, moves.
 *
 * An exporter hands in a struct nm_dmabuf_ops table; this file never
 * branches on which exporter it has.  It owns what every buffer has in
 * common, following drivers/dma-buf/dma-buf.c: the reference count, an
 * inode-like number, the debug name, the dma-resv (created at export,
 * destroyed at release), the list of attachments and the mappings handed out
 * for each, the CPU-access windows and lasting mmaps, and the move protocol
 * (wait for fences, tell dynamic importers, invalidate their mappings, let
 * the exporter move the memory).
 *
 * Invariants (nm_dmabuf_assert_ok() checks them):
 *  1. refs >= nr_atts + nr_mmaps, and >= 1 while anyone can reach the
 *     buffer: every attachment and every lasting mmap holds one reference,
 *     so the exporter's release runs exactly once, after the last of them.
 *  2. atts is a well-formed doubly linked list of nr_atts attachments, each
 *     pointing back at buf; nr_static counts the non-dynamic ones.
 *  3. A live (non-stale) mapping record is one the exporter mapped and has
 *     not unmapped; stale records exist only on dynamic attachments (a move
 *     tore the mapping down before the importer unmapped it).
 *  4. moving implies nr_static == 0, nr_cpu_windows == 0 and nr_mmaps == 0:
 *     nothing that pins the placement exists while it changes.
 *  5. The name is NUL-terminated and at most NM_DMABUF_NAME_LEN - 1 bytes.
 *
 * Locking: buf->lock guards the mutable part of struct nm_dmabuf and every
 * attachment's mapping list; the exporter's map/unmap/mmap/move ops run
 * under it (like the kernel's resv lock), so they must not call back into
 * this API for the same buffer.  A move marks the buffer `moving` and drops the lock
 * to wait for fences and to call move_notify; other threads wait on
 * move_done until it ends, while the mover's own thread (an importer inside
 * move_notify) passes, as a kernel importer does that already holds the
 * reservation lock.
 *
 * Workload: control path.  Buffers are exported and attached a handful of
 * times per binding; maps happen at bind time and after moves; CPU windows
 * are per application access, never per packet.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

int64_t nm_dmabuf_cpu_wait_ns = 10LL * 1000 * 1000 * 1000;

/* Inode numbers are never reused for the life of the process. */
static atomic_uint_fast64_t nm_dmabuf_next_ino = 1;

static uint64_t nm_page_round_up(uint64_t len)
{
	return (len + NM_PAGE_SIZE - 1) & ~(NM_PAGE_SIZE - 1);
}

/* [off, off + len) must be a nonempty range inside the buffer. */
static int nm_dmabuf_check_range(const struct nm_dmabuf *buf, uint64_t off, uint64_t len,
				 const char *fn)
{
	if (len == 0)
		return nm_err(EINVAL, "%s: len is 0", fn);
	if (off >= buf->size || len > buf->size - off)
		return nm_err(EINVAL, "%s: range [%llu, +%llu) is outside the %llu-byte buffer",
			      fn, (unsigned long long)off, (unsigned long long)len,
			      (unsigned long long)buf->size);
	return 0;
}

static bool nm_dma_dir_valid(enum nm_dma_dir dir)
{
	return dir == NM_DMA_BIDIRECTIONAL || dir == NM_DMA_TO_DEVICE ||
	       dir == NM_DMA_FROM_DEVICE;
}

/* Caller holds buf->lock.  Waits out a move running on another thread. */
static void nm_dmabuf_wait_move_locked(struct nm_dmabuf *buf)
{
	while (buf->moving && !pthread_equal(buf->mover, pthread_self()))
		pthread_cond_wait(&buf->move_done, &buf->lock);
}

/* ---- Export and lifetime ------------------------------------------------ */

static int nm_dmabuf_check_info(const struct nm_dmabuf_export_info *info)
{
	if (!info)
		return nm_err(EINVAL, "info is NULL");
	if (!info->ops)
		return nm_err(EINVAL, "info->ops is NULL");
	if (!info->ops->map || !info->ops->unmap)
		return nm_err(EINVAL, "ops lack map or unmap (both required)");
	if (!info->ops->release)
		return nm_err(EINVAL, "ops lack release (required)");
	if (!info->exp_name)
		return nm_err(EINVAL, "exp_name is NULL");
	if (info->exp_name[0] == '\0' ||
	    strnlen(info->exp_name, NM_DMABUF_EXP_NAME_LEN) >= NM_DMABUF_EXP_NAME_LEN)
		return nm_err(EINVAL, "exp_name must be 1 to %d bytes",
			      NM_DMABUF_EXP_NAME_LEN - 1);
	if (info->size == 0)
		return nm_err(EINVAL, "size is 0");
	return 0;
}

int nm_dmabuf_export_memobj(const struct nm_dmabuf_export_info *info,
			    struct nm_memobj *obj, struct nm_dmabuf **out)
{
	struct nm_dmabuf *buf;
	int r;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	r = nm_dmabuf_check_info(info);
	if (r < 0)
		return r;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return nm_err(ENOMEM, "no memory for the buffer");
	r = nm_resv_create(&buf->resv);
	if (r < 0) {
		r = nm_err_wrap(r, "resv");
		goto err_free_buf;
	}
	if (pthread_mutex_init(&buf->lock, NULL) != 0) {
		r = nm_err(ENOMEM, "mutex init failed");
		goto err_destroy_resv;
	}
	if (pthread_cond_init(&buf->move_done, NULL) != 0) {
		r = nm_err(ENOMEM, "condvar init failed");
		goto err_destroy_lock;
	}
	atomic_init(&buf->refs, 1);
	buf->size = info->size;
	buf->ino = atomic_fetch_add_explicit(&nm_dmabuf_next_ino, 1, memory_order_relaxed);
	buf->ops = info->ops;
	buf->priv = info->priv;
	buf->memobj = obj;
	strcpy(buf->exp_name, info->exp_name);	/* length checked above */
	*out = buf;
	return 0;

err_destroy_lock:
	pthread_mutex_destroy(&buf->lock);
err_destroy_resv:
	nm_resv_destroy(buf->resv);
err_free_buf:
	free(buf);
	return r;
}

int nm_dmabuf_export(const struct nm_dmabuf_export_info *info, struct nm_dmabuf **out)
{
	NM_API_CALL();
	return nm_dmabuf_export_memobj(info, NULL, out);
}

/* The last reference is gone: nothing else can reach buf. */
static void nm_dmabuf_release(struct nm_dmabuf *buf)
{
	buf->ops->release(buf);
	nm_resv_destroy(buf->resv);
	pthread_cond_destroy(&buf->move_done);
	pthread_mutex_destroy(&buf->lock);
	free(buf->mmaps);
	free(buf);
}

struct nm_dmabuf *nm_dmabuf_get(struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	atomic_fetch_add_explicit(&buf->refs, 1, memory_order_relaxed);
	return buf;
}

void nm_dmabuf_put(struct nm_dmabuf *buf)
{
	if (!buf)
		return;
	/* acq_rel: every access made under an earlier reference happens
	 * before the release. */
	if (atomic_fetch_sub_explicit(&buf->refs, 1, memory_order_acq_rel) == 1)
		nm_dmabuf_release(buf);
}

void *nm_dmabuf_priv(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	return buf->priv;
}

/* ---- Queries ------------------------------------------------------------ */

uint64_t nm_dmabuf_size(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return 0;
	}
	return buf->size;
}

const char *nm_dmabuf_exp_name(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	return buf->exp_name;
}

uint64_t nm_dmabuf_ino(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return 0;
	}
	return buf->ino;
}

int nm_dmabuf_set_name(struct nm_dmabuf *buf, const char *name)
{
	NM_API_CALL();
	size_t n;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!name)
		return nm_err(EINVAL, "name is NULL");
	n = strnlen(name, NM_DMABUF_NAME_LEN);
	if (n >= NM_DMABUF_NAME_LEN)
		return nm_err(EINVAL, "name longer than %d bytes",
			      NM_DMABUF_NAME_LEN - 1);
	pthread_mutex_lock(&buf->lock);
	memcpy(buf->name, name, n + 1);
	pthread_mutex_unlock(&buf->lock);
	return 0;
}

/* Debugging aid like the kernel's: the pointer stays valid for the buffer's
 * life; a concurrent nm_dmabuf_set_name() may change what it reads. */
const char *nm_dmabuf_name(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	return buf->name;
}

struct nm_resv *nm_dmabuf_resv(struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	return buf->resv;
}

struct nm_memobj *nm_dmabuf_memobj(const struct nm_dmabuf *buf)
{
	if (!buf) {
		nm_err(EINVAL, "buf is NULL");
		return NULL;
	}
	return buf->memobj;
}

/* ---- Attachments -------------------------------------------------------- */

static void nm_dmabuf_link_locked(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att)
{
	att->prev = NULL;
	att->next = buf->atts;
	if (buf->atts)
		buf->atts->prev = att;
	buf->atts = att;
	buf->nr_atts++;
	if (!att->dynamic)
		buf->nr_static++;
}

static void nm_dmabuf_unlink_locked(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att)
{
	if (att->prev)
		att->prev->next = att->next;
	else
		buf->atts = att->next;
	if (att->next)
		att->next->prev = att->prev;
	att->prev = att->next = NULL;
	buf->nr_atts--;
	if (!att->dynamic)
		buf->nr_static--;
}

static int nm_dmabuf_attach_common(struct nm_dmabuf *buf, struct nm_device *dev,
				   const struct nm_dmabuf_attach_ops *ops, void *importer_priv,
				   struct nm_dmabuf_attachment **out, const char *fn)
{
	struct nm_dmabuf_attachment *att;
	int r;

	att = calloc(1, sizeof(*att));
	if (!att)
		return nm_err(ENOMEM, "%s: no memory for the attachment", fn);
	att->buf = buf;
	att->dev = dev;
	att->importer_priv = importer_priv;
	att->dynamic = ops != NULL;
	/* A static importer here is the NIC's binding, which takes bus
	 * addresses; see docs/dmabuf.md for how this differs from Linux. */
	att->peer2peer = ops ? ops->allow_peer2peer : true;
	att->move_notify = ops ? ops->move_notify : NULL;

	if (buf->ops->attach) {
		nm_clear_error();
		r = buf->ops->attach(buf, att);
		if (r < 0) {
			r = nm_err_wrap(r, "%s: %s refused %s", fn, buf->exp_name,
					nm_device_name(dev));
			goto err_free_att;
		}
	}

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	if (buf->moving && !att->dynamic) {
		/* Only the mover's own thread gets here (from move_notify). */
		pthread_mutex_unlock(&buf->lock);
		r = nm_err(EBUSY, "%s: static attach while the buffer is moving", fn);
		goto err_detach;
	}
	nm_dmabuf_link_locked(buf, att);
	pthread_mutex_unlock(&buf->lock);

	nm_dmabuf_get(buf);
	nm_device_ref(dev);
	*out = att;
	return 0;

err_detach:
	if (buf->ops->detach)
		buf->ops->detach(buf, att);
err_free_att:
	free(att);
	return r;
}

int nm_dmabuf_attach(struct nm_dmabuf *buf, struct nm_device *dev,
		     struct nm_dmabuf_attachment **out)
{
	NM_API_CALL();
	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!dev)
		return nm_err(EINVAL, "dev is NULL");
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	return nm_dmabuf_attach_common(buf, dev, NULL, NULL, out, "dmabuf_attach");
}

int nm_dmabuf_dynamic_attach(struct nm_dmabuf *buf, struct nm_device *dev,
			     const struct nm_dmabuf_attach_ops *ops, void *importer_priv,
			     struct nm_dmabuf_attachment **out)
{
	NM_API_CALL();
	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!dev)
		return nm_err(EINVAL, "dev is NULL");
	if (!ops)
		return nm_err(EINVAL, "ops is NULL");
	if (!ops->move_notify)
		return nm_err(EINVAL, "ops->move_notify is NULL "
			      "(required for a dynamic importer)");
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	return nm_dmabuf_attach_common(buf, dev, ops, importer_priv, out,
				       "dmabuf_dynamic_attach");
}

/* Caller holds buf->lock.  Tear down the exporter's mapping. */
static void nm_dmabuf_exp_unmap_locked(struct nm_dmabuf_attachment *att,
				       struct nm_dma_mapping *map)
{
	att->buf->ops->unmap(att, map);
}

int nm_dmabuf_detach(struct nm_dmabuf_attachment *att)
{
	NM_API_CALL();
	struct nm_dmabuf *buf;
	uint32_t i;

	if (!att)
		return nm_err(EINVAL, "att is NULL");
	buf = att->buf;

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	nm_dmabuf_unlink_locked(buf, att);
	/* Leftovers the importer never unmapped (stale ones included: their
	 * handles are still the exporter's to free). */
	for (i = 0; i < att->nr_maps; i++)
		nm_dmabuf_exp_unmap_locked(att, att->maps[i].map);
	att->nr_maps = 0;
	pthread_mutex_unlock(&buf->lock);

	if (buf->ops->detach)
		buf->ops->detach(buf, att);
	nm_device_unref(att->dev);
	free(att->maps);
	free(att);
	nm_dmabuf_put(buf);
	return 0;
}

struct nm_dmabuf *nm_dmabuf_attachment_buf(const struct nm_dmabuf_attachment *att)
{
	if (!att) {
		nm_err(EINVAL, "att is NULL");
		return NULL;
	}
	return att->buf;
}

struct nm_device *nm_dmabuf_attachment_dev(const struct nm_dmabuf_attachment *att)
{
	if (!att) {
		nm_err(EINVAL, "att is NULL");
		return NULL;
	}
	return att->dev;
}

void *nm_dmabuf_attachment_priv(const struct nm_dmabuf_attachment *att)
{
	if (!att) {
		nm_err(EINVAL, "att is NULL");
		return NULL;
	}
	return att->importer_priv;
}

bool nm_dmabuf_attachment_is_dynamic(const struct nm_dmabuf_attachment *att)
{
	if (!att) {
		nm_err(EINVAL, "att is NULL");
		return false;
	}
	return att->dynamic;
}

/* ---- Mapping ------------------------------------------------------------ */

/* Caller holds buf->lock.  Room for one more mapping record. */
static int nm_dmabuf_reserve_map_locked(struct nm_dmabuf_attachment *att)
{
	struct nm_dmabuf_map_rec *n;
	uint32_t cap;

	if (att->nr_maps < att->cap_maps)
		return 0;
	cap = att->cap_maps ? 2 * att->cap_maps : 4;
	n = realloc(att->maps, cap * sizeof(*n));
	if (!n)
		return nm_err(ENOMEM, "no memory for the record");
	att->maps = n;
	att->cap_maps = cap;
	return 0;
}

/* Caller holds buf->lock.  Index of map's record, or -1. */
static int nm_dmabuf_find_map_locked(const struct nm_dmabuf_attachment *att,
				     const struct nm_dma_mapping *map)
{
	uint32_t i;

	for (i = 0; i < att->nr_maps; i++)
		if (att->maps[i].map == map)
			return (int)i;
	return -1;
}

static void nm_dmabuf_drop_map_locked(struct nm_dmabuf_attachment *att, int i)
{
	att->maps[i] = att->maps[--att->nr_maps];
}

int nm_dmabuf_map_attachment(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
			     struct nm_dma_mapping **out)
{
	NM_API_CALL();
	struct nm_dma_mapping *map = NULL;
	struct nm_dmabuf *buf;
	uint64_t len;
	int r;

	if (!att)
		return nm_err(EINVAL, "att is NULL");
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	if (!nm_dma_dir_valid(dir))
		return nm_err(EINVAL, "bad direction %d", (int)dir);
	buf = att->buf;

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	if (buf->moving) {
		r = nm_err(EBUSY, "buffer is moving "
			   "(remap after move_notify returns)");
		goto out_unlock;
	}
	r = nm_dmabuf_reserve_map_locked(att);
	if (r < 0)
		goto out_unlock;
	nm_clear_error();
	r = buf->ops->map(att, dir, &map);
	if (r < 0) {
		r = nm_err_wrap(r, "%s", buf->exp_name);
		goto out_unlock;
	}
	len = nm_dma_mapping_len(map);
	if (len != buf->size) {
		nm_dmabuf_exp_unmap_locked(att, map);
		r = nm_err(EIO, "%s mapped %llu bytes of a %llu-byte buffer",
			   buf->exp_name, (unsigned long long)len,
			   (unsigned long long)buf->size);
		goto out_unlock;
	}
	att->maps[att->nr_maps++] = (struct nm_dmabuf_map_rec){ .map = map };
	*out = map;
	r = 0;
out_unlock:
	pthread_mutex_unlock(&buf->lock);
	return r;
}

int nm_dmabuf_unmap_attachment(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *map)
{
	NM_API_CALL();
	struct nm_dmabuf *buf;
	int i;

	if (!att)
		return nm_err(EINVAL, "att is NULL");
	if (!map)
		return nm_err(EINVAL, "map is NULL");
	buf = att->buf;

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	i = nm_dmabuf_find_map_locked(att, map);
	if (i < 0) {
		pthread_mutex_unlock(&buf->lock);
		return nm_err(EINVAL, "not a mapping of this attachment");
	}
	/* a stale one was invalidated by a move; the exporter frees it now */
	nm_dmabuf_exp_unmap_locked(att, map);
	nm_dmabuf_drop_map_locked(att, i);
	pthread_mutex_unlock(&buf->lock);
	return 0;
}

/* ---- Move --------------------------------------------------------------- */

/* Call move_notify once for every dynamic attachment, with no lock held, so
 * the importer may unmap (or even detach) from inside it.  Re-scans after
 * each call because the callback may change the list. */
static void nm_dmabuf_notify_movers(struct nm_dmabuf *buf, uint64_t seq)
{
	struct nm_dmabuf_attachment *att;

	for (;;) {
		pthread_mutex_lock(&buf->lock);
		for (att = buf->atts; att; att = att->next)
			if (att->dynamic && att->notified_seq != seq)
				break;
		if (att)
			att->notified_seq = seq;
		pthread_mutex_unlock(&buf->lock);
		if (!att)
			return;
		att->move_notify(att);
	}
}

/* Caller holds buf->lock.  Invalidate what importers did not unmap; their
 * records (and handles) stay, stale, until they unmap or detach. */
static void nm_dmabuf_invalidate_locked(struct nm_dmabuf *buf)
{
	struct nm_dmabuf_attachment *att;
	uint32_t i;

	for (att = buf->atts; att; att = att->next)
		for (i = 0; i < att->nr_maps; i++)
			if (!att->maps[i].stale) {
				nm_dma_invalidate(att->maps[i].map);
				att->maps[i].stale = true;
			}
}

/* Caller holds buf->lock and no move runs.  Why the buffer cannot move. */
static int nm_dmabuf_move_blocked_locked(const struct nm_dmabuf *buf)
{
	if (buf->nr_static)
		return nm_err(EBUSY, "%u static attachment(s) pin the buffer",
			      buf->nr_static);
	if (buf->nr_cpu_windows)
		return nm_err(EBUSY, "%u CPU-access window(s) open",
			      buf->nr_cpu_windows);
	if (buf->nr_mmaps)
		return nm_err(EBUSY, "%u lasting mmap(s) exist", buf->nr_mmaps);
	return 0;
}

int nm_dmabuf_move(struct nm_dmabuf *buf, int64_t timeout_ns)
{
	NM_API_CALL();
	uint64_t seq;
	int r;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!buf->ops->move)
		return nm_err(EOPNOTSUPP, "exporter %s cannot move its buffers",
			      buf->exp_name);

	pthread_mutex_lock(&buf->lock);
	if (buf->moving && pthread_equal(buf->mover, pthread_self())) {
		pthread_mutex_unlock(&buf->lock);
		return nm_err(EBUSY, "called from inside a move");
	}
	nm_dmabuf_wait_move_locked(buf);
	r = nm_dmabuf_move_blocked_locked(buf);
	if (r < 0) {
		pthread_mutex_unlock(&buf->lock);
		return r;
	}
	buf->moving = true;
	buf->mover = pthread_self();
	seq = ++buf->move_seq;
	pthread_mutex_unlock(&buf->lock);
	/* an importer's move_notify may drop the last reference (detach) */
	nm_dmabuf_get(buf);

	/* Work still using the old placement must finish first. */
	r = nm_resv_wait(buf->resv, NM_RESV_USAGE_BOOKKEEP, timeout_ns);
	if (r == -ETIME) {
		r = nm_err(ETIME, "fences did not signal within %lld ns",
			   (long long)timeout_ns);
		goto out_end_move;
	} else if (r < 0) {
		r = nm_err_wrap(r, "waiting for fences");
		goto out_end_move;
	}

	nm_dmabuf_notify_movers(buf, seq);
	/* importers may add fences for DMA in flight from move_notify; the
	 * kernel's exporters wait after notifying, and so do we */
	r = nm_resv_wait(buf->resv, NM_RESV_USAGE_BOOKKEEP, timeout_ns);
	if (r < 0) {
		r = r == -ETIME ? nm_err(ETIME, "importers' fences did not signal "
					 "within %lld ns", (long long)timeout_ns)
				: nm_err_wrap(r, "waiting for fences");
		goto out_end_move;
	}

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_invalidate_locked(buf);
	nm_clear_error();
	r = buf->ops->move(buf);
	if (r < 0)
		r = nm_err_wrap(r, "%s", buf->exp_name);
	pthread_mutex_unlock(&buf->lock);

out_end_move:
	pthread_mutex_lock(&buf->lock);
	buf->moving = false;
	pthread_cond_broadcast(&buf->move_done);
	pthread_mutex_unlock(&buf->lock);
	nm_dmabuf_put(buf);
	return r < 0 ? r : 0;
}

/* ---- CPU access --------------------------------------------------------- */

int nm_dmabuf_begin_cpu_access(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			       enum nm_dma_dir dir, void **addr)
{
	NM_API_CALL();
	enum nm_resv_usage usage;
	int r;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!addr)
		return nm_err(EINVAL, "addr is NULL");
	if (!nm_dma_dir_valid(dir))
		return nm_err(EINVAL, "bad direction %d", (int)dir);
	r = nm_dmabuf_check_range(buf, off, len, "dmabuf_begin_cpu_access");
	if (r < 0)
		return r;
	if (!buf->ops->begin_cpu_access || !buf->ops->end_cpu_access)
		return nm_err(EOPNOTSUPP, "exporter %s offers no "
			      "CPU access", buf->exp_name);

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	if (buf->moving) {
		pthread_mutex_unlock(&buf->lock);
		return nm_err(EBUSY, "buffer is moving");
	}
	buf->nr_cpu_windows++;
	pthread_mutex_unlock(&buf->lock);

	/* Reading what devices wrote waits for writers; writing waits for
	 * readers too (Linux's dma_resv_usage_rw()). */
	usage = dir == NM_DMA_FROM_DEVICE ? NM_RESV_USAGE_WRITE : NM_RESV_USAGE_READ;
	r = nm_resv_wait(buf->resv, usage, nm_dmabuf_cpu_wait_ns);
	if (r == -ETIME) {
		r = nm_err(ETIME, "%s fences still unsignaled after "
			   "%lld ms", usage == NM_RESV_USAGE_WRITE ? "write" : "read/write",
			   (long long)(nm_dmabuf_cpu_wait_ns / 1000000));
		goto err_uncount;
	} else if (r < 0) {
		r = nm_err_wrap(r, "waiting for fences");
		goto err_uncount;
	}
	nm_clear_error();
	r = buf->ops->begin_cpu_access(buf, off, len, dir, addr);
	if (r < 0) {
		r = nm_err_wrap(r, "%s", buf->exp_name);
		goto err_uncount;
	}
	return 0;

err_uncount:
	pthread_mutex_lock(&buf->lock);
	buf->nr_cpu_windows--;
	pthread_mutex_unlock(&buf->lock);
	return r;
}

int nm_dmabuf_end_cpu_access(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			     enum nm_dma_dir dir)
{
	NM_API_CALL();
	int r;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!nm_dma_dir_valid(dir))
		return nm_err(EINVAL, "bad direction %d", (int)dir);
	r = nm_dmabuf_check_range(buf, off, len, "dmabuf_end_cpu_access");
	if (r < 0)
		return r;
	if (!buf->ops->end_cpu_access)
		return nm_err(EOPNOTSUPP, "exporter %s offers no "
			      "CPU access", buf->exp_name);

	pthread_mutex_lock(&buf->lock);
	if (buf->nr_cpu_windows == 0) {
		pthread_mutex_unlock(&buf->lock);
		return nm_err(EINVAL, "no CPU-access window is open");
	}
	pthread_mutex_unlock(&buf->lock);

	nm_clear_error();
	r = buf->ops->end_cpu_access(buf, off, len, dir);
	if (r < 0)
		return nm_err_wrap(r, "%s", buf->exp_name);

	pthread_mutex_lock(&buf->lock);
	buf->nr_cpu_windows--;
	pthread_mutex_unlock(&buf->lock);
	return 0;
}

/* ---- Lasting mmaps ------------------------------------------------------ */

/*
 * An exporter's mmap op must return a mapping made with mmap(2) of exactly
 * the page-rounded len (MAP_SHARED, so it sees the buffer's pages); we undo
 * it with munmap(2).  Each lasting mmap holds a buffer reference, as a
 * kernel VMA holds the dma-buf's file.
 */
int nm_dmabuf_mmap(struct nm_dmabuf *buf, uint64_t off, uint64_t len, int prot,
		   void **addr)
{
	NM_API_CALL();
	struct nm_dmabuf_mmap_rec *n;
	void *p = NULL;
	int r;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!addr)
		return nm_err(EINVAL, "addr is NULL");
	if (prot == 0 || (prot & ~(PROT_READ | PROT_WRITE)))
		return nm_err(EINVAL, "prot 0x%x (want PROT_READ and/or PROT_WRITE)",
			      (unsigned)prot);
	r = nm_dmabuf_check_range(buf, off, len, "dmabuf_mmap");
	if (r < 0)
		return r;
	if (off & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "offset %llu is not page-aligned",
			      (unsigned long long)off);
	if (!buf->ops->mmap)
		return nm_err(EACCES, "exporter %s allows no mmap "
			      "(use begin/end CPU access)", buf->exp_name);

	pthread_mutex_lock(&buf->lock);
	nm_dmabuf_wait_move_locked(buf);
	if (buf->moving) {
		r = nm_err(EBUSY, "buffer is moving");
		goto out_unlock;
	}
	if (buf->nr_mmaps == buf->cap_mmaps) {
		uint32_t cap = buf->cap_mmaps ? 2 * buf->cap_mmaps : 4;

		n = realloc(buf->mmaps, cap * sizeof(*n));
		if (!n) {
			r = nm_err(ENOMEM, "no memory for the record");
			goto out_unlock;
		}
		buf->mmaps = n;
		buf->cap_mmaps = cap;
	}
	nm_clear_error();
	r = buf->ops->mmap(buf, off, len, prot, &p);
	if (r < 0) {
		r = nm_err_wrap(r, "%s", buf->exp_name);
		goto out_unlock;
	}
	buf->mmaps[buf->nr_mmaps++] = (struct nm_dmabuf_mmap_rec){ .addr = p, .len = len };
	nm_dmabuf_get(buf);
	*addr = p;
	r = 0;
out_unlock:
	pthread_mutex_unlock(&buf->lock);
	return r;
}

int nm_dmabuf_munmap(struct nm_dmabuf *buf, void *addr, uint64_t len)
{
	NM_API_CALL();
	uint32_t i;

	if (!buf)
		return nm_err(EINVAL, "buf is NULL");
	if (!addr)
		return nm_err(EINVAL, "addr is NULL");

	pthread_mutex_lock(&buf->lock);
	for (i = 0; i < buf->nr_mmaps; i++)
		if (buf->mmaps[i].addr == addr)
			break;
	if (i == buf->nr_mmaps) {
		pthread_mutex_unlock(&buf->lock);
		return nm_err(EINVAL, "%p is not an mmap of this buffer", addr);
	}
	if (buf->mmaps[i].len != len) {
		uint64_t want = buf->mmaps[i].len;

		pthread_mutex_unlock(&buf->lock);
		return nm_err(EINVAL, "len %llu, but the mmap is %llu bytes",
			      (unsigned long long)len, (unsigned long long)want);
	}
	munmap(addr, nm_page_round_up(len));
	buf->mmaps[i] = buf->mmaps[--buf->nr_mmaps];
	pthread_mutex_unlock(&buf->lock);
	nm_dmabuf_put(buf);
	return 0;
}

/* ---- Debug checker ------------------------------------------------------ */

static int nm_dmabuf_check_atts_locked(const struct nm_dmabuf *buf)
{
	const struct nm_dmabuf_attachment *att, *prev = NULL;
	uint32_t n = 0, n_static = 0, i;

	for (att = buf->atts; att; prev = att, att = att->next) {
		if (att->buf != buf || att->prev != prev)
			return nm_err(EIO, "dmabuf invariant 2: attachment list corrupt at #%u", n);
		n++;
		if (!att->dynamic)
			n_static++;
		for (i = 0; i < att->nr_maps; i++) {
			if (att->maps[i].stale && !att->dynamic)
				return nm_err(EIO, "dmabuf invariant 3: stale mapping on a "
					      "static attachment");
		}
	}
	if (n != buf->nr_atts || n_static != buf->nr_static)
		return nm_err(EIO, "dmabuf invariant 2: %u attachments (%u static) listed, "
			      "%u (%u) counted", n, n_static, buf->nr_atts, buf->nr_static);
	return 0;
}

int nm_dmabuf_assert_ok(struct nm_dmabuf *buf)
{
	long refs;
	int r;

	if (!buf)
		return nm_err(EINVAL, "dmabuf_assert_ok: buf is NULL");
	pthread_mutex_lock(&buf->lock);
	refs = atomic_load(&buf->refs);
	r = nm_dmabuf_check_atts_locked(buf);
	if (r == 0 && (refs < 1 || refs < (long)buf->nr_atts + (long)buf->nr_mmaps))
		r = nm_err(EIO, "dmabuf invariant 1: %ld refs for %u attachments and %u mmaps",
			   refs, buf->nr_atts, buf->nr_mmaps);
	if (r == 0 && buf->moving && (buf->nr_static || buf->nr_cpu_windows || buf->nr_mmaps))
		r = nm_err(EIO, "dmabuf invariant 4: moving with pins, windows or mmaps");
	if (r == 0 && strnlen(buf->name, NM_DMABUF_NAME_LEN) >= NM_DMABUF_NAME_LEN)
		r = nm_err(EIO, "dmabuf invariant 5: name not terminated");
	pthread_mutex_unlock(&buf->lock);
	return r;
}
