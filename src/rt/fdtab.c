/* SPDX-License-Identifier: MIT */
/*
 * The fd table: fd number -> the runtime's object for it (a socket, an
 * epoll instance), NULL for every fd the runtime does not know, which is
 * every kernel fd the program uses, so that their calls pass through after
 * one load.  Two levels of 4096 pointers (chunks made on first use, never
 * freed: a reader without the lock may hold one), up to 2^20 fds.
 *
 * Every netmem socket is a real kernel fd (a placeholder: the candidate
 * kernel socket it was made as, or a fresh one for an accepted
 * connection), so the kernel never hands its number to another open()
 * while the program holds it, and fstat() says socket.
 *
 * The runtime's own fds (the TAP, the stack's epoll and timerfd, the
 * wires', eventfds) are marked private: a program that closes fds it does
 * not know (closefrom() loops) must not take them away.
 *
 * Invariants: 1. writes happen under rt_lock; 2. an object is freed only
 * under rt_lock after every entry pointing to it was cleared, and only to
 * its kind's free list (type-stable: rt_internal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "rt/rt_internal.h"

#define FD_CHUNK_BITS	12
#define FD_CHUNK	(1u << FD_CHUNK_BITS)
#define FD_TOP		256
#define FD_MAX		(FD_CHUNK * FD_TOP)

struct fd_chunk {
	struct rt_obj *o[FD_CHUNK];
	uint64_t priv[FD_CHUNK / 64];
};

static struct fd_chunk *_Atomic fd_top[FD_TOP];
static int fd_end;

static struct fd_chunk *chunk_of(int fd)
{
	if (fd < 0 || (unsigned)fd >= FD_MAX)
		return NULL;
	return atomic_load_explicit(&fd_top[(unsigned)fd >> FD_CHUNK_BITS], memory_order_acquire);
}

static struct fd_chunk *chunk_make(int fd)
{
	struct fd_chunk *c = chunk_of(fd);

	if (c || fd < 0 || (unsigned)fd >= FD_MAX)
		return c;
	c = calloc(1, sizeof(*c));
	if (c)
		atomic_store_explicit(&fd_top[(unsigned)fd >> FD_CHUNK_BITS], c,
				      memory_order_release);
	return c;
}

struct rt_obj *rt_fd_get(int fd)
{
	struct fd_chunk *c = chunk_of(fd);

	if (!c)
		return NULL;
	return __atomic_load_n(&c->o[(unsigned)fd & (FD_CHUNK - 1)], __ATOMIC_ACQUIRE);
}

int rt_fd_set(int fd, struct rt_obj *o)
{
	struct fd_chunk *c;

	if (fd < 0 || (unsigned)fd >= FD_MAX)
		return -EBADF;
	c = chunk_make(fd);
	if (!c)
		return -ENOMEM;
	__atomic_store_n(&c->o[(unsigned)fd & (FD_CHUNK - 1)], o, __ATOMIC_RELEASE);
	if (fd >= fd_end)
		fd_end = fd + 1;
	return 0;
}

void rt_fd_clear(int fd)
{
	struct fd_chunk *c = chunk_of(fd);

	if (c)
		__atomic_store_n(&c->o[(unsigned)fd & (FD_CHUNK - 1)], NULL, __ATOMIC_RELEASE);
}

int rt_fd_end(void)
{
	return fd_end;
}

void rt_fd_priv_set(int fd, bool on)
{
	struct fd_chunk *c = on ? chunk_make(fd) : chunk_of(fd);
	unsigned i = (unsigned)fd & (FD_CHUNK - 1);

	if (!c)
		return;
	if (on)
		__atomic_or_fetch(&c->priv[i / 64], 1ull << (i % 64), __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&c->priv[i / 64], ~(1ull << (i % 64)), __ATOMIC_RELAXED);
}

bool rt_fd_priv(int fd)
{
	struct fd_chunk *c = chunk_of(fd);
	unsigned i = (unsigned)fd & (FD_CHUNK - 1);

	return c && (__atomic_load_n(&c->priv[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* ---- type-stable objects ------------------------------------------------------------ */

static struct rt_obj *free_list[RT_KINDS];
static pthread_mutex_t free_lock = PTHREAD_MUTEX_INITIALIZER;

void *rt_obj_new(enum rt_kind kind, size_t size)
{
	struct rt_obj *o, **p;

	pthread_mutex_lock(&free_lock);
	for (p = &free_list[kind]; (o = *p) && o->size != size; p = &o->free_next)
		;
	if (o)
		*p = o->free_next;
	pthread_mutex_unlock(&free_lock);
	if (o) {
		/* kind and size stay what a racing reader may still load */
		memset((char *)o + sizeof(*o), 0, size - sizeof(*o));
		o->free_next = NULL;
		return o;
	}
	o = calloc(1, size);
	if (o) {
		o->kind = (uint8_t)kind;
		o->size = (uint32_t)size;
	}
	return o;
}

void rt_obj_free(struct rt_obj *o)
{
	pthread_mutex_lock(&free_lock);
	o->free_next = free_list[o->kind];
	free_list[o->kind] = o;
	pthread_mutex_unlock(&free_lock);
}
