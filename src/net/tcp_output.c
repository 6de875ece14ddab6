/* SPDX-License-Identifier: MIT */
/*
 * TCP output: the send buffer, segment building and the transmit loop.
 *
 * Send buffer: a ring of host memory (a NM_MEM_HOST_ANON object) mapped
 * once for the NIC's device (NM_DMA_TO_DEVICE).  The byte with sequence s
 * lives at ring offset (s - sbuf_base) mod size; bytes from snd_una up to
 * write_seq are held until acknowledged.  A segment's payload is one or two
 * (dma_addr, len) TX frags of the ring (two when it wraps), so
 * retransmissions reference the same bytes and nothing is copied after
 * nm_send().  The ring starts small and doubles up to SO_SNDBUF, so a
 * thousand idle connections cost little.  Device bytes (devmem TX,
 * tcp_zc.c) hold ring space too, but their frags name the dma-buf bound for
 * TX; a segment carries host bytes or device bytes, never both.
 *
 * Transmit loop (nm_tcp_push): first the holes a SACK recovery has to
 * retransmit (RFC 6675 style, holes below the highest SACK are lost; as
 * GSO segments as long as the hole and cwnd allow), then
 * data at snd_nxt, as far as the peer's window, cwnd against the pipe,
 * Nagle and sender SWS avoidance allow.  With TSO a segment carries up to
 * 64 KiB and gso_size = MSS.
 */
#include <string.h>
#include <sys/socket.h>

#include <netmem/dma.h>
#include <netmem/mem.h>

#include "net/tcp.h"
#include "net/tcp_sring.h"
#include "net/tcp_zc.h"
#include "nic/csum.h"
#include "nic/netdev_drv.h"
#include "nic/wire_drv.h"
#include "util/bits.h"
#include "util/err.h"

#define TCP_HDR_MAX	60

uint32_t nm_tcp_ts_now(struct nm_tcp_sock *tp)
{
	return (uint32_t)(nm_now_us() / 1000) + tp->ts_offset;
}

uint32_t nm_tcp_flight(const struct nm_tcp_sock *tp)
{
	return tp->snd_max - tp->snd_una;
}

/* ---- the send ring ---------------------------------------------------------- */

static uint32_t data_una(const struct nm_tcp_sock *tp)
{
	return seq_min(tp->snd_una, tp->write_seq);
}

/* Where the ring's bytes begin: snd_una's, or the lowest a wire still
 * references (tcp_sring.h), if lower. */
static uint32_t ring_low(const struct nm_tcp_sock *tp)
{
	uint32_t una = data_una(tp), held;

	if (tp->sring && nm_tcp_sring_held_low(tp->sring, &held) && seq_lt(held, una))
		return held;
	return una;
}

/* What the ring may grow to for bytes a wire still references after
 * their ACK (a peer's application reading them in place): four times
 * SO_SNDBUF.  What a peer keeps is bounded by its receive window; at twice
 * SO_SNDBUF its 1 MiB window kept a steady stream asking for its bytes
 * back (bench_tcp: 3 % of the lent frames copied out), at four never. */
static uint32_t ring_max(const struct nm_tcp_sock *tp)
{
	uint32_t m = nm_roundup_pow2(tp->sndbuf < 65536 ? 65536 : tp->sndbuf);

	m = m >= (1u << 28) ? 1u << 30 : 4 * m;
	return tp->sbuf_size > m ? tp->sbuf_size : m;
}

/* Room for more bytes: SO_SNDBUF less the unacknowledged ones, and no
 * more than the ring can take without writing over referenced bytes. */
uint32_t nm_tcp_sbuf_free(const struct nm_tcp_sock *tp)
{
	uint32_t used = tp->write_seq - data_una(tp), low, held, max;

	if (used >= tp->sndbuf)
		return 0;
	if (nm_likely(!tp->sring || !nm_tcp_sring_held_low(tp->sring, &low)))
		return tp->sndbuf - used;
	held = tp->write_seq - ring_low(tp);
	max = ring_max(tp);
	if (held >= max)
		return 0;
	return max - held < tp->sndbuf - used ? max - held : tp->sndbuf - used;
}

/* A send found no room: is it referenced bytes that fill the ring?  Then
 * ask the peer to give them back (it copies what its application keeps:
 * an application waiting for more before it reads would wait forever),
 * and hear when they are (nm_tcp_notify()). */
void nm_tcp_sbuf_wait(struct nm_tcp_sock *tp)
{
	if (!tp->sring || tp->write_seq - data_una(tp) >= tp->sndbuf ||
	    !nm_tcp_sring_held_low(tp->sring, &(uint32_t){ 0 }))
		return;
	tp->sring->blocked = true;
	if (tp->ifc)
		nm_netdev_tx_reclaim(tp->ifc->nd);
}

void nm_tcp_sbuf_release(struct nm_tcp_sock *tp)
{
	if (tp->sring)
		nm_tcp_sring_drop(tp->sring);
	tp->sring = NULL;
	tp->sbuf = NULL;
	tp->sbuf_vecs = NULL;
	tp->sbuf_nvecs = 0;
	tp->sbuf_size = 0;
}

/* Make the ring hold want more bytes (want <= nm_tcp_sbuf_free()).  A ring
 * that grows copies the unacknowledged bytes over; bytes a wire still
 * references stay in the old ring's memory, which lives until they are
 * back. */
int nm_tcp_sbuf_reserve(struct nm_tcp_sock *tp, uint32_t want)
{
	uint32_t una = data_una(tp), used = tp->write_seq - una, size;
	struct nm_tcp_sring *r;
	uint8_t *p;
	int ret;

	if (tp->sbuf_size && tp->write_seq - ring_low(tp) + want <= tp->sbuf_size)
		return 0;
	if (!tp->sbuf_dev)
		return nm_err(ENOTCONN, "no route for the send buffer");
	size = tp->sbuf_size ? tp->sbuf_size : 65536;
	while (size < used + want && size < (1u << 30))
		size <<= 1;
	if (size == tp->sbuf_size && size < (1u << 30))
		size <<= 1;	/* held bytes fill it: a fresh ring, larger */
	ret = nm_tcp_sring_new(tp->sbuf_dev, size, &r);
	if (ret)
		return ret;
	p = nm_memobj_host_addr(r->obj);
	/* Carry the unacknowledged bytes over, snd_una's at offset 0. */
	for (uint32_t done = 0; done < used;) {
		uint32_t off = (una + done - tp->sbuf_base) & (tp->sbuf_size - 1);
		uint32_t n = used - done;

		if (n > tp->sbuf_size - off)
			n = tp->sbuf_size - off;
		memcpy(p + done, tp->sbuf + off, n);
		done += n;
	}
	nm_tcp_sbuf_release(tp);
	r->tp = tp;
	tp->sring = r;
	tp->sbuf = p;
	tp->sbuf_size = size;
	tp->sbuf_base = una;
	tp->sbuf_vecs = nm_dma_mapping_vecs(r->map, &tp->sbuf_nvecs);
	return 0;
}

/* Append ring bytes [off, off + len) (no wrap) as TX frags. */
static int ring_frags(struct nm_tcp_sock *tp, struct nm_skb *skb, uint32_t off, uint32_t len)
{
	uint64_t vstart = 0;

	for (uint32_t i = 0; i < tp->sbuf_nvecs && len; i++) {
		uint64_t vlen = tp->sbuf_vecs[i].len;

		if (off < vstart + vlen) {
			uint32_t in = (uint32_t)(off - vstart);
			uint32_t n = (uint32_t)(vlen - in) < len ? (uint32_t)(vlen - in) : len;
			int ret = nm_skb_add_tx_frag(skb, tp->sbuf_vecs[i].addr + in, n);

			if (ret)
				return ret;
			off += n;
			len -= n;
		}
		vstart += vlen;
	}
	return len ? -ENOSPC : 0;
}

static uint32_t ring_sum(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len, uint32_t sum,
			 uint32_t at)
{
	while (len) {
		uint32_t off = (seq - tp->sbuf_base) & (tp->sbuf_size - 1);
		uint32_t n = tp->sbuf_size - off < len ? tp->sbuf_size - off : len;

		sum = nm_csum_block_add(sum, nm_csum_partial(tp->sbuf + off, n, 0), at);
		at += n;
		seq += n;
		len -= n;
	}
	return sum;
}

/* ---- the route ------------------------------------------------------------------- */

int nm_tcp_route(struct nm_tcp_sock *tp)
{
	struct nm_route rt;
	uint32_t mtu, feat, hdrs;
	int ret = nm_route_lookup(tp->st, &tp->raddr, &rt);

	if (ret)
		return ret;
	tp->ifc = rt.ifc;
	tp->nexthop = rt.nexthop;
	mtu = nm_ip_route_mtu(tp->st, &tp->raddr);
	if (!mtu)
		mtu = rt.ifc->mtu ? rt.ifc->mtu : 1500;
	hdrs = nm_addr_is_v4(&tp->raddr) ? 40 : 60;
	tp->adv_mss = (uint16_t)(mtu > hdrs + 64 ? (mtu - hdrs > 65495 ? 65495 : mtu - hdrs) : 64);
	if (tp->mss_clamp && tp->mss_clamp < tp->adv_mss)
		tp->adv_mss = tp->mss_clamp;
	tp->sbuf_dev = nm_netdev_device(rt.ifc->nd);
	feat = nm_netdev_features(rt.ifc->nd);
	tp->sw_csum = !(feat & NM_NETIF_F_HW_CSUM);
	tp->tso = !tp->sw_csum &&
		  (feat & (nm_addr_is_v4(&tp->raddr) ? NM_NETIF_F_TSO : NM_NETIF_F_TSO6));
	return 0;
}

/* ---- the receive window ---------------------------------------------------------- */

uint32_t nm_tcp_rcv_space(struct nm_tcp_sock *tp)
{
	uint64_t held = tp->rcvq_bytes + tp->ooo_bytes;
	uint32_t space = held >= tp->rcvbuf ? 0 : (uint32_t)(tp->rcvbuf - held);

	if (tp->st && tp->st->tcp && tp->st->tcp->rx_pool_space) {
		uint32_t pool = tp->st->tcp->rx_pool_space(tp);

		if (pool < space)
			space = pool;
	}
	return space;
}

/* The window to advertise now, updating rcv_adv; never moves the right
 * edge left (RFC 9293 3.8.6.2.2) and only moves it right by a useful
 * amount (receiver SWS avoidance). */
uint32_t nm_tcp_rcv_window(struct nm_tcp_sock *tp)
{
	uint32_t space = nm_tcp_rcv_space(tp), cur = 0, thresh, max;

	if (seq_gt(tp->rcv_adv, tp->rcv_nxt))
		cur = tp->rcv_adv - tp->rcv_nxt;
	max = (uint32_t)65535 << tp->rcv_wscale;
	if (space > max)
		space = max;
	thresh = tp->rcvbuf / 2 < tp->adv_mss ? tp->rcvbuf / 2 : tp->adv_mss;
	if (space < cur || (space - cur < thresh && space < max))
		space = cur;
	/* scaled: the edge falls on a multiple of the scale */
	space = (space >> tp->rcv_wscale) << tp->rcv_wscale;
	if (space < cur)
		space = cur;
	tp->rcv_adv = tp->rcv_nxt + space;
	tp->rcv_wup = tp->rcv_nxt;
	return space;
}

/* ---- segments -------------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t pseudo_sum(const struct nm_addr *src, const struct nm_addr *dst, uint32_t len)
{
	if (nm_addr_is_v4(dst))
		return nm_csum_pseudo_v4(src->b + 12, dst->b + 12, IPPROTO_TCP, len);
	return nm_csum_pseudo_v6(src->b, dst->b, IPPROTO_TCP, len);
}

/* The SACK blocks to report: ranges of the OOO queue, the one holding the
 * latest arrival first (RFC 2018 4). */
static int sack_blocks(struct nm_tcp_sock *tp, struct nm_tcp_sack_range *out, int max)
{
	struct nm_tcp_sack_range r[16];
	int n = 0, k = 0;

	for (struct nm_skb *s = tp->ooo.head; s; s = s->next) {
		struct nm_tcp_cb *cb = nm_tcp_cb(s);

		if (n && seq_ge(r[n - 1].end, cb->start)) {
			r[n - 1].end = seq_max(r[n - 1].end, cb->end_seq);
			continue;
		}
		if (n == (int)NM_ARRAY_SIZE(r))
			break;
		r[n].start = cb->start;
		r[n].end = cb->end_seq;
		n++;
	}
	for (int i = 0; i < n && k < max; i++)
		if (seq_le(r[i].start, tp->last_ooo_start) && seq_ge(r[i].end, tp->last_ooo_end)) {
			out[k++] = r[i];
			r[i].start = r[i].end;
		}
	for (int i = 0; i < n && k < max; i++)
		if (r[i].start != r[i].end)
			out[k++] = r[i];
	return k;
}

/* The options of a SYN or SYN-ACK: MSS, SACK permitted, timestamps and
 * window scale.  A SYN offers them all; a SYN-ACK answers only what the
 * peer's SYN offered (NOPs keep the layout).  Returns their length. */
static uint32_t syn_options(struct nm_tcp_sock *tp, uint8_t flags, uint8_t *opt)
{
	bool ack = flags & TH_ACK;
	uint32_t olen = 0;

	opt[olen++] = 2;	/* MSS */
	opt[olen++] = 4;
	put16(opt + olen, tp->adv_mss);
	olen += 2;
	if (tp->sack_ok || !ack) {
		opt[olen++] = 4;	/* SACK permitted */
		opt[olen++] = 2;
	} else {
		opt[olen++] = 1;
		opt[olen++] = 1;
	}
	if (tp->ts_ok || !ack) {
		opt[olen++] = 8;
		opt[olen++] = 10;
		put32(opt + olen, nm_tcp_ts_now(tp));
		put32(opt + olen + 4, ack ? tp->ts_recent : 0);
		olen += 8;
	} else {
		memset(opt + olen, 1, 10);
		olen += 10;
	}
	if (tp->ws_ok || !ack) {
		opt[olen++] = 1;
		opt[olen++] = 3;
		opt[olen++] = 3;
		opt[olen++] = tp->rcv_wscale;
	}
	return olen;
}

/* The SACK option of an ACK, room for max blocks: a duplicate first, once
 * (RFC 2883 4), then the OOO queue's ranges.  Returns its length. */
static uint32_t sack_option(struct nm_tcp_sock *tp, uint8_t *opt, int max)
{
	struct nm_tcp_sack_range b[NM_TCP_MAX_SACK];
	uint32_t olen = 0;
	int n = 0;

	if (tp->dsack) {
		b[n].start = tp->dsack_start;
		b[n++].end = tp->dsack_end;
		tp->dsack = false;
	}
	n += sack_blocks(tp, b + n, max - n);
	if (!n)
		return 0;
	opt[olen++] = 1;
	opt[olen++] = 1;
	opt[olen++] = 5;
	opt[olen++] = (uint8_t)(2 + 8 * n);
	for (int i = 0; i < n; i++) {
		put32(opt + olen, b[i].start);
		put32(opt + olen + 4, b[i].end);
		olen += 8;
	}
	return olen;
}

/* The options of any other segment: timestamps, and SACK blocks on an ACK
 * while the OOO queue holds data or a duplicate is to be reported.
 * Returns their length. */
static uint32_t seg_options(struct nm_tcp_sock *tp, uint8_t flags, uint8_t *opt)
{
	uint32_t olen = 0;

	if (tp->ts_ok) {
		opt[olen++] = 1;
		opt[olen++] = 1;
		opt[olen++] = 8;
		opt[olen++] = 10;
		put32(opt + olen, nm_tcp_ts_now(tp));
		put32(opt + olen + 4, tp->ts_recent);
		olen += 8;
	}
	if (tp->sack_ok && (tp->ooo.head || tp->dsack) && (flags & TH_ACK) && !(flags & TH_RST))
		olen += sack_option(tp, opt + olen, tp->ts_ok ? 3 : 4);
	return olen;
}

/* The window field: 0 in a RST, never scaled in a SYN (RFC 7323 2.2),
 * else the receive window (nm_tcp_rcv_window() moves rcv_adv). */
static uint16_t window_field(struct nm_tcp_sock *tp, uint8_t flags)
{
	uint32_t wnd;

	if (flags & TH_RST)
		return 0;
	if (flags & TH_SYN) {
		wnd = nm_tcp_rcv_window(tp);
		if (wnd > 65535)
			wnd = 65535;
		tp->rcv_adv = tp->rcv_nxt + wnd;
		return (uint16_t)wnd;
	}
	wnd = nm_tcp_rcv_window(tp) >> tp->rcv_wscale;
	return wnd > 65535 ? 65535 : (uint16_t)wnd;
}

/* Payload [seq, seq + len) as TX frags: device bytes (devmem TX) name
 * their dma-buf, host bytes the ring (twice when they wrap); a segment
 * longer than the MSS goes as TSO. */
static int add_payload(struct nm_tcp_sock *tp, struct nm_skb *skb, uint32_t seq, uint32_t len)
{
	uint32_t off = (seq - tp->sbuf_base) & (tp->sbuf_size - 1);
	uint32_t first = tp->sbuf_size - off < len ? tp->sbuf_size - off : len;
	int ret = tp->zc ? nm_tcp_zc_frags(tp, skb, seq, len) : 0;

	if (ret == 0) {
		ret = ring_frags(tp, skb, off, first);
		if (!ret && first < len)
			ret = ring_frags(tp, skb, 0, len - first);
		/* a wire may keep referencing them after the NIC's call */
		if (!ret)
			nm_tcp_sring_hold(tp->sring, skb, seq);
	} else if (ret > 0) {
		ret = 0;
	}
	if (ret)
		return ret;
	if (len > tp->mss) {
		skb->gso_size = tp->mss;
		skb->gso_type = nm_addr_is_v4(&tp->raddr) ? NM_WIRE_GSO_TCPV4 : NM_WIRE_GSO_TCPV6;
	}
	return 0;
}

/* The checksum: computed here from the ring when the NIC cannot, else the
 * pseudo-header sum for the NIC to complete (checksum offload). */
static void fill_csum(struct nm_tcp_sock *tp, struct nm_skb *skb, uint8_t *th, uint32_t hlen,
		      uint32_t seq, uint32_t len)
{
	uint32_t sum = pseudo_sum(&tp->laddr, &tp->raddr, hlen + len);

	if (tp->sw_csum) {
		sum = nm_csum_add(sum, nm_csum_partial(th, hlen, 0));
		if (len)
			sum = ring_sum(tp, seq, len, sum, hlen);
		nm_csum_st16(th + 16, nm_csum_fold(sum));
		return;
	}
	nm_csum_st16(th + 16, (uint16_t)~nm_csum_fold(sum));
	skb->csum_partial = true;
	skb->csum_start = 0;
	skb->csum_offset = 16;
}

/* Any segment with an ACK is the ACK we owed. */
static void ack_sent(struct nm_tcp_sock *tp)
{
	tp->unacked_segs = 0;
	tp->ack_now = false;
	if (tp->quick_acks > 0)
		tp->quick_acks--;
	if (tp->st && nm_timer_pending(&tp->delack_timer))
		nm_timer_del(tp->st->wheel, &tp->delack_timer);
}

/*
 * Build and send one segment: [seq, seq + len) of the send ring with
 * flags.  SYN segments carry the handshake options.  Returns 0 or -errno
 * (the segment is then lost like on a wire; timers recover).
 */
static int tcp_transmit(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct nm_skb *skb;
	uint8_t opt[40], *th;
	uint32_t olen, hlen;
	int ret;

	if (!tp->st || !tp->ifc)
		return -ENETUNREACH;
	olen = flags & TH_SYN ? syn_options(tp, flags, opt) : seg_options(tp, flags, opt);
	hlen = 20 + olen;
	skb = nm_skb_alloc(NM_SKB_HEADROOM + TCP_HDR_MAX + 64);
	if (!skb)
		return -ENOMEM;
	th = nm_skb_put(skb, hlen);
	if (!th) {
		nm_skb_free(skb);
		return -ENOMEM;
	}
	put16(th, tp->lport);
	put16(th + 2, tp->rport);
	put32(th + 4, seq);
	put32(th + 8, (flags & TH_ACK) ? tp->rcv_nxt : 0);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = flags;
	put16(th + 14, window_field(tp, flags));
	th[16] = th[17] = th[18] = th[19] = 0;
	memcpy(th + 20, opt, olen);
	ret = len ? add_payload(tp, skb, seq, len) : 0;
	if (ret) {
		nm_skb_free(skb);
		return ret;
	}
	fill_csum(tp, skb, th, hlen, seq, len);
	if (flags & TH_ACK)
		ack_sent(tp);
	tp->st->stats.tcp_out++;
	return nm_ip_output(tp->st, skb, &tp->laddr, &tp->raddr, IPPROTO_TCP);
}

void nm_tcp_send_ack(struct nm_tcp_sock *tp)
{
	if (tp->state < NM_TCP_SYN_RECEIVED)
		return;
	tcp_transmit(tp, tp->snd_nxt, 0, TH_ACK);
}

void nm_tcp_send_syn(struct nm_tcp_sock *tp, bool with_ack)
{
	tcp_transmit(tp, tp->iss, 0, (uint8_t)(TH_SYN | (with_ack ? TH_ACK : 0)));
	tp->snd_nxt = tp->iss + 1;
	if (seq_lt(tp->snd_max, tp->snd_nxt))
		tp->snd_max = tp->snd_nxt;
	nm_tcp_rearm_rtx(tp);
}

void nm_tcp_send_rst_conn(struct nm_tcp_sock *tp)
{
	if (!tp->st || !tp->ifc)
		return;
	tcp_transmit(tp, tp->snd_nxt, 0, TH_RST | TH_ACK);
	tp->st->stats.tcp_rst_sent++;
}

void nm_tcp_send_rst_reply(struct nm_stack *st, const struct nm_addr *src,
			   const struct nm_addr *dst, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen)
{
	struct nm_skb *skb;
	uint8_t *th;

	if (flags & TH_RST)
		return;
	skb = nm_skb_alloc(NM_SKB_HEADROOM + TCP_HDR_MAX + 64);
	if (!skb)
		return;
	th = nm_skb_put(skb, 20);
	if (!th) {
		nm_skb_free(skb);
		return;
	}
	memset(th, 0, 20);
	/* we answer from the segment's destination to its source */
	put16(th, dport);
	put16(th + 2, sport);
	if (flags & TH_ACK) {
		put32(th + 4, ack);
		th[13] = TH_RST;
	} else {
		put32(th + 8, seq + seglen + !!(flags & TH_SYN) + !!(flags & TH_FIN));
		th[13] = TH_RST | TH_ACK;
	}
	th[12] = 5 << 4;
	nm_csum_st16(th + 16, nm_csum_fold(nm_csum_partial(th, 20, pseudo_sum(dst, src, 20))));
	st->stats.tcp_out++;
	st->stats.tcp_rst_sent++;
	nm_ip_output(st, skb, dst, src, IPPROTO_TCP);
}

/* Zero-window probe / keepalive: a segment one byte below snd_una is
 * outside the peer's window, so it answers with an ACK carrying its
 * current window (RFC 9293 3.8.6.1). */
void nm_tcp_send_probe(struct nm_tcp_sock *tp)
{
	tcp_transmit(tp, tp->snd_una - 1, 0, TH_ACK);
}

/* ---- the transmit loop ---------------------------------------------------------- */

static bool seq_in_sacked(const struct nm_tcp_sock *tp, uint32_t seq, uint32_t *end)
{
	for (int i = 0; i < tp->nr_score; i++)
		if (seq_ge(seq, tp->score[i].start) && seq_lt(seq, tp->score[i].end)) {
			*end = tp->score[i].end;
			return true;
		}
	return false;
}

/* The first SACKed byte at or above seq (or limit). */
static uint32_t next_sacked(const struct nm_tcp_sock *tp, uint32_t seq, uint32_t limit)
{
	for (int i = 0; i < tp->nr_score; i++)
		if (seq_gt(tp->score[i].start, seq) && seq_lt(tp->score[i].start, limit))
			limit = tp->score[i].start;
	return limit;
}

uint32_t nm_tcp_unsacked(const struct nm_tcp_sock *tp, uint32_t a, uint32_t b)
{
	uint32_t n;

	if (!seq_lt(a, b))
		return 0;
	n = b - a;
	for (int i = 0; i < tp->nr_score; i++) {
		uint32_t s = seq_max(a, tp->score[i].start), e = seq_min(b, tp->score[i].end);

		if (seq_lt(s, e))
			n -= e - s;
	}
	return n;
}

/* In recovery, unSACKed bytes below this are lost: the highest SACK, or
 * higher where RACK found what was sent before a delivered retransmission
 * missing (tcp_loss.c). */
static uint32_t lost_bound(const struct nm_tcp_sock *tp)
{
	return seq_max(tp->high_sacked, tp->lost_end);
}

/* Bytes in the network (RFC 6675 pipe, with holes below the highest SACK
 * counted lost until retransmitted). */
static uint32_t pipe_bytes(const struct nm_tcp_sock *tp)
{
	uint32_t hs;

	if (!tp->in_recovery || !tp->sack_ok || !seq_gt(lost_bound(tp), tp->snd_una)) {
		if (!tp->nr_score)	/* the clean wire's case: snd_una <= snd_nxt */
			return tp->snd_nxt - tp->snd_una;
		return nm_tcp_unsacked(tp, tp->snd_una, tp->snd_nxt);
	}
	hs = lost_bound(tp);
	return nm_tcp_unsacked(tp, hs, tp->snd_max) +
	       nm_tcp_unsacked(tp, tp->snd_una, seq_min(tp->high_rxt, hs));
}

static uint32_t max_seg(const struct nm_tcp_sock *tp)
{
	uint32_t m;

	if (!tp->tso)
		return tp->mss;
	m = ((NM_TCP_MAX_TSO - 256) / tp->mss) * tp->mss;
	return m ? m : tp->mss;
}


static void sent_data(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end, bool rexmit)
{
	if (rexmit) {
		tp->total_retrans++;
		tp->st->stats.tcp_retransmits++;
		if (tp->rtt_timing && seq_le(seq, tp->rtt_seq) && seq_lt(tp->rtt_seq, end))
			tp->rtt_timing = false;	/* Karn */
		nm_tcp_undo_rexmit(tp, seq, end);
	} else if (!tp->rtt_timing && !tp->ts_ok) {
		tp->rtt_timing = true;
		tp->rtt_seq = seq;
		tp->rtt_start = nm_now_us();
	}
	if (tp->in_recovery || tp->in_loss)
		nm_tcp_rack_sent(tp, seq, end);
	if (!nm_timer_pending(&tp->rtx_timer))
		nm_tcp_rearm_rtx(tp);
}

/* Retransmit the holes of a SACK recovery while the pipe allows. */
static bool push_holes(struct nm_tcp_sock *tp)
{
	while (tp->in_recovery && tp->sack_ok && seq_lt(tp->high_rxt, lost_bound(tp))) {
		uint32_t seq = seq_max(tp->high_rxt, tp->snd_una), end, len, pipe, room;

		if (seq_in_sacked(tp, seq, &end)) {
			tp->high_rxt = end;
			continue;
		}
		if (!seq_lt(seq, lost_bound(tp)))
			break;
		pipe = pipe_bytes(tp);
		if (pipe + tp->mss > tp->cwnd + tp->mss / 2)
			return false;
		/* as much of the hole as cwnd allows in one (GSO) segment: a
		 * 64 KiB frame lost is 45 holes of one MSS otherwise */
		room = tp->cwnd > pipe ? (tp->cwnd - pipe) / tp->mss * tp->mss : 0;
		if (room < tp->mss)
			room = tp->mss;
		if (room > max_seg(tp))
			room = max_seg(tp);
		end = next_sacked(tp, seq, lost_bound(tp));
		len = end - seq;
		if (len > room)
			len = room;
		if (seq_gt(seq + len, tp->write_seq))
			len = tp->write_seq - seq;
		len = nm_tcp_zc_seg_len(tp, seq, len);
		if (len == 0)
			break;
		if (tcp_transmit(tp, seq, len, TH_ACK | TH_PSH) < 0)
			return false;
		tp->high_rxt = seq + len;
		sent_data(tp, seq, seq + len, true);
	}
	return true;
}

/* What the next new segment at seq may carry. */
struct next_seg {
	uint32_t avail;		/* bytes queued from seq on */
	uint32_t room;		/* the peer's window from seq on */
	uint32_t len;		/* bytes the segment may carry */
	bool fin;		/* and the FIN after them */
};

/* As much as is queued, the peer's window takes and one (TSO) segment
 * holds, while cwnd exceeds the pipe; whole segments only while more is
 * coming; cut where the next SACKed range starts.  The FIN goes with the
 * last byte queued. */
static void next_seg(const struct nm_tcp_sock *tp, uint32_t seq, struct next_seg *g)
{
	uint32_t wnd_end = tp->snd_una + tp->snd_wnd, pipe = pipe_bytes(tp), len;

	g->avail = seq_lt(seq, tp->write_seq) ? tp->write_seq - seq : 0;
	g->fin = tp->fin_queued && seq_le(seq, tp->write_seq) &&
		 !(seq_gt(tp->snd_una, tp->write_seq));
	g->room = seq_gt(wnd_end, seq) ? wnd_end - seq : 0;
	len = g->avail;
	if (len > g->room)
		len = g->room;
	if (len > max_seg(tp))
		len = max_seg(tp);
	if (pipe >= tp->cwnd) {
		len = 0;
		g->fin = false;
	} else if (len > tp->cwnd - pipe) {
		uint32_t c = tp->cwnd - pipe;

		len = c >= tp->mss ? (c / tp->mss) * tp->mss : (g->avail < tp->mss ? len : 0);
	}
	g->len = next_sacked(tp, seq, seq + len) - seq;
	if (g->len < g->avail)
		g->fin = false;
}

/* Does a small new segment wait?  Nagle (RFC 896): while data is in
 * flight.  Sender SWS avoidance: a window-limited sliver waits while an
 * ACK is due to open the window further. */
static bool hold_small(const struct nm_tcp_sock *tp, const struct next_seg *g)
{
	if (tp->snd_una == tp->snd_max)
		return false;
	return !tp->nodelay || (g->len < g->avail && g->len < tp->max_window / 2);
}

/* Send [seq, seq + len) and the FIN; false when the transmission failed
 * (a timer tries again). */
static bool send_seg(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len, bool fin, bool rexmit)
{
	uint8_t flags = TH_ACK | (fin ? TH_FIN : 0);

	if (len && seq + len == tp->write_seq)
		flags |= TH_PSH;
	if (tcp_transmit(tp, seq, len, flags) < 0) {
		if (tp->snd_una == tp->snd_max)
			nm_tcp_arm_retry(tp);
		else if (!nm_timer_pending(&tp->rtx_timer))
			nm_tcp_rearm_rtx(tp);
		return false;
	}
	tp->snd_nxt = seq + len + (fin ? 1 : 0);
	if (seq_lt(tp->snd_max, tp->snd_nxt))
		tp->snd_max = tp->snd_nxt;
	if (len || fin)
		sent_data(tp, seq, seq + len, rexmit);
	return true;
}

/* Send from snd_nxt (skipping SACKed ranges) while next_seg() allows. */
static void push_data(struct nm_tcp_sock *tp)
{
	for (;;) {
		uint32_t seq = tp->snd_nxt, end;
		struct next_seg g;
		bool rexmit;

		if (seq_in_sacked(tp, seq, &end)) {
			tp->snd_nxt = end;
			if (seq_lt(tp->snd_max, end))
				tp->snd_max = end;
			continue;
		}
		next_seg(tp, seq, &g);
		if (g.len == 0 && !g.fin) {
			/* The peer's window is shut with data waiting: probe. */
			if (g.avail && g.room == 0 && tp->snd_una == tp->snd_max &&
			    !nm_timer_pending(&tp->persist_timer))
				nm_tcp_arm_persist(tp);
			return;
		}
		rexmit = seq_lt(seq, tp->snd_max);
		if (!rexmit && g.len < tp->mss && !g.fin && hold_small(tp, &g))
			return;
		/* host and device bytes go in separate segments (after Nagle
		 * and SWS, which judge what is queued, not where it lies) */
		g.len = nm_tcp_zc_seg_len(tp, seq, g.len);
		g.fin = g.fin && g.len == g.avail && seq + g.len == tp->write_seq;
		if (!send_seg(tp, seq, g.len, g.fin, rexmit) || g.fin)
			return;
	}
}

void nm_tcp_push(struct nm_tcp_sock *tp)
{
	uint32_t max = tp->snd_max;

	if (!tp->st || !nm_tcp_can_send_state(tp))
		return;
	if (push_holes(tp))
		push_data(tp);
	if (tp->snd_max != max && tp->sack_ok)
		nm_tcp_tlp_sent_new(tp);
}

int nm_tcp_send_loss_probe(struct nm_tcp_sock *tp, bool *rexmit)
{
	uint32_t seq = tp->snd_max, wnd_end = tp->snd_una + tp->snd_wnd, len = 0, data_end;
	bool fin_sent = tp->fin_queued && tp->snd_max == tp->write_seq + 1;
	uint8_t flags = TH_ACK | TH_PSH;
	int ret;

	if (!tp->st || !nm_tcp_can_send_state(tp))
		return -ENOTCONN;
	/* new data, one segment, if the peer's window takes it */
	if (!fin_sent && seq_lt(seq, tp->write_seq) && seq_lt(seq, wnd_end)) {
		len = tp->write_seq - seq;
		if (len > wnd_end - seq)
			len = wnd_end - seq;
		if (len > tp->mss)
			len = tp->mss;
		len = nm_tcp_zc_seg_len(tp, seq, len);
	}
	if (len) {
		ret = tcp_transmit(tp, seq, len, flags);
		if (ret < 0)
			return ret;
		tp->snd_nxt = tp->snd_max = seq + len;
		sent_data(tp, seq, seq + len, false);
		*rexmit = false;
		return 0;
	}
	/* else the last segment again (with the FIN if that went) */
	data_end = fin_sent ? tp->write_seq : tp->snd_max;
	len = data_end - tp->snd_una;
	if (seq_gt(tp->snd_una, data_end))
		len = 0;
	if (len > tp->mss)
		len = tp->mss;
	seq = data_end - len;
	if (len) {
		uint32_t n = nm_tcp_zc_seg_len(tp, seq, len);

		if (n < len)
			fin_sent = false;	/* host and device bytes never share one */
		len = n;
	}
	if (fin_sent)
		flags |= TH_FIN;
	if (!len && !fin_sent)
		return -ENODATA;
	ret = tcp_transmit(tp, seq, len, flags);
	if (ret < 0)
		return ret;
	sent_data(tp, seq, seq + len, true);
	*rexmit = true;
	return 0;
}

/* RTO: resend the first unacknowledged segment (and let the loop go back
 * N from there as cwnd grows). */
void nm_tcp_retransmit_head(struct nm_tcp_sock *tp)
{
	tp->snd_nxt = tp->snd_una;
	tp->high_rxt = tp->snd_una;
	nm_tcp_push(tp);
}
