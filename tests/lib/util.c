/* SPDX-License-Identifier: MIT */
/*
 * Failing a test, the PRNG, a read that may fault and a peer process's
 * fork (t_util.h).  A failed check prints
 * "FAIL file:line: what" on stderr and ends the program: exit 1 for
 * ctest, abort() for a fuzz harness (t_fail_abort), so that libFuzzer
 * saves the input and shows the stack.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_util.h"

static bool fail_aborts;

void t_fail_abort(bool on)
{
	fail_aborts = on;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (fail_aborts)
		abort();
	exit(1);
}

uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

pid_t t_fork(void)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			_exit(1);
		if (getppid() != parent)	/* it died before we asked */
			_exit(1);
	}
	return pid;
}

int t_stray_read(const volatile char *p)
{
	pid_t pid = fork();
	int status;

	T_ASSERT(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		char c = *p;
		_exit(c == 0x5a ? 3 : 2);
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 1000 + WEXITSTATUS(status);
}
