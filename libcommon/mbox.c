/*
 * mbox.c: the one-file stores, as in qmail's mbox(5) and mutt's mbox(5):
 *
 *   mboxo    "From " lines in bodies quoted as ">From "
 *   mboxrd   lines matching ^>*From  get one more '>'
 *   mboxcl   quoted as mboxo, with a Content-Length field
 *   mboxcl2  not quoted, with a Content-Length field
 *   MMDF     each message between lines of four ^A, a From_ line first
 *            (written as mutt and Python do; optional when reading)
 *
 * Each mbox message is a From_ line, the message, and a blank line.  A
 * reader ends a message at a From_ line (one with a date after the
 * sender), dropping the blank line before it; for mboxcl and mboxcl2 it
 * trusts Content-Length when the count lands on a From_ line or on the
 * end of the file, as mutt does, and otherwise reads as mboxrd would
 * split.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hdr.h"
#include "lock.h"
#include "mailbox.h"
#include "mailbox_impl.h"
#include "util.h"
#include "xio.h"

#define MMDF_DELIM	"\001\001\001\001\n"
#define SPOOL_MEM	(1024 * 1024)
#define TOUCH_SECS	60

static const char gts[] = ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";

/* Length of an empty line at p ("\n" or "\r\n"), else 0. */
static size_t
blank_len(const char *p, size_t avail)
{
	if (avail >= 1 && p[0] == '\n')
		return 1;
	if (avail >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

static size_t
mmdf_len(const char *p, size_t avail)
{
	if (avail >= 5 && memcmp(p, MMDF_DELIM, 5) == 0)
		return 5;
	if (avail >= 6 && memcmp(p, "\001\001\001\001\r\n", 6) == 0)
		return 6;
	return 0;
}

/*
 * Is there a whole From_ line at p?  eof says that the data end at
 * p + avail; otherwise a line not complete within avail is not one.
 */
static int
from_at(const char *p, size_t avail, int eof, char **sender, time_t *date,
    size_t *linelen)
{
	const char *nl;
	size_t len;

	if (avail < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	if ((nl = memchr(p, '\n', avail)) == NULL) {
		if (!eof)
			return 0;
		len = avail;
	} else
		len = (size_t)(nl - p);
	if (linelen)
		*linelen = nl ? len + 1 : len;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return is_from_line(p, len, sender, date);
}

/* ------------------------------------------------------------ reading */

/* Copy a non-seekable input to an unlinked temporary file. */
static int
spool_input(struct mailbox *mb)
{
	struct ibuf *ib = &mb->ib;
	const char *tmpdir = getenv("TMPDIR");
	char *path;
	int fd, e;

	path = xasprintf("%s/mailkit.XXXXXX", tmpdir && *tmpdir ? tmpdir :
	    "/tmp");
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0) {
		mb_seterr(mb, "temporary file", path);
		free(path);
		return -1;
	}
	(void)unlink(path);
	for (;;) {
		if (xwrite_all(fd, ib->p + ib->start, ib->end - ib->start) < 0)
			goto fail;
		ib->start = ib->end;
		if (ib->eof)
			break;
		if (ib_fill(ib, 1) < 0) {
			mb_seterr(mb, "read", NULL);
			goto fail;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	free(path);
	ib_reset(ib, fd);
	return 0;
fail:
	e = errno;
	if (mb->errwhat == NULL || strcmp(mb->errwhat, "read") != 0)
		mb_seterr(mb, "temporary file", path);
	free(path);
	close(fd);
	errno = e;
	return -1;
}

int
file_ropen(struct mailbox *mb)
{
	struct stat st;
	int fd = mb->ib.fd;

	mb->first = 1;
	if (fstat(fd, &st) < 0) {
		mb_seterr(mb, "fstat", NULL);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
#ifdef HAVE_POSIX_FADVISE
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
		/* A reader waits for a writer in progress. */
		if (lock_acquire(&mb->rlock, fd, mb->path,
		    MKLOCK_FCNTL | MKLOCK_SHARED, 60) < 0 &&
		    errno != ENOLCK && errno != EINVAL && errno != EBADF) {
			mb_seterr(mb, "lock", NULL);
			return -1;
		}
	} else if (mb->fmt == MBF_MBOXCL || mb->fmt == MBF_MBOXCL2) {
		/* Checking Content-Length needs to look ahead. */
		if (lseek(fd, 0, SEEK_CUR) < 0 && spool_input(mb) < 0)
			return -1;
	}
	return 0;
}

void
file_rclose(struct mailbox *mb)
{
	if (mb->rlock.held)
		(void)lock_release(&mb->rlock);
	if (mb->ib.fd > STDIN_FILENO)
		close(mb->ib.fd);
	mb->ib.fd = -1;
}

/* Position on the next message: parse its From_ line or delimiter. */
int
file_next(struct mailbox *mb)
{
	struct ibuf *ib = &mb->ib;
	const char *s;
	size_t avail, k, linelen;
	off_t at;

	for (;;) {
		if (ib_fill(ib, IB_LOOK) < 0) {
			mb_seterr(mb, "read", NULL);
			return -1;
		}
		s = ib->p + ib->start;
		avail = ib->end - ib->start;
		at = ib->off + (off_t)ib->start;
		if (avail == 0)
			return 0;
		/* Empty lines between MMDF messages are tolerated. */
		if (mb->fmt != MBF_MMDF || (k = blank_len(s, avail)) == 0)
			break;
		ib->start += k;
	}
	mb->attr.offset = at;
	if (mb->fmt == MBF_MMDF) {
		if ((k = mmdf_len(s, avail)) == 0) {
			mb_badfmt(mb, at, "no MMDF delimiter");
			return -1;
		}
		ib->start += k;
		if (ib_fill(ib, IB_LOOK) < 0) {
			mb_seterr(mb, "read", NULL);
			return -1;
		}
		s = ib->p + ib->start;
		avail = ib->end - ib->start;
		if (from_at(s, avail, ib->eof, &mb->attr.sender,
		    &mb->attr.date, &linelen))
			ib->start += linelen;
	} else {
		if (avail < 5 || memcmp(s, "From ", 5) != 0) {
			mb_badfmt(mb, at, "no From_ line");
			return -1;
		}
		if (!from_at(s, avail, ib->eof, &mb->attr.sender,
		    &mb->attr.date, &linelen)) {
			/* Only the very first line may be a poor one. */
			const char *nl = memchr(s, '\n', avail);

			if (!mb->first || (nl == NULL && !ib->eof)) {
				mb_badfmt(mb, at, "bad From_ line");
				return -1;
			}
			linelen = nl ? (size_t)(nl - s) + 1 : avail;
		}
		ib->start += linelen;
	}
	mb->first = 0;
	mb->bol = 1;
	mb->remain = -1;
	return 1;
}

/* After a trusted Content-Length: eat the blank line that follows. */
static void
eat_separator(struct mailbox *mb)
{
	struct ibuf *ib = &mb->ib;

	if (ib_fill(ib, 2) == 0)
		ib->start += blank_len(ib->p + ib->start, ib->end - ib->start);
}

/*
 * mboxcl/cl2: is this blank line the end of a header holding
 * Content-Length?  Then it is not a separator: the count decides.
 */
static int
cl_pending(const struct mailbox *mb)
{
	const char *p = mb->hb.data, *e = p + mb->hb.len, *nl;

	if (!mb->inhdr || (mb->fmt != MBF_MBOXCL && mb->fmt != MBF_MBOXCL2))
		return 0;
	for (; p < e; p = nl + 1) {
		if (e - p >= 15 && ascii_strncasecmp(p, "Content-Length:",
		    15) == 0)
			return 1;
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			break;
	}
	return 0;
}

/*
 * At the start of a line of the message: does the message end here?
 * Then set msgdone.  Otherwise undo the quoting of the line, if any.
 */
static int
line_start(struct mailbox *mb)
{
	struct ibuf *ib = &mb->ib;
	const char *s;
	size_t avail, k, i;

	if (ib_fill(ib, IB_LOOK) < 0) {
		mb_seterr(mb, "read", NULL);
		return -1;
	}
	s = ib->p + ib->start;
	avail = ib->end - ib->start;
	if (avail == 0) {
		mb->msgdone = 1;
		return 0;
	}
	if (mb->remain >= 0) {
		if ((off_t)avail > mb->remain)
			avail = (size_t)mb->remain;
	} else if (mb->fmt == MBF_MMDF) {
		if ((k = mmdf_len(s, avail)) > 0) {
			ib->start += k;
			mb->msgdone = 1;
			return 0;
		}
	} else if ((k = blank_len(s, avail)) > 0 && !cl_pending(mb)) {
		if ((avail == k && ib->eof) ||
		    from_at(s + k, avail - k, ib->eof, NULL, NULL, NULL)) {
			ib->start += k;		/* the separator */
			mb->msgdone = 1;
			return 0;
		}
	} else if (from_at(s, avail, ib->eof, NULL, NULL, NULL)) {
		mb->msgdone = 1;
		return 0;
	}
	mb->bol = 0;
	k = 0;
	if (mb->fmt == MBF_MBOXRD) {
		for (i = 0; i < avail && s[i] == '>'; i++)
			;
		if (i > 0 && avail - i >= 5 && memcmp(s + i, "From ", 5) == 0)
			k = 1;
	} else if (mb->fmt == MBF_MBOXO || mb->fmt == MBF_MBOXCL) {
		if (avail >= 6 && memcmp(s, ">From ", 6) == 0)
			k = 1;
	}
	ib->start += k;
	if (mb->remain > 0)
		mb->remain -= (off_t)k;
	return 0;
}

ssize_t
file_raw(struct mailbox *mb, char *out, size_t n, int line)
{
	struct ibuf *ib = &mb->ib;
	const char *s, *nl;
	size_t got = 0, k;

	while (got < n && !mb->msgdone) {
		if (mb->remain == 0) {
			eat_separator(mb);
			mb->msgdone = 1;
			break;
		}
		if (mb->bol) {
			if (line_start(mb) < 0)
				return -1;
			continue;
		}
		if (ib->start == ib->end) {
			if (ib_fill(ib, 1) < 0) {
				mb_seterr(mb, "read", NULL);
				return -1;
			}
			if (ib->start == ib->end) {
				mb->msgdone = 1;	/* no final newline */
				break;
			}
		}
		s = ib->p + ib->start;
		k = ib->end - ib->start;
		if (mb->remain > 0 && (off_t)k > mb->remain)
			k = (size_t)mb->remain;
		if (k > n - got)
			k = n - got;
		if ((nl = memchr(s, '\n', k)) != NULL) {
			k = (size_t)(nl - s) + 1;
			mb->bol = 1;
		}
		memcpy(out + got, s, k);
		ib->start += k;
		got += k;
		if (mb->remain > 0)
			mb->remain -= (off_t)k;
		if (line && nl)
			break;
	}
	return (ssize_t)got;
}

/* Does a Content-Length count end at p (bytes of the file there)? */
static int
lands(const char *p, size_t len)
{
	size_t k;

	if (len == 0)
		return 1;
	if (from_at(p, len, 1, NULL, NULL, NULL))
		return 1;
	if ((k = blank_len(p, len)) == 0)
		return 0;
	return len == k || from_at(p + k, len - k, 1, NULL, NULL, NULL);
}

/* mboxcl, mboxcl2: trust Content-Length when it lands well. */
void
file_hdrdone(struct mailbox *mb)
{
	struct ibuf *ib = &mb->ib;
	char look[IB_LOOK], *v, *end;
	struct stat st;
	unsigned long long cl;
	off_t target;
	ssize_t n;

	if (mb->fmt != MBF_MBOXCL && mb->fmt != MBF_MBOXCL2)
		return;
	if ((v = hdr_get(&mb->hdr, "Content-Length")) == NULL)
		return;
	errno = 0;
	cl = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	    cl > (unsigned long long)(LLONG_MAX / 2)) {
		free(v);
		return;
	}
	free(v);
	target = ib->off + (off_t)ib->start + (off_t)cl;
	if (fstat(ib->fd, &st) < 0 || target > st.st_size)
		return;
	n = pread(ib->fd, look, sizeof(look), target);
	if (n < 0)
		return;
	/* The last line of look may be cut: lands() needs it whole. */
	if ((size_t)n == sizeof(look)) {
		char *nl = memchr(look + 2, '\n', sizeof(look) - 2);

		if (nl == NULL)
			return;
		n = nl - look + 1;
	}
	if (lands(look, (size_t)n))
		mb->remain = (off_t)cl;
}

/* ------------------------------------------------------------ writing */

/* Bytes the message body goes to: the file, or the mboxcl spool. */
static int
emit(struct mailbox *mb, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	mb->wlast = p[n - 1];
	if (mb->fmt != MBF_MBOXCL && mb->fmt != MBF_MBOXCL2)
		return mb_out(mb, p, n);
	mb->spoollen += (off_t)n;
	if (mb->spoolfd < 0 && mb->spool.len + n <= SPOOL_MEM) {
		buf_add(&mb->spool, p, n);
		return 0;
	}
	if (mb->spoolfd < 0) {
		const char *tmpdir = getenv("TMPDIR");
		char *path = xasprintf("%s/mailkit.XXXXXX",
		    tmpdir && *tmpdir ? tmpdir : "/tmp");

		if ((mb->spoolfd = mkostemp(path, O_CLOEXEC)) < 0) {
			mb_seterr(mb, "temporary file", path);
			free(path);
			return -1;
		}
		(void)unlink(path);
		free(path);
	}
	if (mb->spool.len + n > SPOOL_MEM) {
		if (xwrite_all(mb->spoolfd, mb->spool.data, mb->spool.len) < 0) {
			mb_seterr(mb, "write", "temporary file");
			return -1;
		}
		buf_reset(&mb->spool);
	}
	if (n > SPOOL_MEM) {
		if (xwrite_all(mb->spoolfd, p, n) < 0) {
			mb_seterr(mb, "write", "temporary file");
			return -1;
		}
		return 0;
	}
	buf_add(&mb->spool, p, n);
	return 0;
}

static int
emit_gt(struct mailbox *mb, int count)
{
	int k;

	while (count > 0) {
		k = count > (int)sizeof(gts) - 1 ? (int)sizeof(gts) - 1 : count;
		if (emit(mb, gts, (size_t)k) < 0)
			return -1;
		count -= k;
	}
	return 0;
}

/*
 * The start of a line held back while it might still be a line to quote:
 * wgt '>' characters (mboxrd) and then the first wfm bytes of "From ".
 */
static int
flush_held(struct mailbox *mb)
{
	int fm = mb->wbol - 1;

	if (mb->wbol == 0)
		return 0;
	mb->wbol = 0;
	if (emit_gt(mb, mb->wgt) < 0)
		return -1;
	mb->wgt = 0;
	return fm > 0 ? emit(mb, "From ", (size_t)fm) : 0;
}

/*
 * Inside a line at p: copy through the last newline before e in one
 * piece, quoting the lines that need it, found by searching for "From "
 * rather than going line by line.  Returns where the copy stopped (at a
 * line start, or e), NULL on error.
 */
static const char *
quote_bulk(struct mailbox *mb, const char *p, const char *e, int rd)
{
	const char *end, *q = p, *f, *s, *from = p;

	if ((end = memrchr(p, '\n', (size_t)(e - p))) == NULL) {
		if (emit(mb, p, (size_t)(e - p)) < 0)
			return NULL;
		return e;
	}
	end++;
	while ((f = memmem(from, (size_t)(end - from), "From ", 5)) != NULL) {
		s = f;
		if (rd)
			while (s > p && s[-1] == '>')
				s--;
		if (s > p && s[-1] == '\n') {
			if (emit(mb, q, (size_t)(s - q)) < 0 ||
			    emit(mb, ">", 1) < 0)
				return NULL;
			q = s;
		}
		from = f + 5;
	}
	if (emit(mb, q, (size_t)(end - q)) < 0)
		return NULL;
	mb->wbol = 1;
	return end;
}

/*
 * Quote body lines: mboxo and mboxcl quote ^From , mboxrd ^>*From
 * (one more '>'); mboxcl2 and MMDF do not quote (an MMDF body line of
 * four ^A is refused: it cannot be stored).  Streams: wbol is 0 inside a
 * line, else 1 + the number of bytes of the pattern matched so far.
 */
int
file_wbody(struct mailbox *mb, const char *p, size_t n)
{
	const char *e = p + n, *nl, *pat;
	size_t plen, fm;
	int rd = mb->fmt == MBF_MBOXRD;

	if (mb->fmt == MBF_MBOXCL2)
		return emit(mb, p, n);
	if (mb->fmt == MBF_MMDF) {
		pat = MMDF_DELIM;
		plen = 5;
	} else {
		pat = "From ";
		plen = 5;
	}
	while (p < e) {
		if (mb->wbol > 0) {
			fm = (size_t)mb->wbol - 1;
			if (rd && fm == 0 && *p == '>') {
				mb->wgt++;
				p++;
				continue;
			}
			if (*p == pat[fm]) {
				mb->wbol++;
				p++;
				if (fm + 1 < plen)
					continue;
				if (mb->fmt == MBF_MMDF) {
					errno = EINVAL;
					mb_seterr(mb, "message holds an MMDF "
					    "delimiter line", NULL);
					return -1;
				}
				if (emit_gt(mb, mb->wgt + 1) < 0 ||
				    emit(mb, "From ", 5) < 0)
					return -1;
				mb->wgt = 0;
				mb->wbol = 0;
				continue;
			}
			if (mb->fmt == MBF_MMDF) {
				/* held bytes are ^A */
				if (fm > 0 && emit(mb, pat, fm) < 0)
					return -1;
				mb->wbol = 0;
			} else if (flush_held(mb) < 0)
				return -1;
			continue;
		}
		if (mb->fmt == MBF_MMDF) {
			nl = memchr(p, '\n', (size_t)(e - p));
			if (emit(mb, p, nl ? (size_t)(nl - p) + 1 :
			    (size_t)(e - p)) < 0)
				return -1;
			mb->wbol = nl != NULL;
			p = nl ? nl + 1 : e;
			continue;
		}
		if ((p = quote_bulk(mb, p, e, rd)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * The pending-append record.  A writer killed in the middle of an append
 * (kill -9) cannot cut the file back itself.  Before appending it leaves
 * ".NAME.mkpend" beside the mailbox holding the device, inode and size
 * the file had; it removes the record once what it wrote is on disk or
 * cut back.  The next writer, holding the lock, finds the record and cuts
 * off the partial message -- but only when what lies past the recorded
 * size is exactly one message start (a From_ line or MMDF delimiter) with
 * no further message after it, so that mail appended meanwhile by a
 * program that knows nothing of the record is never removed.
 */
static char *
pend_path(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xasprintf("%.*s/.%s.mkpend", (int)(slash - path), path,
	    slash + 1) : xasprintf(".%s.mkpend", path);
}

/*
 * Does [off, end) of fd hold the start of one message and nothing else?
 * Conservative: any further "From " (mbox) or ^A^A^A^A (MMDF), even in
 * the middle of a line, says no -- except a quoted ">From ", which is
 * how a message's own "From " lines are written.
 */
static int
pend_partial(struct mailbox *mb, int fd, off_t off, off_t end)
{
	const char *pat = mb->fmt == MBF_MMDF ? "\001\001\001\001" : "From ";
	char buf[65536 + 5];
	size_t keep = 0, skip, plen = strlen(pat);
	const char *q, *from;
	off_t pos = off;
	ssize_t n;
	int first = 1;

	while (pos < end) {
		n = pread(fd, buf + keep, sizeof(buf) - keep, pos);
		if (n <= 0)
			return 0;
		pos += n;
		n += (ssize_t)keep;
		/* A match at the very start of the kept tail was seen. */
		skip = keep == plen ? 1 : 0;
		if (first) {
			/* Up to two newlines, then the message start. */
			while (skip < 2 && skip < (size_t)n && buf[skip] == '\n')
				skip++;
			if ((size_t)n - skip < plen ||
			    memcmp(buf + skip, pat, plen) != 0)
				return 0;
			skip += plen;
			first = 0;
		}
		for (from = buf + skip; (q = memmem(from, (size_t)(buf + n - from),
		    pat, plen)) != NULL; from = q + 1)
			if (q == buf || q[-1] != '>' || mb->fmt == MBF_MMDF)
				return 0;
		/* Keep a tail (and the byte before it) so that a pattern
		 * across reads is seen. */
		keep = (size_t)n - skip < plen ? (size_t)n - skip : plen;
		memmove(buf, buf + n - keep, keep);
	}
	return 1;
}

/* Cut off a partial message a killed writer left; st is updated. */
static void
pend_repair(struct mailbox *mb, int fd, struct stat *st)
{
	unsigned long long dev, ino;
	long long size;
	char line[128];
	ssize_t n;
	int pfd;

	if ((pfd = open(mb->pend, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	n = read(pfd, line, sizeof(line) - 1);
	close(pfd);
	if (n <= 0)
		return;
	line[n] = '\0';
	if (sscanf(line, "%llu %llu %lld", &dev, &ino, &size) != 3 ||
	    dev != (unsigned long long)st->st_dev ||
	    ino != (unsigned long long)st->st_ino || size < 0 ||
	    size >= st->st_size || mb->fmt == MBF_MBOXCL2 ||
	    mb->fmt == MBF_MBOXCL)
		return;
	if (!pend_partial(mb, fd, (off_t)size, st->st_size))
		return;
	if (ftruncate(fd, (off_t)size) < 0 || fsync(fd) < 0)
		return;
	mk_warnx("%s: removed a partial message (%lld bytes at offset %lld) "
	    "left by an interrupted delivery", mb->path,
	    (long long)st->st_size - size, size);
	st->st_size = (off_t)size;
}

/* Note the size the file has now; best effort (a directory we may not
 * write into only loses the repair). */
static void
pend_note(struct mailbox *mb, const struct stat *st, off_t size)
{
	char line[128];
	int pfd, n;

	n = snprintf(line, sizeof(line), "%llu %llu %lld\n",
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
	    (long long)size);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	pfd = open(mb->pend, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (pfd < 0)
		return;
	if (xwrite_all(pfd, line, (size_t)n) < 0) {
		close(pfd);
		(void)unlink(mb->pend);
		return;
	}
	if (close(pfd) < 0)
		(void)unlink(mb->pend);
}

static void
pend_clear(struct mailbox *mb)
{
	if (mb->pend != NULL) {
		(void)unlink(mb->pend);
		free(mb->pend);
		mb->pend = NULL;
	}
}

/* Open (or create) for appending, lock, note the size. */
int
file_wopen(struct mailbox *mb)
{
	struct stat st;
	char tail[2];
	int fd, e;

	if (strcmp(mb->path, "-") == 0) {
		mb->wfd = STDOUT_FILENO;
		mb->isreg = fstat(mb->wfd, &st) == 0 && S_ISREG(st.st_mode);
		mb->start = mb->committed = -1;	/* cannot truncate */
		return 0;
	}
	fd = xopen_regular(mb->path, O_RDWR | O_APPEND, 0, &st);
	if (fd < 0 && errno == ENOENT && (mb->opt.flags & MBO_CREATE)) {
		if (mb->opt.flags & MBO_SYNC_EACH) {
			fd = open(mb->path, O_RDWR | O_APPEND | O_CREAT |
			    O_EXCL | O_NOFOLLOW | O_CLOEXEC, mb->opt.mode);
			if (fd >= 0 && fstat(fd, &st) < 0) {
				e = errno;
				close(fd);
				errno = e;
				fd = -1;
			}
		} else {
			/* Complete or not there at all: a temporary name. */
			const char *slash = strrchr(mb->path, '/');

			mb->tmpnew = slash ? xasprintf("%.*s/.%s.mkXXXXXX",
			    (int)(slash - mb->path), mb->path, slash + 1) :
			    xasprintf(".%s.mkXXXXXX", mb->path);
			if ((fd = mkostemp(mb->tmpnew, O_CLOEXEC)) < 0) {
				mb_seterr(mb, "create", mb->tmpnew);
				return -1;
			}
			if (fchmod(fd, mb->opt.mode) < 0) {
				mb_seterr(mb, "fchmod", mb->tmpnew);
				goto fail;
			}
			mb->wfd = fd;
			mb->isreg = 1;
			mb->start = mb->committed = mb->msgstart = 0;
			mb->wsize = 0;
			return 0;
		}
	}
	if (fd < 0) {
		mb_seterr(mb, "open", NULL);
		return -1;
	}
	mb->wfd = fd;
	mb->isreg = 1;
	if (mb->opt.lockkinds && lock_acquire(&mb->lock, fd, mb->path,
	    mb->opt.lockkinds, mb->opt.locktimeout) < 0) {
		mb_seterr(mb, "lock", NULL);
		goto fail;
	}
	mb->touched = time(NULL);
	if (fstat(fd, &st) < 0) {
		mb_seterr(mb, "fstat", NULL);
		goto fail;
	}
	mb->pend = pend_path(mb->path);
	pend_repair(mb, fd, &st);
	pend_note(mb, &st, st.st_size);
	mb->start = mb->committed = mb->msgstart = mb->wsize = st.st_size;
	/* The last message must end in a newline (and a blank line). */
	if (st.st_size > 0) {
		if (pread(fd, tail, 2, st.st_size - (st.st_size >= 2 ? 2 : 1)) <
		    0) {
			mb_seterr(mb, "read", NULL);
			goto fail;
		}
		if (st.st_size < 2)
			tail[1] = tail[0];
		if (tail[1] != '\n' && mb_out(mb, "\n", 1) < 0)
			goto fail;
		if (mb->fmt != MBF_MMDF && (tail[1] != '\n' || tail[0] != '\n')
		    && mb_out(mb, "\n", 1) < 0)
			goto fail;
	}
	return 0;
fail:
	e = errno;
	pend_clear(mb);
	if (mb->lock.held)
		lock_release(&mb->lock);
	close(fd);
	mb->wfd = -1;
	if (mb->tmpnew)
		unlink(mb->tmpnew);
	errno = e;
	return -1;
}

/* "From sender date" in asctime form, UTC. */
static int
from_line(struct mailbox *mb)
{
	struct buf b = BUF_INIT;
	const char *s = mb->wattr.sender;
	time_t t = mb->wattr.date == -1 ? time(NULL) : mb->wattr.date;
	struct tm tm;
	char date[64];
	size_t i;
	int r;

	buf_adds(&b, "From ");
	if (s == NULL || *s == '\0')
		buf_adds(&b, "MAILER-DAEMON");
	else
		for (i = 0; s[i]; i++)	/* untrusted: one line, no controls */
			buf_addc(&b, (unsigned char)s[i] < 0x20 ||
			    s[i] == 0x7f ? '_' : s[i]);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), " %a %b %e %H:%M:%S %Y\n", &tm) == 0) {
		t = 0;
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), " %a %b %e %H:%M:%S %Y\n", &tm);
	}
	buf_adds(&b, date);
	r = mb_out(mb, b.data, b.len);
	buf_free(&b);
	return r;
}

int
file_wbegin(struct mailbox *mb)
{
	mb->msgstart = mb->wsize;
	mb->spoollen = 0;
	buf_reset(&mb->spool);
	if (mb->spoolfd >= 0 && ftruncate(mb->spoolfd, 0) < 0) {
		mb_seterr(mb, "ftruncate", "temporary file");
		return -1;
	}
	if (mb->spoolfd >= 0)
		(void)lseek(mb->spoolfd, 0, SEEK_SET);
	/* MMDF gets a From_ line inside too, as mutt and Python write it. */
	if (mb->fmt == MBF_MMDF && mb_out(mb, MMDF_DELIM, 5) < 0)
		return -1;
	return from_line(mb);
}

int
file_whead(struct mailbox *mb, const char *sep, size_t seplen)
{
	struct hdr *h = &mb->whdr;

	mb->wbol = 1;
	if (mb->fmt == MBF_MBOXCL || mb->fmt == MBF_MBOXCL2)
		return emit(mb, sep, seplen);	/* the spool holds it */
	if (mb_out(mb, h->raw.data, h->raw.len) < 0 ||
	    mb_out(mb, sep, seplen) < 0)
		return -1;
	if (h->raw.len + seplen > 0)
		mb->wlast = seplen ? sep[seplen - 1] :
		    h->raw.data[h->raw.len - 1];
	return 0;
}

/* mboxcl/cl2: header with Content-Length, then the spooled body. */
static int
write_cl(struct mailbox *mb)
{
	struct hdr *h = &mb->whdr;
	char num[32], b[65536], *v;
	off_t sepn = mb->wsep, left;
	ssize_t n;

	/* spool = separator line + body; the count is of the body. */
	if (mb->wsep) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)(mb->spoollen - sepn));
		v = hdr_get(h, "Content-Length");
		if (v == NULL || strcmp(v, num) != 0)
			hdr_set(h, "Content-Length", num);
		free(v);
	} else
		hdr_remove(h, "Content-Length");
	if (mb_out(mb, h->raw.data, h->raw.len) < 0)
		return -1;
	if (mb->spoolfd >= 0) {
		if (xwrite_all(mb->spoolfd, mb->spool.data, mb->spool.len) < 0 ||
		    lseek(mb->spoolfd, 0, SEEK_SET) < 0) {
			mb_seterr(mb, "write", "temporary file");
			return -1;
		}
		buf_reset(&mb->spool);
		for (left = mb->spoollen; left > 0; left -= n) {
			n = read(mb->spoolfd, b, sizeof(b));
			if (n <= 0) {
				if (n < 0 && errno == EINTR) {
					n = 0;
					continue;
				}
				if (n == 0)
					errno = EIO;
				mb_seterr(mb, "read", "temporary file");
				return -1;
			}
			if (mb_out(mb, b, (size_t)n) < 0)
				return -1;
		}
		return 0;
	}
	return mb_out(mb, mb->spool.data, mb->spool.len);
}

int
file_wend(struct mailbox *mb)
{
	time_t now;

	if (mb->fmt != MBF_MMDF && mb->fmt != MBF_MBOXCL2 &&
	    flush_held(mb) < 0)
		return -1;
	if (mb->fmt == MBF_MMDF && mb->wbol > 1 &&
	    emit(mb, MMDF_DELIM, (size_t)mb->wbol - 1) < 0)
		return -1;
	mb->wbol = 0;
	/* A last line without a newline gets one. */
	if (mb->wlast != '\n' && emit(mb, "\n", 1) < 0)
		return -1;
	if ((mb->fmt == MBF_MBOXCL || mb->fmt == MBF_MBOXCL2) &&
	    write_cl(mb) < 0)
		return -1;
	if (mb_out(mb, mb->fmt == MBF_MMDF ? MMDF_DELIM : "\n",
	    mb->fmt == MBF_MMDF ? 5 : 1) < 0)
		return -1;
	if (mb->opt.flags & MBO_SYNC_EACH) {
		if (file_wsync(mb) < 0)
			return -1;
	} else if (mb->lock.held & MKLOCK_DOTLOCK) {
		now = time(NULL);
		if (now - mb->touched >= TOUCH_SECS) {
			(void)lock_touch(&mb->lock);
			mb->touched = now;
		}
	}
	return 0;
}

/* Cut the file back to off (bytes before it are on disk or buffered). */
static int
cut_back(struct mailbox *mb, off_t off)
{
	off_t ondisk = mb->wsize - (off_t)mb->ob.len;

	if (off < 0 || !mb->isreg || mb->start < 0)
		return 0;
	if (off >= ondisk) {
		buf_truncate(&mb->ob, (size_t)(off - ondisk));
		mb->wsize = off;
		return 0;
	}
	buf_reset(&mb->ob);
	mb->wsize = off;
	if (ftruncate(mb->wfd, off) < 0) {
		mb_seterr(mb, "ftruncate", NULL);
		return -1;
	}
	return 0;
}

void
file_wabort(struct mailbox *mb)
{
	(void)cut_back(mb, mb->msgstart);
}

int
file_wsync(struct mailbox *mb)
{
	if (mb_flush(mb) < 0)
		return -1;
	if (fsync(mb->wfd) < 0 && (mb->isreg || errno != EINVAL)) {
		mb_seterr(mb, "fsync", mb->tmpnew);
		return -1;
	}
	/* At close, not before, a session's messages are committed. */
	if (mb->opt.flags & MBO_SYNC_EACH)
		mb->committed = mb->wsize;
	return 0;
}

int
file_wclose(struct mailbox *mb, int discard)
{
	int r = 0, e;

	if (mb->wfd < 0)
		return 0;
	if (!discard && file_wsync(mb) < 0)
		discard = 1;
	if (!discard && mb->tmpnew) {
		if (link(mb->tmpnew, mb->path) < 0) {
			mb_seterr(mb, "link", NULL);
			discard = 1;
		} else if (unlink(mb->tmpnew) < 0 ||
		    xfsync_parent(mb->path) < 0) {
			mb_seterr(mb, "fsync", NULL);
			r = -1;
		}
	}
	if (discard) {
		e = errno;
		if (mb->tmpnew)
			(void)unlink(mb->tmpnew);
		else if (cut_back(mb, mb->committed) == 0 &&
		    mb->committed >= 0)
			(void)fsync(mb->wfd);
		errno = e;
		r = -1;
	}
	e = errno;
	/* Written and on disk, or cut back: nothing left to repair. */
	if (r == 0 || mb->committed >= 0)
		pend_clear(mb);
	if (mb->lock.held && lock_release(&mb->lock) < 0 && r == 0) {
		mb_seterr(mb, "unlock", NULL);
		e = errno;
		r = -1;
	}
	if (mb->spoolfd >= 0)
		close(mb->spoolfd);
	mb->spoolfd = -1;
	if (mb->wfd != STDOUT_FILENO && close(mb->wfd) < 0 && r == 0) {
		mb_seterr(mb, "close", NULL);
		e = errno;
		r = -1;
	}
	mb->wfd = -1;
	errno = e;
	return r;
}
