/* Links against libnetmem.so: the symbol map exports the public API. */
#include <stdio.h>
#include <netmem/error.h>
#include <netmem/mem.h>

int main(void)
{
	struct nm_memobj *obj = NULL;
	int r = nm_memobj_create_anon(0, 0, &obj);

	if (r != -22 || nm_last_error()[0] == '\0') {
		fprintf(stderr, "FAIL: zero-size object: %d (%s)\n", r, nm_last_error());
		return 1;
	}
	printf("PASS shared_link\n");
	return 0;
}
