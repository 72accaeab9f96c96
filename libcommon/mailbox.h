/*
 * mailbox: one reader/writer interface for the seven store formats:
 * mboxo, mboxrd, mboxcl, mboxcl2, MMDF (one file each), MH and Maildir
 * (a directory each; a Maildir++ subfolder ".Sub.Folder" is a Maildir).
 * See mailkit-formats(5) for the formats as read and written here.
 *
 * Everything streams: a message is handed over as a byte stream, only its
 * header block is held in memory, so neither a huge message nor a huge
 * mbox needs memory in proportion.
 *
 * Reading:
 *	struct mailbox *mb;
 *	const struct mbattr *a;
 *	if (mailbox_open(&mb, path, MBF_UNKNOWN) < 0) ...
 *	while ((r = mailbox_next(mb, &a)) == 1)
 *		while ((n = mailbox_read(mb, buf, sizeof(buf))) > 0) ...
 *	mailbox_close(mb);
 * The bytes are the message as it was given to the store: mbox quoting
 * undone, no From_ line, no MMDF delimiters, no separator blank line.
 *
 * Writing:
 *	mailbox_append_open(&mb, path, fmt, &opts);
 *	mailbox_append_begin(mb, &attr); mailbox_append_write(mb, p, n) ...;
 *	mailbox_append_end(mb);		(or mailbox_append_abort(mb))
 *	mailbox_close(mb);		(or mailbox_discard(mb) after an error)
 * Durability (DESIGN.md rule 1): with MBO_SYNC_EACH every message is on
 * disk when mailbox_append_end() returns 0.  Without it (the default,
 * for bulk conversion) messages become durable in batches and at the
 * latest when mailbox_sync() or mailbox_close() returns 0; a crash
 * before that leaves only whole messages behind:
 *   mbox/MMDF	locked, size noted, appended, fsync'd; on any error (and by
 *		mailbox_discard()) truncated back to the size noted at open
 *		(MBO_SYNC_EACH: to the end of the last durable message).  A new
 *		file is written under a temporary name and linked into place
 *		when complete.
 *   Maildir	each message written in tmp/; a batch is synced (syncfs), then
 *		renamed into new/ or cur/, then new/ and cur/ are fsync'd.
 *   MH		a temporary file in the folder per message; a batch is synced,
 *		then each is linked to the next free number (retrying on
 *		EEXIST), the folder fsync'd and .mh_sequences rewritten.
 *
 * Errors: every function returns 0 (or a count) on success and -1 with
 * errno set on failure.  EBADMSG means the input is not in the format:
 * mailbox_erroff() gives the byte offset.  mailbox_errpath() names the
 * file an error concerns and mailbox_errwhat() what was being done.
 * Lock timeouts give EAGAIN.
 */
#ifndef MAILKIT_MAILBOX_H
#define MAILKIT_MAILBOX_H

#include <sys/types.h>
#include <stddef.h>
#include <time.h>

#include "hdr.h"

/* Formats. */
#define MBF_UNKNOWN	0
#define MBF_MBOXO	1
#define MBF_MBOXRD	2
#define MBF_MBOXCL	3
#define MBF_MBOXCL2	4
#define MBF_MMDF	5
#define MBF_MH		6
#define MBF_MAILDIR	7
#define MBF_ISFILE(f)	((f) >= MBF_MBOXO && (f) <= MBF_MMDF)
#define MBF_ISMBOX(f)	((f) >= MBF_MBOXO && (f) <= MBF_MBOXCL2)

/*
 * Message flags, and how each format keeps them:
 *		Maildir	mbox/MMDF	MH sequence
 * SEEN		S	Status: R	not in "unseen"
 * REPLIED	R	X-Status: A	"replied"
 * FLAGGED	F	X-Status: F	"flagged"
 * TRASHED	T	X-Status: D	-
 * DRAFT	D	X-Status: T	-
 * PASSED	P	-		-
 * OLD		in cur/	Status: O	-
 */
#define MBM_SEEN	0x01
#define MBM_REPLIED	0x02
#define MBM_FLAGGED	0x04
#define MBM_TRASHED	0x08
#define MBM_DRAFT	0x10
#define MBM_PASSED	0x20
#define MBM_OLD		0x40

/* What is known about a message besides its bytes. */
struct mbattr {
	char	*sender;	/* envelope sender; "" the null sender <>;
				   NULL unknown */
	time_t	 date;		/* envelope (delivery) date, -1 unknown */
	int	 flags;		/* MBM_* */
	char	*xflags;	/* further Maildir flag letters, or NULL */
	off_t	 size;		/* bytes mailbox_read() will give, -1 unknown */
	off_t	 offset;	/* where the message starts in a file store */
	char	*path;		/* the message's file (MH, Maildir), or NULL */
};

/* Options for writing. */
struct mbopts {
	int	 flags;		/* MBO_* */
	int	 lockkinds;	/* MKLOCK_* for mbox/MMDF; 0 none */
	int	 locktimeout;	/* seconds */
	mode_t	 mode;		/* of new files; directories get x bits */
};

#define MBO_CREATE	0x01	/* create the store when it does not exist */
#define MBO_SYNC_EACH	0x02	/* each message durable at append_end */
#define MBO_KEEP_CR	0x04	/* keep CRLF (default: store LF, rule 6) */
#define MBO_ADD_RETURN_PATH 0x08 /* Maildir/MH: add Return-Path from the
				   sender when the message has none */
#define MBO_NO_RETURN_PATH 0	/* the default; kept for early callers */

/* Defaults: MKLOCK_DEFAULT, 60 s, 0600, no flags. */
void	 mailbox_opts_init(struct mbopts *);

/* "mboxo" "mboxrd" "mbox" (= mboxrd) "mboxcl" "mboxcl2" "mmdf" "mh"
 * "maildir"; -1 with EINVAL for anything else. */
int	 mailbox_fmt_parse(const char *);
const char *mailbox_fmt_name(int);

/*
 * Look at path: a directory with cur/ and new/ is a Maildir, another
 * directory MH, a file starting "From " mboxrd (the variant cannot be
 * told), one starting with ^A^A^A^A MMDF.  An empty file gives
 * MBF_UNKNOWN with *empty set; *empty is also set for a Maildir or MH
 * folder without messages.  A non-empty file in no format: -1 EBADMSG.
 */
int	 mailbox_sniff(const char *path, int *fmt, int *empty);

struct mailbox;

/*
 * Open for reading.  fmt MBF_UNKNOWN sniffs (an empty file then reads as
 * an empty mbox).  path "-" is standard input (file formats only).  An
 * mbox or MMDF file is read under a shared fcntl lock.
 */
int	 mailbox_open(struct mailbox **, const char *path, int fmt);
/* The format being read or written (after sniffing). */
int	 mailbox_fmt(const struct mailbox *);
/*
 * Go to the next message: 1 and *a filled (valid until the next call),
 * 0 at the end, -1 on error.  The rest of the previous message is skipped.
 */
int	 mailbox_next(struct mailbox *, const struct mbattr **a);
/* The header block of the current message, parsed. */
const struct hdr *mailbox_hdr(const struct mailbox *);
/* Stream the current message: up to n bytes; 0 at its end; -1. */
ssize_t	 mailbox_read(struct mailbox *, void *, size_t n);

/*
 * Open for appending (path "-": standard output, file formats only).
 * opts NULL means the defaults.  An mbox/MMDF file is locked here until
 * close.  ENOENT without MBO_CREATE; EEXIST when path exists in another
 * shape (a file where a directory is wanted).
 */
int	 mailbox_append_open(struct mailbox **, const char *path, int fmt,
	    const struct mbopts *);
/*
 * Start a message.  a->sender and a->date make the From_ line (mbox),
 * the file time (Maildir, MH) and, with MBO_ADD_RETURN_PATH, a
 * Return-Path field for a message that has none; a->flags and a->xflags
 * go where the format keeps flags.  Status and X-Status fields are rewritten for mbox/MMDF only
 * when they disagree with a->flags, so that a round trip is exact.
 */
int	 mailbox_append_begin(struct mailbox *, const struct mbattr *a);
/* Message bytes, LF or CRLF, in pieces of any size. */
int	 mailbox_append_write(struct mailbox *, const void *, size_t);
int	 mailbox_append_end(struct mailbox *);
/* Drop the message begun (nothing of it stays). */
void	 mailbox_append_abort(struct mailbox *);
/* Append the current message of src, with a (NULL: src's attributes). */
int	 mailbox_copy(struct mailbox *dst, struct mailbox *src,
	    const struct mbattr *a);
/* Make everything appended so far durable. */
int	 mailbox_sync(struct mailbox *);

/* Close.  A writer syncs first; when that fails, as mailbox_discard(). */
int	 mailbox_close(struct mailbox *);
/* Close a writer dropping everything not yet durable. */
void	 mailbox_discard(struct mailbox *);

/* Diagnostics for the last error. */
off_t	 mailbox_erroff(const struct mailbox *);
const char *mailbox_errpath(const struct mailbox *);
const char *mailbox_errwhat(const struct mailbox *);
/* Where a failed open left its diagnostics (no struct mailbox yet). */
off_t	 mailbox_open_erroff(void);
const char *mailbox_open_errwhat(void);

/* How far reading has got: bytes of a file store (total: its size;
 * -1 when not a regular file), messages of a directory. */
int	 mailbox_progress(const struct mailbox *, unsigned long long *done,
	    unsigned long long *total);

/* Messages appended so far. */
unsigned long long mailbox_count(const struct mailbox *);

/* Maildir++: the path of subfolder "A/B" (or "A.B") below a Maildir root:
 * root/.A.B (malloc'd). */
char	*mailbox_maildirpp(const char *root, const char *folder);

#endif
