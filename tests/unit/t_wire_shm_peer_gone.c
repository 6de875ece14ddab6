/* A wire whose other end is gone says -ENOTCONN (counted in tx_dropped)
 * instead of -EAGAIN forever: at once when the peer destroyed its
 * endpoint, and, when the peer process died without a word (SIGKILL),
 * once the ring has filled and the producer checks the connection.
 * Frames already on the wire can still be read. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"

static uint8_t buf[200], in[200];

static void t_in_process(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;
	struct nm_wire_stats st;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t_wfill(buf, 100, 1);
	T_OK(t_wire_send(b, buf, 100, NULL));
	nm_wire_destroy(b);
	T_ERR(t_wire_send(a, buf, 100, NULL), -ENOTCONN);
	T_ERR(t_wire_send(a, buf, 100, NULL), -ENOTCONN);
	T_EQ(t_wire_recv(a, in, sizeof(in), NULL), 100);	/* still on the wire */
	T_EQ(t_wbitdiff(in, 100, 1), 0);
	T_EQ(t_wire_recv(a, in, sizeof(in), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(a, &st, sizeof(st)));
	T_EQ(st.tx_dropped, 2);
	T_EQ(st.tx_frames, 0);
	nm_wire_destroy(a);
}

static void t_killed(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64 };
	char name[64];
	struct nm_wire *a;
	int status, r = 0, tries;
	pid_t pid;

	snprintf(name, sizeof(name), "t_wire_shm_peer_gone.%d", (int)getpid());
	pid = t_fork();
	if (pid == 0) {
		struct nm_wire *b;

		for (int i = 0; (r = nm_wire_shm_connect(name, 5000, &b)) == -ECONNREFUSED &&
				i < 5000; i++)
			usleep(1000);
		if (r)
			_exit(1);
		pause();	/* never reads; killed below */
		_exit(2);
	}
	T_OK(nm_wire_shm_create(name, &p, 10000, &a));
	T_ASSERT(kill(pid, SIGKILL) == 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFSIGNALED(status));
	for (tries = 0; tries < 100000; tries++) {
		r = t_wire_send(a, buf, 100, NULL);
		if (r == -ENOTCONN)
			break;
		T_ASSERT(r == 0 || r == -EAGAIN);
	}
	printf("peer death seen after %d sends\n", tries);
	T_EQ(r, -ENOTCONN);
	T_ASSERT(tries <= 64 + 64);	/* ring + one check interval */
	T_ERR(t_wire_send(a, buf, 100, NULL), -ENOTCONN);	/* and stays so */
	nm_wire_destroy(a);
}

int main(void)
{
	t_in_process();
	t_killed();
	T_PASS();
}
