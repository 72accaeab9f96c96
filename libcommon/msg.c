/*
 * msg: read the header block of one message and stream its body.
 *
 * The header block ends at the first empty line (RFC 5322 §2.1), or, as
 * most readers do with broken mail, at the first line that is neither a
 * field nor a continuation: that line is then the first line of the body.
 * A leading "From " line (mbox envelope) is kept apart in from_.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "msg.h"
#include "util.h"

#define FIRST_READ	4096	/* one page; most header blocks fit */
#define MAX_READ	(1024 * 1024)

static void
msg_init(struct msg *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name ? name : "-");
	m->fd = -1;
	hdr_init(&m->hdr);
	buf_init(&m->sep);
	buf_init(&m->rest);
}

/* Length of a line without its LF or CRLF (a lone CR is data). */
static size_t
content_len(const char *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\n') {
		len--;
		if (len > 0 && p[len - 1] == '\r')
			len--;
	}
	return len;
}

/*
 * Look for the end of the header block in in[0..len).  Returns 1 when
 * found (and fills m), 0 when more input is needed.  At eof it always
 * finds an end.
 */
static int
scan(struct msg *m, struct buf *in, int eof)
{
	const char *p = in->data, *q;
	size_t len = in->len, off = 0, hstart = 0, eol, cl;
	size_t hend, bstart;

	/* The envelope line, if any, must be complete first. */
	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		if ((q = memchr(p, '\n', len)) == NULL && !eof)
			return 0;
		eol = q ? (size_t)(q - p) + 1 : len;
		free(m->from_);
		m->from_len = content_len(p, eol);
		m->from_ = xmalloc(m->from_len + 1);
		memcpy(m->from_, p, m->from_len);
		m->from_[m->from_len] = '\0';
		hstart = off = eol;
	} else if (len < 5 && !eof) {
		return 0;
	}
	for (;;) {
		q = off < len ? memchr(p + off, '\n', len - off) : NULL;
		if (q == NULL && !eof)
			return 0;
		eol = q ? (size_t)(q - p) + 1 : len;
		cl = content_len(p + off, eol - off);
		if (off >= len) {			/* end of input */
			hend = bstart = len;
			break;
		}
		if (cl == 0) {				/* the empty line */
			hend = off;
			bstart = eol;
			break;
		}
		if (p[off] != ' ' && p[off] != '\t' &&
		    !hdr_is_field(p + off, cl)) {	/* body starts here */
			hend = bstart = off;
			break;
		}
		off = eol;
	}
	hdr_parse(&m->hdr, p + hstart, hend - hstart);
	buf_reset(&m->sep);
	buf_add(&m->sep, p + hend, bstart - hend);
	buf_reset(&m->rest);
	buf_add(&m->rest, p + bstart, len - bstart);
	m->restoff = 0;
	m->bodyoff = (off_t)bstart;
	return 1;
}

int
msg_fdopen(struct msg *m, int fd, const char *name)
{
	struct buf in = BUF_INIT;
	size_t want = FIRST_READ;
	ssize_t n;

	msg_init(m, name);
	m->fd = fd;
	for (;;) {
		buf_reserve(&in, want);
		n = read(fd, in.data + in.len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		in.len += (size_t)n;
		in.data[in.len] = '\0';
		if (n == 0)
			m->eof = 1;
		if (scan(m, &in, m->eof))
			break;
		if (want < MAX_READ)
			want *= 2;
	}
	buf_free(&in);
	return 0;
fail:
	buf_free(&in);
	{
		int saved = errno;

		m->fd = -1;
		msg_close(m);
		errno = saved;
	}
	return -1;
}

int
msg_open(struct msg *m, const char *path)
{
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		saved = errno;
		msg_init(m, path);	/* so that msg_close() is safe */
		msg_close(m);
		errno = saved;
		return -1;
	}
	if (msg_fdopen(m, fd, path) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	free(m->name);
	m->name = xstrdup(path);
	m->ownfd = 1;
	return 0;
}

int
msg_frombuf(struct msg *m, const void *p, size_t len, const char *name)
{
	struct buf in = BUF_INIT;

	msg_init(m, name);
	buf_add(&in, p, len);
	m->eof = 1;
	scan(m, &in, 1);
	buf_free(&in);
	return 0;
}

void
msg_close(struct msg *m)
{
	if (m->ownfd && m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	free(m->name);
	free(m->from_);
	m->name = m->from_ = NULL;
	hdr_free(&m->hdr);
	buf_free(&m->sep);
	buf_free(&m->rest);
}

ssize_t
msg_body_read(struct msg *m, void *p, size_t n)
{
	size_t have = m->rest.len - m->restoff;
	ssize_t r;

	if (have > 0) {
		if (n > have)
			n = have;
		memcpy(p, m->rest.data + m->restoff, n);
		m->restoff += n;
		if (m->restoff == m->rest.len) {
			buf_free(&m->rest);
			m->restoff = 0;
		}
		return (ssize_t)n;
	}
	if (m->eof || m->fd < 0)
		return 0;
	for (;;) {
		r = read(m->fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			m->eof = 1;
		return r;
	}
}

int
msg_body_all(struct msg *m, struct buf *out)
{
	ssize_t n;

	for (;;) {
		buf_reserve(out, 65536);
		n = msg_body_read(m, out->data + out->len,
		    out->cap - out->len - 1);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
}
