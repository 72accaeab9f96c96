/*
 * lock: mailbox locking with fcntl(2), flock(2) and dot-lock files,
 * with a timeout and stale dot-lock breaking.
 *
 * The kinds are taken in the order of Debian policy §22.6 (fcntl first,
 * then the dot-lock), flock between them when asked for.  A dot-lock is
 * made NFS-safe: a unique file is created with O_EXCL beside the mailbox,
 * linked to "path.lock", and the lock is ours when the unique file then
 * has two links.  A dot-lock not touched for LOCK_STALE_SECS is stale and
 * is removed.  Holders of long locks call lock_touch() now and then.
 *
 * fcntl locks are open-file-description locks (F_OFD_SETLK) where the
 * system has them: they conflict with classic POSIX locks of other
 * processes (mutt, procmail, Dovecot), but closing another descriptor of
 * the same file in this process does not drop them.  With MKLOCK_POSIX
 * the fcntl lock is a classic one (F_SETLK), as nmh takes it: locks of
 * one process never conflict with each other, and closing any descriptor
 * of the file in the process drops them.
 */
#ifndef MAILKIT_LOCK_H
#define MAILKIT_LOCK_H

#define MKLOCK_FCNTL	0x01
#define MKLOCK_FLOCK	0x02
#define MKLOCK_DOTLOCK	0x04
#define MKLOCK_SHARED	0x100	/* read locks; the dot-lock is not taken */
#define MKLOCK_POSIX	0x200	/* fcntl: a classic lock owned by the process */
#define MKLOCK_DEFAULT	(MKLOCK_FCNTL | MKLOCK_DOTLOCK)
#define MKLOCK_KINDS	(MKLOCK_FCNTL | MKLOCK_FLOCK | MKLOCK_DOTLOCK)

#define LOCK_STALE_SECS	300	/* a dot-lock older than this is broken */

struct mklock {
	int	 fd;		/* descriptor holding fcntl/flock locks, or -1 */
	int	 held;		/* MKLOCK_* kinds held now */
	char	*dotlock;	/* "path.lock" while held, else NULL */
};

#define MKLOCK_INIT { -1, 0, NULL }

/*
 * Parse a comma-separated list of kinds: "fcntl", "flock", "dotlock",
 * "none" (nothing) or "default" (fcntl,dotlock).  0, or -1 with EINVAL.
 */
int	lock_parse(const char *list, int *kinds);

/*
 * Take the kinds asked for on fd (fcntl, flock) and on path (dotlock:
 * path.lock).  Waits up to timeout_secs seconds in all (0: one try,
 * negative: no limit), polling with a growing back-off.  On failure every
 * lock taken is released and -1 returned with errno set: EAGAIN when a
 * lock stayed busy until the timeout, else the error of the system call
 * (EACCES: no write permission for the dot-lock in the directory).
 */
int	lock_acquire(struct mklock *, int fd, const char *path, int kinds,
	    int timeout_secs);

/* Refresh the time of a held dot-lock so that nobody breaks it. */
int	lock_touch(struct mklock *);

/* Release whatever is held.  0, or -1 with errno (the locks are gone). */
int	lock_release(struct mklock *);

#endif
