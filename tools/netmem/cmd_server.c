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
 *
 * Waits.  --wait bounds the wait for a client to arrive: a TAP's next
 * connection, an shm wire's client process (default: forever, like
 * ncdevmem -l).  --timeout bounds every wait on a client that is there:
 * data within a connection, and on shm the next connection of the
 * attached client process.  An shm wire joins this process to one client
 * process for the wire's life; when that process ends (done, killed) or
 * idles past --timeout, the server tears its host down and creates the
 * wire again for the next client (rearm()), so clients may come one
 * after the other, and the connection a killed client left half-done is
 * reported "gone" at once.
 *
 * Who may attach to its shm wire: a client process of the server's uid,
 * root, and the uids --allow-uid names (or any).  The library refuses any
 * other before it hands over the wire; the server logs each refusal in
 * one line on stderr and goes on waiting (endpoint.c).
 *
 * SIGINT/SIGTERM stop the server within a wait slice (sig.c): the
 * connection in progress is reported "interrupted", the total follows,
 * marked interrupted, the host and wire are released, and the exit status
 * is 128 + the signal.  With --json a failure before the total is one
 * {"result":"error"} object instead (opts.c); a total after a wait that
 * ran out carries the same "error" words as stderr.
 */
#include <arpa/inet.h>
#include <stdarg.h>
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
"  -p, --port PORT     port (default 5201)\n"
"  -v, --validate N    validate the ncdevmem pattern of period N (0: off;\n"
"                      default 255)\n"
"  -q N, -t N          bind N queues starting at queue T (default: the last N)\n"
"  -l                  accepted for ncdevmem compatibility (always listens)\n"
"  --addr ADDR/PLEN    the stack's address (default: -s, or 198.18.0.2/24)\n"
"  --host-addr A/PLEN  TAP: the kernel's address (default 198.18.0.1/24; none:\n"
"                      no address, the default on a TAP that is a bridge's port)\n"
"  --queues N          RX/TX queues of the NIC (default 2)\n"
"  --mtu N             MTU (default 1500)\n"
"  --count N           connections to serve (default 1)\n"
"  --bytes SIZE        expected bytes per connection (fewer: reported as short)\n"
"  --rx devmem|zcrx|copy  receive path (default devmem; zcrx: io_uring zero-copy\n"
"                      receive into an area of the server's memory, one queue)\n"
"  --dmabuf-size SIZE  RX dma-buf size (default 64M)\n"
"  --timeout SEC       a connection idle this long is reported stalled, and a\n"
"                      shm client that opens no connection for this long is\n"
"                      let go (default 10)\n"
"  --wait SEC          give up waiting for a client after SEC (default: forever);\n"
"                      on shm, also for the next client after one left\n"
"  --allow-uid UID|any shm: also admit client processes of this uid (repeat for\n"
"                      more), or of any uid; by default only the server's own\n"
"                      uid and root may attach\n"
"  --pcap FILE         write the frames crossing this NIC's wire to FILE (a pcap\n"
"                      file for tcpdump); --snaplen N keeps N bytes of each\n"
"                      (default and 0: 262144, whole frames); --pcap-nano:\n"
"                      nanosecond timestamps (default microsecond); one file\n"
"                      for every client in turn\n"
"  --json              one JSON object per connection, the total last\n"
"  --quiet             no progress\n"
"  SIZE: bytes, or a number with K, M, G or T (powers of 1024; 1G = 1GiB = 1GB)\n"
"  Without --queues the NIC has 2 queues, or as many as -t and -q need.\n");
}

#define ACCEPT_SLICE_MS	200	/* between signal (and shm peer) checks while no
				 * client connects */

struct srv {
	struct nm_cli_ep e;
	struct nm_cli_rx_cfg rc;
	struct nm_cli_host h;
	struct nm_cli_rx rx;
	struct nm_cli_counters sum;	/* over every host this run built */
	int lsd;
	bool up;
};

static void conn_report(const struct nm_cli_ep *e, unsigned n, const char *peer,
			const struct nm_cli_rx_result *r, bool validate)
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
	} else if (!r->bytes) {
		printf("conn %u from %s: %s%s%s%s, 0 bytes, nothing to validate\n", n, peer,
		       nm_cli_end_name(r->end), r->detail[0] ? " (" : "",
		       r->detail[0] ? r->detail : "", r->detail[0] ? ")" : "");
	} else {
		printf("conn %u from %s: %s%s%s%s, %llu bytes in %.2f s = %.2f Gbit/s, %s, devmem %llu "
		       "linear %llu bytes, %llu tokens\n", n, peer, nm_cli_end_name(r->end),
		       r->detail[0] ? " (" : "", r->detail[0] ? r->detail : "",
		       r->detail[0] ? ")" : "", (unsigned long long)r->bytes, s, g,
		       r->validated ? "validated" : validate ? "not validated" : "validation off",
		       (unsigned long long)r->devmem_bytes, (unsigned long long)r->linear_bytes,
		       (unsigned long long)r->tokens);
	}
	nm_cli_flush();
}

static int srv_listen(struct srv *s)
{
	const struct nm_cli_ep *e = &s->e;
	int lsd = nm_socket(s->h.st, e->srv.family, SOCK_STREAM, 0), r, one = 1;

	if (lsd < 0)
		nm_cli_die_nm(lsd, "socket");
	nm_setsockopt(lsd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (e->srv.family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(e->port) };

		memcpy(&a.sin_addr, e->srv.a, 4);
		r = nm_bind(lsd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(e->port) };

		memcpy(&a.sin6_addr, e->srv.a, 16);
		r = nm_bind(lsd, (struct sockaddr *)&a, sizeof(a));
	}
	if (r == -EADDRINUSE)
		nm_cli_die(NM_CLI_EXIT_FAIL, "-p %u: the port is in use", e->port);
	if (r < 0)
		nm_cli_die_nm(r, "bind port %u", e->port);
	r = nm_listen(lsd, 16);
	if (r < 0)
		nm_cli_die_nm(r, "listen");
	return lsd;
}

/* The wire (on shm: wait --wait for a client process), the host, the
 * receiver and the listener.  -ETIMEDOUT: no client within --wait;
 * -EINTR: a signal came while waiting for one. */
static int srv_up(struct srv *s)
{
	struct nm_cli_ep *e = &s->e;
	int r = nm_cli_ep_up(e, &s->h);

	if (r < 0)
		return r;
	nm_cli_rx_setup(&s->rx, &s->h, &s->rc, &e->srv, e->port, e->has_cli ? &e->cli : NULL);
	s->lsd = srv_listen(s);
	s->up = true;
	if (!e->quiet) {
		char ip[64], qs[32];

		if (e->nr_queues > 1)
			snprintf(qs, sizeof(qs), "queues %d..%d", e->start_queue,
				 e->start_queue + (int)e->nr_queues - 1);
		else
			snprintf(qs, sizeof(qs), "queue %d", e->start_queue);
		fprintf(stderr, "netmem server: listening on %s port %u, %s on %s of %s (dmabuf id "
			"%u), validation %s\n", nm_cli_ip_str(&e->srv, ip, sizeof(ip)), e->port,
			nm_cli_rx_path_desc(s->rc.path), qs,
			nm_netdev_name(s->h.nd), s->rx.dmabuf_id,
			s->rc.validate ? "on (ncdevmem -v)" : "off");
	}
	return 0;
}

/* Undo srv_up, keeping the host's counters for the total. */
static void srv_down(struct srv *s)
{
	struct nm_cli_counters c;

	if (!s->up)
		return;
	nm_close(s->lsd);
	nm_cli_host_counters(&s->h, &c);
	nm_cli_counters_add(&s->sum, &c);
	nm_cli_rx_teardown(&s->rx);
	nm_cli_host_down(&s->h);
	s->up = false;
}

enum srv_wait { W_CONN, W_GONE, W_IDLE, W_TIMEOUT, W_ERROR, W_INTR };

/*
 * The next connection.  TAP: within --wait (forever without it).  shm: a
 * client process is attached; its next connection comes within
 * --timeout, or the client is idle (W_IDLE), and between slices the wire
 * says whether that process still exists (W_GONE).  A peer seen gone gets
 * one more slice, for a SYN it left on the wire.  Either way the accept
 * waits in slices, between which a signal ends the wait (W_INTR).
 */
static enum srv_wait srv_accept(struct srv *s, struct sockaddr_storage *peer, int *sd)
{
	bool shm = s->e.wire.kind == NM_CLI_WIRE_SHM, gone_seen = false;
	int slice_ms = ACCEPT_SLICE_MS;
	struct timeval tv = { slice_ms / 1000, (slice_ms % 1000) * 1000 };
	uint64_t t0 = nm_cli_now_ns();

	nm_setsockopt(s->lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		socklen_t pl = sizeof(*peer);
		int r = nm_accept(s->lsd, (struct sockaddr *)peer, &pl);
		uint64_t waited_ms;

		if (r >= 0) {
			*sd = r;
			return W_CONN;
		}
		if (r != -EAGAIN) {
			nm_cli_warn("accept: %s", nm_last_error());
			return W_ERROR;
		}
		if (nm_cli_interrupted())
			return W_INTR;
		waited_ms = (nm_cli_now_ns() - t0) / 1000000;
		if (!shm) {
			if (s->e.wait_ms >= 0 && waited_ms + 10 >= (uint64_t)s->e.wait_ms)
				return W_TIMEOUT;
			continue;
		}
		if (nm_wire_shm_peer_alive(s->h.wire) == 0) {
			if (gone_seen)
				return W_GONE;
			gone_seen = true;
		}
		if (waited_ms + 10 >= (uint64_t)s->e.timeout_ms)
			return W_IDLE;
	}
}

/* shm: the client process is gone or idle; build everything again for
 * the next one.  -ETIMEDOUT: none came within --wait. */
static int rearm(struct srv *s, enum srv_wait why)
{
	if (!s->e.quiet)
		fprintf(stderr, "netmem server: the client on shm:%s %s; waiting for the next "
			"one\n", s->e.wire.name, why == W_IDLE ? "opened no connection within "
			"--timeout, letting it go" : "is gone");
	srv_down(s);
	return srv_up(s);
}

static void peer_str(const struct sockaddr_storage *peer, char *ps, size_t len)
{
	char ip[64];

	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)peer;

		snprintf(ps, len, "%s:%u", inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)),
			 ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)peer;

		snprintf(ps, len, "[%s]:%u", inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip)),
			 ntohs(a->sin6_port));
	}
}

/* What the run came to, for the total. */
struct srv_run {
	uint64_t count, tot_bytes, tot_ns;
	unsigned ok, served;
	int sig;			/* the signal that stopped it, or 0 */
	char why[200];			/* a wait that ended it early, or "" */
};

/* Say why the run ends early: stderr now, the total's "error" later. */
static void srv_stop(struct srv_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void srv_stop(struct srv_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->why, sizeof(run->why), fmt, ap);
	va_end(ap);
	nm_cli_warn("%s", run->why);
}

/* The last line (object) on stdout, every run: the sum of the hosts'
 * counters and of the connections, with how the run ended. */
static void srv_total(struct srv *s, const struct srv_run *run)
{
	const struct nm_cli_ep *e = &s->e;
	/* every byte checked: validation on, every connection ok, and some bytes */
	bool validated = s->rc.validate && run->ok == run->count && run->tot_bytes > 0;
	double secs = (double)run->tot_ns / 1e9;
	double g = secs > 0 ? (double)run->tot_bytes * 8 / secs / 1e9 : 0;
	int64_t copies = nm_cli_stack_payload_copies(&s->sum);

	if (e->json) {
		struct nm_cli_json j;

		nm_cli_json_begin(&j);
		nm_cli_json_bool(&j, "total", true);
		nm_cli_json_u64(&j, "connections", run->served);
		nm_cli_json_u64(&j, "ok", run->ok);
		nm_cli_json_u64(&j, "bytes", run->tot_bytes);
		nm_cli_json_dbl(&j, "seconds", secs);
		nm_cli_json_dbl(&j, "gbps", g);
		nm_cli_json_bool(&j, "validated", validated);
		if (copies >= 0)
			nm_cli_json_i64(&j, "stack_payload_copies", copies);
		else
			nm_cli_json_null(&j, "stack_payload_copies");
		nm_cli_json_counters(&j, &s->sum);
		nm_cli_json_ending(&j, run->sig, run->why);
		printf("%s\n", nm_cli_json_end(&j));
	} else {
		printf("total%s: %u of %llu connections ok, %llu bytes, %.2f Gbit/s while "
		       "receiving, %s, NIC drops %llu\n", nm_cli_sig_suffix(run->sig), run->ok,
		       (unsigned long long)run->count, (unsigned long long)run->tot_bytes, g,
		       !s->rc.validate ? "validation off" : validated ? "all validated" :
		       run->ok == run->count && !run->tot_bytes ? "nothing to validate" :
		       "not all validated", (unsigned long long)nm_cli_nic_drops(&s->sum.nic));
	}
	nm_cli_flush();
}

/* Serve connections until --count, a wait that runs out, or a signal. */
static void srv_serve(struct srv *s, struct srv_run *run, uint64_t expect)
{
	const struct nm_cli_ep *e = &s->e;

	while (run->served < run->count && !nm_cli_interrupted()) {
		struct sockaddr_storage peer;
		struct nm_cli_rx_result res;
		struct nm_cli_progress pg;
		enum srv_wait w;
		char ps[80];
		int sd;

		w = srv_accept(s, &peer, &sd);
		if (w == W_INTR)
			break;
		if (w == W_TIMEOUT) {
			srv_stop(run, "no connection within %d s (%u of %llu served)",
				 e->wait_ms / 1000, run->served, (unsigned long long)run->count);
			break;
		}
		if (w == W_ERROR) {
			snprintf(run->why, sizeof(run->why), "accept: %s", nm_last_error());
			break;
		}
		if (w == W_GONE || w == W_IDLE) {
			if (rearm(s, w) == 0)
				continue;
			if (!nm_cli_interrupted())
				srv_stop(run, "no new client on shm:%s within %d s (%u of %llu "
					 "connections served)", e->wire.name, e->wait_ms / 1000,
					 run->served, (unsigned long long)run->count);
			break;
		}
		peer_str(&peer, ps, sizeof(ps));
		nm_cli_progress_start(&pg, "netmem server", expect, e->quiet);
		nm_cli_rx_conn(&s->rx, sd, expect, &pg, &res);
		nm_cli_progress_end(&pg, res.bytes);
		nm_close(sd);
		conn_report(e, ++run->served, ps, &res, s->rc.validate);
		run->tot_bytes += res.bytes;
		run->tot_ns += res.t1_ns - res.t0_ns;
		if (res.end == NM_CLI_END_EOF)
			run->ok++;
		/* a client killed mid-stream: the next one needs a new wire */
		if (res.end == NM_CLI_END_GONE && run->served < run->count &&
		    rearm(s, W_GONE) < 0) {
			if (!nm_cli_interrupted())
				srv_stop(run, "no new client on shm:%s within %d s (%u of %llu "
					 "connections served)", e->wire.name, e->wait_ms / 1000,
					 run->served, (unsigned long long)run->count);
			break;
		}
	}
}

int nm_cli_server(int argc, char **argv)
{
	enum { O_ALLOW_UID = O_HELP + 1 };
	static const struct option lo[] = { NM_CLI_EP_LONGOPTS, { "rx", 1, 0, O_PATH },
		{ "dmabuf-size", 1, 0, O_DMABUF }, { "allow-uid", 1, 0, O_ALLOW_UID }, { 0 } };
	struct srv *s = calloc(1, sizeof(*s));
	struct nm_cli_ep *e;
	struct srv_run run = { 0 };
	uint64_t count = 1, expect = 0;
	int c, r;

	if (!s)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	e = &s->e;
	s->rc = (struct nm_cli_rx_cfg){ .dmabuf_size = 64u << 20,
					.validate = NM_CLI_PATTERN_DEFAULT };
	nm_cli_ep_defaults(e, true);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ls:c:p:v:q:t:f:h", lo, NULL)) != -1) {
		if (nm_cli_ep_opt(e, c, optarg))
			continue;
		switch (c) {
		case 'l': break;
		case 'v': s->rc.validate = nm_cli_parse_uint("-v", optarg, 0, UINT32_MAX); break;
		case O_COUNT: count = nm_cli_parse_uint("--count", optarg, 1, 1000000); break;
		case O_BYTES: expect = nm_cli_parse_size("--bytes", optarg, 1, 1ull << 44); break;
		case O_PATH:
			s->rc.path = nm_cli_parse_rx_path(optarg);
			break;
		case O_DMABUF:
			s->rc.dmabuf_size = nm_cli_parse_size("--dmabuf-size", optarg, 1u << 20,
							      1ull << 34);
			if (s->rc.dmabuf_size & 4095)
				nm_cli_die(NM_CLI_EXIT_USAGE, "--dmabuf-size: not a multiple of 4 KiB");
			break;
		case O_ALLOW_UID: nm_cli_ep_allow_uid(e, optarg); break;
		case 'h': case O_HELP: usage(stdout); free(s); return 0;
		case ':': nm_cli_die(NM_CLI_EXIT_USAGE, "%s needs a value (see netmem server --help)",
				     argv[optind - 1]);
		default: nm_cli_die(NM_CLI_EXIT_USAGE, "unknown option '%s' (see netmem server --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (e->json)
		nm_cli_json_errors(true);	/* --json given as an abbreviation */
	nm_cli_ep_resolve(e);
	s->rc.start_queue = (uint32_t)e->start_queue;
	s->rc.nr_queues = e->nr_queues;
	s->rc.timeout_ms = e->timeout_ms;
	s->rc.watch_peer = e->wire.kind == NM_CLI_WIRE_SHM;
	run.count = count;
	nm_cli_sig_catch();
	/* no client within --wait: said in one line, and the total (0 served)
	 * still ends stdout, as when a later wait ends the same way */
	r = srv_up(s);
	if (r == -ETIMEDOUT)
		srv_stop(&run, "no client connected to shm:%s within %d s", e->wire.name,
			 e->wait_ms / 1000);
	else if (r == 0)
		srv_serve(s, &run, expect);
	srv_down(s);
	run.sig = nm_cli_interrupted();
	if (run.sig)
		nm_cli_warn("interrupted by %s (%u of %llu connections served)",
			    nm_cli_sig_name(run.sig), run.served, (unsigned long long)count);
	srv_total(s, &run);
	r = run.sig ? NM_CLI_EXIT_SIGNAL + run.sig : run.ok == count ? 0 : NM_CLI_EXIT_FAIL;
	free(s);
	return r;
}
