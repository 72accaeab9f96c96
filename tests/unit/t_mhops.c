/*
 * Unit tests for libcommon/mhops: operands to files, numbering, removal.
 * Works in a private MH tree under a temporary directory (MH,
 * MHCONTEXT).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mh.h"
#include "mhops.h"
#include "util.h"
#include "tap.h"

static char *top;

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF) {
		perror(path);
		exit(1);
	}
}

static char *
get(const char *path)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	(void)read_fd_all(fd, &b);
	close(fd);
	return buf_release(&b);
}

static char *
p(const char *rel)
{
	return xasprintf("%s/%s", top, rel);
}

static void
setup(const char *extra)
{
	char *s, *f;
	int i;

	f = p("profile");
	s = xasprintf("Path: %s/Mail\n%s", top, extra);
	put(f, s);
	free(s);
	setenv("MH", f, 1);
	free(f);
	f = p("Mail/context");
	setenv("MHCONTEXT", f, 1);
	free(f);
	for (i = 1; i <= 5; i++) {
		s = xasprintf("%s/Mail/inbox/%d", top, i);
		put(s, "Subject: x\n\nbody\n");
		free(s);
	}
	f = p("Mail/inbox/.mh_sequences");
	put(f, "cur: 2\nunseen: 1-5\n");
	free(f);
	f = p("Mail/context");
	put(f, "Current-Folder: inbox\n");
	free(f);
}

static void
t_numbers(void)
{
	char *dir = p("Mail/inbox"), *src = p("src"), *s, *t;
	unsigned last = 5, num = 0;
	struct stat st;

	put(src, "Subject: new\n\nnew\n");
	is_int(mht_link_next(dir, src, 0, &last, &num), 0, "link next");
	is_int(num, 6, "number 6");
	is_int(last, 6, "last raised");
	is_int(mht_link_next(dir, src, 3, &last, &num), 0, "want 3 (taken)");
	is_int(num, 7, "after the last instead");
	is_int(mht_link_next(dir, src, 20, &last, &num), 0, "want 20 (free)");
	is_int(num, 20, "20");
	is_int(last, 20, "last 20");
	last = 2;		/* stale: EEXIST retried */
	is_int(mht_link_next(dir, src, 0, &last, &num), 0, "stale last");
	is_int(num, 8, "first free after it");
	is_int(mht_copy_next(dir, src, 0640, 0, &last, &num), 0, "copy");
	s = xasprintf("%s/%u", dir, num);
	t = get(s);
	is_str(t, "Subject: new\n\nnew\n", "copied bytes");
	ok(stat(s, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	    st.st_nlink == 1, "its mode, its own file");
	free(t);
	free(s);
	is_int(mht_remove(dir, 6, 0), 0, "remove 6");
	s = p("Mail/inbox/,6");
	ok(access(s, F_OK) == 0, ",6 made");
	free(s);
	is_int(mht_remove(dir, 7, 1), 0, "unlink 7");
	s = p("Mail/inbox/,7");
	ok(access(s, F_OK) < 0, "no ,7");
	free(s);
	errno = 0;
	ok(mht_remove(dir, 99, 0) < 0 && errno == ENOENT, "missing: ENOENT");
	free(dir);
	free(src);
}

static void
t_locate(struct mh *mh)
{
	char *dir = NULL, *s, *real;
	unsigned num = 0;

	s = p("Mail/inbox/3");
	ok(mht_locate(mh, s, &dir, &num) == 1, "inside Path");
	is_int(num, 3, "its number");
	real = realpath(top, NULL);
	free(s);
	s = xasprintf("%s/Mail/inbox", real);
	is_str(dir, s, "its folder");
	free(s);
	free(dir);
	s = p("Mail/inbox/03");
	ok(mht_locate(mh, s, &dir, &num) == 0, "leading zero: no message");
	free(s);
	s = p("Mail/inbox/,3");
	ok(mht_locate(mh, s, &dir, &num) == 0, ",3: no message");
	free(s);
	s = p("plain/4");
	ok(mht_locate(mh, s, &dir, &num) == 0, "outside, no sequences file");
	free(s);
	s = p("other/.mh_sequences");
	put(s, "");
	free(s);
	s = p("other/4");
	ok(mht_locate(mh, s, &dir, &num) == 1, "outside with .mh_sequences");
	free(s);
	free(dir);
	free(real);
}

static void
t_collect(struct mh *mh)
{
	struct mhtargets t;
	char *ops[4];

	ops[0] = "+inbox";
	ops[1] = "cur";
	ops[2] = "last";
	is_int(mht_collect(mh, ops, 3, "cur", 0, &t), 0, "specs");
	is_int(t.n, 2, "two messages");
	ok(t.n == 2 && t.v[0].num == 2 && t.v[1].num == 20, "cur and last");
	ok(t.spec == 0 && t.nfolders == 1, "one folder");
	mht_free(&t);

	ops[0] = "9999";
	errno = 0;
	ok(mht_collect(mh, ops, 1, "cur", 0, &t) < 0 && errno == EINVAL,
	    "no such message: EINVAL");
	ok(t.err != NULL && strstr(t.err, "9999") != NULL, "named: %s",
	    t.err ? t.err : "");
	mht_free(&t);

	ops[0] = "+a";
	ops[1] = "+b";
	ok(mht_collect(mh, ops, 2, "cur", 0, &t) < 0, "two folders refused");
	mht_free(&t);

	ops[0] = p("Mail/inbox/1");
	ops[1] = p("plain/x");
	is_int(mht_collect(mh, ops, 2, "cur", 0, &t), 0, "paths");
	ok(t.n == 2 && t.v[0].folder == 0 && t.v[0].num == 1 &&
	    t.v[1].folder == MHT_NOFOLDER, "folder and plain file");
	ok(t.spec == MHT_NOFOLDER, "no spec folder");
	mht_free(&t);
	free(ops[0]);
	free(ops[1]);
}

static void
t_unseen(void)
{
	struct mh *mh;
	char **v;
	size_t n;

	setup("");
	mh_open(&mh);
	v = mht_unseen(mh, &n);
	ok(n == 1 && strcmp(v[0], "unseen") == 0, "default: unseen");
	mh_argv_free(v);
	mh_close(mh);
	setup("Unseen-Sequence: new fresh\n");
	mh_open(&mh);
	v = mht_unseen(mh, &n);
	ok(n == 2 && strcmp(v[1], "fresh") == 0, "from the profile");
	mh_argv_free(v);
	mh_close(mh);
	setup("Unseen-Sequence:\n");
	mh_open(&mh);
	v = mht_unseen(mh, &n);
	is_int(n, 0, "empty entry: none");
	mh_argv_free(v);
	mh_close(mh);
}

int
main(void)
{
	char tmpl[] = "/tmp/t_mhops.XXXXXX";
	struct mh *mh;
	char *cmd;

	if ((top = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	cmd = xasprintf("mkdir -p %s/Mail/inbox %s/plain %s/other", top, top,
	    top);
	if (system(cmd) != 0)
		return 1;
	free(cmd);
	setup("");
	if (mh_open(&mh) < 0) {
		printf("# %s\n", mh_errmsg(mh));
		return 1;
	}
	t_numbers();
	t_locate(mh);
	t_collect(mh);
	mh_close(mh);
	t_unseen();
	cmd = xasprintf("rm -rf %s", top);
	(void)system(cmd);
	free(cmd);
	return done_testing();
}
