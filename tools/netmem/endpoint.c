/* SPDX-License-Identifier: MIT */
/*
 * What netmem server and client share: their options for the wire and the
 * addresses, and bringing up the one host they run on.
 *
 *   --wire tap:IFNAME   a TAP device (created, or attached if it exists);
 *                       the kernel side gets --host-addr, the netmem stack
 *                       --addr.  -f IFNAME alone means --wire tap:IFNAME.
 *   --wire shm:NAME     a cross-process shm wire: the server creates NAME
 *                       and waits for the client, which connects to it.
 *
 * Workload: startup.  Errors are one line each (a TAP without root, a
 * wire name taken, no server on a name).
 */
#include <string.h>

#include "cli.h"
#include "endpoint.h"

void nm_cli_ep_defaults(struct nm_cli_ep *e, bool server)
{
	memset(e, 0, sizeof(*e));
	e->server = server;
	e->mtu = 1500;
	e->nr_queues = 1;
	e->start_queue = -1;
	e->port = 5201;
	e->wait_ms = -1;
	e->timeout_ms = 10000;
}

/* Fill in what the user left out, and check the combination. */
void nm_cli_ep_resolve(struct nm_cli_ep *e)
{
	bool tap;

	if (e->wire.kind == NM_CLI_WIRE_NONE) {
		if (!e->ifname)
			nm_cli_die(NM_CLI_EXIT_USAGE, "which wire? --wire tap:IFNAME, --wire shm:NAME "
				   "or -f IFNAME (a TAP)");
		nm_cli_parse_wire("-f", "tap", &e->wire);
		if (strlen(e->ifname) > 15)
			nm_cli_die(NM_CLI_EXIT_USAGE, "-f: '%s' is longer than 15 characters",
				   e->ifname);
		strcpy(e->wire.name, e->ifname);
	}
	if (!e->wire.name[0])
		nm_cli_die(NM_CLI_EXIT_USAGE, "--wire %s needs a name: --wire %s:NAME",
			   e->wire.kind == NM_CLI_WIRE_TAP ? "tap" : "shm",
			   e->wire.kind == NM_CLI_WIRE_TAP ? "tap" : "shm");
	tap = e->wire.kind == NM_CLI_WIRE_TAP;
	if (!tap && e->host_addr)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr is the kernel side of a TAP; an shm "
			   "wire has none");
	/* the stack's address: --addr, else -s (server) / -c (client), else the default */
	if (e->addr) {
		nm_cli_parse_prefix("--addr", e->addr, &e->self, &e->self_plen, true);
	} else {
		const char *from = e->server ? e->server_ip : e->client_ip;
		const char *def = (e->server || tap) ? "198.18.0.2" : "198.18.0.1";

		nm_cli_parse_prefix(from ? (e->server ? "-s" : "-c") : "--addr", from ? from : def,
				    &e->self, &e->self_plen, true);
	}
	if (tap) {
		char def[48];

		snprintf(def, sizeof(def), "%s", e->self.family == AF_INET ? "198.18.0.1/24"
									   : "2001:2::1/64");
		nm_cli_parse_prefix("--host-addr", e->host_addr ? e->host_addr : def, &e->host,
				    &e->host_plen, true);
		if (e->host.family != e->self.family)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr and --addr are of different "
				   "address families");
		if (!memcmp(e->host.a, e->self.a, 16))
			nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr and --addr are the same address; "
				   "the kernel and the netmem stack each need their own");
	}
	/* the server's address */
	if (e->server_ip) {
		if (!nm_cli_ip_parse(e->server_ip, &e->srv))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-s: '%s' is not an IPv4 or IPv6 address",
				   e->server_ip);
	} else if (e->server) {
		e->srv = e->self;
	} else if (tap) {
		e->srv = e->host;	/* a client over a TAP talks to the kernel */
	} else {
		nm_cli_ip_parse(e->self.family == AF_INET ? "198.18.0.2" : "2001:2::2", &e->srv);
	}
	if (e->server && memcmp(e->srv.a, e->self.a, 16))
		nm_cli_die(NM_CLI_EXIT_USAGE, "-s must be the stack's address (--addr)");
	if (e->srv.family != e->self.family)
		nm_cli_die(NM_CLI_EXIT_USAGE, "-s and the stack's address are of different families");
	if (e->client_ip) {
		if (!nm_cli_ip_parse(e->client_ip, &e->cli))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c: '%s' is not an IPv4 or IPv6 address",
				   e->client_ip);
		if (e->cli.family != e->self.family)
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c and -s are of different address families");
		e->has_cli = true;
		if (!e->server && memcmp(e->cli.a, e->self.a, 16))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c must be the stack's address (--addr)");
	}
	/* queues: ncdevmem binds -q queues from -t, by default the last one */
	if (!e->queues)
		e->queues = 2;
	if (e->start_queue < 0)
		e->start_queue = (int)e->queues - (int)e->nr_queues;
	if (e->start_queue < 0 || (uint32_t)e->start_queue + e->nr_queues > e->queues) {
		if (e->queues_set)
			nm_cli_die(NM_CLI_EXIT_USAGE, "-t %d -q %u: queues past the %u of --queues",
				   e->start_queue, e->nr_queues, e->queues);
		e->queues = (uint32_t)e->start_queue + e->nr_queues;
	}
}

static void open_wire(struct nm_cli_ep *e, struct nm_wire **w)
{
	char self[64], host[64];
	int r;

	if (e->wire.kind == NM_CLI_WIRE_TAP) {
		struct nm_wire_tap_params tp = { .ifname = e->wire.name, .mtu = e->mtu,
						 .offloads = true, .up = true };

		snprintf(host, sizeof(host), "%s/%u", nm_cli_ip_str(&e->host, self, sizeof(self)),
			 e->host_plen);
		if (e->host.family == AF_INET)
			tp.host_addr = host;
		else
			tp.host_addr6 = host;
		r = nm_wire_tap_open(&tp, w);
		if (r == -EPERM)
			nm_cli_die(NM_CLI_EXIT_FAIL, "--wire tap:%s needs root (CAP_NET_ADMIN) to "
				   "create or attach a TAP", e->wire.name);
		if (r == -EBUSY)
			nm_cli_die(NM_CLI_EXIT_FAIL, "--wire tap:%s: the name is taken (another "
				   "program holds that TAP)", e->wire.name);
		if (r < 0)
			nm_cli_die_nm(r, "TAP %s", e->wire.name);
		return;
	}
	if (e->server) {
		struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20,
						 .mtu = e->mtu, .gso = true };

		if (!e->quiet)
			fprintf(stderr, "netmem server: waiting for a client on shm:%s\n", e->wire.name);
		r = nm_wire_shm_create(e->wire.name, &wp, e->wait_ms, w);
		if (r == -EADDRINUSE)
			nm_cli_die(NM_CLI_EXIT_FAIL, "--wire shm:%s: the name is taken (another "
				   "server uses it)", e->wire.name);
		if (r == -ETIMEDOUT)
			nm_cli_die(NM_CLI_EXIT_FAIL, "no client connected to shm:%s within %d s",
				   e->wire.name, e->wait_ms / 1000);
		if (r < 0)
			nm_cli_die_nm(r, "shm wire %s", e->wire.name);
		return;
	}
	r = nm_wire_shm_connect(e->wire.name, e->wait_ms < 0 ? 10000 : e->wait_ms, w);
	if (r == -ECONNREFUSED || r == -ENOENT)
		nm_cli_die(NM_CLI_EXIT_FAIL, "no server on shm:%s (start netmem server --wire "
			   "shm:%s first)", e->wire.name, e->wire.name);
	if (r < 0)
		nm_cli_die_nm(r, "shm wire %s", e->wire.name);
}

void nm_cli_ep_up(struct nm_cli_ep *e, struct nm_cli_host *h)
{
	struct nm_cli_host_params hp = { .name = e->server ? "nm0" : "nm1", .mtu = e->mtu,
					 .queues = e->queues, .mac_last = e->server ? 2 : 1 };
	char ip[64], a[80];

	if (e->ifname && e->wire.kind != NM_CLI_WIRE_TAP)
		hp.name = e->ifname;	/* -f names our netdev on an shm wire */
	snprintf(a, sizeof(a), "%s/%u", nm_cli_ip_str(&e->self, ip, sizeof(ip)), e->self_plen);
	if (e->self.family == AF_INET)
		hp.addr4 = a;
	else
		hp.addr6 = a;
	open_wire(e, &hp.wire);
	nm_cli_host_up(h, &hp);
}
