/* Unit tests for libcommon/lock: each kind against a second process. */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"
#include "tap.h"

static char *mbox, *dot;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Fork a child that takes a lock of one kind in its own way (classic
 * fcntl, flock, or our lock_acquire for the dot-lock), tells the parent,
 * and holds it for hold_ms milliseconds (or until killed).
 */
static pid_t
holder(int kind, int hold_ms, int shared)
{
	struct mklock l = MKLOCK_INIT;
	struct flock fl;
	int p[2], fd;
	pid_t pid;
	char c = 'x';

	if (pipe(p) < 0)
		exit(1);
	if ((pid = fork()) < 0)
		exit(1);
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			exit(1);
		close(p[0]);
		return pid;
	}
	close(p[0]);
	if ((fd = open(mbox, O_RDWR)) < 0)
		_exit(2);
	if (kind == MKLOCK_FCNTL) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = shared ? F_RDLCK : F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) < 0)
			_exit(3);
	} else if (kind == MKLOCK_FLOCK) {
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			_exit(3);
	} else if (lock_acquire(&l, fd, mbox, kind, 0) < 0)
		_exit(3);
	if (write(p[1], &c, 1) != 1)
		_exit(4);
	usleep((useconds_t)hold_ms * 1000);
	if (kind & MKLOCK_DOTLOCK)
		lock_release(&l);
	_exit(0);
}

static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static void
test_parse(void)
{
	int k = -1;

	ok(lock_parse("fcntl,dotlock,flock", &k) == 0 &&
	    k == (MKLOCK_FCNTL | MKLOCK_DOTLOCK | MKLOCK_FLOCK),
	    "parse fcntl,dotlock,flock");
	ok(lock_parse("none", &k) == 0 && k == 0, "parse none");
	ok(lock_parse("default", &k) == 0 && k == MKLOCK_DEFAULT,
	    "parse default");
	ok(lock_parse("DotLock", &k) == 0 && k == MKLOCK_DOTLOCK,
	    "parse is case-insensitive");
	errno = 0;
	ok(lock_parse("fcntl,lockf", &k) == -1 && errno == EINVAL,
	    "unknown kind is EINVAL");
	ok(lock_parse("fcntl,", &k) == -1, "empty kind is refused");
}

/* Each kind held by another process makes us time out with EAGAIN. */
static void
test_busy(int fd, int kind, const char *name)
{
	struct mklock l = MKLOCK_INIT;
	pid_t pid = holder(kind, 10000, 0);
	double t0 = now(), dt;
	int r;

	errno = 0;
	r = lock_acquire(&l, fd, mbox, kind, 1);
	dt = now() - t0;
	ok(r == -1 && errno == EAGAIN, "%s held elsewhere: EAGAIN", name);
	ok(dt >= 0.9 && dt < 3.0, "%s: waited the timeout (%.2fs)", name, dt);
	ok(l.held == 0 && l.dotlock == NULL, "%s: nothing left held", name);
	errno = 0;
	t0 = now();
	r = lock_acquire(&l, fd, mbox, kind, 0);
	ok(r == -1 && errno == EAGAIN && now() - t0 < 0.5,
	    "%s: timeout 0 is one try", name);
	reap(pid);
	if (kind == MKLOCK_DOTLOCK)
		unlink(dot);	/* the killed holder left it */
}

/* A holder that lets go after 300 ms: we wait and get it. */
static void
test_wait(int fd, int kind, const char *name)
{
	struct mklock l = MKLOCK_INIT;
	pid_t pid = holder(kind, 300, 0);
	double t0 = now(), dt;
	int r, st;

	r = lock_acquire(&l, fd, mbox, kind, 10);
	dt = now() - t0;
	ok(r == 0 && l.held == kind, "%s: got it after the holder left", name);
	ok(dt >= 0.2 && dt < 5.0, "%s: waited for it (%.2fs)", name, dt);
	ok(lock_release(&l) == 0, "%s: released", name);
	waitpid(pid, &st, 0);
}

static void
test_dotlock(int fd)
{
	struct mklock l = MKLOCK_INIT;
	struct timespec ts[2];
	struct stat st;
	double t0;
	int dfd;

	ok(lock_acquire(&l, fd, mbox, MKLOCK_DEFAULT | MKLOCK_FLOCK, 0) == 0,
	    "all three kinds taken");
	ok(l.held == MKLOCK_KINDS, "held mask is all three");
	ok(stat(dot, &st) == 0 && st.st_nlink == 1,
	    "path.lock exists with one link (unique file removed)");
	ok(lock_touch(&l) == 0, "lock_touch");
	ok(lock_release(&l) == 0 && stat(dot, &st) < 0 && errno == ENOENT,
	    "release removes path.lock");

	/* A stale dot-lock (10 minutes old) is broken at once. */
	dfd = open(dot, O_WRONLY | O_CREAT | O_EXCL, 0644);
	close(dfd);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 600;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, dot, ts, 0);
	t0 = now();
	ok(lock_acquire(&l, fd, mbox, MKLOCK_DOTLOCK, 5) == 0 &&
	    now() - t0 < 1.0, "a stale dot-lock is broken");
	ok(stat(dot, &st) == 0 && st.st_mtime > time(NULL) - 60,
	    "the new dot-lock is ours and fresh");
	lock_release(&l);

	/* A fresh one (4 minutes old) is not. */
	dfd = open(dot, O_WRONLY | O_CREAT | O_EXCL, 0644);
	close(dfd);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 240;
	utimensat(AT_FDCWD, dot, ts, 0);
	errno = 0;
	ok(lock_acquire(&l, fd, mbox, MKLOCK_DOTLOCK, 1) == -1 &&
	    errno == EAGAIN, "a 4-minute-old dot-lock is respected");
	ok(stat(dot, &st) == 0, "and left in place");
	unlink(dot);
}

static void
test_shared(int fd)
{
	struct mklock l = MKLOCK_INIT;
	pid_t pid = holder(MKLOCK_FCNTL, 10000, 1);

	ok(lock_acquire(&l, fd, mbox, MKLOCK_FCNTL | MKLOCK_DOTLOCK |
	    MKLOCK_SHARED, 0) == 0, "shared fcntl beside a reader");
	ok(l.held == MKLOCK_FCNTL && l.dotlock == NULL,
	    "shared: no dot-lock taken");
	lock_release(&l);
	errno = 0;
	ok(lock_acquire(&l, fd, mbox, MKLOCK_FCNTL, 0) == -1 &&
	    errno == EAGAIN, "exclusive refused beside a reader");
	reap(pid);
}

/* Closing another descriptor of the file keeps our fcntl lock. */
static void
test_ofd(int fd)
{
	struct mklock l = MKLOCK_INIT;
	pid_t pid;
	int fd2, st;

	ok(lock_acquire(&l, fd, mbox, MKLOCK_FCNTL, 0) == 0, "fcntl taken");
	fd2 = open(mbox, O_RDONLY);
	close(fd2);
	if ((pid = fork()) == 0) {
		struct flock fl;
		int cfd = open(mbox, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		_exit(fcntl(cfd, F_SETLK, &fl) == 0 ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "lock survives close of another descriptor");
	lock_release(&l);
}

/*
 * MKLOCK_POSIX: a classic lock, as nmh takes it.  Another process is kept
 * out; a second lock of this process on another descriptor is not; and
 * lock_release() drops it.
 */
static void
test_posix(int fd)
{
	struct mklock l = MKLOCK_INIT, l2 = MKLOCK_INIT;
	pid_t pid;
	int fd2, st;

	ok(lock_acquire(&l, fd, mbox, MKLOCK_FCNTL | MKLOCK_POSIX, 0) == 0,
	    "posix: taken");
	ok(l.held == (MKLOCK_FCNTL | MKLOCK_POSIX), "posix: held mask");
	if ((pid = fork()) == 0) {
		struct flock fl;
		int cfd = open(mbox, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		_exit(fcntl(cfd, F_SETLK, &fl) == 0 ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "posix: another process is kept out");
	fd2 = open(mbox, O_RDWR);
	ok(lock_acquire(&l2, fd2, mbox, MKLOCK_FCNTL | MKLOCK_POSIX, 0) == 0,
	    "posix: a second lock of this process does not conflict");
	lock_release(&l2);
	close(fd2);
	lock_release(&l);
	ok(lock_acquire(&l, fd, mbox, MKLOCK_FCNTL, 0) == 0,
	    "posix: released, an OFD lock can be taken");
	lock_release(&l);
}

int
main(void)
{
	char dir[] = "/tmp/t_lock.XXXXXX";
	int fd;

	if (mkdtemp(dir) == NULL)
		return 1;
	mbox = xasprintf("%s/mbox", dir);
	dot = xasprintf("%s/mbox.lock", dir);
	if ((fd = open(mbox, O_RDWR | O_CREAT, 0600)) < 0)
		return 1;

	test_parse();
	test_dotlock(fd);
	test_busy(fd, MKLOCK_FCNTL, "fcntl");
	test_busy(fd, MKLOCK_FLOCK, "flock");
	test_busy(fd, MKLOCK_DOTLOCK, "dotlock");
	test_wait(fd, MKLOCK_FCNTL, "fcntl");
	test_wait(fd, MKLOCK_FLOCK, "flock");
	test_wait(fd, MKLOCK_DOTLOCK, "dotlock");
	test_shared(fd);
	test_ofd(fd);
	test_posix(fd);

	close(fd);
	unlink(mbox);
	unlink(dot);
	rmdir(dir);
	free(mbox);
	free(dot);
	return done_testing();
}
