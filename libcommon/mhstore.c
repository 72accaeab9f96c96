/*
 * mhstore.c: MH folders as nmh keeps them (mh-folders(5),
 * mh-sequence(5)): one file per message named by its number; ",N",
 * dot files and other names are not messages.  A new message is written
 * to a temporary file in the folder and linked to the highest number + 1
 * (the next number, again, when that exists).  Flags live in the public
 * sequences of .mh_sequences: "unseen", "flagged", "replied".
 *
 * The sequence functions (mhseq_*) are kept apart: they move to
 * libcommon/mh when that exists.
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

#include "lock.h"
#include "mailbox.h"
#include "mailbox_impl.h"
#include "util.h"
#include "xio.h"

#define SEQFILE	".mh_sequences"

/* ------------------------------------------------------------ sequences */

void
mhseq_free(struct mhseqs *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->s[i].name);
		free(q->s[i].r);
	}
	free(q->s);
	buf_free(&q->other);
	memset(q, 0, sizeof(*q));
}

static struct mhseq *
mhseq_find(struct mhseqs *q, const char *name, int create)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->s[i].name, name) == 0)
			return &q->s[i];
	if (!create)
		return NULL;
	q->s = xreallocarray(q->s, q->n + 1, sizeof(*q->s));
	memset(&q->s[q->n], 0, sizeof(q->s[0]));
	q->s[q->n].name = xstrdup(name);
	return &q->s[q->n++];
}

/* Add lo-hi to a sequence (numbers arrive mostly in increasing order). */
static void
mhseq_add(struct mhseq *s, unsigned long lo, unsigned long hi)
{
	size_t i;

	if (s->n > 0 && lo <= s->r[s->n - 1][1] + 1 && lo >= s->r[s->n - 1][0]) {
		if (hi > s->r[s->n - 1][1])
			s->r[s->n - 1][1] = hi;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->r = xreallocarray(s->r, s->cap, sizeof(*s->r));
	}
	for (i = s->n; i > 0 && s->r[i - 1][0] > lo; i--)
		s->r[i][0] = s->r[i - 1][0], s->r[i][1] = s->r[i - 1][1];
	s->r[i][0] = lo;
	s->r[i][1] = hi;
	s->n++;
}

static int
mhseq_has(const struct mhseq *s, unsigned long n)
{
	size_t lo = 0, hi = s ? s->n : 0, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (n < s->r[mid][0])
			hi = mid;
		else if (n > s->r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * Parse .mh_sequences text: "name: 1-3 5 9" per line, continuation
 * lines starting with white space.  Lines that are not sequences are
 * kept in q->other as they were.
 */
static void
mhseq_parse(struct mhseqs *q, const char *p, size_t len)
{
	const char *e = p + len, *nl, *colon, *t;
	struct mhseq *s = NULL;
	unsigned long lo, hi;
	char *name, *end;

	while (p < e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		if (*p == ' ' || *p == '\t') {
			t = p;
			if (s == NULL) {
				buf_add(&q->other, p, (size_t)(nl - p));
				buf_addc(&q->other, '\n');
				p = nl + (nl < e);
				continue;
			}
		} else if ((colon = memchr(p, ':', (size_t)(nl - p))) != NULL &&
		    colon > p) {
			name = xstrndup(p, (size_t)(colon - p));
			s = mhseq_find(q, name, 1);
			free(name);
			t = colon + 1;
		} else {
			s = NULL;
			if (nl > p) {
				buf_add(&q->other, p, (size_t)(nl - p));
				buf_addc(&q->other, '\n');
			}
			p = nl + (nl < e);
			continue;
		}
		while (t < nl) {
			if (!isdigit((unsigned char)*t)) {
				t++;
				continue;
			}
			lo = hi = strtoul(t, &end, 10);
			t = end;
			if (t < nl && *t == '-' && t + 1 < nl &&
			    isdigit((unsigned char)t[1])) {
				hi = strtoul(t + 1, &end, 10);
				t = end;
			}
			if (lo > 0 && hi >= lo)
				mhseq_add(s, lo, hi);
		}
		p = nl + (nl < e);
	}
}

static void
mhseq_format(const struct mhseqs *q, struct buf *b)
{
	size_t i, k;

	for (i = 0; i < q->n; i++) {
		if (q->s[i].n == 0)
			continue;
		buf_printf(b, "%s:", q->s[i].name);
		for (k = 0; k < q->s[i].n; k++)
			if (q->s[i].r[k][0] == q->s[i].r[k][1])
				buf_printf(b, " %lu", q->s[i].r[k][0]);
			else
				buf_printf(b, " %lu-%lu", q->s[i].r[k][0],
				    q->s[i].r[k][1]);
		buf_addc(b, '\n');
	}
	buf_add(b, q->other.data, q->other.len);
}

static int
mhseq_read(const char *folder, struct mhseqs *q)
{
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/%s", folder, SEQFILE);
	int fd, r = 0;

	memset(q, 0, sizeof(*q));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(path);
		return errno == ENOENT ? 0 : -1;
	}
	if (read_fd_all(fd, &b) < 0)
		r = -1;
	else
		mhseq_parse(q, b.data, b.len);
	close(fd);
	buf_free(&b);
	free(path);
	return r;
}

/*
 * Add messages to the flag sequences: nums[i] with flags[i].  Under an
 * fcntl lock on .mh_sequences (nmh's default "datalocking"), the file is
 * read, changed, and replaced by temp file, fsync, rename.
 */
static int
mhseq_update(struct mailbox *mb, const unsigned long *nums,
    const int *flags, size_t n)
{
	struct mhseqs q;
	struct mklock l = MKLOCK_INIT;
	struct xtemp t;
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/%s", mb->path, SEQFILE);
	size_t i;
	int fd, r = -1, any = 0;

	for (i = 0; i < n; i++)
		if (!(flags[i] & MBM_SEEN) || (flags[i] & (MBM_FLAGGED |
		    MBM_REPLIED)))
			any = 1;
	if (!any) {
		free(path);
		return 0;
	}
	memset(&q, 0, sizeof(q));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    mb->opt.mode)) < 0 || lock_acquire(&l, fd, path, MKLOCK_FCNTL,
	    mb->opt.locktimeout) < 0 || read_fd_all(fd, &b) < 0) {
		mb_seterr(mb, "open", path);
		goto done;
	}
	mhseq_parse(&q, b.data, b.len);
	for (i = 0; i < n; i++) {
		if (!(flags[i] & MBM_SEEN))
			mhseq_add(mhseq_find(&q, "unseen", 1), nums[i], nums[i]);
		if (flags[i] & MBM_FLAGGED)
			mhseq_add(mhseq_find(&q, "flagged", 1), nums[i],
			    nums[i]);
		if (flags[i] & MBM_REPLIED)
			mhseq_add(mhseq_find(&q, "replied", 1), nums[i],
			    nums[i]);
	}
	buf_reset(&b);
	mhseq_format(&q, &b);
	if (xtemp_open(&t, path, mb->opt.mode) < 0) {
		mb_seterr(mb, "create", path);
		goto done;
	}
	if (xwrite_all(t.fd, b.data, b.len) < 0) {
		mb_seterr(mb, "write", t.tmppath);
		xtemp_abort(&t);
		goto done;
	}
	if (xtemp_commit(&t) < 0) {
		mb_seterr(mb, "rename", path);
		goto done;
	}
	r = 0;
done:
	if (l.held)
		lock_release(&l);
	if (fd >= 0)
		close(fd);
	mhseq_free(&q);
	buf_free(&b);
	free(path);
	return r;
}

/* ------------------------------------------------------------ reading */

static int
numcmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The message numbers of a folder, and the highest. */
static int
list_numbers(struct mailbox *mb, unsigned long **nums, size_t *n,
    unsigned long *highest)
{
	struct dirent *d;
	const char *s;
	size_t cap = 0;
	DIR *dp;

	*n = 0;
	*highest = 0;
	if ((dp = opendir(mb->path)) == NULL) {
		mb_seterr(mb, "opendir", NULL);
		return -1;
	}
	while ((errno = 0, d = readdir(dp)) != NULL) {
		s = d->d_name;
		if (*s == '0' || !isdigit((unsigned char)*s))
			continue;
		for (; isdigit((unsigned char)*s); s++)
			;
		if (*s != '\0')
			continue;
		if (nums) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				*nums = xreallocarray(*nums, cap,
				    sizeof(**nums));
			}
			(*nums)[*n] = strtoul(d->d_name, NULL, 10);
		}
		if (strtoul(d->d_name, NULL, 10) > *highest)
			*highest = strtoul(d->d_name, NULL, 10);
		(*n)++;
	}
	if (errno != 0) {
		mb_seterr(mb, "readdir", NULL);
		closedir(dp);
		return -1;
	}
	closedir(dp);
	return 0;
}

int
mh_ropen(struct mailbox *mb)
{
	unsigned long highest;

	if (list_numbers(mb, &mb->nums, &mb->nents, &highest) < 0)
		return -1;
	if (mb->nents > 1)
		qsort(mb->nums, mb->nents, sizeof(*mb->nums), numcmp);
	if (mhseq_read(mb->path, &mb->seqs) < 0) {
		mb_seterr(mb, "read", SEQFILE);
		return -1;
	}
	mb->ib.fd = -1;
	return 0;
}

int
mh_next(struct mailbox *mb)
{
	struct stat st;
	unsigned long num;
	char *path;
	int fd;

	if (mb->ib.fd >= 0)
		close(mb->ib.fd);
	mb->ib.fd = -1;
	for (; mb->cur < mb->nents; mb->cur++) {
		num = mb->nums[mb->cur];
		path = xasprintf("%s/%lu", mb->path, num);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && (errno == ENOENT || errno == ELOOP)) {
			free(path);
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
		if (!mhseq_has(mhseq_find(&mb->seqs, "unseen", 0), num))
			mb->attr.flags |= MBM_SEEN | MBM_OLD;
		if (mhseq_has(mhseq_find(&mb->seqs, "flagged", 0), num))
			mb->attr.flags |= MBM_FLAGGED;
		if (mhseq_has(mhseq_find(&mb->seqs, "replied", 0), num))
			mb->attr.flags |= MBM_REPLIED;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ writing */

int
mh_wopen(struct mailbox *mb)
{
	struct stat st;
	size_t n;

	if (stat(mb->path, &st) < 0) {
		if (errno != ENOENT || !(mb->opt.flags & MBO_CREATE)) {
			mb_seterr(mb, "open", NULL);
			return -1;
		}
		if (mkdir(mb->path, (mb->opt.mode | ((mb->opt.mode & 0444) >>
		    2) | 0700) & 0777) < 0 || xfsync_parent(mb->path) < 0) {
			mb_seterr(mb, "mkdir", NULL);
			return -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		mb_seterr(mb, "open", NULL);
		return -1;
	}
	if ((mb->dirfd = open(mb->path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		mb_seterr(mb, "open", NULL);
		return -1;
	}
	mb->tmpfd = mb->dirfd;
	return list_numbers(mb, NULL, &n, &mb->highest);
}

int
mh_wbegin(struct mailbox *mb)
{
	int tries;

	for (tries = 0; tries < 10; tries++) {
		free(mb->tmpname);
		mb->tmpname = xasprintf(".mailkit-tmp.%ld.%08x",
		    (long)getpid(), (unsigned)arc4random());
		mb->wfd = openat(mb->dirfd, mb->tmpname, O_WRONLY | O_CREAT |
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

/* Look again for the highest number: others may have added messages. */
static int
rescan(struct mailbox *mb)
{
	unsigned long highest;
	size_t n;

	if (list_numbers(mb, NULL, &n, &highest) < 0)
		return -1;
	if (highest > mb->highest)
		mb->highest = highest;
	return 0;
}

/* Give the temporary file tmp the next free number; *num gets it. */
static int
link_next(struct mailbox *mb, const char *tmp, unsigned long *num)
{
	char name[32];

	for (;;) {
		snprintf(name, sizeof(name), "%lu", mb->highest + 1);
#ifdef RENAME_NOREPLACE
		if (renameat2(mb->dirfd, tmp, mb->dirfd, name,
		    RENAME_NOREPLACE) == 0)
			break;
		if (errno != EINVAL && errno != ENOSYS && errno != EEXIST) {
			mb_seterr(mb, "rename", name);
			return -1;
		}
		if (errno == EEXIST) {
			mb->highest++;
			continue;
		}
#endif
		if (linkat(mb->dirfd, tmp, mb->dirfd, name, 0) == 0) {
			if (unlinkat(mb->dirfd, tmp, 0) < 0) {
				mb_seterr(mb, "unlink", tmp);
				return -1;
			}
			break;
		}
		if (errno != EEXIST) {
			mb_seterr(mb, "link", name);
			return -1;
		}
		mb->highest++;
	}
	*num = ++mb->highest;
	return 0;
}

int
mh_wend(struct mailbox *mb)
{
	struct pending *p;
	struct timespec ts[2];
	unsigned long num;
	int flags = mb->wattr.flags;

	if (mb_flush(mb) < 0)
		return -1;
	if (mb->wattr.date != -1) {
		ts[0].tv_sec = ts[1].tv_sec = mb->wattr.date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(mb->wfd, ts) < 0) {
			mb_seterr(mb, "futimens", mb->tmpname);
			return -1;
		}
	}
	if ((mb->opt.flags & MBO_SYNC_EACH) && fsync(mb->wfd) < 0) {
		mb_seterr(mb, "fsync", mb->tmpname);
		return -1;
	}
	if (xclose(&mb->wfd) < 0) {
		mb_seterr(mb, "close", mb->tmpname);
		return -1;
	}
	if (mb->opt.flags & MBO_SYNC_EACH) {
		if (rescan(mb) < 0 || link_next(mb, mb->tmpname, &num) < 0)
			return -1;
		free(mb->tmpname);
		mb->tmpname = NULL;
		if (fsync(mb->dirfd) < 0) {
			mb_seterr(mb, "fsync", NULL);
			return -1;
		}
		return mhseq_update(mb, &num, &flags, 1);
	}
	p = mb_batch_push(mb);
	p->dst = NULL;
	p->flags = flags;
	if (mb_batch_full(mb))
		return mh_wsync(mb);
	return 0;
}

void
mh_wabort(struct mailbox *mb)
{
	mb_dir_wabort(mb, mb->dirfd);
}

static void
batch_drop(struct mailbox *mb, size_t from)
{
	size_t i;

	for (i = from; i < mb->nbatch; i++) {
		(void)unlinkat(mb->dirfd, mb->batch[i].tmp, 0);
		free(mb->batch[i].tmp);
	}
	mb->nbatch = 0;
	mb->batchbytes = 0;
}

int
mh_wsync(struct mailbox *mb)
{
	unsigned long *nums;
	int *flags, r;
	size_t i;

	if (mb->nbatch == 0)
		return 0;
	if (mb_sync_batch(mb, mb->dirfd) < 0)
		return -1;
	if (rescan(mb) < 0)
		return -1;
	nums = xreallocarray(NULL, mb->nbatch, sizeof(*nums));
	flags = xreallocarray(NULL, mb->nbatch, sizeof(*flags));
	for (i = 0; i < mb->nbatch; i++) {
		if (link_next(mb, mb->batch[i].tmp, &nums[i]) < 0) {
			batch_drop(mb, i);
			free(nums);
			free(flags);
			return -1;
		}
		flags[i] = mb->batch[i].flags;
		free(mb->batch[i].tmp);
	}
	r = 0;
	if (fsync(mb->dirfd) < 0) {
		mb_seterr(mb, "fsync", NULL);
		r = -1;
	}
	if (r == 0)
		r = mhseq_update(mb, nums, flags, mb->nbatch);
	mb->nbatch = 0;
	mb->batchbytes = 0;
	free(nums);
	free(flags);
	return r;
}

int
mh_wclose(struct mailbox *mb, int discard)
{
	int r = 0;

	if (!discard && mh_wsync(mb) < 0) {
		discard = 1;
		r = -1;
	}
	if (discard) {
		batch_drop(mb, 0);
		r = -1;
	}
	if (mb->dirfd >= 0)
		close(mb->dirfd);
	mb->dirfd = mb->tmpfd = -1;
	return r;
}
