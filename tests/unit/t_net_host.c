/* SPDX-License-Identifier: MIT */
/*
 * nm_host (host.h): bad arguments are refused with a message and leave
 * the wire to the caller; two hosts built on the two ends of an shm wire,
 * each with a topology of its own, resolve each other and carry a TCP
 * connection; a host made on the caller's device leaves that device free
 * when destroyed; the stack alone comes and goes while the link stays.
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "t_util.h"
#include <netmem/host.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/wire.h>

static struct nm_host_params params(struct nm_wire *w, const char *name, uint8_t last,
				    const char *a4)
{
	struct nm_host_params hp = { .netdev = { .name = name, .wire = w },
				     .iface = { .addr4 = a4 } };

	hp.netdev.mac[0] = 0x02;
	hp.netdev.mac[5] = last;
	return hp;
}

static const struct nm_wire_shm_params wp = { .ring_entries = 1024, .arena_bytes = 8 << 20 };

static void bad_args(void)
{
	struct nm_wire *wa, *wb;
	struct nm_host *h = NULL;
	struct nm_host_params hp;

	T_OK(nm_wire_shm_pair(&wp, &wa, &wb));
	hp = params(wa, "nma", 0x0a, "198.18.0.1/24");
	T_ERR(nm_host_create(NULL, &h), -EINVAL);
	T_ERR(nm_host_create(&hp, NULL), -EINVAL);
	hp.netdev.wire = NULL;
	T_ERR(nm_host_create(&hp, &h), -EINVAL);
	hp.netdev.wire = wa;
	hp.flags = 1u << 7;
	T_ERR(nm_host_create(&hp, &h), -EINVAL);
	hp.flags = 0;
	hp.topo = "rc0 {";
	T_ERR(nm_host_create(&hp, &h), -EINVAL);
	hp.topo = NULL;
	hp.iface.addr4 = "198.18.0.300/24";
	T_ERR(nm_host_create(&hp, &h), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "interface nma"));
	hp.iface.addr4 = "198.18.0.1/24";
	hp.netdev.mtu = 70000;
	T_ERR(nm_host_create(&hp, &h), -EINVAL);
	T_ASSERT(h == NULL);
	T_ERR(nm_host_destroy(NULL), -EINVAL);
	T_ERR(nm_host_stack_up(NULL), -EINVAL);
	T_ERR(nm_host_stack_down(NULL), -EINVAL);
	T_ASSERT(nm_host_netdev(NULL) == NULL && nm_host_stack(NULL) == NULL &&
		 nm_host_device(NULL) == NULL);
	/* every failure left the wire to us: still usable, ours to destroy */
	hp.netdev.mtu = 0;
	T_OK(nm_host_create(&hp, &h));
	T_OK(nm_host_destroy(h));
	nm_wire_destroy(wb);
}

struct conn {
	int lsd, csd, ssd;
};

static bool pump_until_connected(struct nm_host *a, struct nm_host *b, struct conn *c)
{
	for (int i = 0; i < 200000; i++) {
		struct tcp_info ti;
		socklen_t l = sizeof(ti);

		T_OK(nm_stack_poll(nm_host_stack(a), 0));
		T_OK(nm_stack_poll(nm_host_stack(b), 0));
		if (c->ssd < 0)
			c->ssd = nm_accept4(c->lsd, NULL, NULL, SOCK_NONBLOCK);
		if (c->ssd >= 0 && nm_getsockopt(c->csd, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 &&
		    ti.tcpi_state == TCP_ESTABLISHED)
			return true;
	}
	return false;
}

/* Two hosts, each its own topology, carry one connection A -> B. */
static void two_hosts(void)
{
	struct sockaddr_in sb = { .sin_family = AF_INET, .sin_port = htons(7000) };
	struct nm_host_params pa, pb;
	struct nm_wire *wa, *wb;
	struct nm_host *a, *b;
	struct conn c = { -1, -1, -1 };
	char buf[5] = { 0 };

	T_OK(nm_wire_shm_pair(&wp, &wa, &wb));
	pa = params(wa, "nma", 0x0a, "198.18.0.1/24");
	pb = params(wb, "nmb", 0x0b, "198.18.0.2/24");
	pb.iface.addr6 = "2001:2::2/64";
	T_OK(nm_host_create(&pa, &a));
	T_OK(nm_host_create(&pb, &b));
	T_ASSERT(nm_host_device(a) != nm_host_device(b));
	T_ASSERT(!strcmp(nm_device_name(nm_host_device(a)), "nic0"));
	T_ASSERT(!strcmp(nm_netdev_name(nm_host_netdev(b)), "nmb"));
	T_ASSERT(nm_netdev_wire(nm_host_netdev(b)) == wb);
	T_ERR(nm_host_stack_up(a), -EEXIST);

	c.lsd = (int)T_OK(nm_socket(nm_host_stack(b), AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_bind(c.lsd, (struct sockaddr *)&sb, sizeof(sb)));
	T_OK(nm_listen(c.lsd, 4));
	inet_pton(AF_INET, "198.18.0.2", &sb.sin_addr);
	c.csd = (int)T_OK(nm_socket(nm_host_stack(a), AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_EQ(nm_connect(c.csd, (struct sockaddr *)&sb, sizeof(sb)), -EINPROGRESS);
	T_ASSERT(pump_until_connected(a, b, &c));
	T_EQ(nm_send(c.csd, "host", 4, 0), 4);
	for (int i = 0; i < 100000 && nm_recv(c.ssd, buf, 4, 0) == -EAGAIN; i++) {
		T_OK(nm_stack_poll(nm_host_stack(a), 0));
		T_OK(nm_stack_poll(nm_host_stack(b), 0));
	}
	T_ASSERT(!strcmp(buf, "host"));
	T_OK(nm_close(c.csd));
	T_OK(nm_close(c.ssd));
	T_OK(nm_close(c.lsd));

	/* the stack alone goes and comes back; the link stays */
	T_OK(nm_host_stack_down(b));
	T_ASSERT(nm_host_stack(b) == NULL && nm_host_netdev(b) != NULL);
	T_ERR(nm_host_stack_down(b), -ENOENT);
	T_OK(nm_host_stack_up(b));
	T_ASSERT(nm_host_stack(b) != NULL);
	T_OK(nm_host_destroy(a));
	T_OK(nm_host_destroy(b));
}

/* On the caller's device, link only: destroying the host frees the device
 * (the caller's topology then goes without -EBUSY). */
static void callers_device(void)
{
	struct nm_host_params hp;
	struct nm_wire *wa, *wb;
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_host *h;

	T_OK(nm_topo_create("rc0 { sw0 { nic7 } }", &topo));
	T_OK(nm_topo_get_device(topo, "nic7", &nic));
	T_OK(nm_wire_shm_pair(&wp, &wa, &wb));
	hp = params(wa, "nm7", 0x07, "198.18.0.7/24");
	hp.netdev.dev = nic;
	hp.flags = NM_HOST_LINK_ONLY;
	T_OK(nm_host_create(&hp, &h));
	T_ASSERT(nm_host_device(h) == nic && nm_host_stack(h) == NULL);
	T_ERR(nm_topo_destroy(topo), -EBUSY);	/* the netdev uses nic7 */
	T_OK(nm_host_stack_up(h));
	T_OK(nm_host_destroy(h));
	nm_wire_destroy(wb);
	T_OK(nm_topo_destroy(topo));
}

int main(void)
{
	bad_args();
	two_hosts();
	callers_device();
	T_PASS();
}
