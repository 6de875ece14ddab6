/* SPDX-License-Identifier: MIT */
/*
 * netmem run: an unmodified program on netmem's NIC and stack.
 *
 *	netmem run [--wire tap:IFNAME | --wire shm:NAME] [--addr A/PLEN]
 *		   [--host-addr A/PLEN] [--ifname NAME] [--queues N] [--mtu N]
 *		   [--pcap FILE [--snaplen N] [--pcap-nano]] [--quiet] -- PROGRAM [ARGS...]
 *
 * The command prepares what the program's runtime (libnetmem-preload.so,
 * src/rt/) needs and starts PROGRAM with the library in LD_PRELOAD and the
 * NETMEM_* variables that describe the NIC (docs/run.md lists them):
 *  - a run page (a memfd, NETMEM_RUN_FD): the NIC's owner and the totals
 *    of the summary (src/rt/run_page.h);
 *  - on a TAP, the TAP itself: made and configured here as netmem server
 *    makes it (the kernel side gets --host-addr), its fd handed down
 *    (NETMEM_TAP_FD) for the runtime to adopt.  This process holds it too,
 *    so a program that is killed never takes the device with it before
 *    the summary, and removes it after the program ends;
 *  - on shm, only the name: the runtime connects to the wire's other end
 *    or creates the name and waits for it.
 * Then it waits for the program: its exit status is netmem run's (a
 * program killed by a signal kills netmem run with the same signal, after
 * the summary), the summary is one line on stderr unless --quiet.  Errors
 * of netmem run or of the runtime: one line, exit 2.  Signals sent to
 * netmem run go on to the program (a terminal's ^C reaches both anyway).
 *
 * Nothing stays behind: the TAP goes with the last fd on it (this
 * process's and the program's; one that a lingering child of the program
 * still holds is deleted by name), shm names are abstract unix sockets
 * and memfds, which go with their processes, SIGKILL included.
 */
/* first: its option enum has an O_PATH, which <fcntl.h> defines as a macro */
#include "common_opts.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_page.h"

#ifndef NM_PRELOAD_PATH
#define NM_PRELOAD_PATH "/usr/local/lib/libnetmem-preload.so"
#endif
#define PRELOAD_NAME	"libnetmem-preload.so"

enum { O_IFNAME = 512 };

static void usage(FILE *f)
{
	fprintf(f,
"usage: netmem run [options] [--] PROGRAM [ARGS...]\n"
"  Run an unmodified program with its TCP sockets on netmem's NIC and stack\n"
"  (libnetmem-preload.so in LD_PRELOAD; docs/run.md says which sockets).\n"
"  --wire tap:IFNAME   a TAP (root): the kernel side gets --host-addr, and\n"
"                      kernel programs are the peers\n"
"  --wire shm:NAME     a cross-process shm wire: another netmem process on the\n"
"                      same NAME is the peer (netmem run, server or client)\n"
"  --addr A/PLEN       netmem's address (default 198.18.0.2/24)\n"
"  --host-addr A/PLEN  TAP: the kernel's address (default 198.18.0.1/24 or\n"
"                      2001:2::1/64; none: no address)\n"
"  --ifname NAME       netmem's interface name (default nm0; SO_BINDTODEVICE)\n"
"  --queues N          RX/TX queues of the NIC (default 2)\n"
"  --mtu N             MTU (default 1500)\n"
"  --pcap FILE         write the frames crossing the NIC's wire to FILE (a pcap\n"
"                      file for tcpdump); --snaplen N keeps N bytes of each\n"
"                      (default and 0: 262144, whole frames); --pcap-nano:\n"
"                      nanosecond timestamps (default microsecond)\n"
"  --quiet             no summary line at the end, no notes from the runtime\n"
"  The program's exit status is netmem run's; netmem run's own errors and the\n"
"  runtime's exit 2.  NETMEM_WILDCARD=kernel sends wildcard binds to the kernel.\n");
}

/* ---- the preload library ---------------------------------------------------------------- */

static bool readable(const char *p)
{
	return access(p, R_OK) == 0;
}

/* $NETMEM_PRELOAD, next to this binary (a build tree), ../lib next to it,
 * or where make install put it. */
static void find_preload(char *out, size_t len)
{
	const char *env = getenv("NETMEM_PRELOAD");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		if (!readable(env))
			nm_cli_die(NM_CLI_EXIT_USAGE, "NETMEM_PRELOAD=%s: %s", env, strerror(errno));
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash && (size_t)(slash - exe) + sizeof("/../lib/" PRELOAD_NAME) <= len) {
			slash[1] = '\0';
			strcat(strcpy(out, exe), PRELOAD_NAME);
			if (readable(out))
				return;
			strcat(strcpy(out, exe), "../lib/" PRELOAD_NAME);
			if (readable(out))
				return;
		}
	}
	snprintf(out, len, "%s", NM_PRELOAD_PATH);
	if (!readable(out))
		nm_cli_die(NM_CLI_EXIT_USAGE, "no %s next to netmem, in ../lib or at %s (make "
			   "install puts it there; NETMEM_PRELOAD=PATH names another)",
			   PRELOAD_NAME, NM_PRELOAD_PATH);
}

/* ---- the run page -------------------------------------------------------------------- */

static struct nm_run_page *page_make(int *fd)
{
	struct nm_run_page *p;

	*fd = memfd_create("netmem-run", 0);	/* inherited: no CLOEXEC */
	if (*fd < 0 || ftruncate(*fd, sizeof(*p)) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "the run page: %s", strerror(errno));
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		nm_cli_die(NM_CLI_EXIT_FAIL, "the run page: %s", strerror(errno));
	p->magic = NM_RUN_PAGE_MAGIC;
	p->version = NM_RUN_PAGE_VERSION;
	return p;
}

/* ---- the TAP ------------------------------------------------------------------------------ */

/* RTM_DELLINK of ifname: a TAP that a child of the program still holds. */
static void tap_delete(const char *ifname)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} req = { .n = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_DELLINK,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK } };
	char ack[256];
	int fd, idx = (int)if_nametoindex(ifname);

	if (!idx)
		return;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_index = idx;
	if (send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) &&
	    recv(fd, ack, sizeof(ack), 0) < 0) {
		/* the ack only says whether it was there: nothing to do either way */
	}
	close(fd);
}

/* Open and configure the TAP; its fd for the program (no CLOEXEC). */
static int tap_up(struct nm_cli_ep *e, struct nm_wire **w)
{
	int fd, r;

	r = nm_cli_ep_open_wire(e, w);
	if (r < 0)
		nm_cli_die_nm(r, "--wire tap:%s", e->wire.name);
	fd = fcntl(nm_wire_tap_fd(*w), F_DUPFD, 3);
	if (fd < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "the TAP's fd: %s", strerror(errno));
	return fd;
}

/* ---- the program -------------------------------------------------------------------------- */

static pid_t child;

/* Signals for netmem run go on to the program; a terminal's (SI_KERNEL)
 * reached its process group, the program included, already. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child > 0 && si->si_code != SI_KERNEL)
		kill(child, sig);
}

static void forward_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void env_set(const char *k, const char *v)
{
	if (setenv(k, v, 1) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "setenv %s: %s", k, strerror(errno));
}

static void env_setu(const char *k, unsigned long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lu", v);
	env_set(k, b);
}

static void env_prepare(const struct nm_cli_ep *e, const char *ifname, const char *preload,
			int tap_fd, int page_fd)
{
	char buf[PATH_MAX + 4096], ip[64];
	const char *old = getenv("LD_PRELOAD");

	snprintf(buf, sizeof(buf), "%s:%s", e->wire.kind == NM_CLI_WIRE_TAP ? "tap" : "shm",
		 e->wire.name);
	env_set("NETMEM_WIRE", buf);
	snprintf(buf, sizeof(buf), "%s/%u", nm_cli_ip_str(&e->self, ip, sizeof(ip)), e->self_plen);
	env_set("NETMEM_ADDR", buf);
	env_set("NETMEM_IFNAME", ifname);
	env_setu("NETMEM_QUEUES", e->queues);
	env_setu("NETMEM_MTU", e->mtu);
	unsetenv("NETMEM_TAP_FD");
	unsetenv("NETMEM_HOST_ADDR");	/* the TAP is configured here */
	unsetenv("NETMEM_PCAP");
	unsetenv("NETMEM_PCAP_SNAPLEN");
	unsetenv("NETMEM_PCAP_NANO");
	if (tap_fd >= 0)
		env_setu("NETMEM_TAP_FD", (unsigned long)tap_fd);
	env_setu("NETMEM_RUN_FD", (unsigned long)page_fd);
	/* the control endpoint's name: this run's pid (who may use it: its
	 * descendants) and a nonce (src/rt/endpoint.c) */
	snprintf(buf, sizeof(buf), "netmem-%d-%08x", (int)getpid(),
		 (unsigned)(nm_cli_now_ns() ^ ((uint64_t)getpid() << 20)));
	env_set("NETMEM_CTL", buf);
	if (e->pcap.path) {
		env_set("NETMEM_PCAP", e->pcap.path);
		env_setu("NETMEM_PCAP_SNAPLEN", e->pcap.snaplen);
		if (e->pcap.nano)
			env_set("NETMEM_PCAP_NANO", "1");
	}
	if (e->quiet)
		env_set("NETMEM_QUIET", "1");
	if (old && *old)
		snprintf(buf, sizeof(buf), "%s:%s", preload, old);
	else
		snprintf(buf, sizeof(buf), "%s", preload);
	env_set("LD_PRELOAD", buf);
}

/* The child: PROGRAM, or 127 (not found) / 126 (not executable) as a shell
 * says it. */
static void __attribute__((noreturn)) exec_program(char **argv)
{
	int e;

	execvp(argv[0], argv);
	e = errno;
	fprintf(stderr, "netmem run: %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static int wait_program(void)
{
	int st;

	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			nm_cli_die(NM_CLI_EXIT_FAIL, "waitpid: %s", strerror(errno));
	child = 0;
	return st;
}

/* netmem run ends as the program did: its exit status, or its signal. */
static int __attribute__((noreturn)) end_like(int st)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t s;
	int sig;

	if (WIFEXITED(st))
		exit(WEXITSTATUS(st));
	sig = WTERMSIG(st);
	fflush(NULL);
	setrlimit(RLIMIT_CORE, &no_core);	/* the program dumped its own core */
	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	exit(128 + sig);
}

static void summary(const struct nm_run_page *p)
{
	fprintf(stderr, "netmem run: %llu connections, %llu bytes in, %llu bytes out, %llu drops\n",
		(unsigned long long)atomic_load(&p->connections),
		(unsigned long long)atomic_load(&p->bytes_in),
		(unsigned long long)atomic_load(&p->bytes_out),
		(unsigned long long)atomic_load(&p->drops));
}

int nm_cli_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "wire", 1, 0, O_WIRE }, { "addr", 1, 0, O_ADDR },
		{ "host-addr", 1, 0, O_HOST_ADDR }, { "ifname", 1, 0, O_IFNAME },
		{ "queues", 1, 0, O_QUEUES }, { "mtu", 1, 0, O_MTU }, { "pcap", 1, 0, O_PCAP },
		{ "snaplen", 1, 0, O_SNAPLEN }, { "pcap-nano", 0, 0, O_PCAP_NANO },
		{ "quiet", 0, 0, O_QUIET }, { "help", 0, 0, O_HELP }, { 0, 0, 0, 0 },
	};
	const char *ifname = "nm0";
	char preload[PATH_MAX];
	struct nm_run_page *page;
	struct nm_wire *w = NULL;
	struct nm_cli_ep e;
	int c, tap_fd = -1, page_fd, st;

	nm_cli_fail_code(NM_CLI_EXIT_USAGE);	/* every failure of ours is 2 */
	nm_cli_ep_defaults(&e, true);
	/* "+": the program's own options are its, not ours */
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		if (c == 'h' || c == O_HELP) {
			usage(stdout);
			return 0;
		}
		if (c == O_IFNAME) {
			ifname = optarg;
			continue;
		}
		if (c == '?' || !nm_cli_ep_opt(&e, c, optarg)) {
			usage(stderr);
			return NM_CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "which program? netmem run [options] -- PROGRAM [ARGS]");
	if (e.wire.kind == NM_CLI_WIRE_NONE)
		nm_cli_die(NM_CLI_EXIT_USAGE, "which wire? --wire tap:IFNAME (root; the kernel is "
			   "the peer) or --wire shm:NAME (another netmem process is)");
	if (!*ifname || strlen(ifname) > 15 || strchr(ifname, '/') || strchr(ifname, ' '))
		nm_cli_die(NM_CLI_EXIT_USAGE, "--ifname '%s': an interface name of 1 to 15 "
			   "characters", ifname);
	nm_cli_ep_resolve(&e);
	find_preload(preload, sizeof(preload));
	nm_cli_pcap_check(&e.pcap);	/* --snaplen, --pcap-nano need --pcap */
	if (e.pcap.path) {	/* a fresh file: the runtime appends to it */
		int fd = open(e.pcap.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--pcap %s: %s", e.pcap.path, strerror(errno));
		close(fd);
	}
	page = page_make(&page_fd);
	if (e.wire.kind == NM_CLI_WIRE_TAP)
		tap_fd = tap_up(&e, &w);
	env_prepare(&e, ifname, preload, tap_fd, page_fd);
	forward_signals();
	fflush(NULL);
	child = fork();
	if (child < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "fork: %s", strerror(errno));
	if (child == 0)
		exec_program(argv + optind);
	if (tap_fd >= 0)
		close(tap_fd);	/* the program's copy; the wire keeps ours */
	st = wait_program();
	if (w) {
		nm_wire_destroy(w);
		tap_delete(e.wire.name);
	}
	if (atomic_load(&page->failed)) {
		/* the runtime said why on stderr already */
		return NM_CLI_EXIT_USAGE;
	}
	if (!e.quiet)
		summary(page);
	end_like(st);
}
