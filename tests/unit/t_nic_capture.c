/* Capture: the NIC writes what crosses its wire to a pcap file.  Frames
 * the peer sent (a bad-checksum one the NIC drops included) and frames the
 * NIC sent (a two-piece one gathered, a TSO frame as the segments the wire
 * carried) are read back with libpcap's offline API, byte for byte and in
 * order; snap length, nanosecond timestamps, append, flush on destroy, a
 * write that fails (/dev/full) and bad arguments. */
#include <pcap/pcap.h>
#include <time.h>
#include <unistd.h>

#include "t_net.h"
#include "nic/netdev_drv.h"
#include <netmem/dma.h>

static uint8_t frame[70000], got[70000];

/* What the file must hold, in order. */
struct rec {
	uint32_t len;
	uint8_t *bytes;
};
static struct rec want[128];
static unsigned nwant;

static void expect(const uint8_t *b, uint32_t len)
{
	T_ASSERT(nwant < NM_ARRAY_SIZE(want));
	want[nwant].bytes = malloc(len);
	T_ASSERT(want[nwant].bytes);
	memcpy(want[nwant].bytes, b, len);
	want[nwant++].len = len;
}

static void expect_reset(void)
{
	for (unsigned i = 0; i < nwant; i++)
		free(want[i].bytes);
	nwant = 0;
}

/* The peer sends a frame; the NIC takes it (and drops what it drops). */
static void peer_send(struct t_nic *t, const uint8_t *b, uint32_t len)
{
	struct nm_rx_pkt pkts[8];
	int n;

	T_OK(t_wire_send(t->b, b, len, NULL));
	T_EQ(nm_netdev_poll(t->nd, 64), 1);
	n = nm_netdev_rx_poll(t->nd, 0, pkts, 8);
	for (int i = 0; i < n; i++)
		nm_rx_pkt_release(&pkts[i]);
	expect(b, len);
}

static uint32_t peer_recv(struct t_nic *t)
{
	struct iovec iov = { got, sizeof(got) };
	int r = nm_wire_rx_copy(t->b, &iov, 1, NULL);

	T_ASSERT(r > 0);
	expect(got, (uint32_t)r);
	return (uint32_t)r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Read path back: every record of want[], cut to snaplen, stamped within
 * [t0, t1], in order and nondecreasing. */
static void check_file(const char *path, uint32_t snaplen, bool nsec, uint64_t t0, uint64_t t1)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path, nsec ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, eb);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t last = 0, unit = nsec ? 1 : 1000;
	unsigned i = 0;
	int r;

	if (!p)
		T_FAIL("pcap_open_offline %s: %s", path, eb);
	T_EQ(pcap_datalink(p), DLT_EN10MB);
	T_EQ(pcap_snapshot(p), snaplen);
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * unit;
		uint32_t cap;

		T_ASSERT(i < nwant);
		cap = want[i].len < snaplen ? want[i].len : snaplen;
		T_EQ(h->len, want[i].len);
		T_EQ(h->caplen, cap);
		if (memcmp(data, want[i].bytes, cap))
			T_FAIL("record %u differs from the frame that crossed the wire", i);
		T_ASSERT(ts + unit >= t0 && ts <= t1 && ts >= last);
		last = ts;
		i++;
	}
	T_EQ(r, PCAP_ERROR_BREAK);	/* a clean end of file, no cut record */
	T_EQ(i, nwant);
	pcap_close(p);
}

static uint64_t records(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;

	if (!p)
		T_FAIL("pcap_open_offline %s: %s", path, eb);
	while (pcap_next_ex(p, &h, &data) == 1)
		n++;
	pcap_close(p);
	return n;
}

int main(void)
{
	char path[] = "/tmp/t_nic_capture.XXXXXX";
	struct nm_capture_stats st;
	struct nm_tx_pkt pkt = { 0 };
	struct nm_dma_mapping *map;
	struct nm_memobj *host;
	struct nm_pkt_info info;
	struct nm_phyr ph;
	struct t_nic t;
	struct t_flow f;
	uint8_t hdr[128];
	uint64_t t0, t1;
	uint32_t len;
	int fd = mkstemp(path);

	T_ASSERT(fd >= 0);
	close(fd);
	t_nic_up(&t, 1, 1500, false);	/* no GSO on the wire: the NIC segments */
	T_OK(nm_memobj_create_anon(1 << 20, 0, &host));
	T_EQ(nm_memobj_get_phyrs(host, 0, 1 << 20, &ph, 1), 1);
	T_OK(nm_dma_map(t.nic, &ph, 1, NM_DMA_TO_DEVICE, 0, &map));
	uint64_t base = nm_dma_mapping_vecs(map, NULL)[0].addr;
	uint8_t *hp = nm_memobj_host_addr(host);

	/* bad arguments, each with a message */
	T_ERR(nm_netdev_capture_start(NULL, path, 0, 0), -EINVAL);
	T_ERR(nm_netdev_capture_start(t.nd, NULL, 0, 0), -EINVAL);
	T_ERR(nm_netdev_capture_start(t.nd, "", 0, 0), -EINVAL);
	T_ERR(nm_netdev_capture_start(t.nd, path, NM_CAPTURE_SNAPLEN_MAX + 1, 0), -EINVAL);
	T_ERR(nm_netdev_capture_start(t.nd, path, 0, 0x80), -EINVAL);
	T_ERR(nm_netdev_capture_start(t.nd, "/nonexistent-dir/x.pcap", 0, 0), -ENOENT);
	T_ASSERT(strstr(nm_last_error(), "/nonexistent-dir/x.pcap"));
	T_ERR(nm_netdev_capture_stop(t.nd), -EINVAL);
	T_ERR(nm_netdev_capture_stop(NULL), -EINVAL);
	T_ERR(nm_netdev_get_capture_stats(t.nd, &st, sizeof(st)), -ENOENT);
	T_ERR(nm_netdev_get_capture_stats(t.nd, NULL, sizeof(*NULL)), -EINVAL);

	/* 1. everything that crosses, microsecond stamps, full frames */
	t0 = now_ns();
	T_OK(nm_netdev_capture_start(t.nd, path, 0, 0));
	T_ERR(nm_netdev_capture_start(t.nd, path, 0, 0), -EBUSY);
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 5201, 40000);
	for (uint32_t plen = 0; plen <= 1400; plen += 700) {
		len = t_flow_frame(frame, &f, plen, 12);
		peer_send(&t, frame, len);
		f.seq += plen;
	}
	/* a bad checksum: dropped by the NIC, but it crossed the wire */
	len = t_flow_frame(frame, &f, 100, 0);
	frame[len - 1] ^= 0xff;
	peer_send(&t, frame, len);
	struct nm_queue_stats qs;
	T_OK(nm_netdev_get_stats(t.nd, &qs, sizeof(qs)));
	T_EQ(qs.drops[NM_RX_DROP_BAD_CSUM], 1);

	/* TX: one frame in two pieces (gathered), then a TSO frame: the
	 * file holds the segments the wire carried, not the 64 KiB frame */
	t_flow_v4(&f, 0xc6120002, 0xc6120001, 40000, 5201);
	len = t_flow_frame(frame, &f, 1000, 12);
	T_OK(nm_pkt_parse(frame, len, &info));
	memcpy(hdr, frame, info.hdr_len);
	memcpy(hp, frame + info.hdr_len, 1000);
	pkt.hdr = hdr;
	pkt.hdr_len = info.hdr_len;
	pkt.nr_frags = 2;
	pkt.frags[0] = (struct nm_tx_frag){ base, 333 };
	pkt.frags[1] = (struct nm_tx_frag){ base + 333, 667 };
	T_OK(nm_netdev_xmit(t.nd, 0, &pkt));
	T_EQ(peer_recv(&t), len);
	f.seq = 1000;
	len = t_flow_frame(frame, &f, 20000, 12);
	memcpy(hdr, frame, info.hdr_len);
	memcpy(hp, frame + info.hdr_len, 20000);
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_tx_frag){ base, 20000 };
	pkt.meta = (struct nm_wire_meta){ .flags = NM_WIRE_F_NEEDS_CSUM,
					  .gso_type = NM_WIRE_GSO_TCPV4, .gso_size = 1448,
					  .csum_start = (uint16_t)info.l4_off,
					  .csum_offset = 16 };
	T_OK(nm_netdev_xmit(t.nd, 0, &pkt));
	for (uint32_t done = 0; done < 20000;) {
		uint32_t n = peer_recv(&t);

		T_ASSERT(n <= 1514);
		done += n - info.hdr_len;
	}
	T_OK(nm_netdev_get_capture_stats(t.nd, &st, sizeof(st)));
	T_EQ(st.frames, nwant);
	T_EQ(st.truncated, 0);
	T_EQ(st.error, 0);
	T_OK(nm_netdev_capture_stop(t.nd));
	t1 = now_ns();
	check_file(path, NM_CAPTURE_SNAPLEN_MAX, false, t0, t1);
	T_EQ(nwant, 4 + 1 + 14);	/* 4 received; 1 frame and 14 segments sent */

	/* 2. snap length 100, nanosecond stamps; then append, and an append
	 * of the other precision refused */
	expect_reset();
	t0 = now_ns();
	T_OK(nm_netdev_capture_start(t.nd, path, 100, NM_CAPTURE_F_NSEC));
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 5201, 40000);
	len = t_flow_frame(frame, &f, 1000, 0);
	peer_send(&t, frame, len);
	T_OK(nm_netdev_get_capture_stats(t.nd, &st, sizeof(st)));
	T_EQ(st.truncated, 1);
	T_EQ(st.bytes, len);
	T_OK(nm_netdev_capture_stop(t.nd));
	T_OK(nm_netdev_capture_start(t.nd, path, 100, NM_CAPTURE_F_NSEC | NM_CAPTURE_F_APPEND));
	len = t_flow_frame(frame, &f, 50, 0);
	peer_send(&t, frame, len);
	T_OK(nm_netdev_capture_stop(t.nd));
	t1 = now_ns();
	check_file(path, 100, true, t0, t1);
	T_EQ(nwant, 2);
	T_ERR(nm_netdev_capture_start(t.nd, path, 100, NM_CAPTURE_F_APPEND), -EINVAL);
	T_EQ(records(path), 2);		/* the refused append changed nothing */

	/* 3. a write that fails: reported by stop, with its errno */
	if (access("/dev/full", W_OK) == 0) {
		T_OK(nm_netdev_capture_start(t.nd, "/dev/full", 0, 0));
		peer_send(&t, frame, len);
		T_ERR(nm_netdev_capture_stop(t.nd), -ENOSPC);
		T_ASSERT(strstr(nm_last_error(), "/dev/full"));
	}

	/* 4. destroy flushes a capture still running */
	expect_reset();
	t0 = now_ns();
	T_OK(nm_netdev_capture_start(t.nd, path, 0, 0));
	peer_send(&t, frame, len);
	T_OK(nm_dma_unmap(map));
	nm_memobj_put(host);
	t_nic_down(&t);
	check_file(path, NM_CAPTURE_SNAPLEN_MAX, false, t0, now_ns());
	T_EQ(nwant, 1);
	expect_reset();
	unlink(path);
	T_PASS();
}
