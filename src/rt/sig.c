/* SPDX-License-Identifier: MIT */
/*
 * Signals, as the kernel treats a socket call they interrupt (signal(7)):
 * a blocked accept, connect, recv* or send* whose thread runs a handler
 * is restarted if the handler was installed with SA_RESTART and the
 * socket has no SO_RCVTIMEO/SO_SNDTIMEO, else it fails with EINTR (or
 * returns the bytes it moved); poll, select and epoll_wait always fail
 * with EINTR.
 *
 * The runtime sleeps in ppoll, which the kernel never restarts, so it must
 * know which handler ran: sigaction() and signal() are interposed, the
 * program's handler is kept and a trampoline installed in its place, with
 * the program's mask and flags (plus SA_SIGINFO).  The trampoline notes in
 * the thread which signal came and whether its handler asked for
 * SA_RESTART, then calls the handler.  sigaction() reports the program's
 * handler back.  A handler installed some other way (the raw syscall)
 * counts as one without SA_RESTART: its signal ends the call with EINTR.
 *
 * SIGPIPE: a send on a connection that can no longer send raises it in the
 * calling thread, as the kernel does, unless MSG_NOSIGNAL.
 */
#include <signal.h>
#include <string.h>

#include "rt/rt_internal.h"

struct sig_ent {
	struct sigaction app;		/* the program's */
	_Atomic bool wrapped;		/* the trampoline stands in for it */
};

static struct sig_ent sigs[NSIG];

/* Written by the trampoline, read by the thread it interrupted. */
static __thread int tls_sig __attribute__((tls_model("initial-exec")));
static __thread bool tls_restart __attribute__((tls_model("initial-exec")));

static void trampoline(int sig, siginfo_t *si, void *uc)
{
	struct sig_ent *e = &sigs[sig];
	int flags = e->app.sa_flags;
	void (*h)(int) = e->app.sa_handler;
	void (*ha)(int, siginfo_t *, void *) = e->app.sa_sigaction;

	tls_sig = sig;
	tls_restart = flags & SA_RESTART;
	if (flags & SA_RESETHAND) {	/* the kernel reset it to SIG_DFL already */
		e->app.sa_handler = SIG_DFL;
		e->app.sa_flags &= ~(SA_SIGINFO | SA_RESETHAND);
		atomic_store(&e->wrapped, false);
	}
	if (flags & SA_SIGINFO)
		ha(sig, si, uc);
	else if (h != SIG_DFL && h != SIG_IGN)
		h(sig);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sig_ent *e;
	struct sigaction k;
	int r;

	if (sig < 1 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP || !rt.enabled)
		return REAL(sigaction)(sig, act, old);
	e = &sigs[sig];
	if (old) {
		if (atomic_load(&e->wrapped))
			*old = e->app;
		else if (REAL(sigaction)(sig, NULL, old) < 0)
			return -1;
	}
	if (!act)
		return 0;
	if (!(act->sa_flags & SA_SIGINFO) &&
	    (act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN)) {
		r = REAL(sigaction)(sig, act, NULL);
		if (r == 0) {
			atomic_store(&e->wrapped, false);
			e->app = *act;
		}
		return r;
	}
	k = *act;
	k.sa_flags |= SA_SIGINFO;
	k.sa_sigaction = trampoline;
	e->app = *act;		/* before the trampoline can run */
	r = REAL(sigaction)(sig, &k, NULL);
	if (r == 0)
		atomic_store(&e->wrapped, true);
	return r;
}

/* glibc's signal(): BSD semantics, SA_RESTART. */
sighandler_t signal(int sig, sighandler_t h)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

void rt_sig_arm(void)
{
	tls_sig = 0;
}

bool rt_sig_restart(void)
{
	return tls_sig && tls_restart;
}

void rt_sigpipe(void)
{
	pthread_kill(pthread_self(), SIGPIPE);
}
