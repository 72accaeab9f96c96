/*
 * vacdb: the database of vacation(1).  It holds when each sender was
 * last answered, the senders never to answer (addresses and "@domain"),
 * and the reply interval set with "vacation -i -r".
 *
 * The file is a tinycdb constant database with these records:
 *	"version"		"1"
 *	"interval"		seconds, or "infinite"
 *	"reply:" address	time of the last reply (seconds since 1970)
 *	"exclude:" address	""   (address or "@domain")
 * Addresses are kept in lower case (RFC 5321 §2.4 makes only the domain
 * case-insensitive, but every common MTA treats local parts so too).
 *
 * vacdb_open() takes an fcntl lock on "path.lock" (a file kept beside
 * the database, since the database itself is replaced on every write)
 * and reads every record into memory.  vacdb_commit() writes a new file
 * beside the old one, fsyncs it and renames it over the old one
 * (DESIGN.md rule 1), so a reader never sees half a database.  A file
 * that is not a database of this kind (bad cdb structure, unknown keys,
 * values that do not parse) is "corrupt": vacdb_open() succeeds with an
 * empty database and the corrupt flag set, and the next commit rebuilds
 * it.
 */
#ifndef MAILKIT_VACDB_H
#define MAILKIT_VACDB_H

#include <stddef.h>
#include <time.h>

#include "lock.h"

#define VACDB_INFINITE	((time_t)-1)	/* an interval: answer only once */
#define VACDB_NONE	((time_t)-2)	/* no interval stored */
#define VACDB_DEFAULT_INTERVAL	((time_t)7 * 86400)

/* Flags of vacdb_open(). */
#define VACDB_NOLOCK	0x01	/* read only: no lock is taken */

struct vacrec {
	char	*addr;		/* lower case */
	time_t	 t;		/* last reply */
};

struct vacdb {
	char		 *path;
	char		 *lockpath;
	int		  lockfd;
	struct mklock	  lk;
	struct vacrec	 *r;		/* replies, in no particular order */
	size_t		  nr, capr;
	char		**x;		/* exclusions, lower case */
	size_t		  nx, capx;
	time_t		  interval;	/* stored interval, or VACDB_NONE */
	int		  corrupt;	/* unreadable file: rebuilt on commit */
	char		 *why;		/* what was wrong with it (corrupt) */
};

/*
 * Lock (unless VACDB_NOLOCK) and read the database at path; a missing
 * file is an empty database.  timeout_secs as lock_acquire().  Returns
 * 0, or -1 with errno set: EAGAIN when the lock stayed busy, else the
 * error of the system call that failed.
 */
int	 vacdb_open(struct vacdb *, const char *path, int flags,
	    int timeout_secs);

/* When was addr last answered?  1 and *t set, or 0 if never. */
int	 vacdb_last(const struct vacdb *, const char *addr, time_t *t);

/* Is addr excluded, by itself or by "@" and its domain?  1 or 0. */
int	 vacdb_excluded(const struct vacdb *, const char *addr);

/* Note a reply to addr at time t (replacing an older note). */
void	 vacdb_record(struct vacdb *, const char *addr, time_t t);

/*
 * Add an exclusion: an address or "@domain".  0, or -1 with EINVAL when
 * the entry is empty or holds white space or control characters.
 */
int	 vacdb_exclude(struct vacdb *, const char *entry);

/* Forget every reply and exclusion, and the stored interval. */
void	 vacdb_clear(struct vacdb *);

/* Store the interval (seconds, VACDB_INFINITE, or VACDB_NONE). */
void	 vacdb_set_interval(struct vacdb *, time_t);

/*
 * Sort the records by address (for listing and for a stable file).
 */
void	 vacdb_sort(struct vacdb *);

/*
 * Write the database to its path atomically.  Reply records that the
 * interval no longer covers (older than now - interval, or all with an
 * interval of 0) are dropped first.  0, or -1 with errno set; the old
 * file is then untouched.
 */
int	 vacdb_commit(struct vacdb *, time_t now, time_t interval);

/* Release the lock and free everything. */
void	 vacdb_close(struct vacdb *);

/*
 * Parse an interval in days: a count of days (0 to 36500), or
 * "infinite".  0 with *secs set, or -1 with EINVAL.
 */
int	 vacdb_parse_interval(const char *, time_t *secs);

#endif
