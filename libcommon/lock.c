/*
 * lock: fcntl, flock and dot-lock, with timeouts (see lock.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"
#include "xio.h"

#define BACKOFF_MIN_MS	5
#define BACKOFF_MAX_MS	250

int
lock_parse(const char *list, int *kinds)
{
	const char *p = list, *e;
	size_t len;
	int k = 0;

	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (ascii_casecmp_n(p, len, "fcntl") == 0)
			k |= MKLOCK_FCNTL;
		else if (ascii_casecmp_n(p, len, "flock") == 0)
			k |= MKLOCK_FLOCK;
		else if (ascii_casecmp_n(p, len, "dotlock") == 0)
			k |= MKLOCK_DOTLOCK;
		else if (ascii_casecmp_n(p, len, "default") == 0)
			k |= MKLOCK_DEFAULT;
		else if (ascii_casecmp_n(p, len, "none") != 0) {
			errno = EINVAL;
			return -1;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	*kinds = k;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sleep before the next try: *delay grows to BACKOFF_MAX_MS.  Returns -1
 * with EAGAIN when the deadline (-1: none) has passed.
 */
static int
backoff(long long deadline, int *delay)
{
	struct timespec ts;
	long long left, d = *delay;

	if (deadline >= 0) {
		left = deadline - now_ms();
		if (left <= 0) {
			errno = EAGAIN;
			return -1;
		}
		if (d > left)
			d = left;
	}
	ts.tv_sec = (time_t)(d / 1000);
	ts.tv_nsec = (long)(d % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*delay = *delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *delay * 2;
	return 0;
}

static int
busy(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EACCES || e == EINTR;
}

/*
 * fcntl(2) lock of the whole file, polled until the deadline: an
 * open-file-description lock where there are such, unless posix.
 */
static int
take_fcntl(int fd, int shared, int posix, long long deadline)
{
	struct flock fl;
	int delay = BACKOFF_MIN_MS, cmd;

	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = shared ? F_RDLCK : F_WRLCK;
		fl.l_whence = SEEK_SET;
		cmd = F_SETLK;
#ifdef F_OFD_SETLK
		if (!posix)
			cmd = F_OFD_SETLK;
#endif
		if (fcntl(fd, cmd, &fl) == 0)
			return 0;
#ifdef F_OFD_SETLK
		if (cmd == F_OFD_SETLK && errno == EINVAL) {	/* no OFD locks */
			fl.l_pid = 0;
			if (fcntl(fd, F_SETLK, &fl) == 0)
				return 0;
		}
#endif
		if (!busy(errno) || backoff(deadline, &delay) < 0)
			return -1;
	}
}

static void
drop_fcntl(int fd, int posix)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
	if (!posix && fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return;
#endif
	(void)fcntl(fd, F_SETLK, &fl);
}

static int
take_flock(int fd, int shared, long long deadline)
{
	int delay = BACKOFF_MIN_MS;

	for (;;) {
		if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
			return 0;
		if (!busy(errno) || backoff(deadline, &delay) < 0)
			return -1;
	}
}

/*
 * Remove lockpath when it is older than LOCK_STALE_SECS by the file
 * server's clock (now).  Checks the inode again right before unlinking,
 * so that a lock made a moment ago by someone else is not removed.
 */
static void
break_stale(const char *lockpath, time_t now)
{
	struct stat a, b;

	if (lstat(lockpath, &a) < 0 || now - a.st_mtime <= LOCK_STALE_SECS)
		return;
	if (lstat(lockpath, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev || a.st_mtime != b.st_mtime)
		return;
	(void)unlink(lockpath);
}

/*
 * One attempt at the dot-lock through a link of the unique file uniq.
 * Returns 1 when held, 0 when busy, -1 on error.
 */
static int
try_link(const char *uniq, const char *lockpath)
{
	struct stat st;
	int fd, e;

	if (link(uniq, lockpath) == 0)
		return 1;
	e = errno;
	if (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP) {
		/* No hard links here: plain O_EXCL creation. */
		fd = open(lockpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
		if (fd >= 0)
			return close(fd) == 0 ? 1 : -1;
		return errno == EEXIST ? 0 : -1;
	}
	/* NFS may report failure for a link that was made: check. */
	if (lstat(uniq, &st) == 0 && st.st_nlink == 2)
		return 1;
	errno = e;
	return e == EEXIST ? 0 : -1;
}

static int
take_dotlock(struct mklock *l, const char *path, long long deadline)
{
	struct buf pid = BUF_INIT;
	struct stat st;
	char *uniq, *lockpath, host[256];
	time_t t0, base;
	int fd, r, delay = BACKOFF_MIN_MS, saved;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, "/.")] = '\0';
	lockpath = xasprintf("%s.lock", path);
	uniq = xasprintf("%s.lock.%s.%ld.%08x", path, host, (long)getpid(),
	    (unsigned)arc4random());
	if ((fd = open(uniq, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0)
		goto fail;
	buf_printf(&pid, "%ld\n", (long)getpid());
	if (xwrite_all(fd, pid.data, pid.len) < 0 || fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail_unlink;
	}
	if (close(fd) < 0)
		goto fail_unlink;
	/* The server's clock, for judging the age of someone's lock. */
	base = st.st_mtime;
	t0 = time(NULL);
	for (;;) {
		if ((r = try_link(uniq, lockpath)) < 0)
			goto fail_unlink;
		if (r == 1)
			break;
		break_stale(lockpath, base + (time(NULL) - t0));
		if ((r = try_link(uniq, lockpath)) < 0)
			goto fail_unlink;
		if (r == 1)
			break;
		if (backoff(deadline, &delay) < 0)
			goto fail_unlink;
	}
	(void)unlink(uniq);
	free(uniq);
	buf_free(&pid);
	l->dotlock = lockpath;
	return 0;
fail_unlink:
	saved = errno;
	(void)unlink(uniq);
	errno = saved;
fail:
	saved = errno;
	free(uniq);
	free(lockpath);
	buf_free(&pid);
	errno = saved;
	return -1;
}

int
lock_acquire(struct mklock *l, int fd, const char *path, int kinds,
    int timeout_secs)
{
	long long deadline;
	int shared = (kinds & MKLOCK_SHARED) != 0, saved;

	l->fd = fd;
	l->held = 0;
	l->dotlock = NULL;
	deadline = timeout_secs < 0 ? -1 :
	    now_ms() + (long long)timeout_secs * 1000;
	if (kinds & MKLOCK_FCNTL) {
		if (take_fcntl(fd, shared, (kinds & MKLOCK_POSIX) != 0,
		    deadline) < 0)
			goto fail;
		l->held |= MKLOCK_FCNTL | (kinds & MKLOCK_POSIX);
	}
	if (kinds & MKLOCK_FLOCK) {
		if (take_flock(fd, shared, deadline) < 0)
			goto fail;
		l->held |= MKLOCK_FLOCK;
	}
	if ((kinds & MKLOCK_DOTLOCK) && !shared) {
		if (take_dotlock(l, path, deadline) < 0)
			goto fail;
		l->held |= MKLOCK_DOTLOCK;
	}
	return 0;
fail:
	saved = errno;
	(void)lock_release(l);
	errno = saved;
	return -1;
}

int
lock_touch(struct mklock *l)
{
	if (!(l->held & MKLOCK_DOTLOCK))
		return 0;
	return utimensat(AT_FDCWD, l->dotlock, NULL, 0);
}

int
lock_release(struct mklock *l)
{
	int r = 0, saved = 0;

	if (l->held & MKLOCK_DOTLOCK) {
		if (unlink(l->dotlock) < 0 && errno != ENOENT) {
			saved = errno;
			r = -1;
		}
	}
	free(l->dotlock);
	l->dotlock = NULL;
	if (l->held & MKLOCK_FLOCK)
		(void)flock(l->fd, LOCK_UN);
	if (l->held & MKLOCK_FCNTL)
		drop_fcntl(l->fd, (l->held & MKLOCK_POSIX) != 0);
	l->held = 0;
	if (r < 0)
		errno = saved;
	return r;
}
