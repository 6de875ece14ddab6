/* SPDX-License-Identifier: MIT */
/*
 * A host (host.h): a netdev on a wire, the stack driving it and its one
 * interface, brought up and torn down as one object.  The one set-up the
 * netmem command, the benchmarks and the test bed share (and the runtime
 * will), so that "a machine with one NIC" is written once.
 *
 * Invariants: 1. nd is never NULL and drives wire, which the host owns;
 * 2. own_topo is NULL when the caller gave the device, else it holds dev;
 * 3. st is NULL (the link only) or a stack whose one interface is nd with
 * the addresses in iface.  Teardown runs in the reverse order of set-up:
 * stack, netdev, wire, topology.
 * Workload: set-up and teardown, a few times per program (a fuzz harness
 * replaces the stack once per input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/host.h>
#include <netmem/pci.h>
#include <netmem/wire.h>

#include "util/err.h"

#define HOST_DEFAULT_TOPO "rc0 { nic0 }"

struct nm_host {
	struct nm_topo *own_topo;	/* made here, else NULL */
	struct nm_device *dev;
	struct nm_wire *wire;		/* owned */
	struct nm_netdev *nd;
	struct nm_stack *st;		/* NULL: the link only */
	struct nm_stack_params stack;
	struct nm_iface_params iface;	/* strings owned; .nd = nd */
};

static void iface_strings_free(struct nm_iface_params *ip)
{
	free((char *)ip->addr4);
	free((char *)ip->gw4);
	free((char *)ip->addr6);
	free((char *)ip->gw6);
}

/* A copy of s (NULL stays NULL) into *dst; false when out of memory. */
static bool dup_opt(const char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst;
}

static int iface_copy(struct nm_iface_params *dst, const struct nm_iface_params *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!dup_opt(&dst->addr4, src->addr4) || !dup_opt(&dst->gw4, src->gw4) ||
	    !dup_opt(&dst->addr6, src->addr6) || !dup_opt(&dst->gw6, src->gw6)) {
		iface_strings_free(dst);
		return nm_err(ENOMEM, "out of memory");
	}
	return 0;
}

/* The caller's device, or the first endpoint of a topology of our own. */
static int host_device(struct nm_host *h, const struct nm_host_params *p)
{
	const char *desc = p->topo ? p->topo : HOST_DEFAULT_TOPO;
	int r;

	if (p->netdev.dev) {
		h->dev = p->netdev.dev;
		return 0;
	}
	r = nm_topo_create(desc, &h->own_topo);
	if (r < 0)
		return nm_err_wrap(r, "topology");
	r = nm_topo_get_device_at(h->own_topo, 0, &h->dev);
	if (r < 0)
		return nm_err_wrap(r, "topology '%s' has no endpoint", desc);
	return 0;
}

/* An undo step may record a message of its own: the failure's stays. */
struct host_err {
	char msg[256];
};

static void host_err_save(struct host_err *e)
{
	snprintf(e->msg, sizeof(e->msg), "%s", nm_last_error());
}

static int host_err_restore(const struct host_err *e, int r)
{
	return nm_err(-r, "%s", e->msg);
}

int nm_host_stack_up(struct nm_host *h)
{
	NM_API_CALL();
	struct host_err e;
	int r;

	if (!h)
		return nm_err(EINVAL, "host is NULL");
	if (h->st)
		return nm_err(EEXIST, "%s has a stack already",
			      nm_netdev_name(h->nd));
	r = nm_stack_create(&h->stack, &h->st);
	if (r < 0)
		return nm_err_wrap(r, "host: stack");
	r = nm_stack_add_iface(h->st, &h->iface);
	if (r < 0)
		goto err_destroy_stack;
	return 0;

err_destroy_stack:
	nm_err_wrap(r, "host: interface %s", nm_netdev_name(h->nd));
	host_err_save(&e);
	nm_stack_destroy(h->st);
	h->st = NULL;
	return host_err_restore(&e, r);
}

int nm_host_stack_down(struct nm_host *h)
{
	NM_API_CALL();
	int r;

	if (!h)
		return nm_err(EINVAL, "host is NULL");
	if (!h->st)
		return nm_err(ENOENT, "%s has no stack", nm_netdev_name(h->nd));
	r = nm_stack_destroy(h->st);
	h->st = NULL;
	return r;
}

/* Netdev, wire and topology: what nm_host_destroy() undoes after the
 * stack.  The first error is returned; everything is freed all the same. */
static int host_link_free(struct nm_host *h, int r)
{
	int k = nm_netdev_destroy(h->nd);

	r = r < 0 ? r : k;
	nm_wire_destroy(h->wire);
	if (h->own_topo) {
		k = nm_topo_destroy(h->own_topo);
		r = r < 0 ? r : k;
	}
	iface_strings_free(&h->iface);
	free(h);
	return r;
}

int nm_host_create(const struct nm_host_params *p, struct nm_host **out)
{
	NM_API_CALL();
	struct nm_netdev_params np;
	struct host_err e;
	struct nm_host *h;
	int r;

	if (!p || !out)
		return nm_err(EINVAL, "NULL params or out");
	if (!p->netdev.wire)
		return nm_err(EINVAL, "no wire (netdev.wire is NULL)");
	if (p->flags & ~NM_HOST_LINK_ONLY)
		return nm_err(EINVAL, "unknown flags %#x", p->flags);
	h = calloc(1, sizeof(*h));
	if (!h)
		return nm_err(ENOMEM, "out of memory");
	r = iface_copy(&h->iface, &p->iface);
	if (r < 0)
		goto err_free_host;
	h->stack = p->stack;
	r = host_device(h, p);
	if (r < 0)
		goto err_destroy_topo;
	np = p->netdev;
	np.dev = h->dev;
	r = nm_netdev_create(&np, &h->nd);
	if (r < 0) {
		r = nm_err_wrap(r, "netdev");
		goto err_destroy_topo;
	}
	h->wire = p->netdev.wire;
	h->iface.nd = h->nd;
	if (!(p->flags & NM_HOST_LINK_ONLY)) {
		r = nm_host_stack_up(h);
		if (r < 0)
			goto err_destroy_netdev;
	}
	*out = h;
	return 0;

err_destroy_netdev:
	/* the wire goes back to the caller: the netdev alone */
	host_err_save(&e);
	nm_netdev_destroy(h->nd);
	host_err_restore(&e, r);
err_destroy_topo:
	if (h->own_topo)
		nm_topo_destroy(h->own_topo);
err_free_host:
	iface_strings_free(&h->iface);
	free(h);
	return r;
}

int nm_host_destroy(struct nm_host *h)
{
	NM_API_CALL();
	if (!h)
		return nm_err(EINVAL, "host is NULL");
	return host_link_free(h, h->st ? nm_stack_destroy(h->st) : 0);
}

struct nm_netdev *nm_host_netdev(const struct nm_host *h)
{
	return h ? h->nd : NULL;
}

struct nm_stack *nm_host_stack(const struct nm_host *h)
{
	return h ? h->st : NULL;
}

struct nm_device *nm_host_device(const struct nm_host *h)
{
	return h ? h->dev : NULL;
}
