/* SPDX-License-Identifier: MIT */
#ifndef NM_CLI_H
#define NM_CLI_H

/*
 * The netmem command: what its files share.
 *
 *	main.c		subcommand dispatch, usage
 *	opts.c		option values (sizes, ports, rates, addresses, wires),
 *			one-line errors
 *	pattern.c	the ncdevmem validation pattern
 *	progress.c	live bar on a terminal, periodic lines otherwise
 *	json.c		one JSON object per line
 *	sig.c		SIGINT/SIGTERM: demo, server and client stop and report
 *	host.c		a "host": nm_host (NIC, wire, netdev, stack), header
 *			split, capture, control handle
 *	pcap.c		--pcap: the capture of a host's NIC
 *	netns.c		a private network namespace (demo --wire tap)
 *	rx.c		the devmem receiver (bind-rx, steering, recvmsg loop)
 *	rx_zcrx.c	the zcrx receiver's ring (--rx zcrx: ifq, RECV_ZC, refill)
 *	tx.c		the devmem sender (bind-tx, MSG_ZEROCOPY sends)
 *	cmd_*.c		demo, server, client, bench, run
 *	svg.c		the benchmark plot
 *
 * The CLI uses only the public API (include/netmem/), like any
 * application.  Errors: a command prints one line "netmem CMD: what" to
 * stderr and exits 1 (2 for bad usage); it never aborts or hangs.  stdout
 * carries results only (with --json: only JSON lines); a failed write to
 * it (a full disk, a closed pipe) is an error too, checked at exit (a
 * closed pipe at once: nobody reads what comes next).  With --json a
 * command that fails before its summary also prints one object
 * {"cmd":CMD,"result":"error","error":"what","exit":N} on stdout, so a
 * program reading stdout never meets an empty stream.  server and client
 * stopped by SIGINT/SIGTERM print their total marked interrupted and exit
 * NM_CLI_EXIT_SIGNAL + the signal; demo likewise prints its summary,
 * marked interrupted.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/host.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#define NM_CLI_EXIT_FAIL	1
#define NM_CLI_EXIT_USAGE	2
#define NM_CLI_EXIT_SKIP	77	/* not used by commands; tests only */
#define NM_CLI_EXIT_SIGNAL	128	/* + the signal: SIGINT 130, SIGTERM 143 */

/* The command being run, for messages ("netmem demo: ..."). */
extern const char *nm_cli_cmd;

/* ---- opts.c ---- */

/* Print "netmem CMD: <msg>" to stderr and exit with code. */
void nm_cli_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Same, with ": <nm_last_error()>" appended (or strerror(-err) if empty). */
void nm_cli_die_nm(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* The library's message alone, exit 1: for calls whose messages already
 * name what failed ("tap lo: ..."), which a prefix would only repeat. */
void nm_cli_die_lib(int err) __attribute__((noreturn));
void nm_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* From now on nm_cli_die*() also print the error as one JSON object on
 * stdout (the command runs with --json). */
void nm_cli_json_errors(bool on);
/* From now on a failure (NM_CLI_EXIT_FAIL) exits with code instead: netmem
 * run exits 2 for every failure of its own, keeping the program's exit
 * statuses for the program. */
void nm_cli_fail_code(int code);
/* First thing in main: fds 0-2 that are closed get /dev/null (so no file
 * we open takes their number); a closed stdout is an error at exit. */
void nm_cli_stdio_init(void);
/* fflush(stdout), remembering the first write error for nm_cli_finish();
 * a closed pipe (EPIPE) ends the command at once, with that message. */
void nm_cli_flush(void);
/* A command's exit status: rc, unless stdout could not be written, which
 * prints "netmem CMD: writing to stdout: why" and makes it 1 if rc was 0. */
int nm_cli_finish(int rc);

/* Values with range checks; each bad value is a usage error naming opt. */
/* A SIZE: N bytes, or N with a suffix K, M, G or T (powers of 1024),
 * which may be followed by i, iB or B: 1G = 1GiB = 1GB = 2^30 bytes. */
uint64_t nm_cli_parse_size(const char *opt, const char *s, uint64_t min, uint64_t max);
uint64_t nm_cli_parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max);
double nm_cli_parse_rate(const char *opt, const char *s);	/* [0, 1], or "N%" */
uint16_t nm_cli_parse_port(const char *opt, const char *s);

/* An IP address: family AF_INET or AF_INET6, bytes in a (4 or 16). */
struct nm_cli_ip {
	int family;
	uint8_t a[16];
};
bool nm_cli_ip_parse(const char *s, struct nm_cli_ip *ip);
/* "ADDR/PLEN": checks it and returns the address; plen defaulted when
 * absent (24 / 64) if allow_bare. */
void nm_cli_parse_prefix(const char *opt, const char *s, struct nm_cli_ip *ip, unsigned *plen,
			 bool allow_bare);
const char *nm_cli_ip_str(const struct nm_cli_ip *ip, char *buf, size_t len);
/* False for what cannot be an interface's or a peer's address: the
 * unspecified address, multicast, 255.255.255.255, IPv4-mapped IPv6. */
bool nm_cli_ip_is_unicast(const struct nm_cli_ip *ip);
/* True for addresses in 198.18.0.0/15 or 2001:2::/48 (benchmarking). */
bool nm_cli_ip_is_bench(const struct nm_cli_ip *ip);

enum nm_cli_wire_kind { NM_CLI_WIRE_NONE = 0, NM_CLI_WIRE_SHM, NM_CLI_WIRE_TAP };
struct nm_cli_wire_spec {
	enum nm_cli_wire_kind kind;
	char name[32];			/* shm name or TAP ifname */
};
/* "shm", "tap", "shm:NAME", "tap:IFNAME"; need_name: the name is required. */
void nm_cli_parse_wire(const char *opt, const char *s, struct nm_cli_wire_spec *w);

/* ---- pattern.c ---- */

/*
 * The ncdevmem pattern (tools/testing/selftests/drivers/net/hw/ncdevmem.c,
 * validate_buffer()): with validation period V, the stream is the bytes
 * 1, 2, ..., V-1, '\n' repeated (what `yes $(printf \\001..\\0NN)`
 * sends).  ncdevmem's seed is an unsigned char, so V above 256 behaves as
 * 256.
 */
#define NM_CLI_PATTERN_DEFAULT	255
struct nm_cli_pattern {
	uint32_t period;		/* effective period, 2..256 */
	uint8_t *table;			/* 2 periods + max chunk, for memcmp */
	size_t table_len;
};
int nm_cli_pattern_init(struct nm_cli_pattern *p, uint64_t v, size_t max_chunk);
void nm_cli_pattern_free(struct nm_cli_pattern *p);
/* Expected byte at stream offset off. */
static inline uint8_t nm_cli_pattern_byte(const struct nm_cli_pattern *p, uint64_t off)
{
	uint32_t i = (uint32_t)(off % p->period);

	return i == p->period - 1 ? '\n' : (uint8_t)(i + 1);
}
/* The expected bytes from stream offset off (len <= max_chunk). */
const uint8_t *nm_cli_pattern_at(const struct nm_cli_pattern *p, uint64_t off);
/* Check len bytes at stream offset off; returns -1 if all match, else the
 * index of the first wrong byte. */
int64_t nm_cli_pattern_check(const struct nm_cli_pattern *p, uint64_t off, const uint8_t *buf,
			     size_t len);
/* Fill buf (len bytes) with the pattern from offset off. */
void nm_cli_pattern_fill(const struct nm_cli_pattern *p, uint64_t off, uint8_t *buf, size_t len);

/* ---- progress.c ---- */

struct nm_cli_progress {
	const char *what;
	uint64_t total;			/* 0: unknown */
	uint64_t t0_ns, last_ns;
	bool tty, quiet, drawn;
};
uint64_t nm_cli_now_ns(void);
void nm_cli_progress_start(struct nm_cli_progress *p, const char *what, uint64_t total,
			   bool quiet);
/* Cheap: redraws at most 10 times a second (a line a second off a tty). */
void nm_cli_progress_update(struct nm_cli_progress *p, uint64_t done);
void nm_cli_progress_end(struct nm_cli_progress *p, uint64_t done);

/* ---- json.c ---- */

struct nm_cli_json {
	char buf[4096];
	size_t len;
	bool first;
};
void nm_cli_json_begin(struct nm_cli_json *j);
void nm_cli_json_u64(struct nm_cli_json *j, const char *k, uint64_t v);
void nm_cli_json_i64(struct nm_cli_json *j, const char *k, int64_t v);
void nm_cli_json_dbl(struct nm_cli_json *j, const char *k, double v);
void nm_cli_json_bool(struct nm_cli_json *j, const char *k, bool v);
void nm_cli_json_str(struct nm_cli_json *j, const char *k, const char *v);
void nm_cli_json_null(struct nm_cli_json *j, const char *k);
/* A nested object's raw text (from another nm_cli_json). */
void nm_cli_json_raw(struct nm_cli_json *j, const char *k, const char *raw);
/* Closes the object; the text is j->buf. */
const char *nm_cli_json_end(struct nm_cli_json *j);

/* ---- sig.c ---- */

/* Catch SIGINT and SIGTERM: recorded, for the loops to stop at their next
 * slice; a second one kills.  demo, server and client. */
void nm_cli_sig_catch(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. */
int nm_cli_interrupted(void);
const char *nm_cli_sig_name(int sig);
/* How a run ended, for its total: " (interrupted by SIGINT)" or "" for the
 * text line; "result":"interrupted","signal":... or "error":why (why not
 * empty) appended to the JSON object, nothing for a normal end. */
const char *nm_cli_sig_suffix(int sig);
void nm_cli_json_ending(struct nm_cli_json *j, int sig, const char *why);
/* While the server waits in nm_wire_shm_create() for a client on name: a
 * signal wakes that wait (NULL: the wait is over).  Check
 * nm_cli_interrupted() after setting it, before the wait. */
void nm_cli_sig_wake_shm(const char *name);

/* ---- host.c ---- */

struct nm_cli_host;
/* --pcap FILE, --snaplen N, --pcap-nano: a capture of one host's NIC
 * (nm_netdev_capture_start()).  A command that builds its host again (a
 * server after its shm client left) appends to the file it started. */
struct nm_cli_pcap {
	const char *path;		/* NULL: no capture */
	uint32_t snaplen;		/* 0: whole frames */
	bool nano, snaplen_set;
	bool started;			/* a host captured already: append */
	bool quiet;			/* no frame count at the end */
};
/* Check --pcap FILE can be written before anything waits for a peer, and
 * that --snaplen/--pcap-nano come with --pcap.  Dies with one line. */
void nm_cli_pcap_check(const struct nm_cli_pcap *c);
/* Start on h's netdev (dies with one line), stop (says what it wrote). */
void nm_cli_pcap_start(struct nm_cli_host *h, struct nm_cli_pcap *c);
void nm_cli_pcap_stop(struct nm_cli_host *h);
/* A capture that failed to write (reported when its host went down). */
bool nm_cli_pcap_failed(void);

struct nm_cli_host {
	struct nm_host *host;		/* the library's: topology, netdev, stack */
	struct nm_wire *wire;		/* owned by host: destroyed with it */
	struct nm_netdev *nd;		/* host's */
	struct nm_stack *st;		/* host's */
	struct nm_ctl *ctl;
	int ifindex;
	struct nm_cli_pcap *pcap;	/* running on nd, else NULL */
};
struct nm_cli_host_params {
	const char *name;		/* netdev name, <= 15 characters */
	struct nm_wire *wire;		/* handed over */
	uint32_t mtu;			/* 0: the wire's */
	uint32_t queues;		/* RX and TX queues */
	const char *addr4, *addr6;	/* "A/PLEN" or NULL */
	uint8_t mac_last;
	struct nm_cli_pcap *pcap;	/* capture the NIC's frames, or NULL */
};
/* On failure dies with a one-line message. */
void nm_cli_host_up(struct nm_cli_host *h, const struct nm_cli_host_params *p);
/* Also stops the host's capture: its frame count on stderr unless quiet,
 * a write that failed as a warning (and the command then fails). */
void nm_cli_host_down(struct nm_cli_host *h);

/* Counters gathered for summaries. */
struct nm_cli_counters {
	struct nm_stack_stats stack;
	struct nm_queue_stats nic;
	struct nm_wire_stats wire;
	struct nm_page_pool_stats pool;	/* summed over the host's payload pools */
	uint32_t pools;
	int64_t pool_inflight;
	/* of those in flight, the buffers posted to the NIC's RX rings: once
	 * every token is back and the sockets are closed, nothing else is */
	int64_t pool_posted;
};
void nm_cli_host_counters(struct nm_cli_host *h, struct nm_cli_counters *c);
/* sum += c, for the counters the summaries report (a server that
 * rebuilt its host for a new client reports the sum). */
void nm_cli_counters_add(struct nm_cli_counters *sum, const struct nm_cli_counters *c);
/* Total NIC drops (every reason). */
uint64_t nm_cli_nic_drops(const struct nm_queue_stats *s);
/* "pool":{...},"drops":{...} members for the JSON summary. */
void nm_cli_json_counters(struct nm_cli_json *j, const struct nm_cli_counters *c);
/*
 * Payload bytes the stack itself copied (send() into the send ring,
 * recv() out of received buffers, devmem linear bytes), from the stack's
 * payload_copy_bytes counter; 0 for a devmem TX + devmem RX transfer.
 */
int64_t nm_cli_stack_payload_copies(const struct nm_cli_counters *c);

/* ---- netns.c ---- */

/* Move this process into a fresh network namespace with lo up (root
 * only); dies with one line otherwise.  Call before creating threads. */
void nm_cli_enter_netns(void);
bool nm_cli_is_root(void);

/* ---- rx.c: the devmem receiver ---- */

struct rx_frag {
	uint64_t off;			/* in the dma-buf */
	uint64_t stream;		/* stream offset of its first byte */
	uint32_t len;
};

enum nm_cli_path { NM_CLI_PATH_DEVMEM = 0, NM_CLI_PATH_COPY, NM_CLI_PATH_ZCRX };
/* "devmem", "copy", "zcrx" */
const char *nm_cli_path_name(enum nm_cli_path p);
/* How a summary says it: "devmem RX", "copy RX", "io_uring zcrx RX" */
const char *nm_cli_rx_path_desc(enum nm_cli_path p);
/* --rx's argument (one of the names above); dies with a usage error on
 * anything else. */
enum nm_cli_path nm_cli_parse_rx_path(const char *s);

struct nm_cli_rx_cfg {
	enum nm_cli_path path;
	uint32_t start_queue, nr_queues;	/* queues bound to the dma-buf */
	uint64_t dmabuf_size;
	uint64_t validate;			/* period V; 0: no validation */
	int timeout_ms;				/* a stall longer than this ends a conn */
	bool watch_peer;			/* cross-process shm wire: a peer whose
						 * process ended ends the conn (gone) */
};

/* The receiving side of a host: the dma-buf and its binding. */
struct nm_cli_rx {
	struct nm_cli_host *h;
	struct nm_cli_rx_cfg cfg;
	struct nm_dmabuf *buf;
	uint32_t dmabuf_id;
	int rule_id;				/* ntuple rule, -1 if none */
	struct nm_cli_pattern pat;
	uint8_t *iobuf;				/* linear bytes / copy path */
	size_t iobuf_len;
	uint8_t *ctrl;
	size_t ctrl_len;
	struct rx_frag *frags;			/* one recvmsg's device frags */
	struct nm_cli_zcrx *zc;			/* --rx zcrx: the ring and its ifq */
	uint64_t zc_copied;			/* its copy-fallback bytes so far */
};

/* How one connection went. */
enum nm_cli_conn_end {
	NM_CLI_END_EOF = 0,		/* orderly close */
	NM_CLI_END_SHORT,		/* closed before the expected bytes */
	NM_CLI_END_RESET,		/* ECONNRESET / aborted */
	NM_CLI_END_STALLED,		/* nothing for timeout_ms */
	NM_CLI_END_INVALID,		/* a byte did not match the pattern */
	NM_CLI_END_ERROR,		/* another error (message in detail) */
	NM_CLI_END_GONE,		/* the peer's shm wire hung up: its process ended */
	NM_CLI_END_INTR,		/* SIGINT/SIGTERM stopped it (nm_cli_interrupted()) */
};
const char *nm_cli_end_name(enum nm_cli_conn_end e);

struct nm_cli_rx_result {
	enum nm_cli_conn_end end;
	uint64_t bytes, devmem_bytes, linear_bytes;
	uint64_t frags, tokens, dontneed_calls;
	uint64_t windows, window_bytes;	/* CPU-access windows opened, bytes they spanned */
	uint64_t t0_ns, t1_ns;		/* accepted .. last byte */
	bool validated;			/* validation on, > 0 bytes, every byte matched */
	uint64_t bad_offset;		/* with END_INVALID */
	uint8_t bad_got, bad_want;
	char detail[160];
};

/* Make the dma-buf (memfd, udmabuf rules), bind it to the queues, steer
 * the flow (dst ip/port, and src ip if client != NULL) to start_queue and
 * spread RSS over the other queues.  Dies on failure. */
void nm_cli_rx_setup(struct nm_cli_rx *rx, struct nm_cli_host *h, const struct nm_cli_rx_cfg *cfg,
		     const struct nm_cli_ip *server, uint16_t port, const struct nm_cli_ip *client);
void nm_cli_rx_teardown(struct nm_cli_rx *rx);
/* Receive one connection to its end (expect: bytes, 0 = until EOF). */
void nm_cli_rx_conn(struct nm_cli_rx *rx, int sd, uint64_t expect, struct nm_cli_progress *pg,
		    struct nm_cli_rx_result *res);

/* ---- rx_zcrx.c: the zcrx receiver's ring ---- */

struct nm_cli_zcrx;
/* An nm_uring on the host's stack with an ifq on queue q (header split is
 * on): an area of dmabuf_size bytes of our memory, 64 KiB buffers.  Dies
 * on failure. */
struct nm_cli_zcrx *nm_cli_zcrx_setup(struct nm_cli_host *h, uint32_t q, uint64_t area_size);
void nm_cli_zcrx_teardown(struct nm_cli_zcrx *z);
/* One fragment: len bytes at p (in the area), in stream order. */
typedef void (*nm_cli_zcrx_frag_fn)(void *arg, const uint8_t *p, uint32_t len);
/* Receive on sd (a RECV_ZC multishot armed on the first call) for at most
 * slice_ms: the bytes of the fragments handed to fn (their buffers then
 * refilled), 0 at EOF, -EAGAIN when nothing came, -errno (the final
 * CQE's) on an error. */
ssize_t nm_cli_zcrx_recv(struct nm_cli_zcrx *z, int sd, int slice_ms, nm_cli_zcrx_frag_fn fn,
			 void *arg);
/* A new connection: the next recv arms a RECV_ZC for it. */
void nm_cli_zcrx_conn_start(struct nm_cli_zcrx *z);
/* Bytes of the copy fallback so far; the ifq's CQEs. */
void nm_cli_zcrx_counts(struct nm_cli_zcrx *z, uint64_t *copy_bytes, uint64_t *cqes);

/* ---- tx.c: the devmem sender ---- */

struct nm_cli_tx_cfg {
	enum nm_cli_path path;
	uint64_t validate;		/* period of the pattern sent */
	uint32_t chunk;			/* bytes per sendmsg */
	int timeout_ms;			/* no progress this long ends the stream
					 * (0: none; sends wait as SO_SNDTIMEO says) */
	bool watch_peer;		/* cross-process shm wire: a peer whose
					 * process ended ends the stream at once */
	atomic_int *stop;		/* set by another thread: give up (NULL: none) */
};
struct nm_cli_tx {
	struct nm_cli_host *h;
	struct nm_cli_tx_cfg cfg;
	struct nm_dmabuf *buf;
	uint32_t dmabuf_id;
	struct nm_cli_pattern pat;
};
struct nm_cli_tx_result {
	uint64_t bytes, sends, completions, zc_copied;
	uint64_t t0_ns, t1_ns;		/* first send .. every byte acked (devmem:
					 * completed; copy: handed to the stack) */
	int err;			/* 0, or -errno that ended it */
	char detail[160];
};
/* Dies on failure. */
void nm_cli_tx_setup(struct nm_cli_tx *tx, struct nm_cli_host *h, const struct nm_cli_tx_cfg *cfg);
void nm_cli_tx_teardown(struct nm_cli_tx *tx);
/* Send total bytes of the pattern on the connected socket sd, then wait for
 * every zerocopy completion.  Does not close sd.  pg may be NULL. */
void nm_cli_tx_stream(struct nm_cli_tx *tx, int sd, uint64_t total, struct nm_cli_progress *pg,
		      struct nm_cli_tx_result *res);

/* ---- commands ---- */

int nm_cli_demo(int argc, char **argv);
int nm_cli_server(int argc, char **argv);
int nm_cli_client(int argc, char **argv);
int nm_cli_bench(int argc, char **argv);
int nm_cli_run(int argc, char **argv);

/* svg.c: a grouped bar chart of metrics against their baselines. */
struct nm_cli_bar {
	char label[96];
	char unit[24];
	double value, baseline;		/* baseline < 0: none */
};
int nm_cli_svg_write(const char *path, const char *title, const struct nm_cli_bar *bars, size_t n);

#endif /* NM_CLI_H */
