/*
 * mailbox_impl.h: what mailbox.c shares with the format modules
 * (mbox.c for the file formats, maildir.c, mhstore.c).  Not for programs.
 */
#ifndef MAILKIT_MAILBOX_IMPL_H
#define MAILKIT_MAILBOX_IMPL_H

#include <sys/types.h>
#include <stddef.h>
#include <time.h>

#include "hdr.h"
#include "lock.h"
#include "mailbox.h"
#include "util.h"

#define IB_SIZE		(256 * 1024)	/* read buffer */
#define IB_LOOK		8192		/* lookahead at a line start */
#define OB_SIZE		(256 * 1024)	/* write buffer */
#define HDR_MAX		(1024 * 1024)	/* header block kept in memory */
#define WRITEBACK_STEP	(8LL * 1024 * 1024)	/* start writeback every */
#define BATCH_MSGS	2048		/* messages per durable batch */
#define BATCH_BYTES	(128LL * 1024 * 1024)

/* A read buffer over a descriptor, with lookahead. */
struct ibuf {
	int	 fd;
	char	*p;
	size_t	 start, end, cap;
	off_t	 off;		/* file offset of p[0] */
	int	 eof;
};

/* One message waiting in a batch (Maildir, MH). */
struct pending {
	char	*tmp;		/* name in tmp/ or in the folder */
	char	*dst;		/* final name (Maildir) */
	int	 sub;		/* Maildir: 1 new/, 2 cur/ */
	int	 flags;		/* MH: for the sequences */
};

/* MH sequences (to move to libcommon/mh). */
struct mhseq {
	char	*name;
	unsigned long	(*r)[2];	/* ranges lo-hi, sorted */
	size_t	 n, cap;
};
struct mhseqs {
	struct buf	 other;		/* lines kept as they were */
	struct mhseq	*s;
	size_t		 n;
};

struct mailbox {
	int	 fmt;
	int	 writer;
	char	*path;
	struct mbopts opt;

	/* diagnostics */
	off_t	 erroff;
	char	*errpath;
	const char *errwhat;

	/* reader: current message */
	struct mbattr attr;
	struct hdr hdr;
	struct buf hb;		/* header, separator, start of body */
	size_t	 hbout;		/* bytes of hb handed out */
	int	 inmsg;
	int	 msgdone;	/* the format's stream of this message ended */
	struct ibuf ib;

	/* reader: file formats */
	int	 bol;
	int	 inhdr;		/* collecting the header block */
	off_t	 remain;	/* trusted Content-Length left, -1 none */
	off_t	 bodystart;
	int	 first;
	struct mklock rlock;

	/* reader: directories */
	struct pending *ents;	/* Maildir: tmp = "new/x" or "cur/x" */
	unsigned long *nums;	/* MH */
	size_t	 nents, cur;
	struct mhseqs seqs;

	/* writer: common */
	struct mbattr wattr;
	int	 wstate;	/* 0 idle, 1 header, 2 body */
	int	 crpend;	/* a CR held back at the end of a piece */
	struct buf wh;		/* header being collected */
	size_t	 whscan;	/* start of the first line not yet looked at */
	struct hdr whdr;
	unsigned long long count;
	struct buf ob;		/* output buffer */
	int	 wfd;
	off_t	 wsize;		/* bytes of this message or file */
	int	 wbol;		/* output at a line start (quoting) */
	int	 wgt;		/* mboxrd: '>' run so far at line start */
	char	 wlast;		/* last body byte written */
	int	 wsep;		/* length of the header's separator line */

	/* writer: file formats */
	struct mklock lock;
	off_t	 start;		/* size at open: truncate back to this */
	off_t	 committed;	/* durable up to here */
	off_t	 msgstart;
	off_t	 kicked;	/* writeback started up to here */
	char	*tmpnew;	/* a new file written under this name */
	char	*pend;	/* pending-append record beside the file */
	int	 isreg;
	time_t	 touched;
	struct buf spool;	/* mboxcl/cl2: the body, until its length is known */
	int	 spoolfd;
	off_t	 spoollen;

	/* writer: directories */
	int	 dirfd, tmpfd, newfd, curfd;
	char	*tmpname;
	struct pending *batch;
	size_t	 nbatch, capbatch;
	long long batchbytes;
	unsigned long highest;
	char	*host;
	struct timespec lastname;
};

/* mailbox.c */
void	 mb_seterr(struct mailbox *, const char *what, const char *path);
void	 mb_badfmt(struct mailbox *, off_t, const char *what);
int	 ib_fill(struct ibuf *, size_t want);
void	 ib_reset(struct ibuf *, int fd);
void	 ib_free(struct ibuf *);
int	 mb_out(struct mailbox *, const void *, size_t);
int	 mb_flush(struct mailbox *);
int	 is_from_line(const char *, size_t, char **sender, time_t *);
void	 status_flags(const struct hdr *, int *flags);
char	*return_path(const struct hdr *);
int	 mb_syncfs(struct mailbox *, int fd);
int	 mb_sync_batch(struct mailbox *, int dirfd);	/* files of mb->batch */
/* Queue the finished temporary file (Maildir, MH); the caller fills in
 * the rest.  mb_batch_full() says when the batch must be synced. */
struct pending *mb_batch_push(struct mailbox *);
int	 mb_batch_full(const struct mailbox *);
/* Drop the message being written in a directory store. */
void	 mb_dir_wabort(struct mailbox *, int dirfd);

/* mbox.c: mboxo, mboxrd, mboxcl, mboxcl2, MMDF */
int	 file_ropen(struct mailbox *);
int	 file_next(struct mailbox *);
ssize_t	 file_raw(struct mailbox *, char *, size_t, int line);
void	 file_hdrdone(struct mailbox *);
void	 file_rclose(struct mailbox *);
int	 file_wopen(struct mailbox *);
int	 file_wbegin(struct mailbox *);
int	 file_whead(struct mailbox *, const char *sep, size_t seplen);
int	 file_wbody(struct mailbox *, const char *, size_t);
int	 file_wend(struct mailbox *);
void	 file_wabort(struct mailbox *);
int	 file_wsync(struct mailbox *);
int	 file_wclose(struct mailbox *, int discard);

/* maildir.c */
int	 maildir_ropen(struct mailbox *);
int	 maildir_next(struct mailbox *);
int	 maildir_wopen(struct mailbox *);
int	 maildir_wbegin(struct mailbox *);
int	 maildir_wend(struct mailbox *);
void	 maildir_wabort(struct mailbox *);
int	 maildir_wsync(struct mailbox *);
int	 maildir_wclose(struct mailbox *, int discard);
int	 maildir_info(const char *name, int *flags, char **xflags);

/* mhstore.c */
int	 mh_ropen(struct mailbox *);
int	 mh_next(struct mailbox *);
int	 mh_wopen(struct mailbox *);
int	 mh_wbegin(struct mailbox *);
int	 mh_wend(struct mailbox *);
void	 mh_wabort(struct mailbox *);
int	 mh_wsync(struct mailbox *);
int	 mh_wclose(struct mailbox *, int discard);
void	 mhseq_free(struct mhseqs *);

/* Directory stores read a plain file per message. */
ssize_t	 dir_raw(struct mailbox *, char *, size_t, int line);

#endif
