/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_FD_H
#define NM_UTIL_FD_H

#include <stdbool.h>

/*
 * The library's own fds (wires, the stack's epoll and timer, the runtime's
 * eventfds) out of the numbers a program uses.  The kernel gives every new
 * fd the lowest free number, so an fd the library opens -- from a
 * background thread, or inside a program's call -- could take a number the
 * program has just closed, and the program's next call on that number
 * would reach the library's fd instead of failing with EBADF.  With a
 * floor set (the drop-in runtime sets one: docs/runtime.md), each such fd
 * moves at once to the lowest free number at or above it, as OpenOnload
 * keeps its own fds high.  Without a floor (0, the default) nothing moves.
 * Fds handed to the application (dma-buf, fence and memory fds) stay where
 * the kernel put them: they are the program's.
 */

/* Set the floor (0: none).  Before the fds it is for are opened. */
void nm_fd_set_floor(int floor);
/* fd itself, or its copy at or above the floor (close-on-exec; fd
 * closed).  A negative fd, no floor or a failed copy: fd unchanged. */
int nm_fd_lift(int fd);
/* What fd is, by its /proc/self/fd link: true when the link is link (or,
 * with prefix, starts with it), false otherwise or without /proc.  For an
 * fd handed over by someone else (a peer, the environment), checked before
 * it is used. */
bool nm_fd_is(int fd, const char *link, bool prefix);

#endif
