/*
 * deliver: local delivery of one message to one destination at a time
 * (mdeliver, and its LMTP server).
 *
 * A message is read once into a spool (memory while small, then an
 * unlinked temporary file), with CRLF turned into LF and a leading From_
 * line taken off, so that every destination and every LMTP recipient gets
 * the whole message.  A recipient is first expanded into destinations
 * (deliver_expand(): aliases, .forward files, then the user's mailbox,
 * through libcommon/alias), then each destination is delivered with
 * deliver_dest(), which switches to the destination's user in a child
 * process when running as root, adds Return-Path and Delivered-To on top,
 * and writes the mailbox durably (DESIGN.md rule 1), or hands the message
 * to a program, a file or the sending command.  Results are sysexits
 * statuses.
 */
#ifndef MAILKIT_DELIVER_H
#define MAILKIT_DELIVER_H

#include <sys/types.h>
#include <stddef.h>

#include "alias.h"
#include "hdr.h"
#include "util.h"

#define SPOOL_MEMMAX	(1024 * 1024)	/* body bytes kept in memory */
#define SPOOL_HDRMAX	(1024 * 1024)	/* header bytes before the body */

/* One message, read once. */
struct spool {
	struct hdr	 hdr;		/* header block, LF line ends; any
					   Return-Path fields removed */
	struct buf	 body;		/* the body (fd < 0), or write buffer */
	int		 fd;		/* unlinked file holding the body */
	off_t		 bodylen;
	char		*from_;		/* sender of a leading From_ line
					   ("" for MAILER-DAEMON), or NULL */
	const char	*tmpdir;	/* for the temporary file; NULL: TMPDIR
					   or /tmp */
	/* while being written */
	int		 state;
	int		 crpend;
	struct buf	 hb;
	size_t		 hscan;
};

void	 spool_init(struct spool *);
/* Message bytes in pieces of any size.  0, or -1 with errno set. */
int	 spool_write(struct spool *, const void *, size_t);
/* No more bytes: the header block is parsed.  0 or -1. */
int	 spool_end(struct spool *);
/* spool_init, then everything from fd, then spool_end.  0 or -1. */
int	 spool_read_fd(struct spool *, int fd);
void	 spool_free(struct spool *);
/* Body bytes from off: a count, 0 at the end, -1 with errno. */
ssize_t	 spool_pread(const struct spool *, void *, size_t, off_t off);
/* Does a Delivered-To field name rcpt (case-insensitively, <> and white
 * space around it ignored)?  1 yes, 0 no. */
int	 spool_delivered_to(const struct spool *, const char *rcpt);

/* What became of one delivery. */
struct dresult {
	int	 status;	/* sysexits; -1 not tried yet */
	int	 err;		/* errno behind it, or 0 */
	char	*why;		/* text for diagnostics and replies, or NULL */
	char	*where;		/* -v: what the mailbox says it wrote, or NULL */
	off_t	 size;		/* bytes given to the mailbox */
};

void	 dresult_set(struct dresult *, int status, int err, const char *fmt,
	    ...) MK_PRINTF(4, 5);
void	 dresult_free(struct dresult *);

/* Kinds of destination. */
#define DEST_MAILBOX	1	/* a mailbox: path */
#define DEST_FILE	2	/* a file from aliases or .forward: path */
#define DEST_PROGRAM	3	/* a command (path) run as user */
#define DEST_REMOTE	4	/* an address (path) to submit again to */
#define DEST_ERROR	5	/* expansion failed: res says why */

/* One destination of one recipient. */
struct dest {
	int		 kind;		/* DEST_* */
	char		*path;		/* mailbox path, file, command,
					   address, or the reason of an error */
	int		 fmt;		/* MBF_* for a new store, MBF_UNKNOWN */
	char		*rcpt;		/* Delivered-To value, or NULL */
	char		*user;		/* deliver as this user, or NULL: as
					   the invoking user */
	uid_t		 uid;
	gid_t		 gid;
	int		 spoolbox;	/* a system spool mailbox: owned by
					   uid, created user:mail 0660 */
	char		*sender;	/* envelope sender for this one (an
					   owner- list), or NULL: dopts' */
	struct alias_dest ad;		/* DEST_FILE, _PROGRAM, _REMOTE: what
					   the expansion said (owned) */
	char		*orig;		/* original recipient, or NULL */
	char		*domain;	/* the recipient's domain, or NULL */
	struct dresult	 res;		/* DEST_ERROR: set from the start */
};

struct destlist {
	struct dest	*v;
	size_t		 n;
	size_t		 cap;
};

#define DESTLIST_INIT { NULL, 0, 0 }

struct dest *destlist_add(struct destlist *, int kind, const char *path);
void	 destlist_free(struct destlist *);

/* The spool directory: $MAILKIT_SPOOL, else MAILKIT_SPOOL_DIR. */
#ifndef MAILKIT_SPOOL_DIR
#define MAILKIT_SPOOL_DIR "/var/mail"
#endif
const char *deliver_spooldir(void);

/*
 * Resolve a local user into destinations appended to out: ~/Maildir/
 * when that is a directory, else the spool mailbox (mboxrd).  rcpt is the
 * Delivered-To value (NULL: none).  Returns 0, or a sysexits status with
 * res filled: 67 no such user, 75 the user database failed.
 */
int	 deliver_resolve_user(const char *user, const char *rcpt,
	    struct destlist *out, struct dresult *res);

/*
 * Expand one recipient: local is its local part (quotes taken off, any
 * +extension kept), domain the rest of its address or NULL, orig the
 * address as the recipient was given (ORIGINAL_RECIPIENT).  With cfg
 * (its domain is replaced by this one) the aliases and the users'
 * .forward files are followed (alias_expand()); with cfg NULL, local
 * names a user and the destination is the user's mailbox.  Every final
 * destination is appended to out, failures of the expansion as
 * DEST_ERROR.  Delivered-To is local@domain for the recipient itself and
 * name@domain for the names the expansion reached.
 *
 * Returns 0 when out gained a destination to deliver to, else the worst
 * status of the failures with res filled from it (67 no such user, 75,
 * 65 with err ELOOP for a loop ...).
 */
int	 deliver_expand(const struct alias_cfg *cfg, const char *local,
	    const char *domain, const char *orig, struct destlist *out,
	    struct dresult *res);

/* How to deliver (mdeliver's options). */
struct dopts {
	const char	*sender;	/* envelope sender; "" null sender */
	int		 lockkinds;	/* MKLOCK_* */
	int		 locktimeout;	/* seconds */
	int		 nocreate;	/* -c: never create a store */
	int		 newfmt;	/* -F: format of a new store, or 0 */
	const char	*sendmail;	/* -S: submits to remote addresses,
					   NULL: ALIAS_SENDMAIL */
	int		 cmdtimeout;	/* -T: seconds for a command, 0:
					   ALIAS_TIMEOUT */
	const char	*defuser;	/* runs what root's would: "nobody" */
};

/* Destinations done in one invocation: none is written twice. */
struct dctx {
	const struct dopts *o;
	struct donekey {
		int		 kind;	/* 0 a file or directory, or
					   DEST_PROGRAM, DEST_REMOTE */
		dev_t		 dev;
		ino_t		 ino;
		char		*path;	/* when it could not be stat'ed; the
					   user and command, the sender and
					   address */
		struct dresult	 res;
	}		*done;
	size_t		 ndone, capdone;
};

void	 dctx_init(struct dctx *, const struct dopts *);
void	 dctx_free(struct dctx *);

/*
 * Deliver the spooled message to d and fill d->res.  A destination
 * already done by this context (the same file or directory, the same
 * command of the same user, the same address with the same sender) gets
 * that result again without being written.  A message whose Delivered-To
 * names d->rcpt already is a loop (65, ELOOP).  As root with d->user set
 * (and not root), the delivery runs in a child process with the user's
 * uid, gid and groups; commands and files of root's run as dopts'
 * defuser.  A DEST_ERROR keeps its result.  Returns d->res.status.
 */
int	 deliver_dest(struct dctx *, const struct spool *, struct dest *);

/* Map an errno of a delivery to a sysexits status. */
int	 deliver_status(int err);

/* The worse of two statuses: 75 over any other failure (the message is
 * kept and retried), any failure over 0, else the first. */
int	 deliver_worse(int, int);

/*
 * One LMTP reply line (without CRLF) for a delivery result: 250 2.0.0,
 * 451/452 4.x.x for temporary failures, 5xx for permanent ones (552 5.2.2
 * for a full mailbox, 554 5.4.6 for a loop).
 */
void	 deliver_reply(struct buf *, const struct dresult *, const char *rcpt);

#endif
