/* SPDX-License-Identifier: MIT */
/*
 * getsockopt(IPPROTO_TCP, TCP_INFO) in the layout of the kernel's uAPI
 * header <linux/tcp.h>, which grows with the kernel (232 bytes in Linux
 * 6.1's) and is longer than glibc's <netinet/tcp.h> copy (104 bytes): a
 * program built against either reads the fields it knows, and *len says
 * how many bytes came, as on Linux.  Its own file: the two headers cannot
 * meet in one translation unit.
 *
 * What the stack does not keep (pacing, delivery rate, busy time) reads 0.
 * Runs on the socket's stack thread.
 */
#include <linux/tcp.h>
#include <string.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

/* The kernel's TCP_* states (include/net/tcp_states.h). */
static const uint8_t linux_state[] = {
	[NM_TCP_CLOSED] = 7,       [NM_TCP_LISTEN] = 10,      [NM_TCP_SYN_SENT] = 2,
	[NM_TCP_SYN_RECEIVED] = 3, [NM_TCP_ESTABLISHED] = 1,  [NM_TCP_FIN_WAIT_1] = 4,
	[NM_TCP_FIN_WAIT_2] = 5,   [NM_TCP_CLOSE_WAIT] = 8,   [NM_TCP_CLOSING] = 11,
	[NM_TCP_LAST_ACK] = 9,     [NM_TCP_TIME_WAIT] = 7,
};

static uint32_t ms_since(uint64_t us)
{
	uint64_t now = nm_now_us();

	return us && now > us ? (uint32_t)((now - us) / 1000) : 0;
}

int nm_sock_get_tcp_info(struct nm_socket *so, void *val, socklen_t *len)
{
	const struct nm_tcp_sock *tp = so->tcp;
	struct tcp_info ti;
	uint32_t mss = tp->mss;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = linux_state[tp->state];
	ti.tcpi_ca_state = tp->in_loss ? 4 : tp->in_recovery ? 3 : 0;	/* TCP_CA_Loss, _Recovery */
	ti.tcpi_retransmits = (uint8_t)tp->retries;
	ti.tcpi_probes = (uint8_t)tp->ka_probes;
	ti.tcpi_backoff = (uint8_t)tp->backoff;
	ti.tcpi_options = (uint8_t)((tp->ts_ok ? TCPI_OPT_TIMESTAMPS : 0) |
				    (tp->sack_ok ? TCPI_OPT_SACK : 0) |
				    (tp->ws_ok ? TCPI_OPT_WSCALE : 0));
	ti.tcpi_snd_wscale = tp->snd_wscale & 15;
	ti.tcpi_rcv_wscale = tp->rcv_wscale & 15;
	ti.tcpi_rto = tp->rto;
	ti.tcpi_snd_mss = mss;
	ti.tcpi_rcv_mss = tp->adv_mss;
	ti.tcpi_unacked = mss ? nm_tcp_flight(tp) / mss : 0;
	ti.tcpi_sacked = mss ? tp->sacked_bytes / mss : 0;
	ti.tcpi_last_data_recv = ms_since(tp->last_rcv_us);
	ti.tcpi_last_ack_recv = ms_since(tp->last_rcv_us);
	ti.tcpi_pmtu = tp->ifc ? tp->ifc->mtu : 0;
	ti.tcpi_rcv_ssthresh = tp->rcvbuf;
	ti.tcpi_rtt = tp->srtt;
	ti.tcpi_rttvar = tp->rttvar;
	ti.tcpi_snd_ssthresh = mss ? tp->ssthresh / mss : 0;
	ti.tcpi_snd_cwnd = mss ? tp->cwnd / mss : 0;
	ti.tcpi_advmss = tp->adv_mss;
	ti.tcpi_reordering = 3;
	ti.tcpi_rcv_space = tp->rcvbuf;
	ti.tcpi_total_retrans = tp->total_retrans;
	ti.tcpi_bytes_acked = tp->bytes_acked;
	ti.tcpi_bytes_received = tp->bytes_received;
	ti.tcpi_notsent_bytes = tp->write_seq - tp->snd_nxt;
	ti.tcpi_min_rtt = tp->min_rtt;
	ti.tcpi_bytes_sent = tp->bytes_acked + nm_tcp_flight(tp);
	ti.tcpi_snd_wnd = tp->snd_wnd;
	if (!val || !len)
		return nm_err(EFAULT, "getsockopt TCP_INFO: NULL value or length");
	if (*len > sizeof(ti))
		*len = sizeof(ti);
	memcpy(val, &ti, *len);
	return 0;
}
