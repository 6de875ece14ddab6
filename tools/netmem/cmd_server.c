/* SPDX-License-Identifier: MIT */
/*
 * `netmem server`: the devmem receiver in the role of the kernel's
 * `ncdevmem -l`.  It binds a dma-buf to RX queues (-t first, -q count),
 * steers the flow there with an ntuple rule, accepts connections until
 * --count of them have ended, validates each against the ncdevmem pattern
 * (-v), and prints a summary per connection and a total (--json: one
 * object per line, the total last).
 *
 * Any TCP sender can be the client: `netmem client`, nc, a Python socket,
 * ncdevmem's client without devmem TX.  A client that disconnects early,
 * resets, stalls (--timeout) or sends a wrong byte is reported and the
 * server carries on with the next connection.  Exit 0 when every
 * connection ended well.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common_opts.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: netmem server [options]\n"
"  ncdevmem-style devmem receiver.  The wire:\n"
"  --wire tap:IFNAME   a TAP device (root); the kernel side gets --host-addr\n"
"  --wire shm:NAME     a cross-process shm wire that netmem client connects to\n"
"  -f IFNAME           the interface (a TAP name: same as --wire tap:IFNAME)\n"
"  -s ADDR             server address: the stack's (default 198.18.0.2)\n"
"  -c ADDR             steer only the flows from this client address\n"
"  -p PORT             port (default 5201)\n"
"  -v N                validate the ncdevmem pattern of period N (0: off; default 255)\n"
"  -q N, -t N          bind N queues starting at queue T (default: the last one)\n"
"  -l                  accepted for ncdevmem compatibility (always listens)\n"
"  --addr ADDR/PLEN    the stack's address (default: -s, or 198.18.0.2/24)\n"
"  --host-addr A/PLEN  TAP: the kernel's address (default 198.18.0.1/24)\n"
"  --queues N          RX/TX queues of the NIC (default 2)\n"
"  --mtu N             MTU (default 1500)\n"
"  --count N           connections to serve (default 1)\n"
"  --bytes SIZE        expected bytes per connection (fewer: reported as short)\n"
"  --rx devmem|copy    receive path (default devmem)\n"
"  --dmabuf-size SIZE  RX dma-buf size (default 64M)\n"
"  --timeout SEC       a connection idle this long is reported stalled (default 10)\n"
"  --wait SEC          give up waiting for a client after SEC (default: forever)\n"
"  --json              one JSON object per connection, the total last\n"
"  --quiet             no progress\n");
}

static void conn_report(struct nm_cli_ep *e, unsigned n, const char *peer,
			const struct nm_cli_rx_result *r)
{
	double s = (double)(r->t1_ns - r->t0_ns) / 1e9;
	double g = s > 0 ? (double)r->bytes * 8 / s / 1e9 : 0;

	if (e->json) {
		struct nm_cli_json j;

		nm_cli_json_begin(&j);
		nm_cli_json_u64(&j, "conn", n);
		nm_cli_json_str(&j, "peer", peer);
		nm_cli_json_str(&j, "result", nm_cli_end_name(r->end));
		nm_cli_json_u64(&j, "bytes", r->bytes);
		nm_cli_json_dbl(&j, "seconds", s);
		nm_cli_json_dbl(&j, "gbps", g);
		nm_cli_json_bool(&j, "validated", r->validated);
		nm_cli_json_u64(&j, "devmem_bytes", r->devmem_bytes);
		nm_cli_json_u64(&j, "linear_bytes", r->linear_bytes);
		nm_cli_json_u64(&j, "tokens", r->tokens);
		if (r->detail[0])
			nm_cli_json_str(&j, "detail", r->detail);
		printf("%s\n", nm_cli_json_end(&j));
	} else {
		printf("conn %u from %s: %s%s%s%s, %llu bytes in %.2f s = %.2f Gbit/s, %s, devmem %llu "
		       "linear %llu bytes, %llu tokens\n", n, peer, nm_cli_end_name(r->end),
		       r->detail[0] ? " (" : "", r->detail[0] ? r->detail : "",
		       r->detail[0] ? ")" : "", (unsigned long long)r->bytes, s, g,
		       r->validated ? "validated" : "not validated",
		       (unsigned long long)r->devmem_bytes, (unsigned long long)r->linear_bytes,
		       (unsigned long long)r->tokens);
	}
	fflush(stdout);
}

int nm_cli_server(int argc, char **argv)
{
	static const struct option lo[] = { NM_CLI_EP_LONGOPTS, { "rx", 1, 0, O_PATH },
		{ "dmabuf-size", 1, 0, O_DMABUF }, { 0 } };
	struct nm_cli_ep e;
	struct nm_cli_rx_cfg rc = { .dmabuf_size = 64u << 20, .validate = NM_CLI_PATTERN_DEFAULT };
	struct nm_cli_host h;
	struct nm_cli_rx rx;
	struct nm_cli_counters cnt;
	uint64_t count = 1, expect = 0, tot_bytes = 0, tot_ns = 0;
	unsigned ok = 0, n;
	bool all_valid = true;
	int c, lsd, r, one = 1;

	nm_cli_ep_defaults(&e, true);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ls:c:p:v:q:t:f:h", lo, NULL)) != -1) {
		if (nm_cli_ep_opt(&e, c, optarg))
			continue;
		switch (c) {
		case 'l': break;
		case 'v': rc.validate = nm_cli_parse_uint("-v", optarg, 0, UINT32_MAX); break;
		case O_COUNT: count = nm_cli_parse_uint("--count", optarg, 1, 1000000); break;
		case O_BYTES: expect = nm_cli_parse_size("--bytes", optarg, 1, 1ull << 44); break;
		case O_PATH:
			if (!strcmp(optarg, "devmem") || !strcmp(optarg, "copy"))
				rc.path = optarg[0] == 'c' ? NM_CLI_PATH_COPY : NM_CLI_PATH_DEVMEM;
			else
				nm_cli_die(NM_CLI_EXIT_USAGE, "--rx: '%s': devmem or copy", optarg);
			break;
		case O_DMABUF:
			rc.dmabuf_size = nm_cli_parse_size("--dmabuf-size", optarg, 1u << 20, 1ull << 34);
			if (rc.dmabuf_size & 4095)
				nm_cli_die(NM_CLI_EXIT_USAGE, "--dmabuf-size: not a multiple of 4 KiB");
			break;
		case 'h': case O_HELP: usage(stdout); return 0;
		case ':': nm_cli_die(NM_CLI_EXIT_USAGE, "%s needs a value (see netmem server --help)",
				     argv[optind - 1]);
		default: nm_cli_die(NM_CLI_EXIT_USAGE, "unknown option '%s' (see netmem server --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	nm_cli_ep_resolve(&e);
	nm_cli_ep_up(&e, &h);
	rc.start_queue = (uint32_t)e.start_queue;
	rc.nr_queues = e.nr_queues;
	rc.timeout_ms = e.timeout_ms;
	nm_cli_rx_setup(&rx, &h, &rc, &e.srv, e.port, e.has_cli ? &e.cli : NULL);

	lsd = nm_socket(h.st, e.srv.family, SOCK_STREAM, 0);
	if (lsd < 0)
		nm_cli_die_nm(lsd, "socket");
	nm_setsockopt(lsd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (e.srv.family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(e.port) };

		memcpy(&a.sin_addr, e.srv.a, 4);
		r = nm_bind(lsd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(e.port) };

		memcpy(&a.sin6_addr, e.srv.a, 16);
		r = nm_bind(lsd, (struct sockaddr *)&a, sizeof(a));
	}
	if (r == -EADDRINUSE)
		nm_cli_die(NM_CLI_EXIT_FAIL, "-p %u: the port is in use", e.port);
	if (r < 0)
		nm_cli_die_nm(r, "bind port %u", e.port);
	r = nm_listen(lsd, 16);
	if (r < 0)
		nm_cli_die_nm(r, "listen");
	if (e.wait_ms > 0) {
		struct timeval tv = { e.wait_ms / 1000, 0 };

		nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (!e.quiet) {
		char ip[64];

		fprintf(stderr, "netmem server: listening on %s port %u, %s on queue%s %d..%d of %s "
			"(dmabuf id %u), validation %s\n", nm_cli_ip_str(&e.srv, ip, sizeof(ip)), e.port,
			rc.path == NM_CLI_PATH_DEVMEM ? "devmem RX" : "copy RX",
			e.nr_queues > 1 ? "s" : "", e.start_queue, e.start_queue + (int)e.nr_queues - 1,
			nm_netdev_name(h.nd), rx.dmabuf_id,
			rc.validate ? "on (ncdevmem -v)" : "off");
	}
	for (n = 1; n <= count; n++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		struct nm_cli_rx_result res;
		struct nm_cli_progress pg;
		char ps[80], ip[64];
		int sd = nm_accept(lsd, (struct sockaddr *)&peer, &pl);

		if (sd < 0) {
			if (sd == -EAGAIN)
				nm_cli_warn("no connection within %d s (%u of %llu served)",
					    e.wait_ms / 1000, n - 1, (unsigned long long)count);
			else
				nm_cli_warn("accept: %s", nm_last_error());
			all_valid = false;
			break;
		}
		if (peer.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&peer;

			snprintf(ps, sizeof(ps), "%s:%u", inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)),
				 ntohs(a->sin_port));
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&peer;

			snprintf(ps, sizeof(ps), "[%s]:%u",
				 inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip)), ntohs(a->sin6_port));
		}
		nm_cli_progress_start(&pg, "netmem server", expect, e.quiet);
		nm_cli_rx_conn(&rx, sd, expect, &pg, &res);
		nm_cli_progress_end(&pg, res.bytes);
		nm_close(sd);
		conn_report(&e, n, ps, &res);
		tot_bytes += res.bytes;
		tot_ns += res.t1_ns - res.t0_ns;
		if (res.end == NM_CLI_END_EOF)
			ok++;
		if (!res.validated)
			all_valid = false;
	}
	nm_close(lsd);
	nm_cli_host_counters(&h, &cnt);
	{
		double s = (double)tot_ns / 1e9, g = s > 0 ? (double)tot_bytes * 8 / s / 1e9 : 0;
		int64_t copies = nm_cli_stack_payload_copies(&cnt);

		if (e.json) {
			struct nm_cli_json j;

			nm_cli_json_begin(&j);
			nm_cli_json_bool(&j, "total", true);
			nm_cli_json_u64(&j, "connections", n - 1 < count ? n - 1 : count);
			nm_cli_json_u64(&j, "ok", ok);
			nm_cli_json_u64(&j, "bytes", tot_bytes);
			nm_cli_json_dbl(&j, "seconds", s);
			nm_cli_json_dbl(&j, "gbps", g);
			nm_cli_json_bool(&j, "validated", all_valid && rc.validate && ok == count);
			if (copies >= 0)
				nm_cli_json_i64(&j, "stack_payload_copies", copies);
			else
				nm_cli_json_null(&j, "stack_payload_copies");
			nm_cli_json_counters(&j, &cnt);
			printf("%s\n", nm_cli_json_end(&j));
		} else {
			printf("total: %u of %llu connections ok, %llu bytes, %.2f Gbit/s while "
			       "receiving, %s, NIC drops %llu\n", ok, (unsigned long long)count,
			       (unsigned long long)tot_bytes, g,
			       all_valid && rc.validate ? "all validated" : "not all validated",
			       (unsigned long long)nm_cli_nic_drops(&cnt.nic));
		}
		fflush(stdout);
	}
	nm_cli_rx_teardown(&rx);
	nm_cli_host_down(&h);
	return ok == count ? 0 : NM_CLI_EXIT_FAIL;
}
