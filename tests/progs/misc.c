/* SPDX-License-Identifier: MIT */
/*
 * nmp_misc: the process-level cases of `netmem run` -- signals, timeouts,
 * a peer's reset, fork and exec, a program killed -- as a program written
 * against glibc and the kernel's headers only.  Each case prints what the
 * calls returned, nothing that depends on fd numbers or timing, so the test
 * compares its output on the kernel alone with its output under
 * `netmem run`.
 *
 *	nmp_misc signals PEER PORT      PEER:PORT an echo server
 *	nmp_misc sigpipe-dies PEER PORT a send after SHUT_WR, SIGPIPE's
 *	                                default action (killed: 128 + 13)
 *	nmp_misc reset-client PEER PORT PEER:PORT sends, then resets
 *	nmp_misc reset-server ADDR PORT a client that sends the ncdevmem
 *	                                pattern (period 255), then resets
 *	nmp_misc resetter-client PEER PORT  that client
 *	nmp_misc resetter-server ADDR PORT  that server (for reset-client)
 *	nmp_misc fork PEER PORT         PEER:PORT an echo server
 *	nmp_misc exec-child FD PEER PORT  (run by fork: an exec'd helper)
 *	nmp_misc victim PEER PORT PIDFILE  connect, write the pid, block in recv
 *	nmp_misc reconnect PEER PORT DEAD  connects again on a socket whose
 *	                                connect to DEAD (no listener) failed,
 *	                                non-blocking and blocking
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "prog.h"

static volatile sig_atomic_t handled;

static void on_sigint(int sig)
{
	(void)sig;
	handled++;
}

static void say(const char *what, long ret, int err)
{
	if (ret < 0)
		printf("%-44s -1 %s\n", what, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("%-44s %ld\n", what, ret);
	fflush(stdout);
}

#define T(what, call) do { errno = 0; long r_ = (long)(call); say(what, r_, errno); } while (0)

/* ---- signals ----------------------------------------------------------- */

struct later {
	int delay_ms;
	int fd;				/* >= 0: send "ping" on it at 2 * delay_ms */
};

/* A thread that blocks SIGINT and sends it to the process after a while:
 * the signal goes to a thread that does not block it (the one blocked in
 * the call under test), as a ^C from the terminal would. */
static void *interrupter(void *arg)
{
	struct later *l = arg;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	usleep((useconds_t)l->delay_ms * 1000);
	kill(getpid(), SIGINT);
	if (l->fd >= 0) {
		usleep((useconds_t)l->delay_ms * 1000);
		pp_send_all(l->fd, "ping", 4);
	}
	return NULL;
}

static pthread_t interrupt_later(struct later *l)
{
	pthread_t t;

	if (pthread_create(&t, NULL, interrupter, l))
		pp_die("pthread_create failed");
	return t;
}

static void handler(int flags)
{
	struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0)
		pp_die("sigaction: %s", strerror(errno));
	handled = 0;
}

static void timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		pp_die("SO_RCVTIMEO: %s", strerror(errno));
}

static void sigpipes(int fd);

static void signals(const char *peer, int port)
{
	struct later l = { 200, -1 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd p;
	char b[8] = { 0 };
	int fd = pp_connect(peer, port), lfd, ep;
	uint64_t t0;
	pthread_t t;

	handler(0);
	t = interrupt_later(&l);
	T("recv, SIGINT without SA_RESTART", recv(fd, b, sizeof(b), 0));
	printf("%-44s %d\n", "  handled", handled);
	pthread_join(t, NULL);

	handler(SA_RESTART);
	l.fd = fd;
	t = interrupt_later(&l);
	T("recv, SIGINT with SA_RESTART", recv(fd, b, 4, MSG_WAITALL));
	printf("%-44s %d %.4s\n", "  handled, got", handled, b);
	pthread_join(t, NULL);
	l.fd = -1;

	timeout(fd, 5000);
	handler(SA_RESTART);
	t0 = pp_now_ms();
	t = interrupt_later(&l);
	T("recv, SIGINT with SA_RESTART and SO_RCVTIMEO", recv(fd, b, sizeof(b), 0));
	printf("%-44s %d %s\n", "  handled, before the timeout", handled,
	       pp_now_ms() - t0 < 4000 ? "yes" : "no");
	pthread_join(t, NULL);

	timeout(fd, 300);
	t0 = pp_now_ms();
	T("recv, SO_RCVTIMEO 300 ms", recv(fd, b, sizeof(b), 0));
	printf("%-44s %s\n", "  after 290 ms to 3 s",
	       pp_now_ms() - t0 >= 290 && pp_now_ms() - t0 < 3000 ? "yes" : "no");
	timeout(fd, 0);

	handler(SA_RESTART);
	t = interrupt_later(&l);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	T("poll, SIGINT with SA_RESTART", poll(&p, 1, 5000));
	pthread_join(t, NULL);

	ep = epoll_create1(0);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	t = interrupt_later(&l);
	T("epoll_wait, SIGINT with SA_RESTART", epoll_wait(ep, &ev, 1, 5000));
	pthread_join(t, NULL);
	close(ep);

	lfd = pp_listen("0.0.0.0", port + 1);
	handler(0);
	t = interrupt_later(&l);
	T("accept, SIGINT without SA_RESTART", accept(lfd, NULL, NULL));
	pthread_join(t, NULL);
	close(lfd);

	/* the connection is still good after all of that */
	pp_send_all(fd, "pong", 4);
	T("recv after the signals", pp_recv_all(fd, b, 4));
	printf("%-44s %.4s\n", "  got", b);
	sigpipes(fd);
	close(fd);
}

/* A send on a connection that can no longer send: EPIPE, and SIGPIPE to
 * the sending thread unless MSG_NOSIGNAL (handled, or left pending while
 * blocked). */
static void sigpipes(int fd)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct timespec zero = { 0, 0 };
	sigset_t s, pend;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		pp_die("sigaction: %s", strerror(errno));
	handled = 0;
	T("shutdown SHUT_WR", shutdown(fd, SHUT_WR));
	T("send after SHUT_WR, a SIGPIPE handler", send(fd, "x", 1, 0));
	printf("%-44s %d\n", "  handled", handled);
	T("send MSG_NOSIGNAL", send(fd, "x", 1, MSG_NOSIGNAL));
	printf("%-44s %d\n", "  handled", handled);
	T("write", write(fd, "x", 1));
	printf("%-44s %d\n", "  handled", handled);
	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	T("sendmsg, SIGPIPE blocked", sendmsg(fd, &m, 0));
	sigpending(&pend);
	printf("%-44s %s\n", "  SIGPIPE pending", sigismember(&pend, SIGPIPE) ? "yes" : "no");
	T("sigtimedwait", sigtimedwait(&s, NULL, &zero));
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	signal(SIGPIPE, SIG_IGN);
	T("send, SIGPIPE ignored", send(fd, "x", 1, 0));
	printf("%-44s %d\n", "  handled", handled);
}

/* SIGPIPE's default action ends the program: the caller sees 128 + 13. */
static void sigpipe_dies(int fd)
{
	shutdown(fd, SHUT_WR);
	signal(SIGPIPE, SIG_DFL);
	send(fd, "x", 1, 0);
	pp_die("a send after SHUT_WR with SIGPIPE's default action returned");
}

/* ---- a peer's reset ---------------------------------------------------- */

/* Read to the end; the bytes must be the ncdevmem pattern of period 255. */
static void read_to_reset(int fd)
{
	uint8_t b[16384];
	uint64_t got = 0;
	bool ok = true;
	ssize_t k;

	for (;;) {
		k = recv(fd, b, sizeof(b), 0);
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			ok = ok && b[i] == pp_ncdevmem(255, got + (uint64_t)i);
		got += (uint64_t)k;
	}
	say("recv at the reset", k, errno);
	printf("%-44s %s\n", "  bytes before it, every one checked", got && ok ? "yes" : "no");
	T("recv after the reset", recv(fd, b, sizeof(b), 0));
	T("send after the reset", send(fd, b, 1, MSG_NOSIGNAL));
	T("close", close(fd));
}

/* The other end: 64 KiB of the pattern, and once the peer has acknowledged
 * every byte (TCP_INFO's unacknowledged count, 5 s at most; a reset drops
 * what is not acknowledged) a close with SO_LINGER 0, which is a reset. */
static void resetter(int fd)
{
	struct linger lg = { 1, 0 };
	uint8_t b[65536];
	uint64_t end = pp_now_ms() + 5000;

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = pp_ncdevmem(255, i);
	pp_send_all(fd, b, sizeof(b));
	for (;;) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
			pp_die("TCP_INFO: %s", strerror(errno));
		if (!ti.tcpi_unacked)
			break;
		if (pp_now_ms() > end)
			pp_die("64 KiB not acknowledged after 5 s");
		usleep(1000);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		pp_die("SO_LINGER: %s", strerror(errno));
	T("resetter: close with SO_LINGER 0", close(fd));
}

/* ---- fork and exec ----------------------------------------------------- */

static bool echo_ok(int fd, const char *word)
{
	char b[16] = { 0 };
	size_t n = strlen(word);

	pp_send_all(fd, word, n);
	return pp_recv_all(fd, b, n) == n && !memcmp(b, word, n);
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		pp_die("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void forks(const char *self, const char *peer, int port)
{
	int fd = pp_connect(peer, port);
	char fds[16];
	pid_t pid;

	printf("%-44s %s\n", "echo before", echo_ok(fd, "one") ? "ok" : "BAD");
	fflush(stdout);		/* a child that calls exit() flushes what is buffered */
	/* a child that closes what it inherited */
	pid = fork();
	if (pid == 0) {
		close(fd);
		_exit(0);
	}
	printf("%-44s %d\n", "child that closes the socket", child_status(pid));
	printf("%-44s %s\n", "echo after it", echo_ok(fd, "two") ? "ok" : "BAD");
	/* a child that returns through exit(): atexit handlers, destructors */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		exit(0);
	printf("%-44s %d\n", "child that calls exit()", child_status(pid));
	printf("%-44s %s\n", "echo after it", echo_ok(fd, "three") ? "ok" : "BAD");
	/* a child that execs a program that knows nothing of the socket */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	printf("%-44s %d\n", "child that execs /bin/true", child_status(pid));
	printf("%-44s %s\n", "echo after it", echo_ok(fd, "four") ? "ok" : "BAD");
	/* a helper started by exec that gets the socket (fd in argv) */
	snprintf(fds, sizeof(fds), "%d", fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char sport[16];

		snprintf(sport, sizeof(sport), "%d", port);
		execl(self, "nmp_misc", "exec-child", fds, peer, sport, (char *)NULL);
		_exit(127);
	}
	printf("%-44s %d\n", "helper started by exec", child_status(pid));
	printf("%-44s %s\n", "echo after it", echo_ok(fd, "five") ? "ok" : "BAD");
	T("close", close(fd));
}

/* What an exec'd helper gets: its output goes to stdout as "helper: ...". */
static void exec_child(int fd, const char *peer, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(peer, port, &ss);
	int s;

	T("helper: close the inherited socket", close(fd));
	s = socket(AF_INET, SOCK_STREAM, 0);
	T("helper: socket", s >= 0 ? 0 : -1);
	errno = 0;
	if (connect(s, (struct sockaddr *)&ss, len) == 0) {
		printf("%-44s %s\n", "helper: connect, echo", echo_ok(s, "helper") ? "ok" : "BAD");
	} else {
		say("helper: connect", -1, errno);
	}
	close(s);
}

/* ---- connect again after a failed connect --------------------------------- */

/* A non-blocking connect to a port without a listener, seen through poll
 * (and SO_ERROR when fetch), then connect again: to the dead port, to the
 * live one, and once more when that is done.  Linux reports the failure
 * (or ECONNABORTED once SO_ERROR took it) to the next connect, and the
 * one after starts over. */
static void reconnect_nb(const char *peer, int port, int dead, bool fetch)
{
	struct sockaddr_storage live_sa, dead_sa;
	socklen_t live_len = pp_addr(peer, port, &live_sa), dead_len = pp_addr(peer, dead, &dead_sa);
	int fd = socket(live_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), e = 0;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t el = sizeof(e);

	printf("-- non-blocking, SO_ERROR %s\n", fetch ? "fetched" : "not fetched");
	T("connect to the dead port", connect(fd, (struct sockaddr *)&dead_sa, dead_len));
	T("poll", poll(&p, 1, 10000));
	printf("%-44s %s\n", "revents has POLLOUT, POLLERR, POLLHUP",
	       (p.revents & (POLLOUT | POLLERR | POLLHUP)) == (POLLOUT | POLLERR | POLLHUP) ? "yes"
											   : "no");
	if (fetch) {
		T("getsockopt SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el));
		printf("%-44s %s\n", "SO_ERROR", e ? strerrorname_np(e) : "0");
	}
	T("connect to the dead port again", connect(fd, (struct sockaddr *)&dead_sa, dead_len));
	T("connect to the live port", connect(fd, (struct sockaddr *)&live_sa, live_len));
	p.revents = 0;
	T("poll", poll(&p, 1, 10000));
	e = -1;
	T("getsockopt SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el));
	printf("%-44s %s\n", "SO_ERROR", e ? strerrorname_np(e) : "0");
	T("connect once more", connect(fd, (struct sockaddr *)&live_sa, live_len));
	T("fcntl: blocking", fcntl(fd, F_SETFL, 0));
	printf("%-44s %s\n", "echo", echo_ok(fd, "again") ? "ok" : "BAD");
	T("close", close(fd));
}

static void reconnect(const char *peer, int port, int dead)
{
	struct sockaddr_storage live_sa, dead_sa;
	socklen_t live_len = pp_addr(peer, port, &live_sa), dead_len = pp_addr(peer, dead, &dead_sa);
	int fd;

	reconnect_nb(peer, port, dead, false);
	reconnect_nb(peer, port, dead, true);
	printf("-- blocking\n");
	fd = socket(live_sa.ss_family, SOCK_STREAM, 0);
	T("connect to the dead port", connect(fd, (struct sockaddr *)&dead_sa, dead_len));
	T("connect to the dead port again", connect(fd, (struct sockaddr *)&dead_sa, dead_len));
	T("connect to the live port", connect(fd, (struct sockaddr *)&live_sa, live_len));
	T("connect once more", connect(fd, (struct sockaddr *)&live_sa, live_len));
	printf("%-44s %s\n", "echo", echo_ok(fd, "again") ? "ok" : "BAD");
	T("close", close(fd));
}

/* ---- a program killed --------------------------------------------------- */

static void victim(const char *peer, int port, const char *pidfile)
{
	int fd = pp_connect(peer, port);
	FILE *f = fopen(pidfile, "w");
	char b[8];

	if (!echo_ok(fd, "alive"))
		pp_die("no echo");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
		pp_die("%s: %s", pidfile, strerror(errno));
	for (;;)
		if (recv(fd, b, sizeof(b), 0) <= 0)
			pp_die("recv returned");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fd;

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "signals") && argc == 4) {
		signals(argv[2], (int)pp_num("PORT", argv[3]));
	} else if (!strcmp(cmd, "sigpipe-dies") && argc == 4) {
		sigpipe_dies(pp_connect(argv[2], (int)pp_num("PORT", argv[3])));
	} else if (!strcmp(cmd, "reset-client") && argc == 4) {
		read_to_reset(pp_connect(argv[2], (int)pp_num("PORT", argv[3])));
	} else if (!strcmp(cmd, "reset-server") && argc == 4) {
		fd = pp_listen(argv[2], (int)pp_num("PORT", argv[3]));
		read_to_reset(accept(fd, NULL, NULL));
		close(fd);
	} else if (!strcmp(cmd, "resetter-client") && argc == 4) {
		resetter(pp_connect(argv[2], (int)pp_num("PORT", argv[3])));
	} else if (!strcmp(cmd, "resetter-server") && argc == 4) {
		fd = pp_listen(argv[2], (int)pp_num("PORT", argv[3]));
		resetter(accept(fd, NULL, NULL));
		close(fd);
	} else if (!strcmp(cmd, "fork") && argc == 4) {
		forks("/proc/self/exe", argv[2], (int)pp_num("PORT", argv[3]));
	} else if (!strcmp(cmd, "exec-child") && argc == 5) {
		exec_child((int)pp_num("FD", argv[2]), argv[3], (int)pp_num("PORT", argv[4]));
	} else if (!strcmp(cmd, "reconnect") && argc == 5) {
		reconnect(argv[2], (int)pp_num("PORT", argv[3]), (int)pp_num("DEAD", argv[4]));
	} else if (!strcmp(cmd, "victim") && argc == 5) {
		victim(argv[2], (int)pp_num("PORT", argv[3]), argv[4]);
	} else {
		pp_die("usage: nmp_misc signals|sigpipe-dies|reset-client|reset-server|resetter-client|"
		       "resetter-server|fork|exec-child|victim|reconnect ...");
	}
	printf("-- end\n");
	return 0;
}
