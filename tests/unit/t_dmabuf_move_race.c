/* Moves racing with importers.  Two dynamic importers DMA into their own
 * slots of a device buffer from their own threads, remapping after each
 * move_notify; a third thread moves the buffer until MOVES moves succeeded;
 * a fourth opens CPU windows (which make some moves -EBUSY).  A DMA through
 * a mapping may fail (-EFAULT) only if a move notification reached that
 * importer meanwhile; no write is lost, torn or misplaced: at the end every
 * byte of every slot holds the last pattern its importer wrote there
 * successfully, and every byte outside the slots is still zero. */
#include <pthread.h>
#include <stdatomic.h>

#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

#define SLOT 256
#define SLOTS 32
#define MOVES 300

struct importer {
	pthread_mutex_t lock;
	struct nm_dmabuf_attachment *att;
	struct nm_device *dev;
	struct nm_dma_mapping *map;	/* under lock */
	uint64_t gen;			/* move notifications seen, under lock */
	uint64_t base;			/* first byte of its slots */
	uint32_t last[SLOTS];		/* last pattern written per slot */
	int faults, remaps;
};

static struct nm_dmabuf *buf;
static atomic_bool done;

/* Write number pat (0: never written, zeros) fills a slot with 32-bit words
 * that differ from each other and from every other pattern's. */
static void slot_fill(uint8_t *data, uint32_t pat)
{
	for (uint32_t w = 0; w < SLOT / 4; w++) {
		uint32_t v = pat ? pat ^ (w * 0x9e3779b9u) : 0;

		memcpy(data + w * 4, &v, 4);
	}
}

static void on_move(struct nm_dmabuf_attachment *att)
{
	struct importer *imp = nm_dmabuf_attachment_priv(att);

	pthread_mutex_lock(&imp->lock);
	if (imp->map)
		T_OK(nm_dmabuf_unmap_attachment(att, imp->map));
	imp->map = NULL;
	imp->gen++;
	pthread_mutex_unlock(&imp->lock);
}

static void *importer_thread(void *arg)
{
	struct importer *imp = arg;
	uint64_t seed = imp->base + 1;
	uint8_t data[SLOT];

	for (int it = 0; !atomic_load(&done); it++) {
		struct nm_dma_mapping *m;
		uint64_t gen, addr;
		uint32_t slot = (uint32_t)(t_rand(&seed) % SLOTS), pat = (uint32_t)it + 1;
		int r;

		pthread_mutex_lock(&imp->lock);
		gen = imp->gen;
		m = imp->map;
		pthread_mutex_unlock(&imp->lock);
		if (!m) {
			/* never hold our lock across map: move_notify takes it */
			T_OK(nm_dmabuf_map_attachment(imp->att, NM_DMA_BIDIRECTIONAL, &m));
			pthread_mutex_lock(&imp->lock);
			if (imp->gen != gen) {		/* moved meanwhile: dead */
				pthread_mutex_unlock(&imp->lock);
				T_OK(nm_dmabuf_unmap_attachment(imp->att, m));
				continue;
			}
			imp->map = m;
			imp->remaps++;
			pthread_mutex_unlock(&imp->lock);
		}
		pthread_mutex_lock(&imp->lock);
		if (!imp->map) {
			pthread_mutex_unlock(&imp->lock);
			continue;
		}
		gen = imp->gen;
		addr = t_vec_addr(imp->map, imp->base + slot * SLOT);
		pthread_mutex_unlock(&imp->lock);

		slot_fill(data, pat);
		r = nm_dma_write(imp->dev, addr, data, SLOT);
		if (r == -EFAULT) {
			pthread_mutex_lock(&imp->lock);
			T_ASSERT(imp->gen != gen);	/* only a move explains it */
			pthread_mutex_unlock(&imp->lock);
			imp->faults++;
			continue;
		}
		T_OK(r);
		imp->last[slot] = pat;
	}
	return NULL;
}

static void *mover_thread(void *arg)
{
	int *moves = arg;

	while (*moves < MOVES) {
		int r = nm_dmabuf_move(buf, -1);

		T_ASSERT(r == 0 || r == -EBUSY);
		if (r == 0)
			(*moves)++;
		usleep(100);
	}
	atomic_store(&done, true);
	return NULL;
}

static void *window_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&done)) {
		void *p;
		int r = nm_dmabuf_begin_cpu_access(buf, 0, 64, NM_DMA_FROM_DEVICE, &p);

		T_OK(r);
		usleep(50);
		T_OK(nm_dmabuf_end_cpu_access(buf, 0, 64, NM_DMA_FROM_DEVICE));
		usleep(300);
	}
	return NULL;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops ops = { .allow_peer2peer = true, .move_notify = on_move };
	struct importer imp[2] = { 0 };
	pthread_t th[2], mover, win;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	int moves = 0;
	uint8_t *cpu;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 2 * SLOTS * SLOT + NM_PAGE_SIZE, &buf));
	imp[0].dev = nic;
	imp[1].dev = gpu;
	for (int i = 0; i < 2; i++) {
		pthread_mutex_init(&imp[i].lock, NULL);
		imp[i].base = NM_PAGE_SIZE + (uint64_t)i * SLOTS * SLOT;
		T_OK(nm_dmabuf_dynamic_attach(buf, imp[i].dev, &ops, &imp[i], &imp[i].att));
	}

	T_ASSERT(pthread_create(&mover, NULL, mover_thread, &moves) == 0);
	T_ASSERT(pthread_create(&win, NULL, window_thread, NULL) == 0);
	for (int i = 0; i < 2; i++)
		T_ASSERT(pthread_create(&th[i], NULL, importer_thread, &imp[i]) == 0);
	T_ASSERT(pthread_join(mover, NULL) == 0);	/* sets done after MOVES */
	for (int i = 0; i < 2; i++)
		T_ASSERT(pthread_join(th[i], NULL) == 0);
	T_ASSERT(pthread_join(win, NULL) == 0);
	T_OK(nm_dmabuf_assert_ok(buf));
	printf("moves %d; nic remaps %d faults %d; gpu remaps %d faults %d\n", moves,
	       imp[0].remaps, imp[0].faults, imp[1].remaps, imp[1].faults);
	T_EQ(moves, MOVES);
	T_ASSERT(imp[0].remaps > 1 && imp[1].remaps > 1);

	/* every byte of every slot is its importer's last successful write;
	 * nothing landed outside the slots */
	T_OK(nm_dmabuf_begin_cpu_access(buf, 0, nm_dmabuf_size(buf), NM_DMA_FROM_DEVICE,
					(void **)&cpu));
	for (uint64_t k = 0; k < imp[0].base; k++)
		if (cpu[k])
			T_FAIL("byte %llu before the slots is %u", (unsigned long long)k, cpu[k]);
	for (uint64_t k = imp[1].base + SLOTS * SLOT; k < nm_dmabuf_size(buf); k++)
		if (cpu[k])
			T_FAIL("byte %llu after the slots is %u", (unsigned long long)k, cpu[k]);
	for (int i = 0; i < 2; i++)
		for (int s = 0; s < SLOTS; s++) {
			uint8_t want[SLOT];
			const uint8_t *got = cpu + imp[i].base + s * SLOT;

			slot_fill(want, imp[i].last[s]);
			for (int k = 0; k < SLOT; k++)
				if (got[k] != want[k])
					T_FAIL("importer %d slot %d byte %d is %u, want %u (write %u)",
					       i, s, k, got[k], want[k], imp[i].last[s]);
		}
	T_OK(nm_dmabuf_end_cpu_access(buf, 0, nm_dmabuf_size(buf), NM_DMA_FROM_DEVICE));

	for (int i = 0; i < 2; i++) {
		T_OK(nm_dmabuf_detach(imp[i].att));
		pthread_mutex_destroy(&imp[i].lock);
	}
	nm_dmabuf_put(buf);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
