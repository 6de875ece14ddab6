/* nm_wire_shm_peer_alive(): 1 while the other endpoint is attached, 0 at
 * once after it destroyed its endpoint (in this process) or its process
 * was SIGKILLed without sending a frame; after that xmit says -ENOTCONN
 * without a full ring first.  The creator can then destroy its wire and
 * create the same name again for a new peer process (what netmem server
 * does when its client dies).  Anything but an shm wire is -EINVAL. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"

static uint8_t buf[200];

static void t_in_process(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_EQ(nm_wire_shm_peer_alive(a), 1);
	T_EQ(nm_wire_shm_peer_alive(b), 1);
	nm_wire_destroy(b);
	T_EQ(nm_wire_shm_peer_alive(a), 0);
	nm_wire_destroy(a);
}

/* A child that connects to name and then sleeps until killed. */
static pid_t t_peer(const char *name)
{
	pid_t pid;

	pid = t_fork();
	if (pid == 0) {
		struct nm_wire *b;
		int r;

		for (int i = 0; (r = nm_wire_shm_connect(name, 5000, &b)) == -ECONNREFUSED &&
				i < 5000; i++)
			usleep(1000);
		if (r)
			_exit(1);
		pause();
		_exit(2);
	}
	return pid;
}

static void t_killed_then_again(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64 };
	struct nm_wire *a;
	char name[64];
	int status;
	pid_t pid;

	snprintf(name, sizeof(name), "t_wire_shm_peer_alive.%d", (int)getpid());
	for (int round = 0; round < 2; round++) {
		pid = t_peer(name);
		T_OK(nm_wire_shm_create(name, &p, 10000, &a));
		T_EQ(nm_wire_shm_peer_alive(a), 1);
		T_EQ(nm_wire_shm_peer_alive(a), 1);	/* asking changes nothing */
		T_OK(t_wire_send(a, buf, 100, NULL));
		T_ASSERT(kill(pid, SIGKILL) == 0);
		T_ASSERT(waitpid(pid, &status, 0) == pid);
		T_ASSERT(WIFSIGNALED(status));
		/* no frame sent since, the ring is nearly empty: still seen */
		T_EQ(nm_wire_shm_peer_alive(a), 0);
		T_ERR(t_wire_send(a, buf, 100, NULL), -ENOTCONN);	/* at once, latched */
		T_EQ(nm_wire_shm_peer_alive(a), 0);
		/* the name is free again once the wire is gone */
		nm_wire_destroy(a);
	}
}

static void t_bad_args(void)
{
	struct nm_wire_ops ops = { .kind = "fake" };
	struct nm_wire fake = { .ops = &ops };

	T_ERR(nm_wire_shm_peer_alive(NULL), -EINVAL);
	T_ERR(nm_wire_shm_peer_alive(&fake), -EINVAL);
}

int main(void)
{
	t_in_process();
	t_killed_then_again();
	t_bad_args();
	T_PASS();
}
