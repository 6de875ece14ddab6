/* Links against libnetmem.so: the symbol map exports the public API, and
 * only it (the NIC's driver seams, the wire vtable's dispatch and the page
 * pool stay inside the library). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <netmem/error.h>
#include <netmem/mem.h>
#include <netmem/socket.h>

int main(void)
{
	static const char *const internal[] = {
		"nm_netdev_poll", "nm_netdev_rx_poll", "nm_netdev_xmit", "nm_wire_xmit",
		"nm_wire_rx", "nm_page_pool_alloc_netmem", "nm_page_pool_put_netmem",
		"nm_dmabuf_binding_create", "nm_err", "nm_tcp_rcv",
	};
	struct nm_memobj *obj = NULL;
	int r = nm_memobj_create_anon(0, 0, &obj);

	if (r != -22 || nm_last_error()[0] == '\0') {
		fprintf(stderr, "FAIL: zero-size object: %d (%s)\n", r, nm_last_error());
		return 1;
	}
	/* what the process can find by name: the public calls, not the rest */
	if (!dlsym(RTLD_DEFAULT, "nm_socket") || dlsym(RTLD_DEFAULT, "nm_socket") != (void *)nm_socket) {
		fprintf(stderr, "FAIL: nm_socket not found by name\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
		if (dlsym(RTLD_DEFAULT, internal[i])) {
			fprintf(stderr, "FAIL: %s is exported\n", internal[i]);
			return 1;
		}
	}
	printf("PASS shared_link\n");
	return 0;
}
