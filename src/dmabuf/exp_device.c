/* SPDX-License-Identifier: MIT */
/*
 * The device exporter: a dma-buf of a DMA device's own memory (a GPU BAR),
 * one NM_MEM_DEVICE memory object.
 *
 * Device memory is never mapped for the CPU: no mmap (-EACCES), CPU access
 * only through begin/end windows, outside which the CPU view is PROT_NONE.
 * The buffer can move within the BAR (nm_memobj_relocate()), which the core
 * only lets happen with no static attachment.
 *
 * Who may attach (the exporter's side of Linux p2pdma):
 *  - the device that owns the memory: always (local memory, not P2P);
 *  - another device: nm_p2p_distance(provider = owner, client = importer)
 *    must not be NOT_SUPPORTED (-EREMOTEIO), and since any other path is
 *    peer-to-peer (BUS_ADDR through a switch, or THRU_HOST_BRIDGE), the
 *    importer must accept P2P addresses (-EREMOTEIO otherwise).  Dynamic
 *    importers say so with allow_peer2peer; static importers are treated as
 *    accepting them (see docs/dmabuf.md: Linux has no such default, but our
 *    static importer is the NIC binding, and device memory cannot migrate to
 *    host memory the way a GPU driver would do for a non-P2P importer).
 *
 * Workload: control path (bind time, moves).
 */
#include <netmem/pci.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

static int nm_devmem_attach(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att)
{
	struct nm_device *provider = nm_memobj_device(buf->memobj);
	enum nm_p2p_map_type type;
	int r;

	if (att->dev == provider)
		return 0;
	r = nm_p2p_distance(provider, att->dev, &type);
	if (r < 0)
		return nm_err_wrap(r, "p2p distance %s -> %s", nm_device_name(provider),
				   nm_device_name(att->dev));
	if (type == NM_P2P_MAP_NOT_SUPPORTED)
		return nm_err(EREMOTEIO, "%s cannot reach %s's memory (no peer-to-peer path)",
			      nm_device_name(att->dev), nm_device_name(provider));
	if (!att->peer2peer)
		return nm_err(EREMOTEIO, "%s's memory is reachable only peer-to-peer (%s) and "
			      "the importer does not allow_peer2peer",
			      nm_device_name(provider), nm_p2p_map_type_name(type));
	return 0;
}

static int nm_devmem_move(struct nm_dmabuf *buf)
{
	return nm_memobj_relocate(buf->memobj);
}

static const struct nm_dmabuf_ops nm_devmem_ops = {
	.attach = nm_devmem_attach,
	.map = nm_memobj_exp_map,
	.unmap = nm_memobj_exp_unmap,
	.begin_cpu_access = nm_memobj_exp_begin_cpu,
	.end_cpu_access = nm_memobj_exp_end_cpu,
	.move = nm_devmem_move,
	.release = nm_memobj_exp_release,
};

int nm_dmabuf_create_device(struct nm_device *dev, uint64_t size, struct nm_dmabuf **out)
{
	NM_API_CALL();
	struct nm_dmabuf_export_info info = {
		.exp_name = "netmem-device",
		.ops = &nm_devmem_ops,
		.size = size,
	};
	struct nm_memobj *obj;
	int r;

	if (!dev)
		return nm_err(EINVAL, "dev is NULL");
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	if (size == 0 || (size & (NM_PAGE_SIZE - 1)))
		return nm_err(EINVAL, "size %llu is not a nonzero "
			      "multiple of the page size", (unsigned long long)size);
	r = nm_memobj_create_device(dev, size, 0, &obj);
	if (r < 0)
		return r;
	return nm_memobj_exp_export(&info, obj, out);
}
