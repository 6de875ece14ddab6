/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_IO_URING_H
#define NETMEM_IO_URING_H

/*
 * The io_uring uAPI layouts netmem's rings use (nm_uring, <netmem/uring.h>):
 * the kernel's own structures, names and values, so that code written for
 * liburing ports by renaming calls.
 *
 * Where they come from: Linux's include/uapi/linux/io_uring.h and
 * include/uapi/linux/io_uring/zcrx.h as of the 2026 trees (zcrx with
 * rx_buf_len, zcrx_ctrl with ZCRX_CTRL_FLUSH_RQ, IORING_REGISTER_ZCRX_CTRL
 * = 36), and Documentation/networking/iou-zcrx.rst.  Only the parts netmem
 * implements are here, written out field by field; the _Static_asserts
 * below check every size and the offsets an application relies on, so a
 * mistake here cannot compile.
 *
 * The machine's <linux/io_uring.h> may predate zcrx (Debian's 6.1 headers
 * do), so this header does not include it; it defines the same names.
 * Include one or the other: including this one after the kernel's is an
 * error (the structures would be defined twice).
 */

#ifdef LINUX_IO_URING_H
#error "<netmem/io_uring.h> defines the kernel's io_uring uAPI itself: include it instead of <linux/io_uring.h>"
#endif
#define LINUX_IO_URING_H	/* the kernel's header is now a no-op */

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Submission queue entry (64 bytes) ------------------------------------ */

struct io_uring_sqe {
	__u8	opcode;
	__u8	flags;			/* IOSQE_* */
	__u16	ioprio;			/* per-opcode flags (IORING_RECV_MULTISHOT...) */
	__s32	fd;
	union {
		__u64	off;
		__u64	addr2;		/* accept: socklen_t * */
		struct {
			__u32	cmd_op;
			__u32	__pad1;
		};
	};
	union {
		__u64	addr;		/* buffer, sockaddr */
		__u64	splice_off_in;
		struct {
			__u32	level;
			__u32	optname;
		};
	};
	__u32	len;
	union {
		__u32	rw_flags;
		__u32	msg_flags;
		__u32	accept_flags;
		__u32	nop_flags;
		__u32	uring_cmd_flags;
	};
	__u64	user_data;
	union {
		__u16	buf_index;
		__u16	buf_group;
	} __attribute__((packed));
	__u16	personality;
	union {
		__s32	splice_fd_in;
		__u32	file_index;
		__u32	zcrx_ifq_idx;	/* RECV_ZC: which ifq */
		__u32	optlen;
		struct {
			__u16	addr_len;
			__u16	__pad3[1];
		};
		struct {
			__u8	write_stream;
			__u8	__pad4[3];
		};
	};
	union {
		struct {
			__u64	addr3;
			__u64	__pad2[1];
		};
		struct {
			__u64	attr_ptr;
			__u64	attr_type_mask;
		};
		__u64	optval;
		__u8	cmd[0];
	};
};

/* sqe->flags */
#define IOSQE_FIXED_FILE	(1U << 0)
#define IOSQE_IO_DRAIN		(1U << 1)
#define IOSQE_IO_LINK		(1U << 2)
#define IOSQE_IO_HARDLINK	(1U << 3)
#define IOSQE_ASYNC		(1U << 4)
#define IOSQE_BUFFER_SELECT	(1U << 5)
#define IOSQE_CQE_SKIP_SUCCESS	(1U << 6)

/* io_uring_setup() flags */
#define IORING_SETUP_IOPOLL		(1U << 0)
#define IORING_SETUP_SQPOLL		(1U << 1)
#define IORING_SETUP_SQ_AFF		(1U << 2)
#define IORING_SETUP_CQSIZE		(1U << 3)
#define IORING_SETUP_CLAMP		(1U << 4)
#define IORING_SETUP_ATTACH_WQ		(1U << 5)
#define IORING_SETUP_R_DISABLED		(1U << 6)
#define IORING_SETUP_SUBMIT_ALL		(1U << 7)
#define IORING_SETUP_COOP_TASKRUN	(1U << 8)
#define IORING_SETUP_TASKRUN_FLAG	(1U << 9)
#define IORING_SETUP_SQE128		(1U << 10)
#define IORING_SETUP_CQE32		(1U << 11)
#define IORING_SETUP_SINGLE_ISSUER	(1U << 12)
#define IORING_SETUP_DEFER_TASKRUN	(1U << 13)
#define IORING_SETUP_NO_MMAP		(1U << 14)
#define IORING_SETUP_REGISTERED_FD_ONLY	(1U << 15)
#define IORING_SETUP_NO_SQARRAY		(1U << 16)
#define IORING_SETUP_HYBRID_IOPOLL	(1U << 17)
#define IORING_SETUP_CQE_MIXED		(1U << 18)

enum io_uring_op {
	IORING_OP_NOP,
	IORING_OP_READV,
	IORING_OP_WRITEV,
	IORING_OP_FSYNC,
	IORING_OP_READ_FIXED,
	IORING_OP_WRITE_FIXED,
	IORING_OP_POLL_ADD,
	IORING_OP_POLL_REMOVE,
	IORING_OP_SYNC_FILE_RANGE,
	IORING_OP_SENDMSG,
	IORING_OP_RECVMSG,
	IORING_OP_TIMEOUT,
	IORING_OP_TIMEOUT_REMOVE,
	IORING_OP_ACCEPT,
	IORING_OP_ASYNC_CANCEL,
	IORING_OP_LINK_TIMEOUT,
	IORING_OP_CONNECT,
	IORING_OP_FALLOCATE,
	IORING_OP_OPENAT,
	IORING_OP_CLOSE,
	IORING_OP_FILES_UPDATE,
	IORING_OP_STATX,
	IORING_OP_READ,
	IORING_OP_WRITE,
	IORING_OP_FADVISE,
	IORING_OP_MADVISE,
	IORING_OP_SEND,
	IORING_OP_RECV,
	IORING_OP_OPENAT2,
	IORING_OP_EPOLL_CTL,
	IORING_OP_SPLICE,
	IORING_OP_PROVIDE_BUFFERS,
	IORING_OP_REMOVE_BUFFERS,
	IORING_OP_TEE,
	IORING_OP_SHUTDOWN,
	IORING_OP_RENAMEAT,
	IORING_OP_UNLINKAT,
	IORING_OP_MKDIRAT,
	IORING_OP_SYMLINKAT,
	IORING_OP_LINKAT,
	IORING_OP_MSG_RING,
	IORING_OP_FSETXATTR,
	IORING_OP_SETXATTR,
	IORING_OP_FGETXATTR,
	IORING_OP_GETXATTR,
	IORING_OP_SOCKET,
	IORING_OP_URING_CMD,
	IORING_OP_SEND_ZC,
	IORING_OP_SENDMSG_ZC,
	IORING_OP_READ_MULTISHOT,
	IORING_OP_WAITID,
	IORING_OP_FUTEX_WAIT,
	IORING_OP_FUTEX_WAKE,
	IORING_OP_FUTEX_WAITV,
	IORING_OP_FIXED_FD_INSTALL,
	IORING_OP_FTRUNCATE,
	IORING_OP_BIND,
	IORING_OP_LISTEN,
	IORING_OP_RECV_ZC,
	IORING_OP_EPOLL_WAIT,
	IORING_OP_READV_FIXED,
	IORING_OP_WRITEV_FIXED,
	IORING_OP_PIPE,

	IORING_OP_LAST,
};

/* NOP: sqe->nop_flags */
#define IORING_NOP_INJECT_RESULT	(1U << 0)	/* res = (int)sqe->len */

/* send/recv: sqe->ioprio */
#define IORING_RECVSEND_POLL_FIRST	(1U << 0)
#define IORING_RECV_MULTISHOT		(1U << 1)
#define IORING_RECVSEND_FIXED_BUF	(1U << 2)
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#define IORING_RECVSEND_BUNDLE		(1U << 4)
#define IORING_SEND_VECTORIZED		(1U << 5)

/* SEND_ZC notification res with IORING_SEND_ZC_REPORT_USAGE */
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)

/* accept: sqe->ioprio */
#define IORING_ACCEPT_MULTISHOT		(1U << 0)
#define IORING_ACCEPT_DONTWAIT		(1U << 1)
#define IORING_ACCEPT_POLL_FIRST	(1U << 2)

/* ---- Completion queue entry (16 bytes; 32 with IORING_SETUP_CQE32) -------- */

struct io_uring_cqe {
	__u64	user_data;
	__s32	res;
	__u32	flags;
	/* with IORING_SETUP_CQE32: 16 more bytes (a RECV_ZC CQE's struct
	 * io_uring_zcrx_cqe) */
	__u64	big_cqe[];
};

#define IORING_CQE_F_BUFFER		(1U << 0)
#define IORING_CQE_F_MORE		(1U << 1)
#define IORING_CQE_F_SOCK_NONEMPTY	(1U << 2)
#define IORING_CQE_F_NOTIF		(1U << 3)
#define IORING_CQE_F_BUF_MORE		(1U << 4)
#define IORING_CQE_F_SKIP		(1U << 5)
#define IORING_CQE_F_32			(1U << 15)

/* ---- Registration ----------------------------------------------------------- */

enum io_uring_register_op {
	IORING_REGISTER_ZCRX_IFQ	= 32,
	IORING_REGISTER_MEM_REGION	= 34,
	IORING_REGISTER_ZCRX_CTRL	= 36,
};

enum {
	IORING_MEM_REGION_TYPE_USER = 1,	/* user_addr holds the memory */
};

struct io_uring_region_desc {
	__u64	user_addr;
	__u64	size;
	__u32	flags;			/* IORING_MEM_REGION_TYPE_* */
	__u32	id;
	__u64	mmap_offset;
	__u64	__resv[4];
};

/* ---- zcrx (include/uapi/linux/io_uring/zcrx.h) ------------------------------- */

/* Refill queue entry: a buffer the application hands back. */
struct io_uring_zcrx_rqe {
	__u64	off;			/* area token | offset in the area */
	__u32	len;
	__u32	__pad;
};

/* The second half of a RECV_ZC CQE32. */
struct io_uring_zcrx_cqe {
	__u64	off;			/* area token | offset in the area */
	__u64	__pad;
};

/* The bit from which the area id is encoded into offsets */
#define IORING_ZCRX_AREA_SHIFT	48
#define IORING_ZCRX_AREA_MASK	(~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))

struct io_uring_zcrx_offsets {
	__u32	head;
	__u32	tail;
	__u32	rqes;
	__u32	__resv2;
	__u64	__resv[2];
};

enum io_uring_zcrx_area_flags {
	IORING_ZCRX_AREA_DMABUF		= 1,
};

struct io_uring_zcrx_area_reg {
	__u64	addr;			/* user memory, or the offset in the dma-buf */
	__u64	len;
	__u64	rq_area_token;		/* out */
	__u32	flags;			/* IORING_ZCRX_AREA_* */
	__u32	dmabuf_fd;
	__u64	__resv2[2];
};

enum zcrx_reg_flags {
	ZCRX_REG_IMPORT	= 1,
};

enum zcrx_features {
	ZCRX_FEATURE_RX_PAGE_SIZE	= 1 << 0,
};

/* Argument of IORING_REGISTER_ZCRX_IFQ. */
struct io_uring_zcrx_ifq_reg {
	__u32	if_idx;
	__u32	if_rxq;
	__u32	rq_entries;		/* in: wanted; out: rounded */
	__u32	flags;

	__u64	area_ptr;		/* struct io_uring_zcrx_area_reg * */
	__u64	region_ptr;		/* struct io_uring_region_desc * */

	struct io_uring_zcrx_offsets offsets;	/* out */
	__u32	zcrx_id;		/* out */
	__u32	rx_buf_len;		/* 0: a page */
	__u64	__resv[3];
};

enum zcrx_ctrl_op {
	ZCRX_CTRL_FLUSH_RQ,
	ZCRX_CTRL_EXPORT,

	__ZCRX_CTRL_LAST,
};

struct zcrx_ctrl_flush_rq {
	__u64	__resv[6];
};

struct zcrx_ctrl_export {
	__u32	zcrx_fd;
	__u32	__resv1[11];
};

/* Argument of IORING_REGISTER_ZCRX_CTRL. */
struct zcrx_ctrl {
	__u32	zcrx_id;
	__u32	op;			/* enum zcrx_ctrl_op */
	__u64	__resv[2];

	union {
		struct zcrx_ctrl_export		zc_export;
		struct zcrx_ctrl_flush_rq	zc_flush;
	};
};

/* ---- Layout checks (the kernel's sizes and offsets) -------------------------- */

_Static_assert(sizeof(struct io_uring_sqe) == 64, "io_uring_sqe is 64 bytes");
_Static_assert(offsetof(struct io_uring_sqe, off) == 8, "sqe off");
_Static_assert(offsetof(struct io_uring_sqe, addr) == 16, "sqe addr");
_Static_assert(offsetof(struct io_uring_sqe, len) == 24, "sqe len");
_Static_assert(offsetof(struct io_uring_sqe, msg_flags) == 28, "sqe msg_flags");
_Static_assert(offsetof(struct io_uring_sqe, user_data) == 32, "sqe user_data");
_Static_assert(offsetof(struct io_uring_sqe, buf_index) == 40, "sqe buf_index");
_Static_assert(offsetof(struct io_uring_sqe, personality) == 42, "sqe personality");
_Static_assert(offsetof(struct io_uring_sqe, zcrx_ifq_idx) == 44, "sqe zcrx_ifq_idx");
_Static_assert(offsetof(struct io_uring_sqe, addr3) == 48, "sqe addr3");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "io_uring_cqe is 16 bytes");
_Static_assert(sizeof(struct io_uring_region_desc) == 64, "io_uring_region_desc");
_Static_assert(sizeof(struct io_uring_zcrx_rqe) == 16, "io_uring_zcrx_rqe");
_Static_assert(sizeof(struct io_uring_zcrx_cqe) == 16, "io_uring_zcrx_cqe");
_Static_assert(sizeof(struct io_uring_zcrx_offsets) == 32, "io_uring_zcrx_offsets");
_Static_assert(sizeof(struct io_uring_zcrx_area_reg) == 48, "io_uring_zcrx_area_reg");
_Static_assert(sizeof(struct io_uring_zcrx_ifq_reg) == 96, "io_uring_zcrx_ifq_reg");
_Static_assert(offsetof(struct io_uring_zcrx_ifq_reg, zcrx_id) == 64, "ifq_reg zcrx_id");
_Static_assert(sizeof(struct zcrx_ctrl) == 72, "zcrx_ctrl");

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_IO_URING_H */
