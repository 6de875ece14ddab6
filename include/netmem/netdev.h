/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_NETDEV_H
#define NETMEM_NETDEV_H

/*
 * The virtual NIC: a netdev on a wire, with RX/TX queues, header split,
 * RSS and ntuple steering, checksum offload, TSO and queue restart.
 *
 * RX.  Each RX queue has a descriptor ring of buffers posted from its two
 * page pools: a host pool for headers (and for frames that are not split),
 * and a payload pool whose memory provider is host pages by default and a
 * dma-buf binding's device memory once bind-rx installs one (ctl.h).  A
 * frame picks its queue by ntuple rule, else by RSS; its headers land in a
 * host buffer, its payload is written by the DMA engine into payload
 * buffers, packed one after another (so 1448-byte payloads share a buffer)
 * and spanning buffers when larger.  The stack that drives the netdev
 * (stack.h) takes the packets from there.
 *
 * Configuration mirrors ethtool: -L channels, -G rings and header split
 * (tcp-data-split, hds-thresh), -K features, -X RSS, -N ntuple rules.
 * Changing rings or channels restarts the affected queues; nothing is lost.
 *
 * Threads: a netdev is driven by one thread (its stack's), which calls
 * every function here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_netdev;
struct nm_device;

#define NM_NETDEV_MAX_QUEUES	64
#define NM_NETDEV_MAX_RING	16384
#define NM_NETDEV_MIN_RING	64
#define NM_HDS_THRESH_MAX	1024

struct nm_netdev_params {
	const char *name;		/* "nm0" if NULL; <= 15 characters */
	struct nm_device *dev;		/* the PCI function that does the DMA */
	struct nm_wire *wire;		/* the PHY; must outlive the netdev */
	uint8_t mac[6];			/* all zero: a random local unicast MAC */
	uint32_t mtu;			/* 0: 1500 (at most the wire's) */
	uint32_t rx_queues, tx_queues;	/* 0: 1 */
	uint32_t rx_ring, tx_ring;	/* descriptors; 0: rx 512, tx 1024 */
};

int nm_netdev_create(const struct nm_netdev_params *p, struct nm_netdev **out);
/* Stops every queue and frees them; packets not yet polled are dropped and
 * their buffers returned.  Payload still lent by the wire to packets the
 * application holds is copied out first, so those packets outlive the
 * wire; if that copy finds no memory the netdev is destroyed all the same
 * and -ENOMEM says how many packets still point into the wire (they must
 * be released, not read, once the wire is destroyed).  A capture still
 * running is stopped (flushed and closed) first; a write it could not do
 * is returned as nm_netdev_capture_stop() would, once the netdev is gone.
 * Teardown order: the stack that drives the netdev first, then the
 * netdev, then its wire (stack.h). */
int nm_netdev_destroy(struct nm_netdev *nd);

int nm_netdev_ifindex(const struct nm_netdev *nd);	/* >= 1, unique in the process */
/* The live netdev with this ifindex (-ENODEV if none). */
int nm_netdev_get_by_index(int ifindex, struct nm_netdev **out);
/* The ifindexes of the live netdevs, ascending; returns how many there are
 * (writing at most max). */
int nm_netdev_list(int *ifindexes, size_t max);
const char *nm_netdev_name(const struct nm_netdev *nd);
int nm_netdev_get_mac(const struct nm_netdev *nd, uint8_t mac[6]);
struct nm_device *nm_netdev_device(const struct nm_netdev *nd);
struct nm_wire *nm_netdev_wire(const struct nm_netdev *nd);

/* ---- Configuration (ethtool) ------------------------------------------------ */

/* The MTU (bytes above the Ethernet header), and setting it. */
int nm_netdev_mtu(const struct nm_netdev *nd);
int nm_netdev_set_mtu(struct nm_netdev *nd, uint32_t mtu);	/* 68 .. wire's */

/* -L */
struct nm_channels {
	uint32_t rx, tx;
	uint32_t max_rx, max_tx;	/* read-only */
};
int nm_netdev_get_channels(const struct nm_netdev *nd, struct nm_channels *ch);
/* -EINVAL for 0 or above max; -EBUSY to shrink below a queue with a
 * memory provider installed, or an ntuple rule's or the indirection table's
 * queue (like the kernel). */
int nm_netdev_set_channels(struct nm_netdev *nd, const struct nm_channels *ch);

/* -G */
enum nm_tcp_data_split {
	NM_TCP_DATA_SPLIT_UNKNOWN = 0,
	NM_TCP_DATA_SPLIT_DISABLED,
	NM_TCP_DATA_SPLIT_ENABLED,
};
struct nm_ringparam {
	uint32_t rx, tx;		/* descriptors per queue */
	uint32_t rx_max, tx_max;	/* read-only */
	enum nm_tcp_data_split tcp_data_split;	/* UNKNOWN on set: unchanged */
	uint32_t hds_thresh;		/* payloads <= this stay with the headers */
	uint32_t hds_thresh_max;	/* read-only */
};
int nm_netdev_get_ringparam(const struct nm_netdev *nd, struct nm_ringparam *rp);
/* Ring sizes are powers of two in [MIN_RING, MAX_RING]; changing them
 * restarts the RX queues.  Disabling header split, or a nonzero hds-thresh,
 * while an unreadable (device-memory) provider is installed is -EINVAL, as
 * in the kernel. */
int nm_netdev_set_ringparam(struct nm_netdev *nd, const struct nm_ringparam *rp);

/* -K */
#define NM_NETIF_F_RXCSUM	(1u << 0)	/* verify RX checksums */
#define NM_NETIF_F_HW_CSUM	(1u << 1)	/* fill TX checksums */
#define NM_NETIF_F_TSO		(1u << 2)	/* TCP segmentation, IPv4 */
#define NM_NETIF_F_TSO6		(1u << 3)	/* TCP segmentation, IPv6 */
#define NM_NETIF_F_NTUPLE	(1u << 4)	/* ntuple rules steer */
#define NM_NETIF_F_RXHASH	(1u << 5)	/* report the RSS hash */
#define NM_NETIF_F_NETMEM_TX	(1u << 6)	/* TX payload from device memory */
/* RX payload for host-memory queues taken in place from a wire that lends
 * frames (shm), not copied into the queue's buffers (not an ethtool
 * feature: it is what veth does with an skb) */
#define NM_NETIF_F_RX_LOAN	(1u << 7)
#define NM_NETIF_F_ALL		0xffu
/* The active features, and the wanted ones (what was asked for: ethtool's
 * WANTED).  Active is wanted less what the rest forbids, as the kernel's
 * netdev_update_features(): TSO and TSO6 need HW_CSUM, so turning HW_CSUM
 * off turns them off too, and on again brings back the ones still wanted. */
uint32_t nm_netdev_features(const struct nm_netdev *nd);
uint32_t nm_netdev_wanted_features(const struct nm_netdev *nd);
/* Changes the wanted features in mask to the values in val (-EINVAL only
 * for unknown bits). */
int nm_netdev_set_features(struct nm_netdev *nd, uint32_t mask, uint32_t val);

/* -X: key of NM_RSS_KEY_LEN bytes, indirection table of a power-of-two
 * size (<= NM_RSS_MAX_INDIR) whose entries are RX queues.  Until a table
 * is set, the default table spreads over every RX queue and follows the
 * queue count (channels).  Setting a table (nm_netdev_set_rss() with one,
 * nm_netdev_set_rss_equal()) makes it configured, as the kernel's
 * IFF_RXFH_CONFIGURED: it stays as set when queues come, and
 * nm_netdev_set_channels() refuses (-EBUSY) to drop a queue it names. */
#define NM_RSS_KEY_LEN		40
#define NM_RSS_MAX_INDIR	512
int nm_netdev_get_rss(const struct nm_netdev *nd, uint8_t *key, uint32_t *indir,
		      uint32_t *indir_size);
int nm_netdev_set_rss(struct nm_netdev *nd, const uint8_t *key, const uint32_t *indir,
		      uint32_t indir_size);
/* "ethtool -X equal N" and "-X start S equal N". */
int nm_netdev_set_rss_equal(struct nm_netdev *nd, uint32_t start, uint32_t n);
/* "ethtool -X default": the default spread again, following the queue
 * count. */
int nm_netdev_reset_rss(struct nm_netdev *nd);
/* Whether the table was set (and not reset since). */
bool nm_netdev_rss_configured(const struct nm_netdev *nd);

/* -N: flow-type tcp4|tcp6|udp4|udp6 with optional fields: a field whose mask
 * is all zero is not matched; mask bits set to 1 must match (an exact
 * address is an all-ones mask, a /24 the first 24 bits). */
enum nm_flow_type { NM_FLOW_TCP4 = 1, NM_FLOW_UDP4, NM_FLOW_TCP6, NM_FLOW_UDP6 };
#define NM_FLOW_ACTION_DROP	(-1)
#define NM_FLOW_ID_ANY		UINT32_MAX
struct nm_flow_rule {
	uint32_t id;			/* location; NM_FLOW_ID_ANY on add: pick one */
	enum nm_flow_type flow_type;
	uint8_t src_ip[16], src_ip_mask[16];	/* IPv4: the first 4 bytes */
	uint8_t dst_ip[16], dst_ip_mask[16];
	uint16_t src_port, src_port_mask;	/* host byte order */
	uint16_t dst_port, dst_port_mask;
	int32_t action;			/* RX queue, or NM_FLOW_ACTION_DROP */
};
/* Returns the rule's id.  -EEXIST for a taken id, -EINVAL for a bad rule
 * or queue, -ENOSPC when the table is full.  Rules match in id order and
 * take precedence over RSS while NM_NETIF_F_NTUPLE is on. */
int nm_netdev_flow_add(struct nm_netdev *nd, const struct nm_flow_rule *r);
int nm_netdev_flow_del(struct nm_netdev *nd, uint32_t id);
int nm_netdev_get_flow(const struct nm_netdev *nd, uint32_t id, struct nm_flow_rule *r);
/* Ids in order; returns the count (all of them, even past max). */
int nm_netdev_flow_list(const struct nm_netdev *nd, uint32_t *ids, uint32_t max);

/* ---- Queues ----------------------------------------------------------------- */

/* RX queues of the netdev (0 on NULL). */
uint32_t nm_netdev_num_rx_queues(const struct nm_netdev *nd);

/* What RX queue q runs on now: its two page pools, by the ids
 * page-pool-get reports (nm_ctl_page_pool_get(); 0 while the queue is
 * stopped), and the payload buffers posted to its ring for the NIC to
 * fill.  Buffers a pool counts in flight are posted or held by the stack
 * and the application.  The netdev's thread.  -EINVAL for a NULL
 * argument, -ERANGE for q past the RX queues. */
struct nm_rxq_info {
	uint32_t header_pp_id;		/* host pages for the headers */
	uint32_t payload_pp_id;		/* the queue's memory provider's pool */
	uint64_t payload_room;		/* bytes the posted payload buffers can still take */
	uint32_t payload_posted;	/* posted payload buffers with room left */
};
int nm_netdev_get_rxq_info(const struct nm_netdev *nd, uint32_t q, struct nm_rxq_info *info);

/* ---- Counters ------------------------------------------------------------ */

enum nm_rx_drop {
	NM_RX_DROP_NO_BUFFER = 0,	/* pool ran dry */
	NM_RX_DROP_BAD_CSUM,
	NM_RX_DROP_MALFORMED,		/* did not parse where a parse was needed */
	NM_RX_DROP_NTUPLE,		/* a drop rule */
	NM_RX_DROP_TOO_LONG,		/* longer than the MTU allows */
	NM_RX_DROP_QUEUE_FULL,		/* completions not polled */
	NM_RX_DROP_DMA,			/* the DMA engine faulted */
	NM_RX_DROP_MAX
};

struct nm_queue_stats {
	uint64_t packets, bytes;
	uint64_t hds_packets;		/* header-split */
	uint64_t hds_small;		/* payload <= hds-thresh kept with headers */
	uint64_t csum_ok, csum_bad;
	uint64_t alloc_fail;		/* ring refill could not get a buffer */
	uint64_t rx_loaned;		/* payloads handed up in place (RX_LOAN) */
	/* device: lent frames copied out because what they blocked was half
	 * the wire's buffer or ring, which would stall the sender */
	uint64_t loan_migrated;
	uint64_t drops[NM_RX_DROP_MAX];
	/* TX */
	uint64_t tx_packets, tx_bytes, tx_frames;	/* frames: after TSO */
	uint64_t tx_busy, tx_errors;
};
/* Counters of one queue (size: sizeof(*st), the convention of error.h). */
int nm_netdev_get_rxq_stats(const struct nm_netdev *nd, uint32_t q, struct nm_queue_stats *st,
			    size_t size);
int nm_netdev_get_txq_stats(const struct nm_netdev *nd, uint32_t q, struct nm_queue_stats *st,
			    size_t size);
/* Sum over queues plus the device's own (frames dropped before a queue). */
int nm_netdev_get_stats(const struct nm_netdev *nd, struct nm_queue_stats *st, size_t size);
const char *nm_rx_drop_name(enum nm_rx_drop r);

/* ---- Capture (pcap) -------------------------------------------------------- */

#define NM_CAPTURE_SNAPLEN_MAX	262144	/* libpcap's limit; 0 asks for it */
#define NM_CAPTURE_F_NSEC	(1u << 0)	/* nanosecond timestamps (default: microsecond) */
#define NM_CAPTURE_F_APPEND	(1u << 1)	/* add to an existing file of the same kind */

/*
 * Start writing every frame that crosses the netdev's wire, both
 * directions, to the pcap file path (LINKTYPE_ETHERNET, through libpcap),
 * creating or truncating it (appending with NM_CAPTURE_F_APPEND) and
 * keeping at most snaplen bytes of each frame (0: NM_CAPTURE_SNAPLEN_MAX).
 * path names a file (a FIFO works); "-" is a file named "-", not stdout.
 *
 * What is recorded: what tcpdump on a physical NIC shows.  TX frames after
 * the NIC's own segmentation (software TSO), exactly as handed to the
 * wire; RX frames as the wire delivered them, before steering, checksum
 * checks and drops (a frame the NIC then drops is in the file).  On a
 * wire that carries GSO frames whole (a TAP with offloads, an shm wire
 * with gso) the file holds the super-frames of up to 64 KiB as they
 * cross, with the partial checksums of checksum offload, as tcpdump shows
 * them on a NIC with TSO and TX checksum offload ("incorrect cksum" with
 * -v); the vnet header (GSO size, checksum start) is not recorded.
 * Timestamps are the wall clock (CLOCK_REALTIME) when the NIC handed the
 * frame to the wire or took it.
 *
 * Threads: the capture belongs to the netdev and is written by the
 * netdev's thread as frames pass; start and stop must be called by that
 * thread too (or while no thread polls or transmits on the netdev).
 * libpcap's dumper is a stdio stream that does not keep two writers'
 * records apart, so one file takes one netdev: capture two netdevs into
 * two files.  Records are buffered (1 MiB) and reach the file on stop, on
 * nm_netdev_destroy() (which stops a capture still running) and when the
 * buffer fills; a process killed before that leaves the file cut short.
 *
 * -EINVAL for a NULL or empty path, a snaplen above the limit or unknown
 * flags; -EBUSY if the netdev already captures; the file's errno
 * (-ENOENT, -EACCES, ...) when it cannot be opened, or -EINVAL when the
 * file to append to is not a pcap file of this link type and precision.
 */
int nm_netdev_capture_start(struct nm_netdev *nd, const char *path, uint32_t snaplen,
			    uint32_t flags);
/* Flush and close the file.  0, or -EINVAL (NULL netdev or no capture
 * running), or the errno of a write that failed since the start (-ENOSPC,
 * -EIO, ...): the frames from that write on are missing from the file. */
int nm_netdev_capture_stop(struct nm_netdev *nd);

struct nm_capture_stats {
	uint64_t frames;		/* records written */
	uint64_t bytes;			/* frame bytes they stand for (their len) */
	uint64_t truncated;		/* records cut to snaplen */
	int32_t error;			/* 0, or -errno of the first write that failed */
};
/* -EINVAL for a NULL argument, -ENOENT if the netdev does not capture. */
int nm_netdev_get_capture_stats(const struct nm_netdev *nd, struct nm_capture_stats *st,
				size_t size);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_NETDEV_H */
