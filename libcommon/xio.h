/*
 * xio: full writes, fsync of files and directories, O_EXCL temporary
 * files with rename, O_NOFOLLOW opens, privilege dropping.
 * Every function returns 0 on success, -1 with errno set on failure.
 */
#ifndef MAILKIT_XIO_H
#define MAILKIT_XIO_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

int	xwrite_all(int fd, const void *, size_t);
int	xread_full(int fd, void *, size_t, size_t *got);	/* until n or EOF */
int	xfsync_dir(const char *dir);
int	xfsync_parent(const char *path);	/* fsync the directory holding path */
int	xclose(int *fd);			/* closes, sets *fd = -1 */

/*
 * Atomic replacement of a file: xtemp_open() creates "<path>.tmpXXXXXX"
 * with O_EXCL beside path; xtemp_commit() fsyncs, closes and renames it
 * over path, then fsyncs the directory; xtemp_abort() removes it.
 */
struct xtemp {
	int	 fd;
	char	*tmppath;
	char	*path;
};
int	xtemp_open(struct xtemp *, const char *path, mode_t mode);
int	xtemp_commit(struct xtemp *);
void	xtemp_abort(struct xtemp *);

/*
 * Open a file without following a final symlink and check, after opening,
 * that it is a regular file with one link and that it is the same file as
 * lstat(2) sees (dev, inode).  Fails with ELOOP for a symlink, EMLINK for
 * a hard-linked file, EFTYPE-like EINVAL for a non-regular file.
 */
int	xopen_regular(const char *path, int flags, mode_t mode, struct stat *);

/* Switch to uid/gid with initgroups (as root), irrevocably. */
int	xdrop_privs(uid_t, gid_t, const char *user);

#endif
