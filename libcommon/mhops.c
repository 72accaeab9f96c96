/*
 * mhops: operands to files, adding and removing MH messages.  See mhops.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mh.h"
#include "mhops.h"
#include "util.h"
#include "xio.h"

struct fid {
	dev_t	dev;
	ino_t	ino;
};

struct collect {
	struct mh	 *mh;
	struct mhtargets *t;
	struct fid	 *ids;		/* of t->folders */
	int		  flags;
	char		 *lastdir;	/* the last path's folder */
	size_t		  lastidx;
};

static int
fail(struct mhtargets *t, int e, const char *fmt, ...) MK_PRINTF(3, 4);

static int
fail(struct mhtargets *t, int e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(t->err);
	t->err = buf_release(&b);
	errno = e;
	return -1;
}

/* A message number: decimal digits without a leading zero. */
static unsigned
msgnum(const char *s)
{
	unsigned long v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > MH_MSG_MAX)
			return 0;
	}
	return (unsigned)v;
}

int
mht_locate(const struct mh *mh, const char *path, char **dirp, unsigned *nump)
{
	static char *rpath, *rpath_of;
	const char *slash = strrchr(path, '/'), *sf;
	char *dir, *real, *seq;
	unsigned num;
	size_t len;
	int in;

	if ((num = msgnum(slash != NULL ? slash + 1 : path)) == 0)
		return 0;
	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return 0;
	if (rpath_of == NULL || strcmp(rpath_of, mh_dir(mh)) != 0) {
		free(rpath_of);
		free(rpath);
		rpath_of = xstrdup(mh_dir(mh));
		if ((rpath = realpath(rpath_of, NULL)) == NULL)
			rpath = xstrdup(rpath_of);
	}
	len = strlen(rpath);
	in = strncmp(real, rpath, len) == 0 && real[len] == '/' &&
	    real[len + 1] != '\0';
	if (!in) {
		if ((sf = mh_get(mh, "mh-sequences")) == NULL)
			sf = ".mh_sequences";
		if (*sf != '\0') {
			seq = xasprintf("%s/%s", real, sf);
			in = access(seq, F_OK) == 0;
			free(seq);
		}
	}
	if (!in) {
		free(real);
		return 0;
	}
	*dirp = real;
	*nump = num;
	return 1;
}

static void
add_target(struct mhtargets *t, const char *path, size_t folder,
    unsigned num)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n].path = xstrdup(path);
	t->v[t->n].folder = folder;
	t->v[t->n].num = num;
	t->n++;
}

/* Open folder arg (or find it open already); its index in *idx. */
static int
open_folder(struct collect *c, const char *arg, size_t *idx)
{
	struct mhtargets *t = c->t;
	struct mh_folder *f;
	struct stat st;
	size_t i;

	if (mh_folder_open(c->mh, arg, (c->flags & MHT_LOCK) ? MH_F_LOCK : 0,
	    &f) < 0)
		return fail(t, errno, "%s", mh_errmsg(c->mh));
	if (stat(f->path, &st) < 0) {
		int e = errno;

		mh_folder_close(f);
		return fail(t, e, "%s: %s", arg, strerror(e));
	}
	for (i = 0; i < t->nfolders; i++)
		if (c->ids[i].dev == st.st_dev && c->ids[i].ino == st.st_ino) {
			mh_folder_close(f);
			*idx = i;
			return 0;
		}
	t->folders = xreallocarray(t->folders, t->nfolders + 1,
	    sizeof(*t->folders));
	c->ids = xreallocarray(c->ids, t->nfolders + 1, sizeof(*c->ids));
	t->folders[t->nfolders] = f;
	c->ids[t->nfolders].dev = st.st_dev;
	c->ids[t->nfolders].ino = st.st_ino;
	*idx = t->nfolders++;
	return 0;
}

static int
add_path(struct collect *c, const char *path)
{
	char *dir, *arg;
	unsigned num;
	size_t idx;

	if (strcmp(path, "-") == 0 || !mht_locate(c->mh, path, &dir, &num)) {
		add_target(c->t, path, MHT_NOFOLDER, 0);
		return 0;
	}
	if (c->lastdir != NULL && strcmp(c->lastdir, dir) == 0)
		idx = c->lastidx;
	else {
		arg = xasprintf("+%s", dir);
		if (open_folder(c, arg, &idx) < 0) {
			free(arg);
			free(dir);
			return -1;
		}
		free(arg);
		free(c->lastdir);
		c->lastdir = xstrdup(dir);
		c->lastidx = idx;
	}
	add_target(c->t, path, idx, num);
	free(dir);
	return 0;
}

static int
add_specs(struct collect *c, const char *folder, char **specs, size_t n)
{
	struct mh_folder *f;
	unsigned *v;
	size_t nv, i, idx;
	char *p;

	if (open_folder(c, folder, &idx) < 0)
		return -1;
	f = c->t->folders[idx];
	if (mh_select(c->mh, f, specs, n, 0, &v, &nv) < 0)
		return fail(c->t, errno, "%s", mh_errmsg(c->mh));
	for (i = 0; i < nv; i++) {
		p = mh_msg_path(f, v[i]);
		add_target(c->t, p, idx, v[i]);
		free(p);
	}
	free(v);
	c->t->spec = idx;
	if (mh_set_current_folder(c->mh, f->name) < 0)
		return fail(c->t, errno, "%s", mh_errmsg(c->mh));
	return 0;
}

static int
read_stdin(struct collect *c)
{
	struct buf line = BUF_INIT;
	int r;

	while ((r = read_record(stdin, (c->flags & MHT_NUL) ? '\0' : '\n',
	    &line)) > 0) {
		if (line.len == 0)
			continue;
		if (add_path(c, line.data) < 0) {
			buf_free(&line);
			return -1;
		}
	}
	buf_free(&line);
	if (r < 0)
		return fail(c->t, errno, "standard input: %s",
		    strerror(errno));
	return 0;
}

int
mht_collect(struct mh *mh, char *const *ops, size_t nops,
    const char *defspec, int flags, struct mhtargets *t)
{
	struct collect c;
	const char *folder = NULL;
	char **specs;
	size_t i, nspecs = 0, npaths = 0;
	int r = 0;

	memset(t, 0, sizeof(*t));
	t->spec = MHT_NOFOLDER;
	memset(&c, 0, sizeof(c));
	c.mh = mh;
	c.t = t;
	c.flags = flags;
	specs = xreallocarray(NULL, nops + 2, sizeof(*specs));
	for (i = 0; i < nops; i++) {
		const char *op = ops[i];

		if (op[0] == '+' || op[0] == '@') {
			if (folder != NULL) {
				free(specs);
				return fail(t, EINVAL,
				    "only one folder at a time");
			}
			folder = op;
		} else if (strchr(op, '/') != NULL ||
		    ((flags & MHT_DASH) && strcmp(op, "-") == 0))
			npaths++;
		else
			specs[nspecs++] = (char *)op;
	}
	if (nops == 0 && (flags & MHT_STDIN) && !isatty(STDIN_FILENO))
		r = read_stdin(&c);
	else {
		if (nspecs == 0 && npaths == 0)
			specs[nspecs++] = (char *)defspec;
		if (nspecs > 0)
			r = add_specs(&c, folder, specs, nspecs);
		for (i = 0; r == 0 && i < nops; i++) {
			const char *op = ops[i];

			if (op[0] != '+' && op[0] != '@' &&
			    (strchr(op, '/') != NULL ||
			    ((flags & MHT_DASH) && strcmp(op, "-") == 0)))
				r = add_path(&c, op);
		}
	}
	free(specs);
	free(c.ids);
	free(c.lastdir);
	return r;
}

void
mht_free(struct mhtargets *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].path);
	for (i = 0; i < t->nfolders; i++)
		mh_folder_close(t->folders[i]);
	free(t->v);
	free(t->folders);
	free(t->err);
	memset(t, 0, sizeof(*t));
}

int
mht_save(struct mh *mh, struct mhtargets *t)
{
	size_t i;
	int r = 0, e = 0;

	for (i = 0; i < t->nfolders; i++)
		if (mh_folder_save(mh, t->folders[i]) < 0) {
			e = errno;
			r = -1;
		}
	if (t->nfolders == 0 && mh_ctx_save(mh) < 0) {
		e = errno;
		r = -1;
	}
	errno = e;
	return r;
}

unsigned
mht_last(const struct mh_folder *f)
{
	return f->nmsg > 0 ? f->msg[f->nmsg - 1] : 0;
}

int
mht_link_next(const char *dir, const char *src, unsigned want,
    unsigned *last, unsigned *num)
{
	unsigned n = want != 0 ? want : *last + 1;
	char *dst;

	for (;;) {
		if (n == 0 || n > MH_MSG_MAX) {
			errno = ERANGE;
			return -1;
		}
		dst = xasprintf("%s/%u", dir, n);
		if (link(src, dst) == 0) {
			free(dst);
			break;
		}
		free(dst);
		if (errno != EEXIST)
			return -1;
		if (want != 0 && n == want) {
			want = 0;
			n = *last + 1 > n ? *last + 1 : n + 1;
		} else
			n++;
	}
	*num = n;
	if (n > *last)
		*last = n;
	return 0;
}

int
mht_temp(const char *dir, mode_t mode, char **tmp)
{
	char *p = xasprintf("%s/.mk-XXXXXX", dir);
	int fd, e;

	if ((fd = mkstemp(p)) < 0) {
		e = errno;
		free(p);
		errno = e;
		return -1;
	}
	if (fchmod(fd, mode & 07777) < 0) {
		e = errno;
		(void)unlink(p);
		(void)close(fd);
		free(p);
		errno = e;
		return -1;
	}
	*tmp = p;
	return fd;
}

/* Copy all of fd in to fd out. */
static int
copy_fd(int in, int out)
{
	char *b = xmalloc(65536);
	ssize_t n;
	int r = 0;

	for (;;) {
		n = read(in, b, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -1 : 0;
			break;
		}
		if (xwrite_all(out, b, (size_t)n) < 0) {
			r = -1;
			break;
		}
	}
	free(b);
	return r;
}

int
mht_copy_next(const char *dir, const char *src, mode_t mode, unsigned want,
    unsigned *last, unsigned *num)
{
	char *tmp = NULL;
	int in, out, e;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = mht_temp(dir, mode, &tmp)) < 0) {
		e = errno;
		(void)close(in);
		errno = e;
		return -1;
	}
	if (copy_fd(in, out) < 0 || fsync(out) < 0)
		goto fail;
	(void)close(in);
	in = -1;
	if (xclose(&out) < 0)
		goto fail;
	if (mht_link_next(dir, tmp, want, last, num) < 0)
		goto fail;
	(void)unlink(tmp);
	free(tmp);
	return 0;
fail:
	e = errno;
	if (in >= 0)
		(void)close(in);
	if (out >= 0)
		(void)close(out);
	(void)unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}

int
mht_remove(const char *dir, unsigned num, int unlink_it)
{
	char *p = xasprintf("%s/%u", dir, num), *q;
	int r, e;

	if (unlink_it)
		r = unlink(p);
	else {
		q = xasprintf("%s/,%u", dir, num);
		r = rename(p, q);
		e = errno;
		free(q);
		errno = e;
	}
	e = errno;
	free(p);
	errno = e;
	return r;
}

char **
mht_unseen(const struct mh *mh, size_t *n)
{
	if (mh_get(mh, "Unseen-Sequence") == NULL)
		return mh_split("unseen", n);
	return mh_seqnames(mh, "Unseen-Sequence", n);
}
