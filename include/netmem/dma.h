/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_DMA_H
#define NETMEM_DMA_H

/*
 * DMA mapping of physical ranges, and the DMA engine.
 *
 * nm_dma_map() takes an array of struct nm_phyr and returns a compact list
 * of struct nm_dma_vec in the device's view: IOVAs from the device's IOMMU
 * domain, coalesced where they are contiguous, or PCI bus addresses for
 * peer-to-peer memory reachable through a switch.  No scatterlist, no
 * per-page descriptor.
 *
 * The DMA engine (nm_dma_write()/nm_dma_read()) is the only code that moves
 * bytes into or out of memory on behalf of a device.  It translates the
 * device address through the mappings and copies through a mapping private
 * to the engine.  An address that is not mapped, or mapped for the other
 * direction, is -EFAULT and counted, never a crash.
 */

#include <stddef.h>
#include <stdint.h>

#include <netmem/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Linux's values. */
enum nm_dma_dir {
	NM_DMA_BIDIRECTIONAL = 0,
	NM_DMA_TO_DEVICE = 1,	/* the device reads memory */
	NM_DMA_FROM_DEVICE = 2,	/* the device writes memory */
};

struct nm_dma_mapping;

/*
 * Map n physical ranges for dev.  Each range must lie inside one memory
 * object.  Host memory and device memory that is only reachable through the
 * host bridge get IOVAs; peer memory behind a common switch gets bus
 * addresses (NM_DMA_VEC_P2P); memory of a peer that dev cannot reach is
 * -EREMOTEIO.  Returns the number of dma_vecs (>= 1).  attrs must be 0.
 */
int nm_dma_map(struct nm_device *dev, const struct nm_phyr *phyrs, size_t n,
	       enum nm_dma_dir dir, uint32_t attrs, struct nm_dma_mapping **out);

/* Unmap and free.  The IOVAs become invalid at once. */
int nm_dma_unmap(struct nm_dma_mapping *map);

/* The mapping's dma_vec list. */
const struct nm_dma_vec *nm_dma_mapping_vecs(const struct nm_dma_mapping *map,
					     uint32_t *nr_vecs);
uint64_t nm_dma_mapping_len(const struct nm_dma_mapping *map);
enum nm_dma_dir nm_dma_mapping_dir(const struct nm_dma_mapping *map);

/* Ownership transfer of [offset, offset + len) of the mapping (offset in
 * bytes from the mapping's start, counting the phyrs in order): to the CPU
 * after the device wrote, to the device before it touches the memory again.
 * Orders memory (our simulated devices are cache-coherent); -EINVAL outside
 * the mapping. */
int nm_dma_sync_for_cpu(struct nm_dma_mapping *map, uint64_t offset, uint64_t len);
int nm_dma_sync_for_device(struct nm_dma_mapping *map, uint64_t offset, uint64_t len);

/* The DMA engine: the device writes len bytes from src at device address
 * addr, or reads len bytes at addr into dst.  The range may span mappings
 * that are contiguous in the device's view. */
int nm_dma_write(struct nm_device *dev, uint64_t addr, const void *src, size_t len);
int nm_dma_read(struct nm_device *dev, uint64_t addr, void *dst, size_t len);

struct nm_dma_stats {
	uint64_t maps, unmaps;		/* nm_dma_map / nm_dma_unmap calls */
	uint64_t mapped_bytes;		/* bytes mapped now */
	uint64_t live_mappings;		/* mappings now */
	uint64_t writes, write_bytes;	/* engine writes (device -> memory) */
	uint64_t reads, read_bytes;	/* engine reads (memory -> device) */
	uint64_t faults_unmapped;	/* engine access to an unmapped address */
	uint64_t faults_direction;	/* engine access against the mapping's direction */
};
/* dev's DMA counters (size: sizeof(*st), the convention of error.h). */
int nm_dma_get_stats(const struct nm_device *dev, struct nm_dma_stats *st, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_DMA_H */
