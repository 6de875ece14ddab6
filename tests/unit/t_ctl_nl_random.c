/* Randomized malformed netlink messages against the emulated sockets,
 * under ASan in the .asan variant: valid requests of every family
 * (netdev gets, dumps and binds, ethtool gets and sets, rtnetlink) are
 * mutated (headers truncated, nlmsg_len lying up and down, attribute
 * lengths lying, unknown attribute types, fixed-size attributes of the
 * wrong size, nests flattened or filled with garbage, NLA_F_NESTED
 * flipped, bytes flipped), sent several to a sendmsg, read back through
 * short buffers, MSG_PEEK and MSG_TRUNC, with dumps interrupted by a new
 * dump (EBUSY) or by closing the socket.  Oracles (t_nlf_run()): no crash
 * or leak, the sockets' invariants, whole messages in every datagram,
 * errnos in every NLMSG_ERROR, an answer to every request that asked for
 * one, no binding left after the last close.  And the messages that are
 * malformed but whole get an NLMSG_ERROR with an errno (checked here on
 * one socket, for every request whose attributes have a policy: the
 * kernel's netlink_rcv_skb() drops a truncated header or a length past
 * the end silently, and so does netmem).  Bounded: 2000
 * inputs or 60 s; the seed is printed, NM_SEED replays one. */
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>
#include <time.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"

static uint64_t rs;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(t_rand(&rs) % (n ? n : 1));
}

/* A valid request of kind k into buf; its length. */
static size_t valid(uint8_t *buf, int k, uint32_t seq, bool *route)
{
	struct nlmsghdr *m = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *n;

	*route = false;
	m->nlmsg_seq = seq;
	m->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (k >= 9) {
		*route = true;
		m->nlmsg_type = k == 9 ? RTM_GETLINK : RTM_SETLINK;
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(m, sizeof(*ifi));
		ifi->ifi_index = T_NLF_IFINDEX;
		mnl_attr_put_strz(m, IFLA_IFNAME, "nm0");
		if (k == 10)
			mnl_attr_put_u32(m, IFLA_MTU, 1400);
		return m->nlmsg_len;
	}
	m->nlmsg_type = k < 5 ? T_NLF_NETDEV : T_NLF_ETHTOOL;
	g = mnl_nlmsg_put_extra_header(m, sizeof(*g));
	g->version = 1;
	switch (k) {
	case 0:
		g->cmd = NETDEV_CMD_DEV_GET;
		mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, T_NLF_IFINDEX);
		break;
	case 1:
		g->cmd = NETDEV_CMD_QUEUE_GET;
		m->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, T_NLF_IFINDEX);
		break;
	case 2:
	case 3:
		g->cmd = k == 2 ? NETDEV_CMD_BIND_RX : NETDEV_CMD_BIND_TX;
		mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, T_NLF_IFINDEX);
		mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, rnd(8));
		for (uint32_t i = 0; k == 2 && i < 1 + rnd(3); i++) {
			n = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES);
			mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, rnd(3));
			mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, rnd(4) ? 0 : 1);
			mnl_attr_nest_end(m, n);
		}
		if (k == 2 && rnd(2))
			mnl_attr_put_u32(m, NETDEV_A_DMABUF_RX_PAGE_SIZE, 1u << (10 + rnd(10)));
		break;
	case 4:
		g->cmd = rnd(2) ? NETDEV_CMD_PAGE_POOL_STATS_GET : NETDEV_CMD_NAPI_GET;
		m->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		break;
	default:
		g->cmd = (uint8_t[]){ ETHTOOL_MSG_RINGS_SET, ETHTOOL_MSG_CHANNELS_SET,
				      ETHTOOL_MSG_FEATURES_GET, ETHTOOL_MSG_STRSET_GET }[k - 5];
		n = mnl_attr_nest_start(m, 1);
		mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, T_NLF_IFINDEX);
		mnl_attr_nest_end(m, n);
		if (k == 5) {
			mnl_attr_put_u8(m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, (uint8_t)rnd(3));
			mnl_attr_put_u32(m, NM_ETHTOOL_A_RINGS_HDS_THRESH, rnd(2) * 64);
		} else if (k == 6) {
			mnl_attr_put_u32(m, ETHTOOL_A_CHANNELS_RX_COUNT, rnd(4));
		}
		break;
	}
	return m->nlmsg_len;
}

/* One mutation of the request in buf (len bytes, room for more); the new
 * length. */
static size_t mutate(uint8_t *buf, size_t len, size_t room)
{
	struct nlmsghdr *m = (struct nlmsghdr *)buf;
	size_t first = NLMSG_HDRLEN + GENL_HDRLEN;
	uint32_t at;

	switch (rnd(10)) {
	case 0:		/* truncated header */
		return rnd(NLMSG_HDRLEN);
	case 1:		/* nlmsg_len lying up */
		m->nlmsg_len += 1 + rnd(64);
		return len;
	case 2:		/* nlmsg_len lying down, or below a header */
		m->nlmsg_len = rnd(2) ? rnd(NLMSG_HDRLEN) : (uint32_t)(len - 1 - rnd((uint32_t)len / 2));
		return len;
	case 3:		/* an attribute's length lying */
		if (len > first + 4) {
			at = (uint32_t)first + 4 * rnd((uint32_t)(len - first) / 4);
			if (at + 2 <= len) {
				uint16_t l = (uint16_t)rnd(300);

				memcpy(buf + at, &l, 2);
			}
		}
		return len;
	case 4: {	/* an unknown attribute */
		struct nlattr a = { .nla_len = 8, .nla_type = (uint16_t)(20 + rnd(2000)) };
		uint32_t v = rnd(100);

		if (len + 8 <= room) {
			memcpy(buf + len, &a, 4);
			memcpy(buf + len + 4, &v, 4);
			m->nlmsg_len += 8;
			return len + 8;
		}
		return len;
	}
	case 5: {	/* a fixed-size attribute of the wrong size */
		struct nlattr a = { .nla_len = (uint16_t)(4 + rnd(8)), .nla_type = (uint16_t)(1 + rnd(5)) };

		if (len + 12 <= room) {
			memset(buf + len, 0x5a, 12);
			memcpy(buf + len, &a, 4);
			m->nlmsg_len += NLA_ALIGN(a.nla_len);
			return len + NLA_ALIGN(a.nla_len);
		}
		return len;
	}
	case 6:		/* NLA_F_NESTED flipped on some attribute */
		if (len > first + 4) {
			at = (uint32_t)first + 4 * rnd((uint32_t)(len - first) / 4) + 2;
			if (at + 2 <= len)
				buf[at + 1] ^= 0x80;
		}
		return len;
	case 7: {	/* a nest full of garbage */
		struct nlattr a = { .nla_len = 16, .nla_type = (uint16_t)(NLA_F_NESTED | (1 + rnd(5))) };

		if (len + 16 <= room) {
			memcpy(buf + len, &a, 4);
			for (int i = 4; i < 16; i++)
				buf[len + (size_t)i] = (uint8_t)rnd(256);
			m->nlmsg_len += 16;
			return len + 16;
		}
		return len;
	}
	case 8:		/* a byte flipped anywhere */
		if (len)
			buf[rnd((uint32_t)len)] ^= (uint8_t)(1u << rnd(8));
		return len;
	default:	/* flags and type */
		m->nlmsg_flags ^= (uint16_t)(1u << rnd(12));
		if (!rnd(4))
			m->nlmsg_type = (uint16_t)rnd(1100);
		return len;
	}
}

/* A whole, strictly malformed request (an attribute of the wrong size) on
 * one socket gets an NLMSG_ERROR with an errno. */
static void malformed_gets_error(void)
{
	uint8_t buf[512], rx[8192];
	struct nm_nl_sock *s;
	bool route, trunc;
	int one = 1;

	T_OK(nm_nl_sock_open(NETLINK_GENERIC, &s));
	T_OK(nm_nl_sock_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one)));
	for (int i = 0; i < 200; i++) {
		/* not kind 4: page-pool-stats-get's dump has no request
		 * policy, and the kernel reads no attribute of it either */
		int k = (int)rnd(8);

		k += k >= 4;
		size_t len = valid(buf, k, (uint32_t)i, &route);
		struct nlmsghdr *m = (struct nlmsghdr *)buf;
		struct nlattr a = { .nla_len = 6, .nla_type = 1 };	/* a u32 of 2 bytes */
		bool errored = false;
		ssize_t r;

		memcpy(buf + len, &a, 4);
		memset(buf + len + 4, 0, 4);
		m->nlmsg_len += 8;
		T_EQ(nm_nl_sock_send(s, buf, m->nlmsg_len), m->nlmsg_len);
		while ((r = nm_nl_sock_recv(s, rx, sizeof(rx), 0, &trunc)) > 0) {
			const struct nlmsghdr *x = (const void *)rx;
			int rem = (int)r;

			for (; mnl_nlmsg_ok(x, rem); x = mnl_nlmsg_next(x, &rem))
				if (x->nlmsg_type == NLMSG_ERROR && x->nlmsg_seq == (uint32_t)i &&
				    ((const struct nlmsgerr *)mnl_nlmsg_get_payload(x))->error < 0)
					errored = true;
		}
		if (!errored)
			T_FAIL("request kind %d with a 2-byte u32 attribute: no NLMSG_ERROR", k);
	}
	T_OK(nm_nl_sock_close(s));
}

int main(void)
{
	static struct t_nlf_out o;
	static uint8_t buf[2048], batch[8192];
	const char *env = getenv("NM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	uint64_t t0 = t_now_ms();
	int n;

	printf("seed %llu (NM_SEED=%llu replays it)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	rs = seed | 1;
	for (n = 0; n < 2000 && t_now_ms() - t0 < 60000; n++) {
		bool route = false;

		o.n = 0;
		o.b[o.n++] = (uint8_t)rnd(2);		/* 1: NETLINK_ROUTE first */
		t_nlf_op(&o, T_NLF_OPT, (uint16_t)rnd(2), 0);	/* EXT_ACK */
		for (int op = 0; op < 12; op++) {
			uint32_t what = rnd(16);

			if (what < 10) {
				size_t bl = 0;

				for (uint32_t k = 0; k < 1 + rnd(3); k++) {
					size_t len = valid(buf, (int)rnd(11), (uint32_t)(op * 4 + k), &route);

					for (uint32_t j = 0; j < rnd(3); j++)
						len = mutate(buf, len, sizeof(buf) - 64);
					if (bl + len > sizeof(batch))
						break;
					memcpy(batch + bl, buf, len);
					bl += NLMSG_ALIGN(len) <= sizeof(batch) - bl ? NLMSG_ALIGN(len) : len;
				}
				t_nlf_op_send(&o, batch, bl);
			} else if (what < 12) {
				t_nlf_op(&o, T_NLF_RECV, (uint16_t)rnd(9000), (uint8_t)rnd(4));
			} else if (what == 12) {
				t_nlf_op(&o, T_NLF_DRAIN, 0, 0);
			} else if (what == 13) {
				t_nlf_op(&o, T_NLF_REOPEN, 0, (uint8_t)rnd(2));
			} else if (what == 14) {
				t_nlf_op(&o, T_NLF_SWITCH, 0, 0);
			} else {
				t_nlf_op(&o, T_NLF_OPT, (uint16_t)rnd(1100), (uint8_t)rnd(7));
			}
		}
		t_nlf_run(o.b, o.n);
	}
	malformed_gets_error();
	printf("%d random inputs: %ld datagrams, %ld NLMSG_ERROR with an errno, %ld NLMSG_DONE, "
	       "%ld answers\n", n, t_nlf_stats.dgrams, t_nlf_stats.errors, t_nlf_stats.dones,
	       t_nlf_stats.answers);
	T_ASSERT(t_nlf_stats.errors > n / 4 && t_nlf_stats.answers > n / 10);
	T_PASS();
}
