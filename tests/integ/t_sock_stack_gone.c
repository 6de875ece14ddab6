/* SPDX-License-Identifier: MIT */
/*
 * Destroying a stack with sockets still open: the peer of a connected
 * socket receives a RST (ECONNRESET); the descriptors of the destroyed
 * stack stay valid until closed: each reports ENETDOWN once (SO_ERROR or
 * the next call), then every call fails with its errno and a message
 * (ENOTCONN, EINVAL for listener calls), recv of the ended connection
 * reads EOF, poll says hung up; no crash, no leak under ASan.
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, sd2;
	char b[8];
	struct pollfd p;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7301, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7301, &ssd);
	sd2 = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM, 0));	/* never used */
	T_EQ(nm_send(ssd, "abc", 3, 0), 3);
	t_pump_for(&n, 20);

	/* B goes away with ssd, lsd, sd2 open */
	T_OK(nm_host_stack_down(n.hb));	/* nm_stack_destroy() of B's stack */
	for (int i = 0; i < 50; i++)
		T_OK(nm_stack_poll(n.sa, 0));
	T_EQ(nm_recv(csd, b, sizeof(b), 0), 3);		/* data first ... */
	T_EQ(nm_recv(csd, b, sizeof(b), 0), -ECONNRESET);	/* ... then the RST */

	/* the stack's end is each socket's pending error, reported once */
	{
		int e = 0;
		socklen_t l = sizeof(e);

		T_OK(nm_getsockopt(ssd, SOL_SOCKET, SO_ERROR, &e, &l));
		T_EQ(e, ENETDOWN);
		T_OK(nm_getsockopt(ssd, SOL_SOCKET, SO_ERROR, &e, &l));
		T_EQ(e, 0);
	}
	T_ERR(nm_send(sd2, "x", 1, 0), -ENETDOWN);	/* sd2's, through send */
	/* then every call fails with its errno and a message */
	T_ERR(nm_send(ssd, "x", 1, 0), -ENOTCONN);
	T_ERR(nm_send(sd2, "x", 1, 0), -ENOTCONN);
	T_EQ(nm_recv(ssd, b, 1, MSG_DONTWAIT), 0);	/* a connection that ended: EOF */
	T_ERR(nm_recv(sd2, b, 1, MSG_DONTWAIT), -ENOTCONN);	/* never connected */
	T_ERR(nm_accept(lsd, NULL, NULL), -EINVAL);
	T_ERR(nm_listen(sd2, 1), -EINVAL);
	T_ERR(nm_shutdown(ssd, SHUT_RDWR), -ENOTCONN);
	{
		struct sockaddr_in a = t_sin("198.18.0.1", 9);

		T_ERR(nm_connect(sd2, (struct sockaddr *)&a, sizeof(a)), -ENOTCONN);
	}
	p.fd = ssd;
	p.events = POLLIN | POLLOUT;
	T_EQ(nm_poll(n.sa, &p, 1, 0), 1);
	T_EQ(p.revents, POLLIN | POLLOUT | POLLHUP);	/* readable (EOF), hung up */
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_OK(nm_close(sd2));
	T_OK(nm_close(csd));

	/* the rest of the fixture without B */
	t_net_down(&n);
	T_PASS();
}
