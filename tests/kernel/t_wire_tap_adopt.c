/* SPDX-License-Identifier: MIT */
/*
 * nm_wire_tap_adopt() takes over a TAP fd that another process opened and
 * attached (netmem run hands its TAP down so): the wire carries frames on
 * that fd and closes it when destroyed, the device stays its opener's; a
 * refused fd stays the caller's.  What is not an attached TAP of the right
 * kind is refused with -EINVAL and a message that says which: a pipe, a
 * tun fd never attached, a TUN (not TAP) device, a TAP without IFF_NO_PI
 * (once taken: TUNGETIFF reports IFF_NOFILTER in IFF_NO_PI's bit), a vnet
 * header the offloads disagree with; NULL arguments and an MTU out of
 * range likewise.  A socket filter the opener attached stays attached
 * (the IFF_NO_PI probe once replaced it and left none).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

/* A tun fd attached to NAME with FLAGS (-1: opened, never attached). */
static int tun_fd(const char *name, int flags)
{
	struct ifreq ifr = { .ifr_flags = (short)flags };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	if (flags < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_OK(ioctl(fd, TUNSETIFF, &ifr));
	return fd;
}

/* The link up, as netmem run leaves it (a wire on a down link refuses to send). */
static void link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	T_ASSERT(s >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_OK(ioctl(s, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	T_OK(ioctl(s, SIOCSIFFLAGS, &ifr));
	close(s);
}

/* Whether the kernel's frames reach the wire: the kernel side gets an
 * address and a UDP send to an unknown neighbour makes it send ARP into
 * the TAP.  (Through the wire, not the fd: on the reader-thread engine
 * the wire's thread takes every frame off the fd.) */
static bool frames_reach(struct nm_wire *w, const char *ifname, const char *addr,
			 const char *peer)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char cmd[128], buf[2048];
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(cmd, sizeof(cmd), "ip addr add %s dev %s", addr, ifname);
	T_ASSERT(system(cmd) == 0);
	T_ASSERT(u >= 0);
	inet_pton(AF_INET, peer, &to.sin_addr);
	T_ASSERT(sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1);
	close(u);
	for (int i = 0; i < 50; i++) {
		if (nm_wire_rx_copy(w, &(struct iovec){ buf, sizeof(buf) }, 1, NULL) > 0)
			return true;
		usleep(10000);
	}
	return false;
}

static void refused(int fd, bool offloads, const char *words)
{
	struct nm_wire_tap_params p = { .offloads = offloads };
	struct nm_wire *w = (struct nm_wire *)1;

	T_ERR(nm_wire_tap_adopt(fd, &p, &w), -EINVAL);
	T_ASSERT(w == NULL);
	if (!strstr(nm_last_error(), words))
		T_FAIL("message '%s' does not say '%s'", nm_last_error(), words);
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);	/* still the caller's */
}

int main(void)
{
	struct nm_wire_tap_params p = { .offloads = true, .mtu = 1500 };
	struct nm_wire_stats st;
	struct nm_wire *w;
	uint8_t f[60];
	struct iovec iov = { f, sizeof(f) };
	int pfd[2], fd, keep, r;
	unsigned idx;

	r = t_enter_netns();
	if (r)
		return r;

	T_ERR(nm_wire_tap_adopt(0, &p, NULL), -EINVAL);
	T_ERR(nm_wire_tap_adopt(0, NULL, &w), -EINVAL);
	T_ERR(nm_wire_tap_adopt(-1, &p, &w), -EINVAL);
	p.mtu = 20;
	T_ERR(nm_wire_tap_adopt(0, &p, &w), -EINVAL);
	p.mtu = 1500;

	T_OK(pipe(pfd));
	refused(pfd[0], true, "is not an attached tun device");
	close(pfd[0]);
	close(pfd[1]);
	fd = tun_fd(NULL, -1);
	refused(fd, true, "is not an attached tun device");
	close(fd);
	fd = tun_fd("nmad0", IFF_TUN | IFF_NO_PI);
	refused(fd, false, "is not a TAP opened with IFF_NO_PI");
	close(fd);
	fd = tun_fd("nmad0", IFF_TAP);
	refused(fd, false, "is not a TAP opened with IFF_NO_PI");
	close(fd);
	fd = tun_fd("nmad0", IFF_TAP | IFF_NO_PI);
	refused(fd, true, "without a vnet header");
	close(fd);

	/* the opener's socket filter survives the adoption: a drop-all filter
	 * keeps the kernel's frames away; without one they come (the check
	 * can see them) */
	fd = tun_fd("nmad2", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	link_up("nmad2");
	T_OK(nm_wire_tap_adopt(fd, &p, &w));
	T_ASSERT(frames_reach(w, "nmad2", "198.18.2.1/24", "198.18.2.9"));
	nm_wire_destroy(w);
	{
		struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog drop = { .len = 1, .filter = &none };

		fd = tun_fd("nmad3", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
		link_up("nmad3");
		T_OK(ioctl(fd, TUNATTACHFILTER, &drop));
		T_OK(nm_wire_tap_adopt(fd, &p, &w));
		T_ASSERT(!frames_reach(w, "nmad3", "198.18.3.1/24", "198.18.3.9"));
		nm_wire_destroy(w);
	}

	/* the real thing: frames go out on the adopted fd; the device stays */
	fd = tun_fd("nmad1", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	idx = if_nametoindex("nmad1");
	T_ASSERT(idx > 0);
	link_up("nmad1");
	T_OK(nm_wire_tap_adopt(fd, &p, &w));
	T_EQ(nm_wire_tap_ifindex(w), (int)idx);
	T_EQ(nm_wire_tap_fd(w), fd);
	T_ASSERT(!strcmp(w->name, "nmad1"));
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);		/* broadcast, EtherType 0: the kernel drops it */
	T_OK(nm_wire_xmit(w, &iov, 1, NULL));
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames, 1);
	/* the wire closes the fd it adopted; the device is the opener's */
	keep = dup(fd);
	T_ASSERT(keep >= 0);
	nm_wire_destroy(w);
	T_ASSERT(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	T_EQ(if_nametoindex("nmad1"), idx);
	close(keep);
	T_PASS();
}
