/*
 * queue: msend's queue of messages waiting for another try.
 *
 * A queue directory holds tmp/ (entries being written), msg/ (entries
 * waiting), failed/ (entries given up, with the reason) and the file
 * "lock" that one queue runner holds at a time.  An entry is one file:
 * envelope lines ("from a@b", "rcpt c@d", "created 1700000000", ...), a
 * blank line, then the message with LF line endings.  It is written in
 * tmp/, fsynced and renamed into msg/ (then msg/ is fsynced), as a
 * Maildir does; updates replace the whole file the same way.
 */
#ifndef MAILKIT_QUEUE_H
#define MAILKIT_QUEUE_H

#include <stddef.h>
#include <time.h>

#include "lock.h"
#include "util.h"

#define QUEUE_MSG	"msg"
#define QUEUE_FAILED	"failed"

struct qentry {
	char	*id;		/* file name: digits, letters, '.', '_' */
	char	*account;	/* account name, or NULL for the default */
	char	*from;		/* envelope sender, "" for <> */
	char	**rcpt;
	size_t	 nrcpt;
	char	*notify;	/* DSN NOTIFY value, or NULL */
	time_t	 created;
	time_t	 next;		/* not before this time */
	unsigned int attempts;
	char	*error;		/* the last failure, one printable line */
	struct buf msg;
};

void	 qentry_init(struct qentry *);
void	 qentry_free(struct qentry *);
void	 qentry_add_rcpt(struct qentry *, const char *);

/* Make dir and its subdirectories (mode 0700).  0 or -1. */
int	 queue_init(const char *dir);

/*
 * Store e in dir/sub (QUEUE_MSG or QUEUE_FAILED): a new id is made
 * when e->id is NULL; an entry with the same id is replaced.  0 or -1.
 */
int	 queue_put(const char *dir, const char *sub, struct qentry *e);

/* Read entry id of dir/sub into e (which is reset).  0 or -1 (EINVAL:
 * not an entry). */
int	 queue_get(const char *dir, const char *sub, const char *id,
	    struct qentry *e);

/* Remove entry id from dir/sub, then fsync the directory.  0 or -1. */
int	 queue_remove(const char *dir, const char *sub, const char *id);

/* The ids in dir/sub, sorted (oldest first).  0 or -1. */
int	 queue_list(const char *dir, const char *sub, char ***ids, size_t *n);
void	 queue_list_free(char **, size_t);

/*
 * Take the runner lock of dir without waiting.  0, or -1 with EAGAIN
 * when another runner holds it (or another errno).
 */
int	 queue_lock(const char *dir, struct mklock *);

/* Seconds to wait after attempt number n (1, 2, ...): min doubled each
 * time, at most max. */
long	 queue_backoff(unsigned int n, long min, long max);

/* ------------------------------------------------------------ runner */

struct account;
struct msendconf;
struct relay_job;

/*
 * Queue the recipients of j that failed for now (R_TEMP, R_LOCAL) with
 * e's message in a->queue_dir: e's id is kept (a new one when NULL),
 * attempts counted, the next try set by the account's backoff.  q gets
 * the stored entry (free it with qentry_free).  0, or -1 with errno.
 */
int	 queue_defer(const struct account *, const struct qentry *e,
	    const struct relay_job *, const char *why, struct qentry *q);

/*
 * msend -q: in each queue directory of the configuration (only
 * account's when not NULL), under the runner lock, try every entry
 * that is due; remove it when sent; on a permanent failure (or after
 * the account's queue_lifetime) move it to failed/ and mail a bounce
 * to the sender through local_delivery.  A queue whose lock is held
 * is left alone.  Returns 0 or a sysexits status.
 */
int	 queue_run(struct msendconf *, const char *account, int verbose);

/* msend -Q: list the entries of each queue on standard output, like
 * mailq.  Returns 0 or a sysexits status. */
int	 queue_print(struct msendconf *, const char *account);

#endif
