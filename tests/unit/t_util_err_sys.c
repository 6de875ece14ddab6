/* SPDX-License-Identifier: MIT */
/*
 * A failing system call is reported once, where it is made (nm_err_sys()):
 * the return is its -errno and the message is "<public call>: <what>:
 * <strerror>", the public call named by its entry point (NM_API_CALL()),
 * never typed by the code that made the system call.
 *
 *  - nm_stack_create() with no descriptor left: epoll_create1 fails with
 *    EMFILE; the message names nm_stack_create.
 *  - nm_host_create() with no descriptor left: it makes its netdev and
 *    stack through other public calls, and the message still names
 *    nm_host_create, the call the application made.
 *  - once the public call has returned, an error made outside any public
 *    call carries no name (the name does not stick to the thread).
 *
 * And every other message starts with the public call's name, typed
 * nowhere: a literal (nm_stack_create(NULL, NULL)), a formatted one
 * (nm_bind() on a descriptor that is not a socket), and one a helper still
 * writes with the call's short name in front ("memobj_create_anon: ..."),
 * which is not doubled.
 */
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <netmem/host.h>
#include <netmem/mem.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "t_util.h"
#include "util/err.h"

/* Lower the descriptor limit to the lowest free descriptor: the next
 * system call that makes a descriptor fails with EMFILE. */
static struct rlimit no_more_fds(void)
{
	struct rlimit old, lim;
	int fd = dup(0);

	T_ASSERT(fd >= 0);
	close(fd);
	T_ASSERT(getrlimit(RLIMIT_NOFILE, &old) == 0);
	lim = (struct rlimit){ .rlim_cur = (rlim_t)fd, .rlim_max = old.rlim_max };
	T_ASSERT(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	return old;
}

static void expect_msg(const char *call, int err)
{
	const char *m = nm_last_error(), *tail = strerror(err);
	size_t n = strlen(call), mlen = strlen(m), tlen = strlen(tail);

	if (strncmp(m, call, n) || strncmp(m + n, ": ", 2) || mlen < n + 2 + tlen + 2 ||
	    strcmp(m + mlen - tlen, tail) || strncmp(m + mlen - tlen - 2, ": ", 2))
		T_FAIL("message \"%s\": want \"%s: <what>: %s\"", m, call, tail);
}

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 64, .arena_bytes = 1 << 20 };
	struct nm_host_params hp = {
		.netdev = { .name = "nmx0", .rx_queues = 1, .tx_queues = 1 },
		.iface = { .addr4 = "198.18.0.2/24" },
	};
	struct nm_stack *st = NULL;
	struct nm_host *h = NULL;
	struct nm_wire *wa, *wb;
	struct rlimit old;

	/* the public call that made the failing system call */
	old = no_more_fds();
	T_EQ(nm_stack_create(NULL, &st), -EMFILE);
	T_ASSERT(setrlimit(RLIMIT_NOFILE, &old) == 0);
	T_ASSERT(st == NULL);
	T_ASSERT(!strcmp(nm_last_error(), "nm_stack_create: epoll_create1: Too many open files"));

	/* the outermost public call, not the ones it makes inside */
	T_OK(nm_wire_shm_pair(&wp, &wa, &wb));
	hp.netdev.wire = wa;
	old = no_more_fds();
	T_EQ(nm_host_create(&hp, &h), -EMFILE);
	T_ASSERT(setrlimit(RLIMIT_NOFILE, &old) == 0);
	T_ASSERT(h == NULL);
	expect_msg("nm_host_create", EMFILE);

	/* the same calls succeed with descriptors to spare */
	T_OK(nm_host_create(&hp, &h));
	T_OK(nm_host_destroy(h));	/* and the wire a with it */
	nm_wire_destroy(wb);

	/* every message names the call */
	T_EQ(nm_stack_create(NULL, NULL), -EINVAL);
	T_ASSERT(!strcmp(nm_last_error(), "nm_stack_create: NULL out"));
	T_EQ(nm_bind(12345, NULL, 0), -EBADF);
	T_ASSERT(!strcmp(nm_last_error(), "nm_bind: bad socket descriptor 12345"));
	T_EQ(nm_memobj_create_anon(1, 0, &(struct nm_memobj *){ NULL }), -EINVAL);
	T_ASSERT(!strcmp(nm_last_error(), "nm_memobj_create_anon: size 1 is not a nonzero "
					   "multiple of 4096"));

	/* outside any public call: no name */
	T_EQ(nm_err_sys(EPERM, "x"), -EPERM);
	T_ASSERT(!strcmp(nm_last_error(), "x: Operation not permitted"));
	/* an errno the call passes negative, or none, still reads right */
	T_EQ(nm_err_sys(-EBADF, "y %d", 3), -EBADF);
	T_ASSERT(!strcmp(nm_last_error(), "y 3: Bad file descriptor"));
	T_EQ(nm_err_sys(0, "z"), -EIO);
	T_ASSERT(!strcmp(nm_last_error(), "z: Input/output error"));
	return 0;
}
