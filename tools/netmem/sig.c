/* SPDX-License-Identifier: MIT */
/*
 * SIGINT and SIGTERM for netmem demo, server and client: a request to
 * stop, not a death.  A killed receiver would take its total with it; a stopped one
 * ends its connection, prints the total marked interrupted, releases its
 * wire and sockets, and exits 128 + the signal (130, 143), as a shell
 * reports a command a signal ended.
 *
 * The handler only records the signal; the commands' loops look at
 * nm_cli_interrupted() between the slices every one of their waits is cut
 * into (at most ACCEPT_SLICE_MS, RX_PEER_SLICE_MS, TX_SLICE_MS,
 * CONNECT_SLICE_MS: a few hundred ms).  No SA_RESTART, though the library's
 * own waits retry on EINTR and only come back at the end of their slice.
 *
 * One library wait has no slice: nm_wire_shm_create() waiting for a client
 * process (forever without --wait), whose poll() retries EINTR.  Cutting
 * it into slices would let a slice end in the middle of a client's
 * handshake; instead, while the server is in it (nm_cli_sig_wake_shm()),
 * the handler wakes it the way a client would: it connects to the wire's
 * name, the abstract unix socket "netmem-shm-NAME" (include/netmem/wire.h),
 * and closes at once, so the library sees a peer that left during the
 * handshake and returns.  If the name is not listening yet (the signal
 * came while the wire was being made), alarm(1) tries again.
 *
 * Invariants: the handlers call only async-signal-safe functions (socket,
 * connect, close, alarm) and keep errno; the first signal is the one
 * reported; a second SIGINT or SIGTERM gets the default action
 * (SA_RESETHAND), so a stop that somehow hangs can still be forced.
 * Workload: none until a signal.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define SHM_SOCK_PREFIX	"netmem-shm-"	/* wire.h: the creator's abstract socket */

static volatile sig_atomic_t sig_caught;	/* the first SIGINT/SIGTERM, 0: none */
static struct sockaddr_un wake_sa;		/* the shm name to poke, set before ... */
static volatile sig_atomic_t wake_len;		/* ... this publishes it; 0: none */

/* Async-signal-safe: connect to the waiting wire's name and hang up. */
static void wake_shm(void)
{
	socklen_t len = (socklen_t)wake_len;
	int fd;

	if (!len)
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&wake_sa, len) < 0)
		alarm(1);	/* not listening yet, or a client is in its backlog */
	if (fd >= 0)
		close(fd);
}

static void on_stop(int sig)
{
	int saved = errno;

	if (!sig_caught)
		sig_caught = sig;
	wake_shm();
	errno = saved;
}

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (sig_caught)
		wake_shm();
	errno = saved;
}

void nm_cli_sig_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGALRM);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND;	/* no SA_RESTART; a second signal kills */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
}

int nm_cli_interrupted(void)
{
	return sig_caught;
}

const char *nm_cli_sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

void nm_cli_sig_wake_shm(const char *name)
{
	size_t pl = strlen(SHM_SOCK_PREFIX), nl;

	wake_len = 0;		/* the handler stops using wake_sa first */
	if (!name) {
		alarm(0);	/* a retry still pending has nothing left to wake */
		return;
	}
	nl = strlen(name);
	if (1 + pl + nl > sizeof(wake_sa.sun_path))
		return;
	memset(&wake_sa, 0, sizeof(wake_sa));
	wake_sa.sun_family = AF_UNIX;
	/* sun_path[0] = 0: the abstract namespace; the length ends the name */
	memcpy(wake_sa.sun_path + 1, SHM_SOCK_PREFIX, pl);
	memcpy(wake_sa.sun_path + 1 + pl, name, nl);
	wake_len = (sig_atomic_t)(offsetof(struct sockaddr_un, sun_path) + 1 + pl + nl);
}

const char *nm_cli_sig_suffix(int sig)
{
	return sig == SIGINT ? " (interrupted by SIGINT)" :
	       sig == SIGTERM ? " (interrupted by SIGTERM)" :
	       sig ? " (interrupted by a signal)" : "";
}

void nm_cli_json_ending(struct nm_cli_json *j, int sig, const char *why)
{
	if (sig) {
		nm_cli_json_str(j, "result", "interrupted");
		nm_cli_json_str(j, "signal", nm_cli_sig_name(sig));
	} else if (why && why[0]) {
		nm_cli_json_str(j, "error", why);
	}
}
