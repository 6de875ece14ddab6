/* SPDX-License-Identifier: MIT */
/*
 * A blocking connect whose connection came up, carried data and was reset
 * before the connecting thread looked again returns 0; the next calls
 * read the data, then ECONNRESET, then the end -- as on Linux, where the
 * handshake wakes the connecting thread before the RST arrives.  Caught:
 * connect saw only the CLOSED state and returned ECONNRESET, losing the
 * data (`netmem run`'s nmp_misc reset-client, about once in 17 runs: the
 * runtime's stack pass had taken the SYN-ACK, the data and the RST in one
 * go).
 *
 * Deterministic here: the socket layer's wait hook (what netmem run plugs
 * in) plays both stacks through the whole exchange before it returns.
 */
#include "t_tcp.h"
#include "sock/sock_internal.h"

static struct t_net n;
static int lsd, csd;
static int waits;

static int wait_hook(struct nm_socket *so, uint64_t deadline_us)
{
	struct linger lg = { 1, 0 };
	uint8_t b[1000];
	int ssd;

	(void)so;
	(void)deadline_us;
	if (waits++)
		T_FAIL("the connect waited %d times: once plays everything", waits);
	/* the handshake, both stacks, until B has a child to accept */
	for (int i = 0; (ssd = nm_accept(lsd, NULL, NULL)) == -EAGAIN; i++) {
		T_ASSERT(i < 1000);
		nm_stack_poll(n.sb, 0);
		nm_stack_poll(n.sa, 0);
	}
	T_OK(ssd);
	memset(b, 'x', sizeof(b));
	T_EQ(nm_send(ssd, b, sizeof(b), 0), (ssize_t)sizeof(b));
	T_OK(nm_setsockopt(ssd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	T_OK(nm_close(ssd));		/* linger 0: a RST after the data */
	/* until A has taken the data and the RST */
	for (int i = 0; t_tcp_state(csd) != TCP_CLOSE; i++) {
		T_ASSERT(i < 1000);
		nm_stack_poll(n.sb, 0);
		nm_stack_poll(n.sa, 0);
	}
	return 0;
}

int main(void)
{
	struct nm_sock_hooks h = { .wait = wait_hook };
	struct sockaddr_in dst = t_sin("198.18.0.2", 7200);
	uint8_t b[2000];
	ssize_t got = 0, r;
	int sd;

	t_net_up(&n, NULL);
	nm_sock_set_hooks(&h);
	lsd = t_listen(n.sb, AF_INET, 7200, 4);
	csd = sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM, 0));
	T_OK(nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst)));
	T_EQ(waits, 1);
	T_EQ(t_tcp_state(sd), TCP_CLOSE);
	while ((r = nm_recv(sd, b + got, sizeof(b) - (size_t)got, MSG_DONTWAIT)) > 0)
		got += r;
	T_EQ(got, 1000);
	T_EQ(r, -ECONNRESET);
	T_EQ(nm_recv(sd, b, sizeof(b), MSG_DONTWAIT), 0);
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	nm_sock_set_hooks(NULL);
	t_net_down(&n);
	return 0;
}
