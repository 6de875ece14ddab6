/* SPDX-License-Identifier: MIT */
/*
 * `netmem client`: the devmem sender in the role of the kernel's ncdevmem
 * client.  It binds a dma-buf for TX, and sends --bytes of the ncdevmem
 * pattern (-v) per connection with sendmsg(SCM_DEVMEM_DMABUF,
 * MSG_ZEROCOPY), --count connections one after the other, to a netmem
 * server over a cross-process shm wire, or to any TCP server (nc, the
 * kernel's ncdevmem -l) over a TAP.
 *
 * Each connection ends with shutdown(SHUT_WR) and waits for the server to
 * close, so the client exits only once the server has every byte.
 *
 * --fault N:KIND:SIZE makes connection N misbehave after SIZE bytes, to
 * test servers: short (close early), reset (RST), stall (send nothing
 * more, keep the connection open until the server gives up).  Such a
 * connection is reported and counted as "faulted" (its bytes count in the
 * total); the exit status is 0 when every connection did what it was
 * asked: ok, or faulted as --fault said.
 *
 * --wait bounds the wait for the server: on shm for a server to take
 * this client (the name may not exist yet, or the server may still be
 * busy with another client), and for each connection a listener (a
 * refused connect is tried again until --wait passes).  So a client
 * started together with its server needs no sleep before it.
 *
 * SIGINT/SIGTERM stop the client within a wait slice (sig.c): the
 * connection in progress ends "interrupted", the total follows, marked
 * interrupted, the host is released, and the exit status is 128 + the
 * signal.  With --json a failure before the total is one
 * {"result":"error"} object instead (opts.c); a total after a connection
 * that could not be made carries the same "error" words as stderr.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common_opts.h"

#define CONNECT_RETRY_MS	20	/* between refused connects while --wait lasts */
#define CONNECT_SLICE_MS	500	/* one connect attempt, then look at the wire */
#define DRAIN_SLICE_MS		200	/* waiting for the server's close: look at the wire */

static void usage(FILE *f)
{
	fprintf(f,
"usage: netmem client [options]\n"
"  ncdevmem-style devmem sender.  The wire:\n"
"  --wire shm:NAME     connect to a netmem server's shm wire\n"
"  --wire tap:IFNAME   a TAP device (root); the kernel side gets --host-addr\n"
"  -f IFNAME           the interface (a TAP name: same as --wire tap:IFNAME)\n"
"  -s ADDR             server address (default: 198.18.0.2 on shm, the\n"
"                      --host-addr on a TAP)\n"
"  -c ADDR             the client's address (the stack's; default 198.18.0.1 on\n"
"                      shm, 198.18.0.2 on a TAP)\n"
"  -p, --port PORT     port (default 5201)\n"
"  -v, --validate N    send the ncdevmem pattern of period N (default 255)\n"
"  --addr ADDR/PLEN    the stack's address with its prefix\n"
"  --host-addr A/PLEN  TAP: the kernel's address (default 198.18.0.1/24; none:\n"
"                      no address, the default on a TAP that is a bridge's port)\n"
"  --bytes SIZE        bytes per connection (default 1G)\n"
"  --count N           connections, one after the other (default 1)\n"
"  --tx devmem|copy    send path (default devmem)\n"
"  --chunk SIZE        bytes per sendmsg (default 1M)\n"
"  --queues N, --mtu N the NIC (default 2 queues; MTU: on shm the server's, on\n"
"                      a TAP 1500)\n"
"  --timeout SEC       give up on a connection without progress this long\n"
"                      (default 10)\n"
"  --wait SEC          how long to wait for the server: the shm wire's, and a\n"
"                      listener for each connection (default 10)\n"
"  --fault N:KIND:SIZE connection N misbehaves after SIZE bytes (at most --bytes):\n"
"                      short (closes early), reset (RST) or stall (sends\n"
"                      nothing more)\n"
"  --pcap FILE         write the frames crossing this NIC's wire to FILE (a pcap\n"
"                      file for tcpdump); --snaplen N keeps N bytes of each\n"
"                      (default and 0: 262144, whole frames); --pcap-nano:\n"
"                      nanosecond timestamps (default microsecond)\n"
"  --json              one JSON object per connection, the total last\n"
"  --quiet             no progress\n"
"  SIZE: bytes, or a number with K, M, G or T (powers of 1024; 1G = 1GiB = 1GB)\n");
}

/* After the last byte: FIN, then wait for the server's close (or reset),
 * within --timeout; on shm a server whose process ended ends the wait at
 * once, and so does a signal. */
static void drain(const struct nm_cli_ep *e, struct nm_cli_host *h, int sd)
{
	struct timeval tv = { 0, DRAIN_SLICE_MS * 1000 };
	uint64_t end = nm_cli_now_ns() + (uint64_t)e->timeout_ms * 1000000;
	char buf[4096];
	ssize_t r;

	nm_shutdown(sd, SHUT_WR);
	nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((r = nm_recv(sd, buf, sizeof(buf), 0)) > 0 ||
	       (r == -EAGAIN && nm_cli_now_ns() < end && !nm_cli_interrupted() &&
		!(e->wire.kind == NM_CLI_WIRE_SHM && nm_wire_shm_peer_alive(h->wire) == 0)))
		;
}

enum fault_kind { F_NONE = 0, F_SHORT, F_RESET, F_STALL };
struct fault {
	uint64_t conn, after;
	enum fault_kind kind;
	const char *arg;		/* as given, for messages */
};
#define MAX_FAULTS 16

static void parse_fault(const char *arg, struct fault *f)
{
	char conn[24], kind[16], size[32];

	f->arg = arg;
	if (sscanf(arg, "%23[^:]:%15[^:]:%31s", conn, kind, size) != 3)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--fault: '%s' is not CONN:short|reset|stall:SIZE", arg);
	f->conn = nm_cli_parse_uint("--fault", conn, 1, 1000000);
	if (!strcmp(kind, "short"))
		f->kind = F_SHORT;
	else if (!strcmp(kind, "reset"))
		f->kind = F_RESET;
	else if (!strcmp(kind, "stall"))
		f->kind = F_STALL;
	else
		nm_cli_die(NM_CLI_EXIT_USAGE, "--fault: '%s': the kind is short, reset or stall", kind);
	f->after = nm_cli_parse_size("--fault", size, 0, 1ull << 44);
}

/* Connection n misbehaves as its fault says (after its bytes went out). */
static void misbehave(int sd, const struct fault *f, int timeout_ms)
{
	struct linger lg = { 1, 0 };
	struct timeval tv = { 0, DRAIN_SLICE_MS * 1000 };
	uint64_t end = nm_cli_now_ns() + 60000000000ull;
	char buf[256];
	ssize_t r;

	switch (f->kind) {
	case F_SHORT:
		/* the close waits for the FIN's ACK: the server has seen the
		 * early end even when this process exits right after */
		lg.l_linger = timeout_ms / 1000;
		nm_setsockopt(sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case F_RESET:
		nm_setsockopt(sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;		/* the close sends RST */
	case F_STALL:
		/* wait (up to a minute, or until a signal) for the server to
		 * give up on us */
		nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while ((r = nm_recv(sd, buf, sizeof(buf), 0)) > 0 ||
		       (r == -EAGAIN && nm_cli_now_ns() < end && !nm_cli_interrupted()))
			;
		break;
	default:
		break;
	}
}


static void set_sndtimeo(int sd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One connect, given up after slice_ms; the socket's send timeout is
 * --timeout afterwards. */
static int connect_once(const struct nm_cli_ep *e, struct nm_cli_host *h, int slice_ms)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int sd = nm_socket(h->st, e->srv.family, SOCK_STREAM, 0), r;

	if (sd < 0)
		nm_cli_die_nm(sd, "socket");
	set_sndtimeo(sd, slice_ms);
	if (e->srv.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(e->port);
		memcpy(&a->sin_addr, e->srv.a, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(e->port);
		memcpy(&a->sin6_addr, e->srv.a, 16);
		sl = sizeof(*a);
	}
	r = nm_connect(sd, (struct sockaddr *)&ss, sl);
	if (r < 0) {
		nm_close(sd);
		return r;
	}
	set_sndtimeo(sd, e->timeout_ms);
	return sd;
}

/*
 * A connected socket, or -errno with the reason in why.  A refusal (no
 * listener yet: a server still setting up) is tried again until --wait
 * passes; no answer at all, until --timeout passes.  Attempts last at most
 * CONNECT_SLICE_MS, and between them an shm wire says whether the server's
 * process is still there (a server that let this client go, or died), and
 * a signal ends the wait (-EINTR).
 */
static int connect_to(const struct nm_cli_ep *e, struct nm_cli_host *h, char *why, size_t len)
{
	uint64_t t0 = nm_cli_now_ns();
	uint64_t refused_end = t0 + (uint64_t)e->wait_ms * 1000000;
	uint64_t silent_end = t0 + (uint64_t)e->timeout_ms * 1000000;
	int slice = e->timeout_ms < CONNECT_SLICE_MS ? e->timeout_ms : CONNECT_SLICE_MS;
	char ip[64];
	int r;

	nm_cli_ip_str(&e->srv, ip, sizeof(ip));
	for (;;) {
		uint64_t now;

		r = connect_once(e, h, slice);
		if (r >= 0)
			return r;
		if (nm_cli_interrupted()) {
			snprintf(why, len, "connect to %s port %u: interrupted by %s", ip, e->port,
				 nm_cli_sig_name(nm_cli_interrupted()));
			return -EINTR;
		}
		if (e->wire.kind == NM_CLI_WIRE_SHM && nm_wire_shm_peer_alive(h->wire) == 0) {
			snprintf(why, len, "connect to %s port %u: the server on shm:%s is gone", ip,
				 e->port, e->wire.name);
			return -ENOTCONN;
		}
		now = nm_cli_now_ns();
		if (r == -ECONNREFUSED && now >= refused_end) {
			snprintf(why, len, "connect to %s port %u: refused for %d s (nobody "
				 "listens on that port)", ip, e->port, e->wait_ms / 1000);
			return r;
		}
		if (r == -EINPROGRESS && now >= silent_end) {
			snprintf(why, len, "connect to %s port %u: no answer within %d s", ip,
				 e->port, e->timeout_ms / 1000);
			return r;
		}
		if (r != -ECONNREFUSED && r != -EINPROGRESS) {
			snprintf(why, len, "connect to %s port %u: %s", ip, e->port,
				 nm_last_error());
			return r;
		}
		if (r == -ECONNREFUSED)
			nm_stack_poll(h->st, CONNECT_RETRY_MS);
	}
}

static const char *fault_name(const struct fault *f)
{
	return f->kind == F_SHORT ? "short" : f->kind == F_RESET ? "reset" : "stalled";
}

static void conn_report(const struct nm_cli_ep *e, uint64_t n, const struct nm_cli_tx_result *res,
			const struct fault *f)
{
	double s = (double)(res->t1_ns - res->t0_ns) / 1e9;
	double g = s > 0 ? (double)res->bytes * 8 / s / 1e9 : 0;
	const char *result = res->err == -EINTR ? "interrupted" : res->err ? "error" :
			     f ? "faulted" : "ok";
	char ip[64], detail[200];

	if (res->err) {	/* the time and rate are those of what went out before the end */
		snprintf(detail, sizeof(detail), "%s", res->detail);
	} else if (f) {
		snprintf(detail, sizeof(detail), "%s after %llu bytes, as --fault asked",
			 f->kind == F_SHORT ? "closed" : f->kind == F_RESET ? "reset" : "stalled",
			 (unsigned long long)res->bytes);
	} else {
		detail[0] = 0;
	}
	if (e->json) {
		struct nm_cli_json j;

		nm_cli_json_begin(&j);
		nm_cli_json_u64(&j, "conn", n);
		nm_cli_json_str(&j, "result", result);
		if (f && !res->err)
			nm_cli_json_str(&j, "fault", fault_name(f));
		nm_cli_json_u64(&j, "bytes", res->bytes);
		nm_cli_json_dbl(&j, "seconds", s);
		nm_cli_json_dbl(&j, "gbps", g);
		nm_cli_json_u64(&j, "sends", res->sends);
		nm_cli_json_u64(&j, "completions", res->completions);
		nm_cli_json_u64(&j, "completions_copied", res->zc_copied);
		if (detail[0])
			nm_cli_json_str(&j, "detail", detail);
		printf("%s\n", nm_cli_json_end(&j));
	} else {
		printf("conn %llu to %s port %u: %s%s%s, %llu bytes in %.2f s = %.2f Gbit/s, "
		       "%llu sends, %llu zerocopy completions\n", (unsigned long long)n,
		       nm_cli_ip_str(&e->srv, ip, sizeof(ip)), e->port, result,
		       detail[0] ? " - " : "", detail, (unsigned long long)res->bytes, s, g,
		       (unsigned long long)res->sends, (unsigned long long)res->completions);
	}
	nm_cli_flush();
}

/* What the run came to, for the total. */
struct cli_run {
	uint64_t count, made, tot, tot_ns;
	unsigned ok, faulted, failed;
	int sig;			/* the signal that stopped it, or 0 */
	char why[200];			/* a connection that could not be made, or "" */
};

/* The last line (object) on stdout, every run, with how the run ended. */
static void cli_total(const struct nm_cli_ep *e, const struct cli_run *run)
{
	double s = (double)run->tot_ns / 1e9, g = s > 0 ? (double)run->tot * 8 / s / 1e9 : 0;
	uint64_t failed = run->failed + (run->count - run->made);

	if (e->json) {
		struct nm_cli_json j;

		nm_cli_json_begin(&j);
		nm_cli_json_bool(&j, "total", true);
		nm_cli_json_u64(&j, "connections", run->made);
		nm_cli_json_u64(&j, "requested", run->count);
		nm_cli_json_u64(&j, "ok", run->ok);
		nm_cli_json_u64(&j, "faulted", run->faulted);
		nm_cli_json_u64(&j, "failed", failed);
		nm_cli_json_u64(&j, "bytes", run->tot);
		nm_cli_json_dbl(&j, "seconds", s);
		nm_cli_json_dbl(&j, "gbps", g);
		nm_cli_json_u64(&j, "mtu", e->mtu);
		nm_cli_json_ending(&j, run->sig, run->why);
		printf("%s\n", nm_cli_json_end(&j));
	} else {
		printf("total%s: %u of %llu connections ok", nm_cli_sig_suffix(run->sig), run->ok,
		       (unsigned long long)run->count);
		if (run->faulted)
			printf(", %u faulted as --fault asked", run->faulted);
		if (failed)
			printf(", %llu failed", (unsigned long long)failed);
		printf(", %llu bytes sent, %.2f Gbit/s\n", (unsigned long long)run->tot, g);
	}
	nm_cli_flush();
}

/* The --count connections, one after the other, until one cannot be
 * made or a signal stops them. */
static void cli_send(const struct nm_cli_ep *e, struct nm_cli_host *h, struct nm_cli_tx *tx,
		     uint64_t bytes, const struct fault *faults, unsigned nfaults,
		     struct cli_run *run)
{
	for (uint64_t n = 1; n <= run->count && !nm_cli_interrupted(); n++) {
		struct nm_cli_tx_result res;
		struct nm_cli_progress pg;
		const struct fault *f = NULL;
		int sd = connect_to(e, h, run->why, sizeof(run->why));

		for (unsigned i = 0; i < nfaults; i++)
			if (faults[i].conn == n)
				f = &faults[i];
		if (sd == -EINTR) {
			run->why[0] = 0;	/* the signal is the reason */
			break;
		}
		if (sd < 0) {
			nm_cli_warn("%s", run->why);
			break;
		}
		run->made++;
		nm_cli_progress_start(&pg, "netmem client", bytes, e->quiet);
		nm_cli_tx_stream(tx, sd, f && f->after < bytes ? f->after : bytes, &pg, &res);
		nm_cli_progress_end(&pg, res.bytes);
		if (res.err == -EINTR) {
			/* a stream stopped halfway must not look complete to a
			 * server that reads until EOF: abort it (RST), as a
			 * process killed with its socket open would */
			struct linger lg = { 1, 0 };

			nm_setsockopt(sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		} else if (f) {
			misbehave(sd, f, e->timeout_ms);
		} else if (!res.err) {
			drain(e, h, sd);
			/* the connection's time ends when the server has every byte */
			res.t1_ns = nm_cli_now_ns();
		}
		nm_close(sd);
		conn_report(e, n, &res, f);
		/* every byte that went out counts, a faulted or failed
		 * connection's too, and so does the time it took: bytes without
		 * their time would inflate the total rate (as the server's does) */
		run->tot += res.bytes;
		if (res.t1_ns > res.t0_ns)
			run->tot_ns += res.t1_ns - res.t0_ns;
		if (res.err)
			run->failed++;
		else if (f)
			run->faulted++;
		else
			run->ok++;
	}
}

int nm_cli_client(int argc, char **argv)
{
	enum { O_FAULT = O_HELP + 1 };
	static const struct option lo[] = { NM_CLI_EP_LONGOPTS, { "tx", 1, 0, O_PATH },
		{ "chunk", 1, 0, O_CHUNK }, { "fault", 1, 0, O_FAULT }, { 0 } };
	struct fault faults[MAX_FAULTS];
	unsigned nfaults = 0;
	struct nm_cli_ep e;
	struct nm_cli_tx_cfg tc = { .validate = NM_CLI_PATTERN_DEFAULT, .chunk = 1u << 20 };
	struct nm_cli_host h;
	struct nm_cli_tx tx;
	struct cli_run run = { 0 };
	uint64_t count = 1, bytes = 1ull << 30;
	bool up;
	int c;

	nm_cli_ep_defaults(&e, false);
	opterr = 0;
	/* no -q/-t/-l: queues to bind are the server's business */
	while ((c = getopt_long(argc, argv, ":s:c:p:v:f:h", lo, NULL)) != -1) {
		if (nm_cli_ep_opt(&e, c, optarg))
			continue;
		switch (c) {
		case 'v':
			tc.validate = nm_cli_parse_uint("-v", optarg, 0, UINT32_MAX);
			break;
		case O_COUNT: count = nm_cli_parse_uint("--count", optarg, 1, 1000000); break;
		case O_BYTES: bytes = nm_cli_parse_size("--bytes", optarg, 1, 1ull << 44); break;
		case O_CHUNK: tc.chunk = (uint32_t)nm_cli_parse_size("--chunk", optarg, 1, 64u << 20); break;
		case O_PATH:
			if (!strcmp(optarg, "devmem") || !strcmp(optarg, "copy"))
				tc.path = optarg[0] == 'c' ? NM_CLI_PATH_COPY : NM_CLI_PATH_DEVMEM;
			else
				nm_cli_die(NM_CLI_EXIT_USAGE, "--tx: '%s': devmem or copy", optarg);
			break;
		case O_FAULT:
			if (nfaults == MAX_FAULTS)
				nm_cli_die(NM_CLI_EXIT_USAGE, "--fault: at most %d", MAX_FAULTS);
			parse_fault(optarg, &faults[nfaults++]);
			break;
		case 'h': case O_HELP: usage(stdout); return 0;
		case ':': nm_cli_die(NM_CLI_EXIT_USAGE, "%s needs a value (see netmem client --help)",
				     argv[optind - 1]);
		default: nm_cli_die(NM_CLI_EXIT_USAGE, "unknown option '%s' (see netmem client --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	/* a fault for a connection that is never made would silently not happen */
	for (unsigned i = 0; i < nfaults; i++)
		if (faults[i].conn > count)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--fault %llu:...: there are only %llu connections "
				   "(--count %llu)", (unsigned long long)faults[i].conn,
				   (unsigned long long)count, (unsigned long long)count);
	/* a fault past the stream would never happen: the whole stream goes
	 * out, validated, and would be reported "faulted"; a short close at
	 * the stream's end is no fault either (a reset or a stall there is) */
	for (unsigned i = 0; i < nfaults; i++) {
		if (faults[i].after > bytes)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--fault %s: %llu bytes is past --bytes %llu (the "
				   "whole stream would go out)", faults[i].arg,
				   (unsigned long long)faults[i].after, (unsigned long long)bytes);
		if (faults[i].kind == F_SHORT && faults[i].after == bytes)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--fault %s: closing after all %llu bytes (--bytes) "
				   "is no short stream", faults[i].arg, (unsigned long long)bytes);
	}
	if (e.json)
		nm_cli_json_errors(true);	/* --json given as an abbreviation */
	nm_cli_ep_resolve(&e);
	tc.timeout_ms = e.timeout_ms;
	tc.watch_peer = e.wire.kind == NM_CLI_WIRE_SHM;
	run.count = count;
	nm_cli_sig_catch();
	/* a client's wire never times out: it dies saying why, or a signal
	 * stopped the wait for the server (nothing up to release) */
	up = nm_cli_ep_up(&e, &h) == 0;
	if (up) {
		nm_cli_tx_setup(&tx, &h, &tc);
		cli_send(&e, &h, &tx, bytes, faults, nfaults, &run);
	}
	run.sig = nm_cli_interrupted();
	if (run.sig)
		nm_cli_warn("interrupted by %s (%llu of %llu connections made)",
			    nm_cli_sig_name(run.sig), (unsigned long long)run.made,
			    (unsigned long long)count);
	cli_total(&e, &run);
	if (up) {
		/* segments still queued (a --fault reset's RST) reach the wire
		 * before the host goes, as a kernel would send them after the
		 * process exits */
		for (uint64_t end = nm_cli_now_ns() + 50000000; nm_cli_now_ns() < end;)
			nm_stack_poll(h.st, 5);
		nm_cli_tx_teardown(&tx);
		nm_cli_host_down(&h);
	}
	if (run.sig)
		return NM_CLI_EXIT_SIGNAL + run.sig;
	return run.ok + run.faulted == count ? 0 : NM_CLI_EXIT_FAIL;
}
