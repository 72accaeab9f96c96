/*
 * mh: profile, context, folders, sequences and message specifications,
 * as nmh 1.8 reads and writes them.  See mh.h for the rules.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"
#include "xio.h"
#include "mh.h"

/* What nmh 1.8's "install-mh -auto" writes. */
static const char default_profile[] =
    "MH-Profile-Version: 1.0\n"
    "Path: Mail\n"
    "Draft-Folder: drafts\n"
    "send: -draftfolder drafts\n";

struct kv {
	char	*key;
	char	*val;		/* NULL in a change list: delete */
};

struct kvlist {
	struct kv *v;
	size_t	 n;
	size_t	 cap;
};

struct mh {
	char		*home;
	char		*profile;
	int		 have_profile;
	char		*dir;
	char		*ctxpath;
	struct kvlist	 prof;
	struct kvlist	 ctx;
	struct kvlist	 chg;
	struct buf	 err;
};

static void	seterr(struct mh *, int, const char *, ...) MK_PRINTF(3, 4);

/* Remember a message for mh_errmsg() and set errno. */
static void
seterr(struct mh *mh, int e, const char *fmt, ...)
{
	va_list ap;

	if (mh != NULL) {
		buf_reset(&mh->err);
		va_start(ap, fmt);
		buf_vprintf(&mh->err, fmt, ap);
		va_end(ap);
	}
	errno = e;
}

/* The same, with ": strerror(errno)" appended. */
static void
syserr(struct mh *mh, const char *what)
{
	int e = errno;

	seterr(mh, e, "%s: %s", what, strerror(e));
}

const char *
mh_errmsg(const struct mh *mh)
{
	if (mh == NULL || mh->err.len == 0)
		return "unknown error";
	return mh->err.data;
}

/* ---------------------------------------------------------------- lists */

static void
kv_free(struct kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void
kv_append(struct kvlist *l, const char *key, const char *val)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].val = val ? xstrdup(val) : NULL;
	l->n++;
}

/* Index of the first entry named key (ASCII case-insensitive), or -1. */
static long
kv_find(const struct kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (ascii_strncasecmp(l->v[i].key, key, SIZE_MAX) == 0)
			return (long)i;
	return -1;
}

/* Set (val) or delete (NULL) key in l: first entry replaced, rest gone. */
static void
kv_apply(struct kvlist *l, const char *key, const char *val)
{
	size_t i, j;
	int done = 0;

	for (i = j = 0; i < l->n; i++) {
		if (ascii_strncasecmp(l->v[i].key, key, SIZE_MAX) == 0) {
			if (val != NULL && !done) {
				free(l->v[i].val);
				l->v[i].val = xstrdup(val);
				done = 1;
			} else {
				free(l->v[i].key);
				free(l->v[i].val);
				continue;
			}
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
	if (val != NULL && !done)
		kv_append(l, key, val);
}

/*
 * Parse a profile, context or sequences file: "key: value" lines, a
 * value continued on lines starting with white space.  The value is
 * trimmed and its newlines become spaces, as nmh's trimcpy().  Blank
 * lines are skipped.  On a bad line, -1 (EINVAL) with the message in err.
 */
static int
parse_fields(const char *text, size_t len, const char *file,
    struct kvlist *out, struct buf *err)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	const char *p = text, *end = text + len, *nl, *colon;
	size_t lineno = 0, ll, k, b, e;
	int have = 0;

	if (memchr(text, '\0', len) != NULL) {
		buf_reset(err);
		buf_printf(err, "%s: NUL byte", file);
		errno = EINVAL;
		return -1;
	}
	for (; p < end || have; p = nl < end ? nl + 1 : end) {
		nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (nl == NULL)
			nl = end;
		ll = (size_t)(nl - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		lineno++;
		if (p < end && ll > 0 && (*p == ' ' || *p == '\t')) {
			if (!have)
				goto bad;
			buf_addc(&val, '\n');
			buf_add(&val, p, ll);
			continue;
		}
		if (have) {
			/* trim, newlines to spaces */
			for (b = 0; b < val.len &&
			    isspace((unsigned char)val.data[b]); b++)
				;
			for (e = val.len; e > b &&
			    isspace((unsigned char)val.data[e - 1]); e--)
				;
			for (k = b; k < e; k++)
				if (val.data[k] == '\n')
					val.data[k] = ' ';
			val.data[e] = '\0';
			kv_append(out, key.data, val.data + b);
			have = 0;
		}
		if (p >= end)
			break;
		if (ll == 0)
			continue;
		if ((colon = memchr(p, ':', ll)) == NULL)
			goto bad;
		for (k = (size_t)(colon - p); k > 0 &&
		    (p[k - 1] == ' ' || p[k - 1] == '\t'); k--)
			;
		if (k == 0)
			goto bad;
		buf_reset(&key);
		buf_add(&key, p, k);
		buf_reset(&val);
		buf_add(&val, colon + 1, ll - (size_t)(colon + 1 - p));
		have = 1;
	}
	buf_free(&key);
	buf_free(&val);
	return 0;
bad:
	buf_free(&key);
	buf_free(&val);
	buf_reset(err);
	buf_printf(err, "%s: line %zu: %s", file, lineno,
	    *p == ' ' || *p == '\t' ? "continuation of no field" :
	    "not a \"name: value\" line");
	errno = EINVAL;
	return -1;
}

/* ---------------------------------------------------------------- files */

/*
 * Open path and take an fcntl lock of type (F_RDLCK, F_WRLCK) on the
 * whole file, a classic one as nmh's lkopen_fcntl() takes, waiting up to
 * MH_LOCK_WAIT seconds in all (then EAGAIN).  With O_CREAT in oflags a
 * missing file is created (*created set).  The lock is kept only when
 * path still names the locked file afterwards.
 */
static int
lock_open(const char *path, int oflags, mode_t mode, short type, int *fdp,
    int *created)
{
	struct mklock l = MKLOCK_INIT;
	struct stat a, b;
	time_t deadline = time(NULL) + MH_LOCK_WAIT, left;
	int fd, e, kinds = MKLOCK_FCNTL | MKLOCK_POSIX;

	if (type == F_RDLCK)
		kinds |= MKLOCK_SHARED;
	for (;;) {
		*created = 0;
		fd = open(path, (oflags & ~O_CREAT) | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && (oflags & O_CREAT)) {
			fd = open(path, oflags | O_EXCL | O_CLOEXEC, mode);
			if (fd < 0 && errno == EEXIST)
				continue;
			*created = fd >= 0;
		}
		if (fd < 0)
			return -1;
		left = deadline - time(NULL);
		if (lock_acquire(&l, fd, path, kinds, left > 0 ? (int)left :
		    0) < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		/* closing fd drops the lock: nothing else to release */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*fdp = fd;
			return 0;
		}
		close(fd);	/* replaced meanwhile: again */
	}
}

/* Read a whole file under a read lock.  ENOENT is left to the caller. */
static int
read_locked(const char *path, struct buf *b)
{
	int fd, created, e;

	if (lock_open(path, O_RDONLY, 0, F_RDLCK, &fd, &created) < 0)
		return -1;
	if (read_fd_all(fd, b) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* Rewind fd and read all of it into b. */
static int
reread_fd(int fd, struct buf *b)
{
	buf_reset(b);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	return read_fd_all(fd, b);
}

/* The file to replace when path is a symbolic link (nmh writes through). */
static char *
link_target(const char *path)
{
	struct stat st;
	char *r;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (r = realpath(path, NULL)) != NULL)
		return r;
	return xstrdup(path);
}

/* Replace path with text: temporary file, fsync, rename, fsync dir. */
static int
replace_file(const char *path, const char *text, size_t len, mode_t mode)
{
	struct xtemp t;
	char *target = link_target(path);
	int e;

	if (xtemp_open(&t, target, mode) < 0) {
		e = errno;
		free(target);
		errno = e;
		return -1;
	}
	free(target);
	if (xwrite_all(t.fd, text, len) < 0 || xtemp_commit(&t) < 0) {
		e = errno;
		xtemp_abort(&t);
		errno = e;
		return -1;
	}
	return 0;
}

static mode_t
current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/*
 * mkdir -p; each directory made gets exactly mode (nmh's makedir() sets
 * Folder-Protect regardless of the umask).
 */
static int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	struct stat st;
	int e;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == 0) {
				if (chmod(p, mode) < 0)
					goto fail;
			} else if (errno != EEXIST)
				goto fail;
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	if (stat(p, &st) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	free(p);
	return 0;
fail:
	e = errno;
	free(p);
	errno = e;
	return -1;
}

/* "dir/name" without doubling a slash. */
static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

static char *
cwd_join(const char *name)
{
	char *cwd, *r;

	if (name[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		return xstrdup(name);
	r = join(cwd, name);
	free(cwd);
	return r;
}

/*
 * A file named in the profile or the environment, as nmh's m_maildir():
 * absolute, or "./", "../", ".", ".." relative to the working directory,
 * or else relative to Path.
 */
static char *
mh_file(const struct mh *mh, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	if (strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0 ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cwd_join(name);
	return join(mh->dir, name);
}

/* ---------------------------------------------------------------- profile */

static const char *
prof_exact(const struct mh *mh, const char *key)
{
	size_t i;

	/* nmh matches these few keys case-sensitively (readconfig procs) */
	for (i = 0; i < mh->prof.n; i++)
		if (strcmp(mh->prof.v[i].key, key) == 0)
			return mh->prof.v[i].val;
	return NULL;
}

int
mh_open(struct mh **mhp)
{
	struct mh *mh = xcalloc(1, sizeof(*mh));
	struct buf b = BUF_INIT;
	struct passwd *pw;
	const char *s;
	long i;
	size_t n;
	int fd;

	*mhp = mh;
	buf_init(&mh->err);
	if ((s = getenv("HOME")) != NULL && *s != '\0')
		mh->home = xstrdup(s);
	else if ((pw = getpwuid(getuid())) != NULL && *pw->pw_dir != '\0')
		mh->home = xstrdup(pw->pw_dir);
	else {
		seterr(mh, ENOENT, "cannot determine the home directory");
		return -1;
	}
	if ((s = getenv("MH")) != NULL && *s != '\0')
		mh->profile = cwd_join(s);
	else
		mh->profile = join(mh->home, ".mh_profile");

	if ((fd = open(mh->profile, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT) {
			syserr(mh, mh->profile);
			return -1;
		}
		buf_adds(&b, default_profile);	/* install-mh -auto's */
	} else {
		mh->have_profile = 1;
		if (read_fd_all(fd, &b) < 0) {
			syserr(mh, mh->profile);
			close(fd);
			buf_free(&b);
			return -1;
		}
		close(fd);
	}
	if (parse_fields(buf_cstr(&b), b.len, mh->profile, &mh->prof,
	    &mh->err) < 0) {
		buf_free(&b);
		return -1;
	}
	if ((i = kv_find(&mh->prof, "Path")) < 0 ||
	    *mh->prof.v[i].val == '\0') {
		seterr(mh, EINVAL, "%s: no Path entry", mh->profile);
		buf_free(&b);
		return -1;
	}
	s = mh->prof.v[i].val;
	mh->dir = s[0] == '/' ? xstrdup(s) : join(mh->home, s);
	for (n = strlen(mh->dir); n > 1 && mh->dir[n - 1] == '/'; n--)
		mh->dir[n - 1] = '\0';

	if ((s = getenv("MHCONTEXT")) == NULL || *s == '\0')
		if ((s = prof_exact(mh, "context")) == NULL || *s == '\0')
			s = "context";
	if (strcmp(s, "/dev/null") != 0)
		mh->ctxpath = mh_file(mh, s);
	if (mh->ctxpath != NULL) {
		buf_reset(&b);
		if (read_locked(mh->ctxpath, &b) < 0) {
			if (errno != ENOENT) {
				syserr(mh, mh->ctxpath);
				buf_free(&b);
				return -1;
			}
			buf_reset(&b);
		}
		if (parse_fields(buf_cstr(&b), b.len, mh->ctxpath, &mh->ctx,
		    &mh->err) < 0) {
			buf_free(&b);
			return -1;
		}
	}
	buf_free(&b);
	return 0;
}

void
mh_close(struct mh *mh)
{
	if (mh == NULL)
		return;
	free(mh->home);
	free(mh->profile);
	free(mh->dir);
	free(mh->ctxpath);
	kv_free(&mh->prof);
	kv_free(&mh->ctx);
	kv_free(&mh->chg);
	buf_free(&mh->err);
	free(mh);
}

const char *
mh_get(const struct mh *mh, const char *key)
{
	long i;

	if ((i = kv_find(&mh->prof, key)) >= 0)
		return mh->prof.v[i].val;
	if ((i = kv_find(&mh->ctx, key)) >= 0)
		return mh->ctx.v[i].val;
	return NULL;
}

const char *
mh_dir(const struct mh *mh)
{
	return mh->dir;
}

const char *
mh_profile_path(const struct mh *mh)
{
	return mh->profile;
}

const char *
mh_context_path(const struct mh *mh)
{
	return mh->ctxpath;
}

const char *
mh_inbox(const struct mh *mh)
{
	const char *s = mh_get(mh, "Inbox");

	return s != NULL && *s != '\0' ? s : "inbox";
}

const char *
mh_current_folder(const struct mh *mh)
{
	const char *s = mh_get(mh, "Current-Folder");

	return s != NULL && *s != '\0' ? s : mh_inbox(mh);
}

const char *
mh_negation(const struct mh *mh)
{
	const char *s = mh_get(mh, "Sequence-Negation");

	return s != NULL && *s != '\0' ? s : NULL;
}

/* An octal mode from the profile, or def when absent or malformed. */
static mode_t
octal_key(const struct mh *mh, const char *key, mode_t def)
{
	const char *s = mh_get(mh, key);
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return def;
	for (; *s >= '0' && *s <= '7'; s++)
		if ((v = v * 8 + (unsigned long)(*s - '0')) > 07777)
			return def;
	return *s == '\0' ? (mode_t)v : def;
}

mode_t
mh_msg_protect(const struct mh *mh)
{
	return octal_key(mh, "Msg-Protect", 0600);
}

mode_t
mh_folder_protect(const struct mh *mh)
{
	return octal_key(mh, "Folder-Protect", 0700);
}

char *
mh_maildrop(const struct mh *mh)
{
	const char *s;

	if ((s = getenv("MAILDROP")) == NULL || *s == '\0')
		if ((s = mh_get(mh, "MailDrop")) == NULL || *s == '\0')
			return NULL;
	return mh_file(mh, s);
}

char **
mh_split(const char *s, size_t *np)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0, len;

	for (;;) {
		s += strspn(s, " \t\n");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t\n");
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrndup(s, len);
		v[n] = NULL;
		s += len;
	}
	if (np != NULL)
		*np = n;
	return v;
}

char **
mh_seqnames(const struct mh *mh, const char *key, size_t *np)
{
	const char *s = mh_get(mh, key);

	return mh_split(s != NULL ? s : "", np);
}

void
mh_argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char **
mh_prog_args(const struct mh *mh, const char *prog, int *argcp, char **argv)
{
	const char *s = mh_get(mh, prog);
	char **w, **v;
	size_t nw, i, j = 0;
	int k;

	w = mh_split(s != NULL ? s : "", &nw);
	v = xreallocarray(NULL, (size_t)*argcp + nw + 2, sizeof(*v));
	if (*argcp > 0)
		v[j++] = xstrdup(argv[0]);
	for (i = 0; i < nw; i++)
		v[j++] = w[i];
	free(w);
	for (k = 1; k < *argcp; k++)
		v[j++] = xstrdup(argv[k]);
	v[j] = NULL;
	*argcp = (int)j;
	return v;
}

/* ---------------------------------------------------------------- context */

int
mh_ctx_set(struct mh *mh, const char *key, const char *val)
{
	long i;

	if (*key == '\0' || strpbrk(key, ":\n \t") != NULL ||
	    (val != NULL && strchr(val, '\n') != NULL)) {
		seterr(mh, EINVAL, "bad context entry \"%s\"", key);
		return -1;
	}
	i = kv_find(&mh->ctx, key);
	if (val == NULL ? i < 0 : i >= 0 && strcmp(mh->ctx.v[i].val, val) == 0)
		if (kv_find(&mh->chg, key) < 0)
			return 0;	/* no change */
	kv_apply(&mh->ctx, key, val);
	if ((i = kv_find(&mh->chg, key)) >= 0) {
		free(mh->chg.v[i].val);
		mh->chg.v[i].val = val ? xstrdup(val) : NULL;
	} else
		kv_append(&mh->chg, key, val);
	return 0;
}

int
mh_set_current_folder(struct mh *mh, const char *name)
{
	return mh_ctx_set(mh, "Current-Folder", name);
}

int
mh_setup(struct mh *mh)
{
	struct xtemp t;
	int e;

	if (!mh->have_profile) {
		if (xtemp_open(&t, mh->profile, 0644 & ~current_umask()) < 0 ||
		    xwrite_all(t.fd, default_profile,
		    sizeof(default_profile) - 1) < 0 ||
		    fsync(t.fd) < 0 || xclose(&t.fd) < 0) {
			e = errno;
			if (t.tmppath != NULL)
				xtemp_abort(&t);
			errno = e;
			syserr(mh, mh->profile);
			return -1;
		}
		/* link, not rename: never replace a profile made meanwhile */
		if (link(t.tmppath, mh->profile) < 0 && errno != EEXIST) {
			e = errno;
			xtemp_abort(&t);
			errno = e;
			syserr(mh, mh->profile);
			return -1;
		}
		xtemp_abort(&t);
		if (xfsync_parent(mh->profile) < 0) {
			syserr(mh, mh->profile);
			return -1;
		}
		mh->have_profile = 1;
	}
	if (mkdir_p(mh->dir, mh_folder_protect(mh)) < 0) {
		syserr(mh, mh->dir);
		return -1;
	}
	return 0;
}

int
mh_ctx_save(struct mh *mh)
{
	struct buf b = BUF_INIT;
	struct kvlist now = { NULL, 0, 0 };
	struct stat st;
	size_t i;
	int fd, created, e;

	if (mh->chg.n == 0)
		return 0;
	if (mh->ctxpath == NULL) {
		kv_free(&mh->chg);
		return 0;
	}
	if (mh_setup(mh) < 0)
		return -1;
	if (lock_open(mh->ctxpath, O_RDWR | O_CREAT, 0600, F_WRLCK, &fd,
	    &created) < 0) {
		syserr(mh, mh->ctxpath);
		return -1;
	}
	if (reread_fd(fd, &b) < 0 || fstat(fd, &st) < 0) {
		syserr(mh, mh->ctxpath);
		goto fail;
	}
	if (parse_fields(buf_cstr(&b), b.len, mh->ctxpath, &now,
	    &mh->err) < 0)
		goto fail;
	for (i = 0; i < mh->chg.n; i++)
		kv_apply(&now, mh->chg.v[i].key, mh->chg.v[i].val);
	buf_reset(&b);
	for (i = 0; i < now.n; i++)
		buf_printf(&b, "%s: %s\n", now.v[i].key, now.v[i].val);
	if (replace_file(mh->ctxpath, buf_cstr(&b), b.len,
	    created ? 0600 : st.st_mode & 07777) < 0) {
		syserr(mh, mh->ctxpath);
		goto fail;
	}
	close(fd);
	buf_free(&b);
	kv_free(&mh->ctx);
	mh->ctx = now;
	kv_free(&mh->chg);
	return 0;
fail:
	e = errno;
	close(fd);
	buf_free(&b);
	kv_free(&now);
	errno = e;
	return -1;
}

/* ---------------------------------------------------------------- numbers */

static int
cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/*
 * LSD radix sort, 11 bits a pass (message numbers are below 2^31, so
 * three passes): a large folder's readdir order is random, and this is
 * several times faster than qsort there.
 */
static void
radix_sort(unsigned *v, size_t n)
{
	unsigned *tmp = xreallocarray(NULL, n, sizeof(*v)), *src = v, *dst = tmp;
	unsigned *t;
	size_t count[2048], i, sum, c;
	int shift;

	for (shift = 0; shift < 33; shift += 11) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 2047]++;
		for (i = sum = 0; i < 2048; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 2047]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

/* Sort and drop duplicates; returns the new count. */
static size_t
sort_unique(unsigned *v, size_t n)
{
	size_t i, j;

	if (n < 2)
		return n;
	if (n > 512)
		radix_sort(v, n);
	else
		qsort(v, n, sizeof(*v), cmp_unsigned);
	for (i = j = 1; i < n; i++)
		if (v[i] != v[j - 1])
			v[j++] = v[i];
	return j;
}

/* First index with v[i] >= x (n when none). */
static size_t
lower_bound(const unsigned *v, size_t n, unsigned long x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
member(const unsigned *v, size_t n, unsigned long x)
{
	size_t i = lower_bound(v, n, x);

	return i < n && v[i] == x;
}

/*
 * A decimal number without sign: all of s[0..len) digits, no leading
 * zero unless lz, at most MH_MSG_MAX.  0 when not.
 */
static unsigned
parse_num(const char *s, size_t len, int lz)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || (!lz && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > MH_MSG_MAX)
			return 0;
	}
	return (unsigned)v;
}

struct range {
	unsigned lo, hi;
};

/*
 * Words "a" or "a-b" of a sequence value, as nmh's seq_init(): a word
 * that is not a number (or a range whose end is below its start) is
 * skipped.
 */
static void
parse_ranges(const char *s, struct range **rp, size_t *np)
{
	struct range *r = NULL;
	const char *dash;
	size_t n = 0, cap = 0, len, k;
	unsigned a, b;

	for (;;) {
		s += strspn(s, " \t\n");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t\n");
		dash = memchr(s, '-', len);
		a = parse_num(s, dash ? (size_t)(dash - s) : len, 1);
		b = a;
		if (dash != NULL) {
			k = len - (size_t)(dash + 1 - s);
			b = parse_num(dash + 1, k, 1);
			/* a range may end past the largest number */
			if (b == 0 && k > 0 && strspn(dash + 1,
			    "0123456789") >= k && dash[1] != '0')
				b = MH_MSG_MAX;
		}
		s += len;
		if (a == 0 || b < a)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			r = xreallocarray(r, cap, sizeof(*r));
		}
		r[n].lo = a;
		r[n].hi = b;
		n++;
	}
	*rp = r;
	*np = n;
}

int
mh_ranges_parse(const char *s, unsigned max, unsigned **out, size_t *np)
{
	struct range *r;
	unsigned *v = NULL, x;
	size_t nr, i, n = 0, cap = 0;

	parse_ranges(s, &r, &nr);
	for (i = 0; i < nr; i++)
		for (x = r[i].lo; x <= r[i].hi && x <= max; x++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[n++] = x;
			if (x == UINT_MAX)
				break;
		}
	free(r);
	*np = sort_unique(v, n);
	*out = v;
	return 0;
}

char *
mh_ranges_format(const unsigned *v, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[j - 1] + 1; j++)
			;
		if (i > 0)
			buf_addc(&b, ' ');
		if (j - i > 1)
			buf_printf(&b, "%u-%u", v[i], v[j - 1]);
		else
			buf_printf(&b, "%u", v[i]);
	}
	return buf_release(&b);
}

/* ---------------------------------------------------------------- folders */

int
mh_list_messages(const char *dir, unsigned **out, size_t *np)
{
	DIR *d;
	struct dirent *de;
	unsigned *v = NULL, x;
	size_t n = 0, cap = 0;
	int e;

	if ((d = opendir(dir)) == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
#ifdef DT_DIR
		if (de->d_type == DT_DIR)
			continue;
#endif
		if ((x = parse_num(de->d_name, strlen(de->d_name), 0)) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = x;
	}
	if (errno != 0) {
		e = errno;
		closedir(d);
		free(v);
		errno = e;
		return -1;
	}
	closedir(d);
	*np = sort_unique(v, n);
	*out = v;
	return 0;
}

/*
 * Normalise rel lexically onto base (both relative, '/'-separated):
 * "." and empty components dropped, ".." removes one.  -1 when ".."
 * would leave base's root.  For an absolute base, ".." stops at "/".
 */
static int
normalize(const char *base, const char *rel, char **out)
{
	struct buf b = BUF_INIT;
	const char *parts[2] = { base, rel }, *s;
	size_t len, k;
	int absolute = (*base != '\0' ? *base : *rel) == '/', i;

	if (absolute)
		buf_addc(&b, '/');
	for (i = 0; i < 2; i++) {
		for (s = parts[i]; *s != '\0'; s += len) {
			s += strspn(s, "/");
			len = strcspn(s, "/");
			if (len == 0 || (len == 1 && s[0] == '.'))
				continue;
			if (len == 2 && s[0] == '.' && s[1] == '.') {
				k = b.len;
				while (k > (size_t)absolute && b.data[k - 1] != '/')
					k--;
				if (k == b.len) {	/* nothing to remove */
					if (absolute)
						continue;
					buf_free(&b);
					return -1;
				}
				if (k > (size_t)absolute)
					k--;		/* the separator */
				buf_truncate(&b, k);
				continue;
			}
			if (b.len > (size_t)absolute)
				buf_addc(&b, '/');
			buf_add(&b, s, len);
		}
	}
	*out = buf_release(&b);
	if (*out == NULL)
		*out = xstrdup("");
	return 0;
}

int
mh_folder_resolve(struct mh *mh, const char *arg, char **namep, char **pathp)
{
	const char *base = "", *s = arg;
	char *name;
	size_t dl = strlen(mh->dir);

	if (arg == NULL)
		s = mh_current_folder(mh);
	if (*s == '+')
		s++;
	else if (*s == '@') {
		base = mh_current_folder(mh);
		if (*base == '+')
			base++;
		s++;
	}
	if (*s == '/')
		base = "";
	if (normalize(base, s, &name) < 0) {
		seterr(mh, EINVAL, "%s: folder outside %s refused",
		    arg ? arg : s, mh->dir);
		return -1;
	}
	if (*name == '\0' || strcmp(name, "/") == 0) {
		seterr(mh, EINVAL, "%s: no folder name", arg ? arg : s);
		free(name);
		return -1;
	}
	/* an absolute name inside Path becomes relative, as nmh shows it */
	if (name[0] == '/' && strncmp(name, mh->dir, dl) == 0 &&
	    name[dl] == '/' && name[dl + 1] != '\0')
		memmove(name, name + dl + 1, strlen(name + dl + 1) + 1);
	*pathp = name[0] == '/' ? xstrdup(name) : join(mh->dir, name);
	*namep = name;
	return 0;
}

static void
seq_free(struct mh_seq *q)
{
	free(q->name);
	free(q->num);
}

static struct mh_seq *
seq_lookup(const struct mh_folder *f, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < f->nseq; i++)
		if (strlen(f->seq[i].name) == len &&
		    memcmp(f->seq[i].name, name, len) == 0)
			return &f->seq[i];
	return NULL;
}

static struct mh_seq *
seq_create(struct mh_folder *f, const char *name)
{
	struct mh_seq *q;

	if ((q = seq_lookup(f, name, strlen(name))) != NULL)
		return q;
	f->seq = xreallocarray(f->seq, f->nseq + 1, sizeof(*f->seq));
	q = &f->seq[f->nseq++];
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	return q;
}

static void
seq_reserve(struct mh_seq *q, size_t more)
{
	if (q->n + more > q->cap) {
		q->cap = q->n + more < 16 ? 16 : (q->n + more) * 3 / 2;
		q->num = xreallocarray(q->num, q->cap, sizeof(*q->num));
	}
}

/*
 * Define sequence name from a value read from a file: its members are
 * the existing messages in the ranges, as nmh's seq_init(); "cur" sets
 * the current message to the start of the last range instead.
 */
static void
seq_define(struct mh_folder *f, const char *name, const char *val, int priv)
{
	struct range *r;
	struct mh_seq *q;
	size_t nr, i, k;

	parse_ranges(val, &r, &nr);
	if (strcmp(name, "cur") == 0) {
		if (nr > 0)
			f->cur = r[nr - 1].lo;
		free(r);
		return;
	}
	q = seq_create(f, name);
	q->n = 0;
	q->priv = priv;
	for (i = 0; i < nr; i++)
		for (k = lower_bound(f->msg, f->nmsg, r[i].lo);
		    k < f->nmsg && f->msg[k] <= r[i].hi; k++) {
			seq_reserve(q, 1);
			q->num[q->n++] = f->msg[k];
		}
	q->n = sort_unique(q->num, q->n);
	free(r);
}

/* The context key of a private sequence: "atr-NAME-FOLDERPATH". */
static char *
atr_key(const struct mh_folder *f, const char *name)
{
	return xasprintf("atr-%s-%s", name, f->path);
}

/* Read public then private sequences (nmh: not for an empty folder). */
static int
read_sequences(struct mh *mh, struct mh_folder *f)
{
	struct buf b = BUF_INIT;
	struct kvlist l = { NULL, 0, 0 };
	size_t i, plen = strlen(f->path), klen;
	const char *k;

	if (f->nmsg == 0)
		return 0;
	if (f->seqfile != NULL) {
		if (f->lockfd >= 0 ? reread_fd(f->lockfd, &b) :
		    read_locked(f->seqfile, &b)) {
			if (errno != ENOENT) {
				syserr(mh, f->seqfile);
				buf_free(&b);
				return -1;
			}
			buf_reset(&b);
		}
		if (parse_fields(buf_cstr(&b), b.len, f->seqfile, &l,
		    &mh->err) < 0) {
			buf_free(&b);
			return -1;
		}
		for (i = 0; i < l.n; i++)
			seq_define(f, l.v[i].key, l.v[i].val, 0);
		kv_free(&l);
	}
	buf_free(&b);
	for (i = 0; i < mh->ctx.n; i++) {
		k = mh->ctx.v[i].key;
		klen = strlen(k);
		if (strncmp(k, "atr-", 4) != 0 || klen < 4 + 2 + plen ||
		    k[klen - plen - 1] != '-' ||
		    strcmp(k + klen - plen, f->path) != 0)
			continue;
		{
			char *name = xstrndup(k + 4, klen - plen - 1 - 4);

			seq_define(f, name, mh->ctx.v[i].val, 1);
			free(name);
		}
	}
	return 0;
}

int
mh_folder_open(struct mh *mh, const char *arg, int flags,
    struct mh_folder **fp)
{
	struct mh_folder *f = xcalloc(1, sizeof(*f));
	struct stat st;
	const char *sf;
	int created;

	*fp = NULL;
	f->lockfd = -1;
	if (mh_folder_resolve(mh, arg, &f->name, &f->path) < 0)
		goto fail;
	if (stat(f->path, &st) < 0) {
		if (errno != ENOENT || !(flags & MH_F_CREATE)) {
			if (errno == ENOENT)
				seterr(mh, ENOENT, "no folder +%s", f->name);
			else
				syserr(mh, f->path);
			goto fail;
		}
		if (mh_setup(mh) < 0)
			goto fail;
		if (mkdir_p(f->path, mh_folder_protect(mh)) < 0) {
			syserr(mh, f->path);
			goto fail;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		seterr(mh, ENOTDIR, "%s: not a folder", f->path);
		goto fail;
	}
	if ((sf = prof_exact(mh, "mh-sequences")) == NULL)
		sf = ".mh_sequences";
	if (*sf != '\0')
		f->seqfile = join(f->path, sf);
	if ((flags & MH_F_LOCK) && f->seqfile != NULL) {
		if (lock_open(f->seqfile, O_RDWR | O_CREAT, 0666, F_WRLCK,
		    &f->lockfd, &created) == 0)
			f->created = created;
		else if (errno != EACCES && errno != EROFS && errno != EPERM) {
			syserr(mh, f->seqfile);
			goto fail;
		}
		/* a read-only folder: private sequences, as nmh */
	}
	if (mh_list_messages(f->path, &f->msg, &f->nmsg) < 0) {
		syserr(mh, f->path);
		goto fail;
	}
	if (read_sequences(mh, f) < 0)
		goto fail;
	*fp = f;
	return 0;
fail:
	{
		int e = errno;

		mh_folder_close(f);
		errno = e;
	}
	return -1;
}

int
mh_folder_rescan(struct mh *mh, struct mh_folder *f)
{
	unsigned *v;
	size_t n;

	if (mh_list_messages(f->path, &v, &n) < 0) {
		syserr(mh, f->path);
		return -1;
	}
	free(f->msg);
	f->msg = v;
	f->nmsg = n;
	return 0;
}

/* Drop the lock; remove a sequences file we created and left empty. */
static void
release_lock(struct mh_folder *f)
{
	struct stat a, b;

	if (f->lockfd < 0)
		return;
	if (f->created && fstat(f->lockfd, &a) == 0 && a.st_size == 0 &&
	    stat(f->seqfile, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		(void)unlink(f->seqfile);
	close(f->lockfd);
	f->lockfd = -1;
	f->created = 0;
}

void
mh_folder_close(struct mh_folder *f)
{
	size_t i;

	if (f == NULL)
		return;
	release_lock(f);
	for (i = 0; i < f->nseq; i++)
		seq_free(&f->seq[i]);
	free(f->seq);
	free(f->msg);
	free(f->name);
	free(f->path);
	free(f->seqfile);
	free(f);
}

int
mh_msg_exists(const struct mh_folder *f, unsigned n)
{
	return member(f->msg, f->nmsg, n);
}

char *
mh_msg_path(const struct mh_folder *f, unsigned n)
{
	return xasprintf("%s/%u", f->path, n);
}

/*
 * The ranges of q's members that are messages now, or NULL when none
 * (nmh's seq_list(): sequences never name removed messages).
 */
static char *
seq_value(const struct mh_folder *f, const struct mh_seq *q)
{
	unsigned *v = xreallocarray(NULL, q->n + 1, sizeof(*v));
	size_t i, n = 0;
	char *s;

	for (i = 0; i < q->n; i++)
		if (mh_msg_exists(f, q->num[i]))
			v[n++] = q->num[i];
	s = n > 0 ? mh_ranges_format(v, n) : NULL;
	free(v);
	return s;
}

/*
 * Write the sequences: cur and public ones to the sequences file (or
 * remove it when none is left), private ones (all of them when priv_all)
 * into the context.  Returns -2 when the sequences file cannot be
 * written for lack of permission, so that the caller retries with
 * priv_all.
 */
static int
write_sequences(struct mh *mh, struct mh_folder *f, int priv_all)
{
	struct buf b = BUF_INIT;
	struct stat st;
	char *key, *val;
	size_t i;
	int created, e;
	mode_t mode;

	key = atr_key(f, "cur");
	if (f->cur != 0 && priv_all) {
		val = xasprintf("%u", f->cur);
		mh_ctx_set(mh, key, val);
		free(val);
	} else {
		if (f->cur != 0)
			buf_printf(&b, "cur: %u\n", f->cur);
		mh_ctx_set(mh, key, NULL);
	}
	free(key);
	for (i = 0; i < f->nseq; i++) {
		key = atr_key(f, f->seq[i].name);
		val = seq_value(f, &f->seq[i]);
		if (val != NULL && (priv_all || f->seq[i].priv))
			mh_ctx_set(mh, key, val);
		else {
			mh_ctx_set(mh, key, NULL);
			if (val != NULL)
				buf_printf(&b, "%s: %s\n", f->seq[i].name, val);
		}
		free(key);
		free(val);
	}
	if (priv_all || f->seqfile == NULL) {
		buf_free(&b);
		return 0;
	}
	if (f->lockfd < 0) {
		if (lock_open(f->seqfile, O_RDWR | O_CREAT, 0666, F_WRLCK,
		    &f->lockfd, &created) < 0) {
			e = errno;
			buf_free(&b);
			if (e == EACCES || e == EROFS || e == EPERM)
				return -2;
			errno = e;
			syserr(mh, f->seqfile);
			return -1;
		}
		f->created = created;
	}
	if (b.len == 0) {
		if (unlink(f->seqfile) < 0 && errno != ENOENT) {
			syserr(mh, f->seqfile);
			buf_free(&b);
			return -1;
		}
		f->created = 0;
		buf_free(&b);
		if (xfsync_dir(f->path) < 0) {
			syserr(mh, f->path);
			return -1;
		}
		return 0;
	}
	mode = 0666 & ~current_umask();
	if (!f->created && fstat(f->lockfd, &st) == 0)
		mode = st.st_mode & 07777;
	if (replace_file(f->seqfile, b.data, b.len, mode) < 0) {
		e = errno;
		buf_free(&b);
		if (e == EACCES || e == EROFS || e == EPERM)
			return -2;
		errno = e;
		syserr(mh, f->seqfile);
		return -1;
	}
	f->created = 0;
	buf_free(&b);
	return 0;
}

int
mh_folder_save(struct mh *mh, struct mh_folder *f)
{
	int r;

	if (f->dirty) {
		r = write_sequences(mh, f, 0);
		if (r == -2)
			r = write_sequences(mh, f, 1);
		if (r < 0) {
			r = errno;
			release_lock(f);
			errno = r;
			return -1;
		}
		f->dirty = 0;
	}
	release_lock(f);
	return mh_ctx_save(mh);
}

/* ---------------------------------------------------------------- changes */

struct mh_seq *
mh_seq_get(const struct mh_folder *f, const char *name)
{
	return seq_lookup(f, name, strlen(name));
}

int
mh_seq_has(const struct mh_folder *f, const char *name, unsigned n)
{
	const struct mh_seq *q = mh_seq_get(f, name);

	return q != NULL && member(q->num, q->n, n);
}

void
mh_seq_add(struct mh_folder *f, const char *name, const unsigned *v,
    size_t n)
{
	struct mh_seq *q = seq_create(f, name);

	seq_reserve(q, n);
	memcpy(q->num + q->n, v, n * sizeof(*v));
	q->n = sort_unique(q->num, q->n + n);
	f->dirty = 1;
}

void
mh_seq_del(struct mh_folder *f, const char *name, const unsigned *v,
    size_t n)
{
	struct mh_seq *q = mh_seq_get(f, name);
	unsigned *del;
	size_t i, j;

	if (q == NULL)
		return;
	del = xreallocarray(NULL, n + 1, sizeof(*del));
	if (n > 0)
		memcpy(del, v, n * sizeof(*v));
	n = sort_unique(del, n);
	for (i = j = 0; i < q->n; i++)
		if (!member(del, n, q->num[i]))
			q->num[j++] = q->num[i];
	q->n = j;
	free(del);
	f->dirty = 1;
}

void
mh_seq_zero(struct mh_folder *f, const char *name)
{
	struct mh_seq *q = seq_create(f, name);

	q->n = 0;
	f->dirty = 1;
}

void
mh_seq_set_private(struct mh_folder *f, const char *name, int priv)
{
	struct mh_seq *q = seq_create(f, name);

	if (q->priv != !!priv) {
		q->priv = !!priv;
		f->dirty = 1;
	}
}

void
mh_set_cur(struct mh_folder *f, unsigned n)
{
	if (f->cur != n) {
		f->cur = n;
		f->dirty = 1;
	}
}

/* Position of x in the sorted list old (n when absent). */
static size_t
find_index(const unsigned *old, size_t n, unsigned x)
{
	size_t i = lower_bound(old, n, x);

	return i < n && old[i] == x ? i : n;
}

void
mh_renumber(struct mh_folder *f, const unsigned *old, const unsigned *new,
    size_t n)
{
	unsigned *o = xreallocarray(NULL, n + 1, sizeof(*o));
	unsigned *nw = xreallocarray(NULL, n + 1, sizeof(*nw));
	size_t *ix = xreallocarray(NULL, n + 1, sizeof(*ix));
	size_t i, j, k;

	/* sort the map by old number */
	for (i = 0; i < n; i++)
		ix[i] = i;
	for (i = 1; i < n; i++)		/* insertion sort is fine: packs are */
		for (j = i; j > 0 && old[ix[j - 1]] > old[ix[j]]; j--) {
			k = ix[j];	/* usually already in order */
			ix[j] = ix[j - 1];
			ix[j - 1] = k;
		}
	for (i = 0; i < n; i++) {
		o[i] = old[ix[i]];
		nw[i] = new[ix[i]];
	}
	for (i = 0; i < f->nseq; i++) {
		struct mh_seq *q = &f->seq[i];

		for (j = 0; j < q->n; j++)
			if ((k = find_index(o, n, q->num[j])) < n)
				q->num[j] = nw[k];
		q->n = sort_unique(q->num, q->n);
	}
	if (f->cur != 0 && (k = find_index(o, n, f->cur)) < n)
		f->cur = nw[k];
	f->dirty = 1;
	free(o);
	free(nw);
	free(ix);
}

void
mh_set_previous(struct mh *mh, struct mh_folder *f, const unsigned *v,
    size_t n)
{
	char **names;
	size_t i, k;

	names = mh_seqnames(mh, "Previous-Sequence", &k);
	for (i = 0; i < k; i++) {
		mh_seq_zero(f, names[i]);
		mh_seq_add(f, names[i], v, n);
	}
	mh_argv_free(names);
}

/* ---------------------------------------------------------------- specs */

/* Error codes of conv(), as nmh's m_convert.c has them. */
#define BADMSG	(-2)
#define BADRNG	(-3)
#define BADNUM	(-5)
#define BADLST	(-6)

#define ROLE_FIRST	1
#define ROLE_LAST	2

struct sel {
	struct mh		*mh;
	const struct mh_folder	*f;
	int			 flags;
	unsigned char		*bit;		/* per message index */
	unsigned		*extra;		/* absent messages (MH_SEL_NEW) */
	size_t			 nextra;
	size_t			 found;		/* selected by this spec */
	long			 low, hgh, cur;
	int			 dir;
};

/* Select message number x (an existing one, or any with MH_SEL_NEW). */
static void
sel_num(struct sel *s, long x)
{
	const struct mh_folder *f = s->f;
	size_t i = lower_bound(f->msg, f->nmsg, (unsigned long)x);

	s->found++;
	if (i < f->nmsg && f->msg[i] == (unsigned long)x) {
		s->bit[i] = 1;
		return;
	}
	s->extra = xreallocarray(s->extra, s->nextra + 1, sizeof(*s->extra));
	s->extra[s->nextra++] = (unsigned)x;
}

/* Select the existing messages in [a, b]. */
static void
sel_range(struct sel *s, long a, long b)
{
	const struct mh_folder *f = s->f;
	size_t i;

	for (i = lower_bound(f->msg, f->nmsg, (unsigned long)a);
	    i < f->nmsg && f->msg[i] <= (unsigned long)b; i++) {
		s->bit[i] = 1;
		s->found++;
	}
}

/* Index of the last message <= x, or -1. */
static long
idx_le(const struct mh_folder *f, long x)
{
	if (x < 1)
		return -1;
	return (long)lower_bound(f->msg, f->nmsg, (unsigned long)x + 1) - 1;
}

/* Index of the first message >= x, or nmsg. */
static long
idx_ge(const struct mh_folder *f, long x)
{
	if (x < 1)
		return 0;
	return (long)lower_bound(f->msg, f->nmsg, (unsigned long)x);
}

/* Digits at s as a number, saturated above MH_MSG_MAX; *end after them. */
static long
digits(const char *s, const char **end)
{
	long v = 0;

	for (; isdigit((unsigned char)*s); s++)
		if ((v = v * 10 + (*s - '0')) > (long)MH_MSG_MAX)
			v = (long)MH_MSG_MAX + 1;
	*end = s;
	return v;
}

/*
 * A message name to a number, as nmh's m_conv(): a number, first, last,
 * cur, ".", prev, next.  Sets s->dir (-1 after last and prev).  A number
 * above the last message counts as last+1 when something follows it or
 * when it ends a range.
 */
static long
conv(struct sel *s, const char *str, int role, const char **end)
{
	const struct mh_folder *f = s->f;
	const char *p;
	long v, i;
	size_t len;

	s->dir = 1;
	if (isdigit((unsigned char)*str)) {
		v = digits(str, end);
		if (v <= s->hgh)
			return v;
		if (**end != '\0' || role == ROLE_LAST)
			return s->hgh + 1;
		return (s->flags & MH_SEL_NEW) ? BADRNG : BADNUM;
	}
	for (p = str; isalpha((unsigned char)*p) || *p == '.'; p++)
		;
	*end = p;
	len = (size_t)(p - str);
#define IS(w) (len == sizeof(w) - 1 && memcmp(str, w, len) == 0)
	if (IS("first"))
		return s->hgh || !(s->flags & MH_SEL_NEW) ? s->low : BADMSG;
	if (IS("last")) {
		s->dir = -1;
		return s->hgh || !(s->flags & MH_SEL_NEW) ? s->hgh : BADMSG;
	}
	if (IS("cur") || IS("."))
		return s->cur > 0 ? s->cur : BADMSG;
	if (IS("prev")) {
		s->dir = -1;
		i = idx_le(f, s->cur <= s->hgh ? s->cur - 1 : s->hgh);
		return i >= 0 ? (long)f->msg[i] : BADMSG;
	}
	if (IS("next")) {
		i = idx_ge(f, s->cur >= s->low ? s->cur + 1 : s->low);
		return i < (long)f->nmsg ? (long)f->msg[i] : BADMSG;
	}
#undef IS
	return BADLST;
}

static int sel_fail(struct sel *, const char *, ...) MK_PRINTF(2, 3);

static int
sel_fail(struct sel *s, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&s->mh->err);
	va_start(ap, fmt);
	buf_vprintf(&s->mh->err, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

/* The message of nmh's m_convert() for an error code of conv(). */
static int
conv_fail(struct sel *s, long code, const char *cp, const char *spec)
{
	switch (code) {
	case BADMSG:
		return sel_fail(s, "no %s message", cp);
	case BADNUM:
		return sel_fail(s, "message %s doesn't exist", cp);
	case BADRNG:
		return sel_fail(s, "message %s out of range 1-%ld", cp, s->hgh);
	case BADLST:
		return sel_fail(s, "bad message list %s", spec);
	default:
		return sel_fail(s, "no messages match specification %s", spec);
	}
}

static int
delim_fail(struct sel *s, int c, const char *spec)
{
	if (isprint((unsigned char)c))
		return sel_fail(s, "illegal argument delimiter `%c' in %s",
		    c, spec);
	return sel_fail(s, "illegal argument delimiter 0x%02x in %s",
	    (unsigned char)c, spec);
}

/* A count after ':' or '=': digits to the end, not 0.  0 when bad. */
static long
count_of(const char *p)
{
	const char *end;
	long v;

	if (!isdigit((unsigned char)*p))
		return 0;
	v = digits(p, &end);
	return *end == '\0' ? v : 0;
}

/*
 * A user-defined sequence spec, as nmh's attr(): SEQ, SEQ:N, SEQ:+N,
 * SEQ:-N, SEQ=N, SEQ:first, SEQ:last, SEQ:next, SEQ:prev, negated.
 * Returns 1 when done, 0 when spec is not a sequence, -1 on error.
 */
static int
sel_seq(struct sel *s, const char *spec)
{
	const struct mh_folder *f = s->f;
	const struct mh_seq *q = NULL;
	const char *neg = mh_negation(s->mh), *p = spec, *d, *r;
	unsigned curv[1];
	const unsigned *num;
	size_t nnum, namelen, matched = 0;
	long count = 0, start = 0, i;
	int inv = 0, dir = 1, just_one = 0, point = 0, start_set = 0;

	if (strcmp(spec, "cur") == 0 || (strncmp(spec, "cur", 3) == 0 &&
	    (spec[3] == ':' || spec[3] == '=')))
		return 0;
	if (neg != NULL && strncmp(p, neg, strlen(neg)) == 0) {
		inv = 1;
		p += strlen(neg);
	} else if (*p == '!') {
		inv = 1;
		p++;
	}
	for (d = p; isalnum((unsigned char)*d); d++)
		;
	namelen = strlen(p);
	if (*d == ':') {
		namelen = (size_t)(d - p);
		r = d + 1;
		count = 1;
		if (isalpha((unsigned char)*r)) {
			point = start_set = 1;
			if (strcmp(r, "prev") == 0) {
				dir = -1;
				start = s->cur > 0 && s->cur <= s->hgh ?
				    s->cur - 1 : s->hgh;
			} else if (strcmp(r, "next") == 0)
				start = s->cur >= s->low ? s->cur + 1 : s->low;
			else if (strcmp(r, "first") == 0)
				start = s->low;
			else if (strcmp(r, "last") == 0) {
				dir = -1;
				start = s->hgh;
			} else
				return conv_fail(s, BADLST, spec, spec);
		} else {
			if (*r == '+')
				r++;
			else if (*r == '-' || *r == ':') {
				r++;
				dir = -1;
				start = s->hgh;
				start_set = 1;
			}
			if ((count = count_of(r)) == 0)
				return conv_fail(s, BADLST, spec, spec);
		}
	} else if (*d == '=') {
		namelen = (size_t)(d - p);
		r = d + 1;
		if (*r == '+')
			r++;
		else if (*r == '-') {
			r++;
			dir = -1;
			start = s->hgh;
			start_set = 1;
		}
		if ((count = count_of(r)) == 0)
			return conv_fail(s, BADLST, spec, spec);
		just_one = 1;
	}

	if (namelen == 3 && memcmp(p, "cur", 3) == 0) {
		/* only reached negated: "cur" is a sequence of one */
		curv[0] = (unsigned)s->cur;
		num = curv;
		nnum = s->cur > 0;
	} else if ((q = seq_lookup(f, p, namelen)) != NULL) {
		num = q->num;
		nnum = q->n;
	} else
		return 0;

	if (!start_set)
		start = s->low;
	i = dir > 0 ? idx_ge(f, start) : idx_le(f, start);
	for (; i >= 0 && i < (long)f->nmsg; i += dir) {
		if (member(num, nnum, f->msg[i]) == inv)
			continue;
		matched++;
		if (!just_one || (long)matched >= count)
			sel_num(s, (long)f->msg[i]);
		if (count && (long)matched >= count)
			break;
	}
	if (s->found > 0)
		return 1;
	if (point || just_one)
		return sel_fail(s, "no %s message", spec);
	return sel_fail(s, "sequence %.*s %s", (int)namelen, p,
	    inv ? "full" : "empty");
}

/* One spec, as nmh's m_convert(). */
static int
sel_one(struct sel *s, const char *spec)
{
	const struct mh_folder *f = s->f;
	const char *cp = spec, *d, *d2;
	long first, last, count, i, t;
	int r, is_range, ranoff;

	s->found = 0;
	if ((r = sel_seq(s, spec)) != 0)
		return r > 0 ? 0 : -1;
	if ((s->flags & MH_SEL_NEW) && strcmp(spec, "new") == 0) {
		sel_num(s, s->hgh + 1);
		return 0;
	}
	if (strcmp(spec, "all") == 0)
		cp = "first-last";
	if ((first = conv(s, cp, ROLE_FIRST, &d)) <= 0)
		return conv_fail(s, first, cp, spec);
	if (*d != '\0' && *d != '-' && *d != ':' && *d != '=')
		return delim_fail(s, *d, spec);

	if (*d == '-') {
		cp = d + 1;
		if ((last = conv(s, cp, ROLE_LAST, &d2)) <= 0)
			return conv_fail(s, last, cp, spec);
		if (last < first)
			return conv_fail(s, BADLST, spec, spec);
		if (*d2 != '\0')
			return delim_fail(s, *d2, spec);
		if (first > s->hgh || last < s->low)
			goto rangerr;
		sel_range(s, first, last);
	} else if (*d == ':' || *d == '=') {
		is_range = *d == ':';
		cp = d + 1;
		if (*cp == '-') {
			s->dir = -1;
			cp++;
		} else if (*cp == '+') {
			s->dir = 1;
			cp++;
		}
		if (!isdigit((unsigned char)*cp) || digits(cp, &d2) == 0)
			return conv_fail(s, BADLST, spec, spec);
		count = digits(cp, &d2);
		if (*d2 != '\0')
			return delim_fail(s, *d2, spec);
		if ((s->dir > 0 && first > s->hgh) ||
		    (s->dir < 0 && first < s->low))
			goto rangerr;
		if (first < s->low)
			first = s->low;
		if (first > s->hgh)
			first = s->hgh;
		/* the count-th message from first, or off the end */
		ranoff = 0;
		if (s->dir > 0) {
			i = idx_ge(f, first);
			if (count - 1 >= (long)f->nmsg - i) {
				ranoff = 1;
				last = s->hgh;
			} else
				last = (long)f->msg[i + count - 1];
		} else {
			i = idx_le(f, first);
			t = i - (count - 1);
			if (i < 0 || t < 0) {
				ranoff = 1;
				last = s->low;
			} else
				last = (long)f->msg[t];
		}
		if (is_range) {
			if (last < first) {
				t = last;
				last = first;
				first = t;
			}
			sel_range(s, first, last);
		} else {
			if (ranoff)
				return sel_fail(s, "no such message %s", spec);
			sel_num(s, last);
		}
	} else {
		if (s->flags & MH_SEL_NEW)
			sel_num(s, first);
		else if (first > s->hgh || first < s->low ||
		    !mh_msg_exists(f, (unsigned)first)) {
			if (strcmp(spec, "cur") == 0 || strcmp(spec, ".") == 0)
				return sel_fail(s, "no %s message", spec);
			return sel_fail(s, "message %ld doesn't exist", first);
		} else
			sel_num(s, first);
	}
	if (s->found == 0)
		goto rangerr;
	return 0;
rangerr:
	return sel_fail(s, "no messages in range %s", spec);
}

int
mh_select(struct mh *mh, const struct mh_folder *f, char *const *specs,
    size_t nspecs, int flags, unsigned **out, size_t *nout)
{
	struct sel s;
	unsigned *v;
	size_t i, n = 0, k = 0;
	int r = 0;

	*out = NULL;
	*nout = 0;
	if (nspecs == 0) {
		seterr(mh, EINVAL, "no messages specified");
		return -1;
	}
	if (f->nmsg == 0 && !(flags & MH_SEL_NEW)) {
		seterr(mh, EINVAL, "no messages in %s", f->name);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.mh = mh;
	s.f = f;
	s.flags = flags;
	s.bit = xcalloc(f->nmsg + 1, 1);
	s.low = f->nmsg ? (long)f->msg[0] : 0;
	s.hgh = f->nmsg ? (long)f->msg[f->nmsg - 1] : 0;
	s.cur = f->nmsg ? (long)f->cur : 0;	/* nmh: none when empty */
	for (i = 0; i < nspecs && r == 0; i++)
		r = sel_one(&s, specs[i]);
	if (r == 0) {
		s.nextra = sort_unique(s.extra, s.nextra);
		v = xreallocarray(NULL, f->nmsg + s.nextra + 1, sizeof(*v));
		for (i = 0; i < f->nmsg || k < s.nextra; ) {
			while (i < f->nmsg && !s.bit[i])
				i++;
			if (k < s.nextra &&
			    (i >= f->nmsg || s.extra[k] < f->msg[i]))
				v[n++] = s.extra[k++];
			else if (i < f->nmsg)
				v[n++] = f->msg[i++];
		}
		*out = v;
		*nout = n;
	}
	free(s.bit);
	free(s.extra);
	return r;
}

int
mh_args(struct mh *mh, int argc, char **argv, const char **folder,
    char ***specs, size_t *nspecs)
{
	char **v = xreallocarray(NULL, (size_t)argc + 1, sizeof(*v));
	size_t n = 0;
	int i;

	*folder = NULL;
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '+' || argv[i][0] == '@') {
			if (*folder != NULL) {
				seterr(mh, EINVAL, "only one folder at a time "
				    "(%s and %s)", *folder, argv[i]);
				free(v);
				*specs = NULL;
				*nspecs = 0;
				return -1;
			}
			*folder = argv[i];
		} else
			v[n++] = argv[i];
	}
	v[n] = NULL;
	*specs = v;
	*nspecs = n;
	return 0;
}
