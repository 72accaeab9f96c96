/*
 * xio: durable file operations (DESIGN.md rule 1).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xio.h"

int
xwrite_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
xread_full(int fd, void *p, size_t n, size_t *got)
{
	char *s = p;
	size_t have = 0;
	ssize_t r;

	while (have < n) {
		r = read(fd, s + have, n - have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*got = have;
			return -1;
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	*got = have;
	return 0;
}

int
xfsync_dir(const char *dir)
{
	int fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int
xfsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int r;

	if (slash == NULL)
		return xfsync_dir(".");
	if (slash == path)
		return xfsync_dir("/");
	dir = xstrndup(path, (size_t)(slash - path));
	r = xfsync_dir(dir);
	free(dir);
	return r;
}

int
xclose(int *fd)
{
	int r;

	if (*fd < 0)
		return 0;
	r = close(*fd);
	*fd = -1;
	return r;
}

int
xtemp_open(struct xtemp *t, const char *path, mode_t mode)
{
	int saved;

	t->path = xstrdup(path);
	t->tmppath = xasprintf("%s.tmpXXXXXX", path);
	if ((t->fd = mkostemp(t->tmppath, O_CLOEXEC)) < 0)
		goto fail;
	if (fchmod(t->fd, mode) < 0) {
		saved = errno;
		close(t->fd);
		unlink(t->tmppath);
		errno = saved;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	free(t->tmppath);
	free(t->path);
	t->tmppath = t->path = NULL;
	t->fd = -1;
	errno = saved;
	return -1;
}

int
xtemp_commit(struct xtemp *t)
{
	int saved;

	if (fsync(t->fd) < 0 || xclose(&t->fd) < 0)
		goto fail;
	if (rename(t->tmppath, t->path) < 0)
		goto fail;
	if (xfsync_parent(t->path) < 0)
		goto fail;
	free(t->tmppath);
	free(t->path);
	t->tmppath = t->path = NULL;
	return 0;
fail:
	saved = errno;
	xtemp_abort(t);
	errno = saved;
	return -1;
}

void
xtemp_abort(struct xtemp *t)
{
	int saved = errno;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->tmppath)
		unlink(t->tmppath);
	free(t->tmppath);
	free(t->path);
	t->tmppath = t->path = NULL;
	errno = saved;
}

int
xopen_regular(const char *path, int flags, mode_t mode, struct stat *stp)
{
	struct stat fst, lst;
	int fd, saved;

	if ((fd = open(path, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
	    mode)) < 0)
		return -1;
	if (fstat(fd, &fst) < 0 || lstat(path, &lst) < 0)
		goto fail;
	if (!S_ISREG(fst.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (fst.st_dev != lst.st_dev || fst.st_ino != lst.st_ino) {
		errno = ELOOP;
		goto fail;
	}
	if (fst.st_nlink != 1) {
		errno = EMLINK;
		goto fail;
	}
	if (stp)
		*stp = fst;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
xdrop_privs(uid_t uid, gid_t gid, const char *user)
{
	if (geteuid() != 0)
		return (geteuid() == uid) ? 0 : (errno = EPERM, -1);
	if (initgroups(user, gid) < 0)
		return -1;
	if (setresgid(gid, gid, gid) < 0)
		return -1;
	if (setresuid(uid, uid, uid) < 0)
		return -1;
	return 0;
}
