/*
 * mailbox: the format-independent part of the store interface: opening,
 * sniffing, splitting off the header block of each message, the flag
 * fields, CRLF handling, and the dispatch to mbox.c, maildir.c and
 * mhstore.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "hdr.h"
#include "lock.h"
#include "mailbox.h"
#include "mailbox_impl.h"
#include "util.h"
#include "xio.h"

#define STATUS_MASK (MBM_SEEN | MBM_REPLIED | MBM_FLAGGED | MBM_TRASHED | \
	MBM_DRAFT)

static const char *fmtnames[] = {
	"unknown", "mboxo", "mboxrd", "mboxcl", "mboxcl2", "mmdf", "mh",
	"maildir"
};

static off_t open_erroff = -1;
static const char *open_errwhat;

void
mailbox_opts_init(struct mbopts *o)
{
	memset(o, 0, sizeof(*o));
	o->lockkinds = MKLOCK_DEFAULT;
	o->locktimeout = 60;
	o->mode = 0600;
}

int
mailbox_fmt_parse(const char *s)
{
	int i;

	if (ascii_strncasecmp(s, "mbox", 5) == 0)
		return MBF_MBOXRD;
	for (i = 1; i < (int)(sizeof(fmtnames) / sizeof(fmtnames[0])); i++)
		if (ascii_strncasecmp(s, fmtnames[i], strlen(s) + 1) == 0)
			return i;
	errno = EINVAL;
	return -1;
}

const char *
mailbox_fmt_name(int f)
{
	if (f < 0 || f >= (int)(sizeof(fmtnames) / sizeof(fmtnames[0])))
		f = 0;
	return fmtnames[f];
}

static int
isdir_at(const char *dir, const char *sub)
{
	struct stat st;
	char *p = xasprintf("%s/%s", dir, sub);
	int r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return r;
}

/* A name MH counts as a message: digits only, not 0. */
static int
mh_name(const char *s)
{
	if (*s == '\0' || *s == '0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Does directory dir hold an entry that counts as a message? */
static int
has_messages(const char *dir, int mh)
{
	struct dirent *d;
	DIR *dp;
	int found = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (!found && (d = readdir(dp)) != NULL)
		found = mh ? mh_name(d->d_name) : d->d_name[0] != '.';
	closedir(dp);
	return found;
}

/* What the first bytes of a file say. */
static int
sniff_bytes(const char *p, size_t n)
{
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return MBF_MBOXRD;
	if (n >= 5 && memcmp(p, "\001\001\001\001\n", 5) == 0)
		return MBF_MMDF;
	if (n >= 6 && memcmp(p, "\001\001\001\001\r\n", 6) == 0)
		return MBF_MMDF;
	return MBF_UNKNOWN;
}

int
mailbox_sniff(const char *path, int *fmt, int *empty)
{
	struct stat st;
	char head[8], *p;
	size_t got;
	int fd, e;

	*fmt = MBF_UNKNOWN;
	*empty = 0;
	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if (isdir_at(path, "cur") && isdir_at(path, "new")) {
			*fmt = MBF_MAILDIR;
			p = xasprintf("%s/new", path);
			*empty = !has_messages(p, 0);
			free(p);
			p = xasprintf("%s/cur", path);
			*empty = *empty && !has_messages(p, 0);
			free(p);
		} else {
			*fmt = MBF_MH;
			*empty = !has_messages(path, 1);
		}
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	if (xread_full(fd, head, sizeof(head), &got) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	if (got == 0) {
		*empty = 1;
		return 0;
	}
	if ((*fmt = sniff_bytes(head, got)) == MBF_UNKNOWN) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ helpers */

void
mb_seterr(struct mailbox *mb, const char *what, const char *path)
{
	int e = errno;

	mb->errwhat = what;
	free(mb->errpath);
	mb->errpath = xstrdup(path ? path : mb->path);
	errno = e;
}

void
mb_badfmt(struct mailbox *mb, off_t off, const char *what)
{
	mb->erroff = off;
	errno = EBADMSG;
	mb_seterr(mb, what, NULL);
}

void
ib_reset(struct ibuf *ib, int fd)
{
	if (ib->p == NULL) {
		ib->cap = IB_SIZE;
		ib->p = xmalloc(ib->cap);
	}
	ib->fd = fd;
	ib->start = ib->end = 0;
	ib->off = 0;
	ib->eof = 0;
}

void
ib_free(struct ibuf *ib)
{
	free(ib->p);
	memset(ib, 0, sizeof(*ib));
	ib->fd = -1;
}

/* Make at least want bytes available at ib->start, unless at EOF. */
int
ib_fill(struct ibuf *ib, size_t want)
{
	ssize_t n;

	while (ib->end - ib->start < want && !ib->eof) {
		if (ib->start > 0 && ib->cap - ib->end < want) {
			memmove(ib->p, ib->p + ib->start, ib->end - ib->start);
			ib->off += (off_t)ib->start;
			ib->end -= ib->start;
			ib->start = 0;
		}
		if (ib->cap - ib->end < want) {
			ib->cap = ib->end + want;
			ib->p = xrealloc(ib->p, ib->cap);
		}
		n = read(ib->fd, ib->p + ib->end, ib->cap - ib->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			ib->eof = 1;
		ib->end += (size_t)n;
	}
	return 0;
}

/*
 * A long file (an mbox being filled) is handed to the disk as it grows,
 * so that the fsync at the end finds little left to write.
 */
static void
kick_writeback(struct mailbox *mb)
{
#ifdef SYNC_FILE_RANGE_WRITE
	off_t ondisk = mb->wsize - (off_t)mb->ob.len;

	if (!MBF_ISFILE(mb->fmt) || !mb->isreg || ondisk - mb->kicked <
	    WRITEBACK_STEP)
		return;
	(void)sync_file_range(mb->wfd, mb->kicked, ondisk - mb->kicked,
	    SYNC_FILE_RANGE_WRITE);
	mb->kicked = ondisk;
#else
	(void)mb;
#endif
}

/* Write the output buffer out. */
int
mb_flush(struct mailbox *mb)
{
	if (mb->ob.len == 0)
		return 0;
	if (xwrite_all(mb->wfd, mb->ob.data, mb->ob.len) < 0) {
		mb_seterr(mb, "write", mb->tmpname ? mb->tmpname : NULL);
		return -1;
	}
	buf_reset(&mb->ob);
	kick_writeback(mb);
	return 0;
}

/* Buffered output to mb->wfd; mb->wsize counts every byte. */
int
mb_out(struct mailbox *mb, const void *p, size_t n)
{
	mb->wsize += (off_t)n;
	if (mb->ob.len + n > OB_SIZE) {
		if (mb_flush(mb) < 0)
			return -1;
		if (n >= OB_SIZE) {
			if (xwrite_all(mb->wfd, p, n) < 0) {
				mb_seterr(mb, "write", NULL);
				return -1;
			}
			kick_writeback(mb);
			return 0;
		}
	}
	buf_add(&mb->ob, p, n);
	return 0;
}

/*
 * Sync the file system holding fd (all files written in a batch at
 * once: one journal commit instead of one per message).  Linux reports
 * writeback errors of the file system through syncfs since 5.8.  -1 with
 * ENOSYS where there is no syncfs: the caller fsyncs file by file.
 */
int
mb_syncfs(struct mailbox *mb, int fd)
{
#ifdef __linux__
	if (syncfs(fd) == 0)
		return 0;
	mb_seterr(mb, "syncfs", NULL);
	return -1;
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The files of the batch (names relative to dirfd) to disk: the file
 * system at once where syncfs(2) exists, else file by file.
 */
int
mb_sync_batch(struct mailbox *mb, int dirfd)
{
	size_t i;
	int fd, e;

	if (mb_syncfs(mb, dirfd) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	for (i = 0; i < mb->nbatch; i++) {
		fd = openat(dirfd, mb->batch[i].tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			mb_seterr(mb, "open", mb->batch[i].tmp);
			return -1;
		}
		if (fsync(fd) < 0) {
			e = errno;
			(void)close(fd);
			errno = e;
			mb_seterr(mb, "fsync", mb->batch[i].tmp);
			return -1;
		}
		if (close(fd) < 0) {
			mb_seterr(mb, "close", mb->batch[i].tmp);
			return -1;
		}
	}
	return 0;
}

/*
 * Is p[0..len) (a line without its line ending) a From_ line: "From ",
 * an envelope sender (possibly quoted), and a date in asctime or a
 * similar form (mutt's rule)?  On success the sender and the date are
 * stored where asked (sender malloc'd; "MAILER-DAEMON" becomes "").
 */
int
is_from_line(const char *p, size_t len, char **sender, time_t *date)
{
	const char *e = p + len, *s, *t, *q, *send;
	time_t tt;
	int pass;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	s = p + 5;
	while (s < e && *s == ' ')
		s++;
	/* pass 0: the date starts at the 2nd word or later; pass 1: 1st */
	for (pass = 0; pass < 2; pass++) {
		t = s;
		if (pass == 0) {
			if (t < e && *t == '"' &&
			    (q = memchr(t + 1, '"', (size_t)(e - t - 1))) != NULL)
				t = q + 1;
			while (t < e && *t != ' ')
				t++;
		}
		for (; t < e; t++) {
			if (t > s && t[-1] != ' ')
				continue;
			if (!isalpha((unsigned char)*t) ||
			    memchr(t, ':', (size_t)(e - t)) == NULL)
				continue;
			if (date_parse(t, (size_t)(e - t), &tt, NULL) < 0)
				continue;
			if (sender) {
				send = t;
				while (send > s && send[-1] == ' ')
					send--;
				/* nmh's packf writes "From <addr>" */
				if (send - s >= 2 && *s == '<' &&
				    send[-1] == '>')
					*sender = xstrndup(s + 1,
					    (size_t)(send - s - 2));
				else
					*sender = xstrndup(s,
					    (size_t)(send - s));
				if (strcmp(*sender, "MAILER-DAEMON") == 0)
					(*sender)[0] = '\0';
			}
			if (date)
				*date = tt;
			return 1;
		}
	}
	return 0;
}

/* Flags from Status (R O) and X-Status (A F D T), as mutt keeps them. */
void
status_flags(const struct hdr *h, int *flags)
{
	const char *v;
	size_t i, len, k;

	for (i = hdr_find(h, "Status", 0); i != HDR_NONE;
	    i = hdr_find(h, "Status", i + 1)) {
		v = hdr_rawvalue(h, i, &len);
		for (k = 0; k < len; k++)
			if (v[k] == 'R')
				*flags |= MBM_SEEN;
			else if (v[k] == 'O')
				*flags |= MBM_OLD;
	}
	for (i = hdr_find(h, "X-Status", 0); i != HDR_NONE;
	    i = hdr_find(h, "X-Status", i + 1)) {
		v = hdr_rawvalue(h, i, &len);
		for (k = 0; k < len; k++)
			switch (v[k]) {
			case 'A':
				*flags |= MBM_REPLIED;
				break;
			case 'D':
				*flags |= MBM_TRASHED;
				break;
			case 'F':
				*flags |= MBM_FLAGGED;
				break;
			case 'T':
				*flags |= MBM_DRAFT;
				break;
			}
	}
}

/* The address in Return-Path ("" for <>), malloc'd; NULL when none. */
char *
return_path(const struct hdr *h)
{
	char *v, *lt, *gt, *r;

	if ((v = hdr_get(h, "Return-Path")) == NULL)
		return NULL;
	if ((lt = strchr(v, '<')) != NULL && (gt = strchr(lt, '>')) != NULL)
		r = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		r = xstrdup(v);
	free(v);
	return r;
}

/*
 * Classify one complete line of a header block: 1 the header goes on,
 * 0 it is the empty line ending it, 2 it is not a field (RFC 5322 §2.2):
 * the body starts with it.
 */
static int
hline(const char *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if (p[0] == ' ' || p[0] == '\t')
		return 1;
	return hdr_is_field(p, len) ? 1 : 2;
}

static void
attr_clear(struct mbattr *a)
{
	free(a->sender);
	free(a->xflags);
	free(a->path);
	memset(a, 0, sizeof(*a));
	a->date = -1;
	a->size = -1;
	a->offset = -1;
}

static void
attr_copy(struct mbattr *to, const struct mbattr *from)
{
	attr_clear(to);
	*to = *from;
	to->sender = from->sender ? xstrdup(from->sender) : NULL;
	to->xflags = from->xflags ? xstrdup(from->xflags) : NULL;
	to->path = from->path ? xstrdup(from->path) : NULL;
}

static struct mailbox *
mb_new(const char *path, int fmt, int writer)
{
	struct mailbox *mb = xcalloc(1, sizeof(*mb));

	mb->fmt = fmt;
	mb->writer = writer;
	mb->path = xstrdup(path);
	mb->erroff = -1;
	mb->ib.fd = -1;
	mb->wfd = mb->dirfd = mb->tmpfd = mb->newfd = mb->curfd = -1;
	mb->spoolfd = -1;
	mb->rlock.fd = mb->lock.fd = -1;
	mb->remain = -1;
	hdr_init(&mb->hdr);
	hdr_init(&mb->whdr);
	attr_clear(&mb->attr);
	attr_clear(&mb->wattr);
	mailbox_opts_init(&mb->opt);
	return mb;
}

static void
mb_free(struct mailbox *mb)
{
	size_t i;

	attr_clear(&mb->attr);
	attr_clear(&mb->wattr);
	hdr_free(&mb->hdr);
	hdr_free(&mb->whdr);
	buf_free(&mb->hb);
	buf_free(&mb->wh);
	buf_free(&mb->ob);
	buf_free(&mb->spool);
	ib_free(&mb->ib);
	for (i = 0; mb->ents != NULL && i < mb->nents; i++)
		free(mb->ents[i].tmp);
	free(mb->ents);
	free(mb->nums);
	mhseq_free(&mb->seqs);
	free(mb->batch);
	free(mb->tmpname);
	free(mb->tmpnew);
	free(mb->host);
	free(mb->errpath);
	free(mb->path);
	free(mb);
}

static void
open_failed(struct mailbox *mb)
{
	int e = errno;

	open_erroff = mb->erroff;
	open_errwhat = mb->errwhat;
	mb_free(mb);
	errno = e;
}

/* ------------------------------------------------------------ reading */

int
mailbox_open(struct mailbox **mbp, const char *path, int fmt)
{
	struct mailbox *mb = mb_new(path, fmt, 0);
	struct stat st;
	int fd, r;

	open_erroff = -1;
	open_errwhat = "open";
	*mbp = NULL;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		if (stat(path, &st) < 0) {
			mb_seterr(mb, "open", NULL);
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			if (fmt == MBF_UNKNOWN && mailbox_sniff(path, &mb->fmt,
			    &r) < 0) {
				mb_seterr(mb, "open", NULL);
				goto fail;
			}
			if (MBF_ISFILE(mb->fmt)) {
				mb_badfmt(mb, 0, "is a directory");
				goto fail;
			}
			r = mb->fmt == MBF_MH ? mh_ropen(mb) :
			    maildir_ropen(mb);
			if (r < 0)
				goto fail;
			*mbp = mb;
			return 0;
		}
		if (fmt == MBF_MH || fmt == MBF_MAILDIR) {
			mb_badfmt(mb, 0, "is not a directory");
			goto fail;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
			mb_seterr(mb, "open", NULL);
			goto fail;
		}
	}
	ib_reset(&mb->ib, fd);
	if (mb->fmt == MBF_UNKNOWN) {
		if (ib_fill(&mb->ib, 6) < 0) {
			mb_seterr(mb, "read", NULL);
			goto fail_close;
		}
		mb->fmt = sniff_bytes(mb->ib.p, mb->ib.end);
		if (mb->fmt == MBF_UNKNOWN) {
			if (mb->ib.end > 0) {
				mb_badfmt(mb, 0, "not a mailbox");
				goto fail_close;
			}
			mb->fmt = MBF_MBOXRD;	/* empty: no messages */
		}
	}
	if (file_ropen(mb) < 0)
		goto fail_close;
	*mbp = mb;
	return 0;
fail_close:
	if (fd != STDIN_FILENO) {
		r = errno;
		close(fd);
		errno = r;
	}
	mb->ib.fd = -1;
fail:
	open_failed(mb);
	return -1;
}

int
mailbox_fmt(const struct mailbox *mb)
{
	return mb->fmt;
}

static ssize_t
raw(struct mailbox *mb, char *p, size_t n, int line)
{
	if (mb->msgdone)
		return 0;
	if (MBF_ISFILE(mb->fmt))
		return file_raw(mb, p, n, line);
	return dir_raw(mb, p, n, line);
}

/*
 * Read the header block of the message just started into mb->hb (the
 * separator line and possibly the first body line follow it there) and
 * index it.  Returns the length of the separator, or -1.
 */
static ssize_t
collect_header(struct mailbox *mb)
{
	struct buf *b = &mb->hb;
	size_t ls = 0, hend, seplen = 0;
	ssize_t n;
	int k;

	buf_reset(b);
	mb->hbout = 0;
	mb->inhdr = 1;
	for (;;) {
		if (b->len - ls > HDR_MAX) {	/* one huge line: body */
			hend = ls;
			break;
		}
		buf_reserve(b, 4096);
		if ((n = raw(mb, b->data + b->len, 4096, 1)) < 0) {
			mb->inhdr = 0;
			return -1;
		}
		if (n == 0) {
			hend = b->len;
			break;
		}
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (b->data[b->len - 1] != '\n')
			continue;
		if ((k = hline(b->data + ls, b->len - ls)) != 1) {
			hend = ls;
			if (k == 0)
				seplen = b->len - ls;
			break;
		}
		ls = b->len;
		if (ls > HDR_MAX) {
			hend = ls;
			break;
		}
	}
	mb->inhdr = 0;
	hdr_parse(&mb->hdr, b->data, hend);
	return (ssize_t)seplen;
}

int
mailbox_next(struct mailbox *mb, const struct mbattr **ap)
{
	char skip[65536];
	ssize_t n, seplen;
	char *rp;
	int r;

	if (mb->writer) {
		errno = EBADF;
		return -1;
	}
	if (mb->inmsg) {
		while ((n = mailbox_read(mb, skip, sizeof(skip))) > 0)
			;
		if (n < 0)
			return -1;
		mb->inmsg = 0;
	}
	attr_clear(&mb->attr);
	hdr_free(&mb->hdr);
	buf_reset(&mb->hb);
	mb->hbout = 0;
	mb->msgdone = 0;
	if (MBF_ISFILE(mb->fmt))
		r = file_next(mb);
	else if (mb->fmt == MBF_MH)
		r = mh_next(mb);
	else
		r = maildir_next(mb);
	if (r <= 0)
		return r;
	mb->inmsg = 1;
	if ((seplen = collect_header(mb)) < 0)
		return -1;
	if (MBF_ISFILE(mb->fmt)) {
		status_flags(&mb->hdr, &mb->attr.flags);
		if (seplen > 0 && mb->hb.len == mb->hdr.raw.len +
		    (size_t)seplen)
			file_hdrdone(mb);
	}
	if (mb->attr.sender == NULL &&
	    (rp = return_path(&mb->hdr)) != NULL)
		mb->attr.sender = rp;
	*ap = &mb->attr;
	return 1;
}

const struct hdr *
mailbox_hdr(const struct mailbox *mb)
{
	return &mb->hdr;
}

ssize_t
mailbox_read(struct mailbox *mb, void *p, size_t n)
{
	size_t k;

	if (!mb->inmsg)
		return 0;
	if (mb->hbout < mb->hb.len) {
		k = mb->hb.len - mb->hbout;
		if (k > n)
			k = n;
		memcpy(p, mb->hb.data + mb->hbout, k);
		mb->hbout += k;
		return (ssize_t)k;
	}
	return raw(mb, p, n, 0);
}

int
mailbox_progress(const struct mailbox *mb, unsigned long long *done,
    unsigned long long *total)
{
	struct stat st;

	if (MBF_ISFILE(mb->fmt)) {
		*done = (unsigned long long)(mb->ib.off + (off_t)mb->ib.start);
		if (mb->ib.fd < 0 || fstat(mb->ib.fd, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			return -1;
		*total = (unsigned long long)st.st_size;
		return 0;
	}
	*done = mb->cur;
	*total = mb->nents;
	return 0;
}

/* ------------------------------------------------------------ writing */

int
mailbox_append_open(struct mailbox **mbp, const char *path, int fmt,
    const struct mbopts *o)
{
	struct mailbox *mb = mb_new(path, fmt, 1);
	int r;

	open_erroff = -1;
	open_errwhat = "open";
	*mbp = NULL;
	if (o)
		mb->opt = *o;
	if (MBF_ISFILE(fmt))
		r = file_wopen(mb);
	else if (fmt == MBF_MH)
		r = mh_wopen(mb);
	else if (fmt == MBF_MAILDIR)
		r = maildir_wopen(mb);
	else {
		errno = EINVAL;
		mb_seterr(mb, "format", NULL);
		r = -1;
	}
	if (r < 0) {
		open_failed(mb);
		return -1;
	}
	*mbp = mb;
	return 0;
}

int
mailbox_append_begin(struct mailbox *mb, const struct mbattr *a)
{
	int r;

	if (!mb->writer || mb->wstate != 0) {
		errno = EINVAL;
		return -1;
	}
	attr_copy(&mb->wattr, a);
	buf_reset(&mb->wh);
	mb->whscan = 0;
	mb->crpend = 0;
	mb->wbol = 1;
	mb->wgt = 0;
	mb->wlast = '\n';
	mb->wsep = 0;
	if (MBF_ISFILE(mb->fmt))
		r = file_wbegin(mb);
	else if (mb->fmt == MBF_MH)
		r = mh_wbegin(mb);
	else
		r = maildir_wbegin(mb);
	if (r == 0)
		mb->wstate = 1;
	return r;
}

static int
wbody(struct mailbox *mb, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (MBF_ISFILE(mb->fmt))
		return file_wbody(mb, p, n);
	mb->wlast = p[n - 1];
	return mb_out(mb, p, n);
}

/*
 * Make the header block agree with the attributes: Status and X-Status
 * for mbox and MMDF (rewritten only when the flags they say differ, so
 * that a round trip keeps every byte), Return-Path for Maildir and MH.
 */
static void
edit_header(struct mailbox *mb)
{
	struct hdr *h = &mb->whdr;
	char st[4], xs[8], *v;
	int have = 0, f = mb->wattr.flags, i;

	if (MBF_ISFILE(mb->fmt)) {
		status_flags(h, &have);
		if ((have & STATUS_MASK) == (f & STATUS_MASK))
			return;
		i = 0;
		if (f & MBM_SEEN)
			st[i++] = 'R';
		if (f & MBM_OLD)
			st[i++] = 'O';
		st[i] = '\0';
		i = 0;
		if (f & MBM_REPLIED)
			xs[i++] = 'A';
		if (f & MBM_FLAGGED)
			xs[i++] = 'F';
		if (f & MBM_DRAFT)
			xs[i++] = 'T';
		if (f & MBM_TRASHED)
			xs[i++] = 'D';
		xs[i] = '\0';
		if (st[0])
			hdr_set(h, "Status", st);
		else
			hdr_remove(h, "Status");
		if (xs[0])
			hdr_set(h, "X-Status", xs);
		else
			hdr_remove(h, "X-Status");
		return;
	}
	if (!(mb->opt.flags & MBO_ADD_RETURN_PATH) ||
	    mb->wattr.sender == NULL || *mb->wattr.sender == '\0' ||
	    hdr_find(h, "Return-Path", 0) != HDR_NONE)
		return;
	v = xasprintf("<%s>", mb->wattr.sender);
	hdr_prepend(h, "Return-Path", v);
	free(v);
}

/* The header block ends at hend; a separator of seplen bytes follows. */
static int
finish_head(struct mailbox *mb, size_t hend, size_t seplen, int empty)
{
	size_t rest = hend + seplen;
	int r;

	hdr_parse(&mb->whdr, mb->wh.data, hend);
	if (!empty)
		edit_header(mb);
	mb->wsep = (int)seplen;
	mb->wstate = 2;
	if (MBF_ISFILE(mb->fmt))
		r = file_whead(mb, mb->wh.data + hend, seplen);
	else {
		r = mb_out(mb, mb->whdr.raw.data, mb->whdr.raw.len);
		if (r == 0 && seplen)
			r = mb_out(mb, mb->wh.data + hend, seplen);
		if (mb->whdr.raw.len + seplen > 0)
			mb->wlast = seplen ? mb->wh.data[hend + seplen - 1] :
			    mb->whdr.raw.data[mb->whdr.raw.len - 1];
	}
	if (r == 0 && mb->wh.len > rest)
		r = wbody(mb, mb->wh.data + rest, mb->wh.len - rest);
	buf_reset(&mb->wh);
	return r;
}

/* After CRLF handling: collect the header block, then pass the body. */
static int
stage(struct mailbox *mb, const char *p, size_t n)
{
	const char *d, *nl;
	size_t ls;
	int k;

	if (mb->wstate == 2)
		return wbody(mb, p, n);
	buf_add(&mb->wh, p, n);
	d = mb->wh.data;
	for (;;) {
		ls = mb->whscan;
		nl = memchr(d + ls, '\n', mb->wh.len - ls);
		if (nl == NULL) {
			if (mb->wh.len - ls > HDR_MAX)
				return finish_head(mb, ls, 0, 0);
			return 0;
		}
		k = hline(d + ls, (size_t)(nl - d) + 1 - ls);
		if (k == 0)
			return finish_head(mb, ls, (size_t)(nl - d) + 1 - ls,
			    0);
		if (k == 2)
			return finish_head(mb, ls, 0, 0);
		mb->whscan = (size_t)(nl - d) + 1;
		if (mb->whscan > HDR_MAX)
			return finish_head(mb, mb->whscan, 0, 0);
	}
}

int
mailbox_append_write(struct mailbox *mb, const void *vp, size_t n)
{
	const char *s = vp, *e = s + n, *cr;

	if (mb->wstate == 0) {
		errno = EINVAL;
		return -1;
	}
	if (mb->opt.flags & MBO_KEEP_CR)
		return stage(mb, s, n);
	if (n == 0)
		return 0;
	if (mb->crpend) {
		mb->crpend = 0;
		if (*s != '\n' && stage(mb, "\r", 1) < 0)
			return -1;
	}
	/* CRLF becomes LF (DESIGN.md rule 6); a lone CR stays. */
	while (s < e) {
		if ((cr = memchr(s, '\r', (size_t)(e - s))) == NULL)
			return stage(mb, s, (size_t)(e - s));
		if (cr + 1 == e) {
			mb->crpend = 1;
			return stage(mb, s, (size_t)(cr - s));
		}
		if (stage(mb, s, (size_t)(cr - s) + (cr[1] != '\n')) < 0)
			return -1;
		s = cr + 1;
	}
	return 0;
}

int
mailbox_append_end(struct mailbox *mb)
{
	int r = 0;

	if (mb->wstate == 0) {
		errno = EINVAL;
		return -1;
	}
	if (mb->crpend) {
		mb->crpend = 0;
		r = stage(mb, "\r", 1);
	}
	if (r == 0 && mb->wstate == 1)
		r = finish_head(mb, mb->wh.len, 0, mb->wh.len == 0);
	if (r == 0) {
		if (MBF_ISFILE(mb->fmt))
			r = file_wend(mb);
		else if (mb->fmt == MBF_MH)
			r = mh_wend(mb);
		else
			r = maildir_wend(mb);
	}
	if (r < 0) {
		mailbox_append_abort(mb);
		return -1;
	}
	mb->wstate = 0;
	mb->count++;
	return 0;
}

void
mailbox_append_abort(struct mailbox *mb)
{
	int e = errno;

	if (mb->wstate != 0) {
		if (MBF_ISFILE(mb->fmt))
			file_wabort(mb);
		else if (mb->fmt == MBF_MH)
			mh_wabort(mb);
		else
			maildir_wabort(mb);
	}
	mb->wstate = 0;
	buf_reset(&mb->wh);
	errno = e;
}

int
mailbox_copy(struct mailbox *dst, struct mailbox *src, const struct mbattr *a)
{
	char b[65536];
	ssize_t n;

	if (mailbox_append_begin(dst, a ? a : &src->attr) < 0)
		return -1;
	while ((n = mailbox_read(src, b, sizeof(b))) > 0)
		if (mailbox_append_write(dst, b, (size_t)n) < 0)
			goto fail;
	if (n < 0)
		goto fail;
	return mailbox_append_end(dst);
fail:
	mailbox_append_abort(dst);
	return -1;
}

int
mailbox_sync(struct mailbox *mb)
{
	if (!mb->writer)
		return 0;
	if (MBF_ISFILE(mb->fmt))
		return file_wsync(mb);
	if (mb->fmt == MBF_MH)
		return mh_wsync(mb);
	return maildir_wsync(mb);
}

static int
wclose(struct mailbox *mb, int discard)
{
	if (mb->wstate != 0)
		mailbox_append_abort(mb);
	if (MBF_ISFILE(mb->fmt))
		return file_wclose(mb, discard);
	if (mb->fmt == MBF_MH)
		return mh_wclose(mb, discard);
	return maildir_wclose(mb, discard);
}

int
mailbox_close(struct mailbox *mb)
{
	int r = 0, e;

	if (mb == NULL)
		return 0;
	if (mb->writer)
		r = wclose(mb, 0);
	else if (MBF_ISFILE(mb->fmt))
		file_rclose(mb);
	else if (mb->ib.fd >= 0)
		close(mb->ib.fd);
	e = errno;
	open_erroff = mb->erroff;
	open_errwhat = mb->errwhat;
	mb_free(mb);
	errno = e;
	return r;
}

void
mailbox_discard(struct mailbox *mb)
{
	int e = errno;

	if (mb == NULL)
		return;
	if (!mb->writer)
		(void)mailbox_close(mb);
	else {
		(void)wclose(mb, 1);
		mb_free(mb);
	}
	errno = e;
}

off_t
mailbox_erroff(const struct mailbox *mb)
{
	return mb->erroff;
}

const char *
mailbox_errpath(const struct mailbox *mb)
{
	return mb->errpath ? mb->errpath : mb->path;
}

const char *
mailbox_errwhat(const struct mailbox *mb)
{
	return mb->errwhat ? mb->errwhat : "error";
}

off_t
mailbox_open_erroff(void)
{
	return open_erroff;
}

const char *
mailbox_open_errwhat(void)
{
	return open_errwhat ? open_errwhat : "open";
}

unsigned long long
mailbox_count(const struct mailbox *mb)
{
	return mb->count;
}

char *
mailbox_maildirpp(const char *root, const char *folder)
{
	char *f = xstrdup(folder), *p, *r;

	for (p = f; *p; p++)
		if (*p == '/')
			*p = '.';
	r = xasprintf("%s/%s%s", root, f[0] == '.' ? "" : ".", f);
	free(f);
	return r;
}

struct pending *
mb_batch_push(struct mailbox *mb)
{
	struct pending *p;

	if (mb->nbatch == mb->capbatch) {
		mb->capbatch = mb->capbatch ? mb->capbatch * 2 : 64;
		mb->batch = xreallocarray(mb->batch, mb->capbatch,
		    sizeof(*mb->batch));
	}
	p = &mb->batch[mb->nbatch++];
	p->tmp = mb->tmpname;
	mb->tmpname = NULL;
	mb->batchbytes += mb->wsize;
	return p;
}

int
mb_batch_full(const struct mailbox *mb)
{
	return mb->nbatch >= BATCH_MSGS || mb->batchbytes >= BATCH_BYTES;
}

void
mb_dir_wabort(struct mailbox *mb, int dirfd)
{
	if (mb->wfd >= 0)
		close(mb->wfd);
	mb->wfd = -1;
	buf_reset(&mb->ob);
	if (mb->tmpname)
		(void)unlinkat(dirfd, mb->tmpname, 0);
	free(mb->tmpname);
	mb->tmpname = NULL;
}
