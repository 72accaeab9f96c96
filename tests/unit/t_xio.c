/* Unit tests for libcommon/xio. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xio.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (read_fd_all(fd, &b) < 0) {
		close(fd);
		buf_free(&b);
		return NULL;
	}
	close(fd);
	return buf_release(&b);
}

int
main(void)
{
	char dir[] = "/tmp/t_xio.XXXXXX";
	char *path, *slink, *hard, *s;
	struct xtemp t;
	struct stat st;
	int fd;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	path = xasprintf("%s/file", dir);
	slink = xasprintf("%s/link", dir);
	hard = xasprintf("%s/hard", dir);

	ok(xtemp_open(&t, path, 0600) == 0, "xtemp_open");
	ok(xwrite_all(t.fd, "hello\n", 6) == 0, "xwrite_all");
	ok(access(path, F_OK) < 0, "target absent before commit");
	ok(xtemp_commit(&t) == 0, "xtemp_commit");
	s = slurp(path);
	is_str(s, "hello\n", "committed content in place");
	free(s);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode kept");

	ok(xtemp_open(&t, path, 0600) == 0, "second xtemp_open");
	ok(xwrite_all(t.fd, "partial", 7) == 0, "write partial");
	xtemp_abort(&t);
	s = slurp(path);
	is_str(s, "hello\n", "abort leaves the old file untouched");
	free(s);

	fd = xopen_regular(path, O_RDONLY, 0, &st);
	ok(fd >= 0, "xopen_regular opens a regular file");
	if (fd >= 0)
		close(fd);
	ok(symlink(path, slink) == 0, "make symlink");
	errno = 0;
	ok(xopen_regular(slink, O_RDONLY, 0, NULL) < 0 && errno == ELOOP,
	    "xopen_regular refuses a symlink");
	ok(link(path, hard) == 0, "make hard link");
	errno = 0;
	ok(xopen_regular(path, O_RDONLY, 0, NULL) < 0 && errno == EMLINK,
	    "xopen_regular refuses a hard-linked file");
	errno = 0;
	ok(xopen_regular(dir, O_RDONLY, 0, NULL) < 0, "refuses a directory");
	ok(xfsync_dir(dir) == 0, "xfsync_dir");
	ok(xfsync_parent(path) == 0, "xfsync_parent");

	unlink(slink);
	unlink(hard);
	unlink(path);
	rmdir(dir);
	free(path);
	free(slink);
	free(hard);
	return done_testing();
}
