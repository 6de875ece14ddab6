/* The debug name (DMA_BUF_SET_NAME): at most 31 bytes, replaceable,
 * refusals leave the old name. */
#include "t_dmabuf.h"

int main(void)
{
	struct nm_dmabuf *b;
	char longest[32], too_long[33];

	T_OK(nm_dmabuf_create_host(NM_PAGE_SIZE, &b));
	T_ASSERT(!strcmp(nm_dmabuf_name(b), ""));
	T_OK(nm_dmabuf_set_name(b, "rx-payload"));
	T_ASSERT(!strcmp(nm_dmabuf_name(b), "rx-payload"));

	memset(longest, 'n', 31);
	longest[31] = '\0';
	T_OK(nm_dmabuf_set_name(b, longest));
	T_ASSERT(!strcmp(nm_dmabuf_name(b), longest));

	memset(too_long, 'x', 32);
	too_long[32] = '\0';
	T_ERR(nm_dmabuf_set_name(b, too_long), -EINVAL);
	T_ASSERT(!strcmp(nm_dmabuf_name(b), longest));	/* unchanged */

	T_OK(nm_dmabuf_set_name(b, ""));
	T_ASSERT(!strcmp(nm_dmabuf_name(b), ""));

	T_ERR(nm_dmabuf_set_name(b, NULL), -EINVAL);
	T_ERR(nm_dmabuf_set_name(NULL, "x"), -EINVAL);
	nm_dmabuf_put(b);
	T_PASS();
}
