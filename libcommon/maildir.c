/*
 * maildir.c: Maildir as in cr.yp.to/proto/maildir.html, and Maildir++
 * subfolders (a ".Sub.Folder" directory that is itself a Maildir and
 * holds a "maildirfolder" file).
 *
 * Names are time.MusecPpidRrandom.host,S=size, with '/' and ':' in the
 * host name written as \057 and \072; the info ":2,FLAGS" lists the flag
 * letters in ASCII order, unknown ones kept.  A reader lists new/ and cur/
 * (never tmp/) and gives the messages in the order of the time and the
 * microseconds in their names, so that what one writer delivered in order
 * reads back in that order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "mailbox_impl.h"
#include "util.h"
#include "xio.h"

#define SUB_NEW	1
#define SUB_CUR	2

static const struct {
	char	letter;
	int	flag;
} letters[] = {
	{ 'D', MBM_DRAFT },
	{ 'F', MBM_FLAGGED },
	{ 'P', MBM_PASSED },
	{ 'R', MBM_REPLIED },
	{ 'S', MBM_SEEN },
	{ 'T', MBM_TRASHED },
};

/* The flags of the info part ":2,..." of a name. */
int
maildir_info(const char *name, int *flags, char **xflags)
{
	const char *p = strrchr(name, ':');
	struct buf x = BUF_INIT;
	size_t i;

	*xflags = NULL;
	if (p == NULL || strncmp(p, ":2,", 3) != 0)
		return 0;
	for (p += 3; *p; p++) {
		for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
			if (*p == letters[i].letter)
				break;
		if (i < sizeof(letters) / sizeof(letters[0]))
			*flags |= letters[i].flag;
		else if (isgraph((unsigned char)*p) && *p != ',' && *p != '/')
			buf_addc(&x, *p);
	}
	if (x.len)
		*xflags = buf_release(&x);
	return 0;
}

/* ------------------------------------------------------------ reading */

/* Sort key of a name: leading seconds, then the number after ".M". */
static void
name_key(const char *rel, unsigned long long *t, unsigned long long *us)
{
	const char *s = strchr(rel, '/') + 1, *m;

	*t = strtoull(s, NULL, 10);
	*us = 0;
	if ((m = strchr(s, '.')) != NULL && m[1] == 'M')
		*us = strtoull(m + 2, NULL, 10);
}

struct sortent {
	unsigned long long t, us;
	struct pending e;
};

static int
entcmp(const void *va, const void *vb)
{
	const struct sortent *a = va, *b = vb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->us != b->us)
		return a->us < b->us ? -1 : 1;
	return strcmp(strchr(a->e.tmp, '/'), strchr(b->e.tmp, '/'));
}

/* Sort the entries by the keys of their names, each parsed once. */
static void
sort_ents(struct mailbox *mb)
{
	struct sortent *v = xreallocarray(NULL, mb->nents, sizeof(*v));
	size_t i;

	for (i = 0; i < mb->nents; i++) {
		v[i].e = mb->ents[i];
		name_key(v[i].e.tmp, &v[i].t, &v[i].us);
	}
	qsort(v, mb->nents, sizeof(*v), entcmp);
	for (i = 0; i < mb->nents; i++)
		mb->ents[i] = v[i].e;
	free(v);
}

static int
list_sub(struct mailbox *mb, const char *sub, int which, size_t *cap)
{
	struct dirent *d;
	char *dir = xasprintf("%s/%s", mb->path, sub);
	DIR *dp;

	if ((dp = opendir(dir)) == NULL) {
		mb_seterr(mb, "opendir", dir);
		free(dir);
		return -1;
	}
	while ((errno = 0, d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (mb->nents == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			mb->ents = xreallocarray(mb->ents, *cap,
			    sizeof(*mb->ents));
		}
		memset(&mb->ents[mb->nents], 0, sizeof(mb->ents[0]));
		mb->ents[mb->nents].tmp = xasprintf("%s/%s", sub, d->d_name);
		mb->ents[mb->nents].sub = which;
		mb->nents++;
	}
	if (errno != 0) {
		mb_seterr(mb, "readdir", dir);
		closedir(dp);
		free(dir);
		return -1;
	}
	closedir(dp);
	free(dir);
	return 0;
}

int
maildir_ropen(struct mailbox *mb)
{
	size_t cap = 0;

	if (list_sub(mb, "new", SUB_NEW, &cap) < 0 ||
	    list_sub(mb, "cur", SUB_CUR, &cap) < 0)
		return -1;
	if (mb->nents > 1)
		sort_ents(mb);
	mb->ib.fd = -1;
	return 0;
}

/* Open the file of the next message that is still there. */
int
maildir_next(struct mailbox *mb)
{
	struct pending *e;
	struct stat st;
	char *path;
	int fd;

	if (mb->ib.fd >= 0)
		close(mb->ib.fd);
	mb->ib.fd = -1;
	for (; mb->cur < mb->nents; mb->cur++) {
		e = &mb->ents[mb->cur];
		path = xasprintf("%s/%s", mb->path, e->tmp);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && (errno == ENOENT || errno == ELOOP)) {
			free(path);	/* moved away meanwhile */
			continue;
		}
		if (fd < 0 || fstat(fd, &st) < 0) {
			mb_seterr(mb, "open", path);
			free(path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			free(path);
			continue;
		}
		mb->cur++;
		ib_reset(&mb->ib, fd);
		mb->attr.path = path;
		mb->attr.date = st.st_mtime;
		mb->attr.size = st.st_size;
		mb->attr.flags = e->sub == SUB_CUR ? MBM_OLD : 0;
		maildir_info(e->tmp, &mb->attr.flags, &mb->attr.xflags);
		return 1;
	}
	return 0;
}

/* A message file of a directory store, read to its end. */
ssize_t
dir_raw(struct mailbox *mb, char *out, size_t n, int line)
{
	struct ibuf *ib = &mb->ib;
	const char *nl;
	size_t k;
	ssize_t r;

	if (ib->start == ib->end) {
		if (ib->eof || ib->fd < 0)
			return 0;
		if (!line && n >= IB_SIZE / 4) {	/* big reads: no copy */
			for (;;) {
				r = read(ib->fd, out, n);
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0)
					mb_seterr(mb, "read", mb->attr.path);
				if (r == 0)
					ib->eof = 1;
				return r;
			}
		}
		if (ib_fill(ib, 1) < 0) {
			mb_seterr(mb, "read", mb->attr.path);
			return -1;
		}
		if (ib->start == ib->end)
			return 0;
	}
	k = ib->end - ib->start;
	if (k > n)
		k = n;
	if (line && (nl = memchr(ib->p + ib->start, '\n', k)) != NULL)
		k = (size_t)(nl - (ib->p + ib->start)) + 1;
	memcpy(out, ib->p + ib->start, k);
	ib->start += k;
	return (ssize_t)k;
}

/* ------------------------------------------------------------ writing */

/* The host part of a name: '/' and ':' escaped as qmail does. */
static char *
host_part(void)
{
	struct buf b = BUF_INIT;
	char host[256];
	size_t i;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i]; i++)
		if (host[i] == '/')
			buf_adds(&b, "\\057");
		else if (host[i] == ':')
			buf_adds(&b, "\\072");
		else
			buf_addc(&b, host[i]);
	return buf_release(&b);
}

static int
mkdir_sub(const char *dir, const char *sub, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, sub);
	int r = mkdir(p, mode);

	if (r < 0 && errno == EEXIST)
		r = 0;
	free(p);
	return r;
}

/* Directories get x where files have r. */
static mode_t
dirmode(mode_t m)
{
	return (m | ((m & 0444) >> 2) | 0700) & 0777;
}

/* Remove a half-made Maildir below a temporary name. */
static void
unmake(const char *tmp)
{
	static const char *subs[] = { "tmp", "new", "cur", "maildirfolder" };
	char *p;
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		p = xasprintf("%s/%s", tmp, subs[i]);
		if (rmdir(p) < 0)
			(void)unlink(p);
		free(p);
	}
	(void)rmdir(tmp);
}

/*
 * Make a new Maildir (and mark a Maildir++ subfolder as one).  It is
 * built under a temporary name and renamed into place whole, so that a
 * writer killed half-way never leaves a directory without new/ and cur/
 * (which would later look like an MH folder).  Losing a race with another
 * creator is fine: the Maildir is there.
 */
static int
make_maildir(struct mailbox *mb)
{
	mode_t dm = dirmode(mb->opt.mode);
	char *path = xstrdup(mb->path), *parent, *mf, *tmp;
	size_t len = strlen(path);
	const char *slash, *base;
	mode_t um;
	int fd;

	while (len > 1 && path[len - 1] == '/')	/* "Maildir/" */
		path[--len] = '\0';
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	parent = slash ? (slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path))) : xstrdup(".");
	tmp = xasprintf("%s/.%s.mkXXXXXX", parent, base);
	if (mkdtemp(tmp) == NULL) {
		mb_seterr(mb, "mkdir", NULL);
		free(tmp);
		free(parent);
		free(path);
		return -1;
	}
	um = umask(0);		/* mkdtemp made it 0700: the umask as mkdir */
	(void)umask(um);
	if (chmod(tmp, dm & ~um) < 0 || mkdir_sub(tmp, "tmp", dm) < 0 ||
	    mkdir_sub(tmp, "new", dm) < 0 || mkdir_sub(tmp, "cur", dm) < 0 ||
	    xfsync_dir(tmp) < 0) {
		mb_seterr(mb, "mkdir", NULL);
		unmake(tmp);
		free(tmp);
		free(parent);
		free(path);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unmake(tmp);
		free(tmp);
		free(path);
		if (e != EEXIST && e != ENOTEMPTY) {
			errno = e;
			mb_seterr(mb, "mkdir", NULL);
			free(parent);
			return -1;
		}
		free(parent);
		return 0;	/* made by someone else meanwhile */
	}
	free(tmp);
	if (base[0] == '.') {
		char *pc = xasprintf("%s/cur", parent);
		struct stat st;

		if (stat(pc, &st) == 0 && S_ISDIR(st.st_mode)) {
			mf = xasprintf("%s/maildirfolder", mb->path);
			fd = open(mf, O_WRONLY | O_CREAT | O_CLOEXEC,
			    mb->opt.mode);
			if (fd < 0 || close(fd) < 0) {
				mb_seterr(mb, "create", mf);
				free(mf);
				free(pc);
				free(parent);
				free(path);
				return -1;
			}
			free(mf);
		}
		free(pc);
	}
	free(path);
	if (xfsync_dir(mb->path) < 0 || xfsync_dir(parent) < 0) {
		mb_seterr(mb, "fsync", NULL);
		free(parent);
		return -1;
	}
	free(parent);
	return 0;
}

int
maildir_wopen(struct mailbox *mb)
{
	struct stat st;

	if (stat(mb->path, &st) < 0) {
		if (errno != ENOENT || !(mb->opt.flags & MBO_CREATE)) {
			mb_seterr(mb, "open", NULL);
			return -1;
		}
		if (make_maildir(mb) < 0)
			return -1;
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		mb_seterr(mb, "open", NULL);
		return -1;
	} else if (mkdir_sub(mb->path, "tmp", dirmode(mb->opt.mode)) < 0 ||
	    mkdir_sub(mb->path, "new", dirmode(mb->opt.mode)) < 0 ||
	    mkdir_sub(mb->path, "cur", dirmode(mb->opt.mode)) < 0) {
		mb_seterr(mb, "mkdir", NULL);
		return -1;
	}
	if ((mb->dirfd = open(mb->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	    0 || (mb->tmpfd = openat(mb->dirfd, "tmp", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (mb->newfd = openat(mb->dirfd, "new",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || (mb->curfd =
	    openat(mb->dirfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		mb_seterr(mb, "open", NULL);
		maildir_wclose(mb, 1);
		return -1;
	}
	mb->host = host_part();
	return 0;
}

/* A new unique name; times only grow within this process. */
static char *
unique_name(struct mailbox *mb)
{
	struct timespec ts;
	long usec;

	clock_gettime(CLOCK_REALTIME, &ts);
	usec = ts.tv_nsec / 1000;
	if (ts.tv_sec < mb->lastname.tv_sec || (ts.tv_sec ==
	    mb->lastname.tv_sec && usec <= mb->lastname.tv_nsec)) {
		ts.tv_sec = mb->lastname.tv_sec;
		usec = mb->lastname.tv_nsec + 1;
		if (usec >= 1000000) {
			ts.tv_sec++;
			usec = 0;
		}
	}
	mb->lastname.tv_sec = ts.tv_sec;
	mb->lastname.tv_nsec = usec;
	return xasprintf("%lld.M%ldP%ldR%08x.%s", (long long)ts.tv_sec, usec,
	    (long)getpid(), (unsigned)arc4random(), mb->host);
}

int
maildir_wbegin(struct mailbox *mb)
{
	int tries;

	for (tries = 0; tries < 10; tries++) {
		free(mb->tmpname);
		mb->tmpname = unique_name(mb);
		mb->wfd = openat(mb->tmpfd, mb->tmpname, O_WRONLY | O_CREAT |
		    O_EXCL | O_CLOEXEC | O_NOFOLLOW, mb->opt.mode);
		if (mb->wfd >= 0 || errno != EEXIST)
			break;
	}
	if (mb->wfd < 0) {
		mb_seterr(mb, "create", mb->tmpname);
		return -1;
	}
	mb->wsize = 0;
	buf_reset(&mb->ob);
	return 0;
}

/* The final name: ,S=size and, in cur/, the info with sorted letters. */
static char *
final_name(struct mailbox *mb, int *sub)
{
	struct buf b = BUF_INIT;
	const struct mbattr *a = &mb->wattr;
	unsigned char have[256];
	const char *x;
	size_t i;
	int c;

	memset(have, 0, sizeof(have));
	for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (a->flags & letters[i].flag)
			have[(unsigned char)letters[i].letter] = 1;
	for (x = a->xflags; x && *x; x++)
		if (isgraph((unsigned char)*x) && *x != ',' && *x != '/' &&
		    *x != ':')
			have[(unsigned char)*x] = 1;
	buf_printf(&b, "%s,S=%lld", mb->tmpname, (long long)mb->wsize);
	*sub = SUB_NEW;
	if ((a->flags & (MBM_OLD | MBM_SEEN | MBM_REPLIED | MBM_FLAGGED |
	    MBM_TRASHED | MBM_DRAFT | MBM_PASSED)) || (a->xflags &&
	    *a->xflags)) {
		*sub = SUB_CUR;
		buf_adds(&b, ":2,");
		for (c = 0; c < 256; c++)
			if (have[c])
				buf_addc(&b, c);
	}
	return buf_release(&b);
}

/* tmp/name to new/ or cur/ without replacing anything. */
static int
move_in(struct mailbox *mb, const char *tmp, const char *dst, int sub)
{
	int subfd = sub == SUB_CUR ? mb->curfd : mb->newfd;

#ifdef RENAME_NOREPLACE
	if (renameat2(mb->tmpfd, tmp, subfd, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS) {
		mb_seterr(mb, "rename", dst);
		return -1;
	}
#endif
	if (linkat(mb->tmpfd, tmp, subfd, dst, 0) < 0 ||
	    unlinkat(mb->tmpfd, tmp, 0) < 0) {
		mb_seterr(mb, "link", dst);
		return -1;
	}
	return 0;
}

/* Set the file time to the envelope date. */
static int
set_time(struct mailbox *mb)
{
	struct timespec ts[2];

	if (mb->wattr.date == -1)
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = mb->wattr.date;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(mb->wfd, ts) < 0) {
		mb_seterr(mb, "futimens", mb->tmpname);
		return -1;
	}
	return 0;
}

int
maildir_wend(struct mailbox *mb)
{
	struct pending *p;
	char *dst;
	int sub;

	if (mb_flush(mb) < 0 || set_time(mb) < 0)
		return -1;
	if ((mb->opt.flags & MBO_SYNC_EACH) && fsync(mb->wfd) < 0) {
		mb_seterr(mb, "fsync", mb->tmpname);
		return -1;
	}
	if (xclose(&mb->wfd) < 0) {
		mb_seterr(mb, "close", mb->tmpname);
		return -1;
	}
	dst = final_name(mb, &sub);
	if (mb->opt.flags & MBO_SYNC_EACH) {
		if (move_in(mb, mb->tmpname, dst, sub) < 0) {
			free(dst);
			return -1;
		}
		free(dst);
		free(mb->tmpname);
		mb->tmpname = NULL;
		if (fsync(sub == SUB_CUR ? mb->curfd : mb->newfd) < 0) {
			mb_seterr(mb, "fsync", sub == SUB_CUR ? "cur" : "new");
			return -1;
		}
		return 0;
	}
	p = mb_batch_push(mb);
	p->dst = dst;
	p->sub = sub;
	if (mb_batch_full(mb))
		return maildir_wsync(mb);
	return 0;
}

void
maildir_wabort(struct mailbox *mb)
{
	mb_dir_wabort(mb, mb->tmpfd);
}

static void
batch_free(struct mailbox *mb, size_t from, int unlink_tmp)
{
	size_t i;

	for (i = from; i < mb->nbatch; i++) {
		if (unlink_tmp)
			(void)unlinkat(mb->tmpfd, mb->batch[i].tmp, 0);
		free(mb->batch[i].tmp);
		free(mb->batch[i].dst);
	}
	mb->nbatch = 0;
	mb->batchbytes = 0;
}

/* The batch: data to disk, then into new/ and cur/, then those. */
int
maildir_wsync(struct mailbox *mb)
{
	size_t i;
	int used = 0;

	if (mb->nbatch == 0)
		return 0;
	if (mb_sync_batch(mb, mb->tmpfd) < 0)
		return -1;
	for (i = 0; i < mb->nbatch; i++) {
		if (move_in(mb, mb->batch[i].tmp, mb->batch[i].dst,
		    mb->batch[i].sub) < 0) {
			batch_free(mb, i, 1);
			return -1;
		}
		used |= mb->batch[i].sub;
		free(mb->batch[i].tmp);
		free(mb->batch[i].dst);
	}
	mb->nbatch = 0;
	mb->batchbytes = 0;
	if (((used & SUB_NEW) && fsync(mb->newfd) < 0) ||
	    ((used & SUB_CUR) && fsync(mb->curfd) < 0)) {
		mb_seterr(mb, "fsync", NULL);
		return -1;
	}
	return 0;
}

int
maildir_wclose(struct mailbox *mb, int discard)
{
	int r = 0;

	if (!discard && maildir_wsync(mb) < 0) {
		discard = 1;
		r = -1;
	}
	if (discard) {
		batch_free(mb, 0, 1);
		r = -1;
	}
	if (mb->tmpfd >= 0)
		close(mb->tmpfd);
	if (mb->newfd >= 0)
		close(mb->newfd);
	if (mb->curfd >= 0)
		close(mb->curfd);
	if (mb->dirfd >= 0)
		close(mb->dirfd);
	mb->tmpfd = mb->newfd = mb->curfd = mb->dirfd = -1;
	return r;
}
