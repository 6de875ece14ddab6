/* SPDX-License-Identifier: MIT */
#ifndef NM_CLI_ENDPOINT_H
#define NM_CLI_ENDPOINT_H

/* The options netmem server and client share (endpoint.c). */

#include "cli.h"

#define NM_CLI_ALLOW_UIDS_MAX	16

struct nm_cli_ep {
	bool server, quiet, json, queues_set, mtu_set;
	struct nm_cli_wire_spec wire;
	const char *ifname;		/* -f */
	const char *addr, *host_addr;	/* --addr, --host-addr */
	const char *server_ip, *client_ip;	/* -s, -c */
	uint16_t port;			/* -p */
	uint32_t mtu, queues, nr_queues;	/* --mtu, --queues, -q */
	int start_queue;		/* -t, -1: the last -q queues */
	int wait_ms;			/* --wait: for a client (server; -1: forever)
					 * or a server (client; default 10 s) */
	int timeout_ms;			/* --timeout: a stall ends a connection */
	/* --allow-uid (server, shm): who else may attach besides this
	 * process's uid and root */
	uid_t allow_uids[NM_CLI_ALLOW_UIDS_MAX];
	uint32_t nr_allow_uids;
	bool allow_any_uid;
	struct nm_cli_pcap pcap;	/* --pcap, --snaplen, --pcap-nano */
	/* resolved */
	struct nm_cli_ip self, host, srv, cli;
	unsigned self_plen, host_plen;
	bool has_cli;
	/* TAP: the kernel side gets no address (--host-addr none, or a TAP
	 * that is a bridge's port: a host on the bridge's LAN) */
	bool host_none, tap_bridged;
};

void nm_cli_ep_defaults(struct nm_cli_ep *e, bool server);
/* --allow-uid UID|any (repeatable). */
void nm_cli_ep_allow_uid(struct nm_cli_ep *e, const char *arg);
void nm_cli_ep_resolve(struct nm_cli_ep *e);
/* Open the wire and bring the host up; dies with one line on failure,
 * except -ETIMEDOUT: a server's --wait passed with no client on its shm
 * wire (the caller says so: first start or a new client after one left),
 * and -EINTR: SIGINT/SIGTERM came while it waited for the other side of an
 * shm wire (nothing is left to release). */
int nm_cli_ep_up(struct nm_cli_ep *e, struct nm_cli_host *h);
/* The wire alone (netmem run: the program's runtime brings the host up);
 * the same returns and one-line deaths as nm_cli_ep_up(). */
int nm_cli_ep_open_wire(struct nm_cli_ep *e, struct nm_wire **w);

#endif
