/* SPDX-License-Identifier: MIT */
/*
 * `netmem demo`: the main job.  One process, two hosts:
 *
 *   sender thread                          receiver (main thread)
 *   host A 198.18.0.1  ==== shm wire ====  host B 198.18.0.2
 *   bind-tx dma-buf                        bind-rx dma-buf on the last queue
 *   sendmsg(SCM_DEVMEM_DMABUF,             recvmsg(MSG_SOCK_DEVMEM), payload
 *           MSG_ZEROCOPY)                  read in CPU windows, validated,
 *                                          SO_DEVMEM_DONTNEED
 *
 * With --wire tap the sender is the Linux kernel's TCP: a kernel socket in
 * a network namespace the demo creates, talking to host B over a TAP
 * device (root only).  The demo prints progress and a summary; with
 * --json the summary goes to stderr and stdout holds one JSON object (on
 * a failure before the summary: {"result":"error",...}, opts.c).  Exit 0
 * when every byte arrived and (with validation on) matched the pattern.
 *
 * Threads: each host is brought up, driven and torn down by its own
 * thread (invariant 6 of the architecture: one stack, one thread).
 *
 * SIGINT/SIGTERM stop the demo as they stop server and client (sig.c):
 * the receiver's waits are slices (the accept's ACCEPT_SLICE_MS, rx.c's),
 * the transfer ends "interrupted", the sender is told to stop, the
 * summary follows with what arrived, marked interrupted, everything is
 * released, and the exit status is 128 + the signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define ACCEPT_SLICE_MS	200	/* between signal checks while the sender connects */
#define DEMO_TAP	"nmdemo0"
#define DEMO_A4		"198.18.0.1"
#define DEMO_B4		"198.18.0.2"

struct demo {
	/* options */
	uint64_t bytes, dmabuf_size;
	uint32_t mtu, queues, chunk;
	uint16_t port;
	uint64_t validate, seed;
	double loss, reorder, dup;
	int timeout_ms;
	bool tap, json, quiet, gso;
	enum nm_cli_path rx_path, tx_path;
	struct nm_cli_pcap pcap;		/* of the receiving host */
	/* run */
	struct nm_wire *wa;
	atomic_int rx_done;		/* the receiver is done: the sender stops */
	atomic_int tx_done;		/* the sender thread is about to end */
	struct nm_cli_tx_result txr;
	struct nm_cli_counters tx_counters;
	char tx_err[200];
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: netmem demo [options]\n"
"  A devmem TCP transfer between two netmem stacks in this process (or from\n"
"  the kernel's TCP over a TAP with --wire tap), every byte validated.\n"
"  --bytes SIZE        bytes to move (default 2G)\n"
"  --wire shm|tap      shm: two stacks on a shared-memory wire (default);\n"
"                      tap: kernel TCP sender in a private namespace (root)\n"
"  --loss R --reorder R --dup R   wire faults (shm), rates in [0,1] or N%%\n"
"  --seed N            fault injection seed (default 1)\n"
"  --mtu N             MTU (default 1500)\n"
"  --no-gso            shm: no 64 KiB GSO frames on the wire\n"
"  --queues N          RX/TX queues per NIC (default 2; the last is bound)\n"
"  -v, --validate V    ncdevmem pattern period (default 255; 0: off)\n"
"  --rx devmem|zcrx|copy  receive path (default devmem; zcrx: io_uring zero-copy\n"
"                      receive into an area of the receiver's memory)\n"
"  --tx devmem|copy    send path (default devmem; tap: always the kernel)\n"
"  --dmabuf-size SIZE  RX dma-buf size (default 64M)\n"
"  --chunk SIZE        bytes per send (default 1M)\n"
"  -p, --port PORT     TCP port (default 5201)\n"
"  --timeout SEC       give up after SEC seconds without progress (default 30)\n"
"  --pcap FILE         write the frames crossing the receiving NIC's wire (host B,\n"
"                      198.18.0.2: both directions of the stream) to FILE, a\n"
"                      pcap file for tcpdump; --snaplen N keeps N bytes of\n"
"                      each (default and 0: 262144, whole frames); --pcap-nano:\n"
"                      nanosecond timestamps (default microsecond)\n"
"  --json              the summary on stderr, one JSON object on stdout\n"
"  --quiet             no progress\n"
"  SIZE: bytes, or a number with K, M, G or T (powers of 1024; 1G = 1GiB = 1GB)\n");
}

/* --tx: zcrx is a receive path only */
static enum nm_cli_path parse_tx_path(const char *s)
{
	if (!strcmp(s, "devmem"))
		return NM_CLI_PATH_DEVMEM;
	if (!strcmp(s, "copy"))
		return NM_CLI_PATH_COPY;
	nm_cli_die(NM_CLI_EXIT_USAGE, "--tx: '%s': devmem or copy", s);
}

/* Returns true when it printed --help (nothing to run). */
static bool parse(struct demo *d, int argc, char **argv)
{
	enum { O_BYTES = 256, O_WIRE, O_LOSS, O_REORDER, O_DUP, O_SEED, O_MTU, O_QUEUES, O_RX,
	       O_TX, O_DMABUF, O_CHUNK, O_TIMEOUT, O_JSON, O_QUIET, O_NOGSO, O_PCAP, O_SNAPLEN,
	       O_PCAP_NANO, O_HELP };
	static const struct option lo[] = {
		{ "bytes", 1, 0, O_BYTES }, { "wire", 1, 0, O_WIRE }, { "loss", 1, 0, O_LOSS },
		{ "reorder", 1, 0, O_REORDER }, { "dup", 1, 0, O_DUP }, { "seed", 1, 0, O_SEED },
		{ "mtu", 1, 0, O_MTU }, { "queues", 1, 0, O_QUEUES }, { "validate", 1, 0, 'v' },
		{ "rx", 1, 0, O_RX }, { "tx", 1, 0, O_TX }, { "dmabuf-size", 1, 0, O_DMABUF },
		{ "chunk", 1, 0, O_CHUNK }, { "port", 1, 0, 'p' }, { "timeout", 1, 0, O_TIMEOUT },
		{ "json", 0, 0, O_JSON }, { "quiet", 0, 0, O_QUIET }, { "no-gso", 0, 0, O_NOGSO },
		{ "pcap", 1, 0, O_PCAP }, { "snaplen", 1, 0, O_SNAPLEN },
		{ "pcap-nano", 0, 0, O_PCAP_NANO }, { "help", 0, 0, O_HELP }, { 0 } };
	bool faults = false, tx_set = false;
	int c;

	*d = (struct demo){ .bytes = 2ull << 30, .dmabuf_size = 64u << 20, .mtu = 1500,
			    .queues = 2, .chunk = 1u << 20, .port = 5201,
			    .validate = NM_CLI_PATTERN_DEFAULT, .seed = 1, .timeout_ms = 30000,
			    .gso = true };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":v:p:h", lo, NULL)) != -1) {
		switch (c) {
		case O_BYTES: d->bytes = nm_cli_parse_size("--bytes", optarg, 1, 1ull << 44); break;
		case O_WIRE:
			/* only the two words: the demo names its own wires, and
			 * its errors suggest nothing it would refuse next */
			if (!strcmp(optarg, "shm") || !strcmp(optarg, "tap"))
				d->tap = optarg[0] == 't';
			else if (!strncmp(optarg, "shm:", 4) || !strncmp(optarg, "tap:", 4))
				nm_cli_die(NM_CLI_EXIT_USAGE, "--wire %s: the demo names its own wires: "
					   "--wire shm or --wire tap (netmem server and client take "
					   "shm:NAME, tap:IFNAME)", optarg);
			else
				nm_cli_die(NM_CLI_EXIT_USAGE, "--wire: '%s': the demo's wire is shm or "
					   "tap", optarg);
			break;
		case O_LOSS: d->loss = nm_cli_parse_rate("--loss", optarg); faults = true; break;
		case O_REORDER: d->reorder = nm_cli_parse_rate("--reorder", optarg); faults = true; break;
		case O_DUP: d->dup = nm_cli_parse_rate("--dup", optarg); faults = true; break;
		case O_SEED: d->seed = nm_cli_parse_uint("--seed", optarg, 0, UINT64_MAX); break;
		case O_MTU: d->mtu = (uint32_t)nm_cli_parse_uint("--mtu", optarg, 576, 9000); break;
		case O_QUEUES:
			d->queues = (uint32_t)nm_cli_parse_uint("--queues", optarg, 1, NM_NETDEV_MAX_QUEUES);
			break;
		case 'v': d->validate = nm_cli_parse_uint("-v", optarg, 0, UINT32_MAX); break;
		case O_RX: d->rx_path = nm_cli_parse_rx_path(optarg); break;
		case O_TX: d->tx_path = parse_tx_path(optarg); tx_set = true; break;
		case O_DMABUF:
			d->dmabuf_size = nm_cli_parse_size("--dmabuf-size", optarg, 1u << 20, 1ull << 34);
			if (d->dmabuf_size & 4095)
				nm_cli_die(NM_CLI_EXIT_USAGE, "--dmabuf-size: not a multiple of 4 KiB");
			break;
		case O_CHUNK:
			d->chunk = (uint32_t)nm_cli_parse_size("--chunk", optarg, 1, 64u << 20);
			break;
		case 'p': d->port = nm_cli_parse_port("-p", optarg); break;
		case O_TIMEOUT:
			d->timeout_ms = (int)nm_cli_parse_uint("--timeout", optarg, 1, 3600) * 1000;
			break;
		case O_JSON: d->json = true; break;
		case O_QUIET: d->quiet = true; break;
		case O_NOGSO: d->gso = false; break;
		case O_PCAP: d->pcap.path = optarg; break;
		case O_SNAPLEN:
			d->pcap.snaplen = (uint32_t)nm_cli_parse_uint("--snaplen", optarg, 0,
								      NM_CAPTURE_SNAPLEN_MAX);
			d->pcap.snaplen_set = true;
			break;
		case O_PCAP_NANO: d->pcap.nano = true; break;
		case 'h': case O_HELP: usage(stdout); return true;
		case ':': nm_cli_die(NM_CLI_EXIT_USAGE, "%s needs a value (see netmem demo --help)",
				     argv[optind - 1]);
		default: nm_cli_die(NM_CLI_EXIT_USAGE, "unknown option '%s' (see netmem demo --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (d->json)
		nm_cli_json_errors(true);	/* --json given as an abbreviation */
	if (d->tap && faults)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--loss, --reorder and --dup are faults of the shm "
			   "wire; a TAP carries what the kernel sends");
	if (d->tap && !d->gso)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--no-gso is about the shm wire; a TAP carries what "
			   "the kernel sends");
	if (d->tap && tx_set)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--tx: with --wire tap the sender is the kernel's TCP");
	/* the summary says what was captured; the line would only repeat it */
	d->pcap.quiet = true;
	nm_cli_pcap_check(&d->pcap);
	return false;
}

/* ---- the sender: another host in a thread ---- */

static void *sender_main(void *arg)
{
	struct demo *d = arg;
	struct nm_cli_host_params hp = { .name = "nma", .wire = d->wa, .mtu = d->mtu,
					 .queues = d->queues, .addr4 = DEMO_A4 "/24",
					 .mac_last = 0x0a };
	struct nm_cli_tx_cfg tc = { .path = d->tx_path, .validate = d->validate, .chunk = d->chunk,
				    .timeout_ms = d->timeout_ms, .stop = &d->rx_done };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(d->port) };
	struct timeval tv = { d->timeout_ms / 1000, 0 };
	struct nm_cli_host h;
	struct nm_cli_tx tx;
	int sd, r;

	nm_cli_host_up(&h, &hp);
	nm_cli_tx_setup(&tx, &h, &tc);
	inet_pton(AF_INET, DEMO_B4, &dst.sin_addr);
	sd = nm_socket(h.st, AF_INET, SOCK_STREAM, 0);
	if (sd < 0)
		nm_cli_die_nm(sd, "socket");
	nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	r = nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst));
	if (r < 0) {
		snprintf(d->tx_err, sizeof(d->tx_err), "connect to %s:%u: %s", DEMO_B4, d->port,
			 nm_last_error());
	} else {
		nm_cli_tx_stream(&tx, sd, d->bytes, NULL, &d->txr);
		if (d->txr.err)
			snprintf(d->tx_err, sizeof(d->tx_err), "%s", d->txr.detail);
	}
	nm_close(sd);
	/* keep the stack running: retransmissions and the FIN handshake */
	while (!atomic_load(&d->rx_done))
		nm_stack_poll(h.st, 10);
	nm_cli_host_counters(&h, &d->tx_counters);
	nm_cli_tx_teardown(&tx);
	nm_cli_host_down(&h);
	atomic_store(&d->tx_done, 1);
	return NULL;
}

/* ---- the sender with --wire tap: the kernel's TCP ---- */

/*
 * The kernel's sends wait in slices of ACCEPT_SLICE_MS (SO_SNDTIMEO): a
 * signal, whichever thread it reached, or a receiver that gave up stops
 * the stream, and so does --timeout without progress.  A stopped stream
 * is not shut down (its FIN would make it look complete, only short): the
 * socket stays open until the receiver has ended the connection.
 */
static void *kernel_sender_main(void *arg)
{
	struct demo *d = arg;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(d->port) };
	struct timeval tv = { d->timeout_ms / 1000, 0 };
	struct nm_cli_pattern pat = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint64_t last_ns;
	bool stopped = false;

	if (nm_cli_pattern_init(&pat, d->validate ? d->validate : NM_CLI_PATTERN_DEFAULT,
				d->chunk) < 0 || fd < 0) {
		snprintf(d->tx_err, sizeof(d->tx_err), "kernel socket: %s", strerror(errno));
		goto out;
	}
	inet_pton(AF_INET, DEMO_B4, &dst.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	d->txr.t0_ns = nm_cli_now_ns();
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		snprintf(d->tx_err, sizeof(d->tx_err), "kernel connect to %s:%u: %s", DEMO_B4,
			 d->port, strerror(errno));
		goto out;
	}
	tv = (struct timeval){ 0, ACCEPT_SLICE_MS * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	last_ns = nm_cli_now_ns();
	while (d->txr.bytes < d->bytes) {
		size_t len = d->bytes - d->txr.bytes < d->chunk ? (size_t)(d->bytes - d->txr.bytes)
								 : d->chunk;
		ssize_t n;

		if (nm_cli_interrupted() || atomic_load(&d->rx_done)) {
			stopped = true;
			break;
		}
		n = send(fd, nm_cli_pattern_at(&pat, d->txr.bytes), len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN) &&
		    (nm_cli_now_ns() - last_ns) / 1000000 < (uint64_t)d->timeout_ms)
			continue;
		if (n <= 0) {
			snprintf(d->tx_err, sizeof(d->tx_err), "kernel send after %llu bytes: %s",
				 (unsigned long long)d->txr.bytes, n == 0 ? "closed" :
				 errno == EAGAIN ? "no progress within --timeout" : strerror(errno));
			break;
		}
		d->txr.bytes += (uint64_t)n;
		d->txr.sends++;
		last_ns = nm_cli_now_ns();
	}
	d->txr.t1_ns = nm_cli_now_ns();
	if (stopped) {
		snprintf(d->tx_err, sizeof(d->tx_err), "kernel sender stopped after %llu bytes%s",
			 (unsigned long long)d->txr.bytes,
			 nm_cli_interrupted() ? " by the signal" : ": the receiver gave up");
		while (!atomic_load(&d->rx_done))
			usleep(ACCEPT_SLICE_MS * 1000 / 4);
	} else {
		shutdown(fd, SHUT_WR);
	}
out:
	if (fd >= 0)
		close(fd);
	nm_cli_pattern_free(&pat);
	atomic_store(&d->tx_done, 1);
	return NULL;
}

/* ---- summary ---- */

static void summary(struct demo *d, struct nm_cli_host *b, struct nm_cli_rx *rx,
		    const struct nm_cli_rx_result *res, double secs, int sig)
{
	struct nm_capture_stats cap = { 0 };
	struct nm_cli_counters c;
	double gbps = secs > 0 ? (double)res->bytes * 8 / secs / 1e9 : 0;
	int64_t copies;
	bool ok = res->end == NM_CLI_END_EOF && res->bytes == d->bytes && !d->tx_err[0];
	/* with --json stdout is JSON lines only: the words go to stderr */
	FILE *out = d->json ? stderr : stdout;
	const char *txp = d->tap ? "kernel TCP" : d->tx_path == NM_CLI_PATH_DEVMEM ? "devmem TX"
										       : "copy TX";
	const char *rxp = nm_cli_rx_path_desc(d->rx_path);

	nm_cli_host_counters(b, &c);
	/* injected faults are counted by the endpoint that sends */
	c.wire.inj_lost += d->tx_counters.wire.inj_lost;
	c.wire.inj_dup += d->tx_counters.wire.inj_dup;
	c.wire.inj_reordered += d->tx_counters.wire.inj_reordered;
	/* retransmissions are the sender's */
	c.stack.tcp_retransmits += d->tx_counters.stack.tcp_retransmits;
	copies = nm_cli_stack_payload_copies(&c);
	if (copies >= 0 && !d->tap)
		copies += nm_cli_stack_payload_copies(&d->tx_counters);

	fprintf(out, "netmem demo%s: %.2f GiB over %s (MTU %u, %u queues), %s -> %s\n",
	       nm_cli_sig_suffix(sig), (double)d->bytes / (1 << 30),
	       d->tap ? "a TAP (kernel sender)" : "a shm wire", d->mtu, d->queues, txp, rxp);
	fprintf(out, "  result:      %s%s%s\n", ok ? "ok" : nm_cli_end_name(res->end),
	       res->detail[0] ? " - " : "", res->detail);
	if (d->tx_err[0])
		fprintf(out, "  sender:      %s\n", d->tx_err);
	fprintf(out, "  received:    %llu bytes in %.2f s = %.2f Gbit/s\n",
	       (unsigned long long)res->bytes, secs, gbps);
	if (d->validate && sig && res->end == NM_CLI_END_INTR)
		fprintf(out, "  validated:   every byte received until the signal (ncdevmem "
			"pattern, period %u); the rest never came\n", rx->pat.period);
	else if (d->validate)
		fprintf(out, "  validated:   %s (ncdevmem pattern, period %u)\n",
		       res->validated && ok ? "yes, every byte" : "NO", rx->pat.period);
	else
		fprintf(out, "  validated:   no (-v 0)\n");
	if (d->rx_path == NM_CLI_PATH_ZCRX) {
		fprintf(out, "  payload:     %llu bytes zero-copy in the zcrx area, %llu bytes by "
			"the copy fallback\n", (unsigned long long)res->devmem_bytes,
			(unsigned long long)res->linear_bytes);
		fprintf(out, "  buffers:     %llu RECV_ZC fragments, %llu returned through the "
			"refill ring\n", (unsigned long long)res->frags,
			(unsigned long long)res->tokens);
	} else {
		fprintf(out, "  payload:     %llu bytes in device memory (dma-buf id %u), %llu "
			"bytes linear\n", (unsigned long long)res->devmem_bytes, rx->dmabuf_id,
			(unsigned long long)res->linear_bytes);
		fprintf(out, "  tokens:      %llu of %llu frags returned with SO_DEVMEM_DONTNEED "
			"in %llu calls\n",
		       (unsigned long long)res->tokens, (unsigned long long)res->frags,
		       (unsigned long long)res->dontneed_calls);
	}
	if (res->windows)
		fprintf(out, "  CPU windows: %llu opened on the dma-buf, %.1f KiB each on average\n",
		       (unsigned long long)res->windows,
		       (double)res->window_bytes / (double)res->windows / 1024);
	if (copies >= 0)
		fprintf(out, "  stack payload copies: %lld bytes\n", (long long)copies);
	else
		fprintf(out, "  stack payload copies: not counted by this library build\n");
	if (!d->tap && d->tx_path == NM_CLI_PATH_DEVMEM)
		fprintf(out, "  sender:      %llu sendmsg(MSG_ZEROCOPY), %llu completions (%llu copied)\n",
		       (unsigned long long)d->txr.sends, (unsigned long long)d->txr.completions,
		       (unsigned long long)d->txr.zc_copied);
	fprintf(out, "  page pools:  %u payload pools, alloc fast %llu slow %llu fail %llu, "
	       "recycle ring %llu, in flight %lld (%lld posted to the NIC)\n", c.pools,
	       (unsigned long long)c.pool.alloc_fast, (unsigned long long)c.pool.alloc_slow,
	       (unsigned long long)c.pool.alloc_fail, (unsigned long long)c.pool.recycle_ring,
	       (long long)c.pool_inflight, (long long)c.pool_posted);
	fprintf(out, "  drops:       NIC %llu, wire lost %llu dup %llu reordered %llu, "
	       "TCP retransmits %llu\n", (unsigned long long)nm_cli_nic_drops(&c.nic),
	       (unsigned long long)c.wire.inj_lost, (unsigned long long)c.wire.inj_dup,
	       (unsigned long long)c.wire.inj_reordered,
	       (unsigned long long)c.stack.tcp_retransmits);
	if (d->pcap.path && nm_netdev_get_capture_stats(b->nd, &cap, sizeof(cap)) == 0)
		fprintf(out, "  capture:     %llu frames of %s (both directions) in %s%s\n",
			(unsigned long long)cap.frames, nm_netdev_name(b->nd), d->pcap.path,
			cap.truncated ? ", cut to --snaplen" : "");
	if (d->json) {
		struct nm_cli_json j;

		nm_cli_json_begin(&j);
		nm_cli_json_str(&j, "cmd", "demo");
		nm_cli_json_str(&j, "wire", d->tap ? "tap" : "shm");
		nm_cli_json_str(&j, "tx_path", d->tap ? "kernel" : nm_cli_path_name(d->tx_path));
		nm_cli_json_str(&j, "rx_path", nm_cli_path_name(d->rx_path));
		nm_cli_json_str(&j, "result", ok ? "ok" : sig ? "interrupted" : nm_cli_end_name(res->end));
		if (sig)
			nm_cli_json_str(&j, "signal", nm_cli_sig_name(sig));
		nm_cli_json_u64(&j, "bytes", res->bytes);
		nm_cli_json_dbl(&j, "seconds", secs);
		nm_cli_json_dbl(&j, "gbps", gbps);
		nm_cli_json_bool(&j, "validated", res->validated && ok);
		nm_cli_json_u64(&j, "validate_period", d->validate ? rx->pat.period : 0);
		nm_cli_json_u64(&j, "devmem_bytes", res->devmem_bytes);
		nm_cli_json_u64(&j, "linear_bytes", res->linear_bytes);
		nm_cli_json_u64(&j, "frags", res->frags);
		nm_cli_json_u64(&j, "tokens", res->tokens);
		nm_cli_json_u64(&j, "dontneed_calls", res->dontneed_calls);
		nm_cli_json_u64(&j, "cpu_windows", res->windows);
		if (copies >= 0)
			nm_cli_json_i64(&j, "stack_payload_copies", copies);
		else
			nm_cli_json_null(&j, "stack_payload_copies");
		nm_cli_json_u64(&j, "tx_sends", d->txr.sends);
		nm_cli_json_u64(&j, "tx_completions", d->txr.completions);
		nm_cli_json_u64(&j, "mtu", d->mtu);
		nm_cli_json_u64(&j, "queues", d->queues);
		if (d->pcap.path)
			nm_cli_json_u64(&j, "pcap_frames", cap.frames);
		nm_cli_json_counters(&j, &c);
		printf("%s\n", nm_cli_json_end(&j));
	}
	nm_cli_flush();
}

/* ---- main ---- */

/* The sender's connection, waited for in slices: -EINTR once a signal
 * asked to stop, -EAGAIN after --timeout, else the socket. */
static int demo_accept(struct demo *d, int lsd, uint64_t t0)
{
	for (;;) {
		int sd = nm_accept(lsd, NULL, NULL);

		if (sd != -EAGAIN)
			return sd;
		if (nm_cli_interrupted())
			return -EINTR;
		if ((nm_cli_now_ns() - t0) / 1000000 >= (uint64_t)d->timeout_ms)
			return sd;
	}
}

int nm_cli_demo(int argc, char **argv)
{
	struct demo *d = calloc(1, sizeof(*d));
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20 };
	struct nm_cli_host_params hp = { .name = "nmb", .mac_last = 0x0b, .addr4 = DEMO_B4 "/24" };
	struct nm_cli_rx_cfg rc;
	struct nm_cli_ip server;
	struct sockaddr_in la = { .sin_family = AF_INET };
	struct timeval tv;
	struct nm_cli_host b;
	struct nm_cli_rx rx;
	struct nm_cli_rx_result res;
	struct nm_cli_progress pg;
	pthread_t th;
	uint64_t t0;
	int lsd, sd, r, sig, one = 1;

	if (!d)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	if (parse(d, argc, argv)) {
		free(d);
		return 0;
	}
	nm_cli_sig_catch();
	hp.mtu = d->mtu;
	hp.queues = d->queues;
	hp.pcap = &d->pcap;
	if (d->tap) {
		struct nm_wire_tap_params tp = { .ifname = DEMO_TAP, .mtu = d->mtu, .offloads = true,
						 .host_addr = DEMO_A4 "/24", .up = true };

		nm_cli_enter_netns();
		r = nm_wire_tap_open(&tp, &hp.wire);
		if (r < 0)	/* "tap nmdemo0: why": the library names the TAP */
			nm_cli_die_lib(r);
	} else {
		wp.mtu = d->mtu;
		wp.gso = d->gso;
		for (int i = 0; i < 2; i++)
			wp.faults[i] = (struct nm_wire_faults){ .seed = d->seed + (uint64_t)i,
								.loss = d->loss, .dup = d->dup,
								.reorder = d->reorder };
		r = nm_wire_shm_pair(&wp, &d->wa, &hp.wire);
		if (r < 0)
			nm_cli_die_nm(r, "shm wire");
	}
	nm_cli_host_up(&b, &hp);
	rc = (struct nm_cli_rx_cfg){ .path = d->rx_path, .start_queue = d->queues - 1,
				     .nr_queues = 1, .dmabuf_size = d->dmabuf_size,
				     .validate = d->validate, .timeout_ms = d->timeout_ms };
	nm_cli_ip_parse(DEMO_B4, &server);
	nm_cli_rx_setup(&rx, &b, &rc, &server, d->port, NULL);

	lsd = nm_socket(b.st, AF_INET, SOCK_STREAM, 0);
	if (lsd < 0)
		nm_cli_die_nm(lsd, "socket");
	nm_setsockopt(lsd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	la.sin_port = htons(d->port);
	r = nm_bind(lsd, (struct sockaddr *)&la, sizeof(la));
	if (r < 0)
		nm_cli_die_nm(r, "bind port %u", d->port);
	r = nm_listen(lsd, 4);
	if (r < 0)
		nm_cli_die_nm(r, "listen");
	tv = (struct timeval){ 0, ACCEPT_SLICE_MS * 1000 };
	nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	if (pthread_create(&th, NULL, d->tap ? kernel_sender_main : sender_main, d))
		nm_cli_die(NM_CLI_EXIT_FAIL, "pthread_create failed");
	t0 = nm_cli_now_ns();
	sd = demo_accept(d, lsd, t0);
	if (sd < 0 && sd != -EINTR) {
		atomic_store(&d->rx_done, 1);
		while (!atomic_load(&d->tx_done))
			nm_stack_poll(b.st, 10);
		pthread_join(th, NULL);
		if (d->tx_err[0])
			nm_cli_die(NM_CLI_EXIT_FAIL, "sender: %s", d->tx_err);
		nm_cli_die_nm(sd, "accept (no connection within %d s)", d->timeout_ms / 1000);
	}
	if (sd >= 0) {
		nm_cli_progress_start(&pg, "netmem demo", d->bytes, d->quiet);
		nm_cli_rx_conn(&rx, sd, d->bytes, &pg, &res);
		nm_cli_progress_end(&pg, res.bytes);
		nm_close(sd);
	} else {	/* a signal before the sender connected: nothing arrived */
		memset(&res, 0, sizeof(res));
		res.end = NM_CLI_END_INTR;
		res.t0_ns = res.t1_ns = t0;
		snprintf(res.detail, sizeof(res.detail), "%s before the sender connected",
			 nm_cli_sig_name(nm_cli_interrupted()));
	}
	nm_close(lsd);
	atomic_store(&d->rx_done, 1);
	/* the stack goes on while the sender ends: its close (a reset for a
	 * stream cut short) must reach the kernel, whose send waits for it */
	while (!atomic_load(&d->tx_done))
		nm_stack_poll(b.st, 10);
	pthread_join(th, NULL);
	sig = nm_cli_interrupted();
	if (sig)
		nm_cli_warn("interrupted by %s after %llu of %llu bytes", nm_cli_sig_name(sig),
			    (unsigned long long)res.bytes, (unsigned long long)d->bytes);
	/* seconds: accept to the last byte, the way a user waits for it */
	summary(d, &b, &rx, &res, (double)(res.t1_ns - t0) / 1e9, sig);
	r = res.end == NM_CLI_END_EOF && res.bytes == d->bytes && !d->tx_err[0] &&
	    (!d->validate || res.validated);
	nm_cli_rx_teardown(&rx);
	nm_cli_host_down(&b);
	free(d);
	if (sig)
		return NM_CLI_EXIT_SIGNAL + sig;
	return r ? 0 : NM_CLI_EXIT_FAIL;
}
