/* SPDX-License-Identifier: MIT */
#ifndef NM_CLI_COMMON_OPTS_H
#define NM_CLI_COMMON_OPTS_H

/*
 * getopt_long codes of the options server and client share, and the
 * function that applies them (cmd_server.c, cmd_client.c).
 */
#include <getopt.h>

#include "endpoint.h"

enum {
	O_WIRE = 256, O_ADDR, O_HOST_ADDR, O_MTU, O_QUEUES, O_COUNT, O_BYTES, O_TIMEOUT,
	O_WAIT, O_JSON, O_QUIET, O_PATH, O_DMABUF, O_CHUNK, O_PCAP, O_SNAPLEN, O_PCAP_NANO,
	O_HELP,
};

#define NM_CLI_EP_LONGOPTS                                                             \
	{ "wire", 1, 0, O_WIRE }, { "addr", 1, 0, O_ADDR }, { "host-addr", 1, 0, O_HOST_ADDR }, \
	{ "mtu", 1, 0, O_MTU }, { "queues", 1, 0, O_QUEUES }, { "count", 1, 0, O_COUNT },    \
	{ "bytes", 1, 0, O_BYTES }, { "timeout", 1, 0, O_TIMEOUT }, { "wait", 1, 0, O_WAIT }, \
	{ "json", 0, 0, O_JSON }, { "quiet", 0, 0, O_QUIET }, { "help", 0, 0, O_HELP },       \
	{ "port", 1, 0, 'p' }, { "validate", 1, 0, 'v' }, { "pcap", 1, 0, O_PCAP },          \
	{ "snaplen", 1, 0, O_SNAPLEN }, { "pcap-nano", 0, 0, O_PCAP_NANO }

/* Apply option c (a shared one); false if c is not one of them. */
static inline bool nm_cli_ep_opt(struct nm_cli_ep *e, int c, const char *arg)
{
	switch (c) {
	case O_WIRE: nm_cli_parse_wire("--wire", arg, &e->wire); return true;
	case O_ADDR: e->addr = arg; return true;
	case O_HOST_ADDR: e->host_addr = arg; return true;
	case O_MTU:
		e->mtu = (uint32_t)nm_cli_parse_uint("--mtu", arg, 576, 9000);
		e->mtu_set = true;
		return true;
	case O_QUEUES:
		e->queues = (uint32_t)nm_cli_parse_uint("--queues", arg, 1, NM_NETDEV_MAX_QUEUES);
		e->queues_set = true;
		return true;
	case O_TIMEOUT:
		e->timeout_ms = (int)nm_cli_parse_uint("--timeout", arg, 1, 3600) * 1000;
		return true;
	case O_WAIT: e->wait_ms = (int)nm_cli_parse_uint("--wait", arg, 1, 86400) * 1000; return true;
	case O_PCAP: e->pcap.path = arg; return true;
	case O_SNAPLEN:
		e->pcap.snaplen = (uint32_t)nm_cli_parse_uint("--snaplen", arg, 0,
							      NM_CAPTURE_SNAPLEN_MAX);
		e->pcap.snaplen_set = true;
		return true;
	case O_PCAP_NANO: e->pcap.nano = true; return true;
	case O_JSON: e->json = true; return true;
	case O_QUIET: e->quiet = true; return true;
	case 'p': e->port = nm_cli_parse_port("-p", arg); return true;
	case 's': e->server_ip = arg; return true;
	case 'c': e->client_ip = arg; return true;
	case 'f': e->ifname = arg; return true;
	case 'q':
		e->nr_queues = (uint32_t)nm_cli_parse_uint("-q", arg, 1, NM_NETDEV_MAX_QUEUES);
		return true;
	case 't': e->start_queue = (int)nm_cli_parse_uint("-t", arg, 0, NM_NETDEV_MAX_QUEUES - 1);
		return true;
	default: return false;
	}
}

#endif
