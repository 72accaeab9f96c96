/*
 * lmtp: LMTP server state machine (RFC 2033, RFC 5321 for the commands
 * it shares with SMTP).  See lmtp.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "deliver.h"
#include "lmtp.h"
#include "util.h"
#include "xio.h"

#define IBUF	65536

struct sess {
	int		 in, out;
	int		 timeout_ms;
	char		*host;
	const char	*tmpdir;
	const struct lmtp_handler *h;
	void		*ctx;

	/* input buffer */
	char		*ib;
	size_t		 ibstart, ibend;
	int		 eof;
	int		 broken;	/* I/O error or timeout: give up */

	struct buf	 out_;		/* replies held for pipelining */

	/* the transaction */
	int		 greeted;
	int		 inmail;
	char		*sender;
	struct lmtp_rcpt *r;
	size_t		 nr, capr;
};

/* Send the held replies. */
static int
flush_out(struct sess *s)
{
	if (s->out_.len == 0)
		return 0;
	if (xwrite_all(s->out, s->out_.data, s->out_.len) < 0) {
		s->broken = 1;
		return -1;
	}
	buf_reset(&s->out_);
	return 0;
}

static void
reply(struct sess *s, const char *line)
{
	buf_adds(&s->out_, line);
	buf_adds(&s->out_, "\r\n");
}

/*
 * Read more input after what is buffered (kept, moved to the front).
 * The held replies go out first whenever we are about to wait (RFC 2920
 * §3.1).  Returns 1, 0 at the end of input, -1 on an error or a timeout.
 */
static int
more(struct sess *s)
{
	struct pollfd pfd;
	size_t have = s->ibend - s->ibstart;
	ssize_t n;
	int r;

	if (s->eof)
		return 0;
	if (flush_out(s) < 0)
		return -1;
	memmove(s->ib, s->ib + s->ibstart, have);
	s->ibstart = 0;
	s->ibend = have;
	pfd.fd = s->in;
	pfd.events = POLLIN;
	while ((r = poll(&pfd, 1, s->timeout_ms)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		buf_printf(&s->out_, "421 4.4.2 %s timeout\r\n", s->host);
		(void)flush_out(s);
		errno = ETIMEDOUT;
	}
	if (r <= 0) {
		s->broken = 1;
		return -1;
	}
	while ((n = read(s->in, s->ib + have, IBUF - have)) < 0 &&
	    errno == EINTR)
		;
	if (n < 0) {
		s->broken = 1;
		return -1;
	}
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	s->ibend += (size_t)n;
	return 1;
}

/* Something buffered: 1; else as more(). */
static int
fill(struct sess *s)
{
	return s->ibstart < s->ibend ? 1 : more(s);
}

/*
 * One command line into line, without its CRLF or LF.  Returns 1, 0 at
 * the end of input, -1 on error, 2 when the line was longer than
 * LMTP_MAXLINE (the rest is skipped).
 */
static int
getcmd(struct sess *s, struct buf *line)
{
	char *nl;
	size_t n;
	int r, toolong = 0;

	buf_reset(line);
	for (;;) {
		if ((r = fill(s)) <= 0)
			return r < 0 ? -1 : (line->len || toolong) ? 1 : 0;
		nl = memchr(s->ib + s->ibstart, '\n', s->ibend - s->ibstart);
		n = nl ? (size_t)(nl - (s->ib + s->ibstart)) :
		    s->ibend - s->ibstart;
		if (!toolong)
			buf_add(line, s->ib + s->ibstart, n);
		s->ibstart += n + (nl != NULL);
		if (line->len > LMTP_MAXLINE) {
			toolong = 1;
			buf_reset(line);
		}
		if (nl)
			break;
	}
	if (toolong)
		return 2;
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		buf_truncate(line, line->len - 1);
	return 1;
}

static void
reset_txn(struct sess *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (s->h->drop)
			s->h->drop(s->ctx, s->r[i].data);
		free(s->r[i].addr);
	}
	s->nr = 0;
	free(s->sender);
	s->sender = NULL;
	s->inmail = 0;
}

/* "FROM:" or "TO:" (any case, spaces after the colon allowed). */
static const char *
keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	if (ascii_strncasecmp(p, kw, n) != 0)
		return NULL;
	p += n;
	while (*p == ' ')
		p++;
	return p;
}

/*
 * A path "<...>" (RFC 5321 §4.1.2; quoted strings may hold ">"), or,
 * leniently, a bare address up to a space.  A source route "@a,@b:" is
 * dropped.  *rest points after it.  NULL on a syntax error.
 */
static char *
getpath(const char *p, const char **rest)
{
	const char *q, *e;
	int quoted = 0;

	if (*p != '<') {
		e = p + strcspn(p, " ");
		if (e == p)
			return NULL;
		*rest = e;
		return xstrndup(p, (size_t)(e - p));
	}
	for (q = p + 1; *q; q++) {
		if (*q == '\\' && quoted && q[1])
			q++;
		else if (*q == '"')
			quoted = !quoted;
		else if (*q == '>' && !quoted)
			break;
	}
	if (*q != '>')
		return NULL;
	*rest = q + 1;
	p++;
	if (*p == '@' && (e = memchr(p, ':', (size_t)(q - p))) != NULL)
		p = e + 1;
	return xstrndup(p, (size_t)(q - p));
}

/* Parameters of MAIL: SIZE=n and BODY=7BIT|8BITMIME (RFC 1870, 6152). */
static int
mail_params(const char *p)
{
	const char *e, *v;
	size_t n;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		e = p + strcspn(p, " ");
		n = (size_t)(e - p);
		if (n > 5 && ascii_strncasecmp(p, "SIZE=", 5) == 0) {
			for (v = p + 5; v < e; v++)
				if (!isdigit((unsigned char)*v))
					return -1;
		} else if (!(ascii_casecmp_n(p, n, "BODY=7BIT") == 0 ||
		    ascii_casecmp_n(p, n, "BODY=8BITMIME") == 0))
			return -1;
		p = e;
	}
}

static int
has_ctl(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

static void
cmd_mail(struct sess *s, const char *arg)
{
	const char *p, *rest;
	char *path;

	if (!s->greeted) {
		reply(s, "503 5.5.1 send LHLO first");
		return;
	}
	if (s->inmail) {
		reply(s, "503 5.5.1 nested MAIL command");
		return;
	}
	if ((p = keyword(arg, "FROM:")) == NULL ||
	    (path = getpath(p, &rest)) == NULL) {
		reply(s, "501 5.5.4 syntax: MAIL FROM:<address>");
		return;
	}
	if (has_ctl(path)) {
		free(path);
		reply(s, "501 5.1.7 bad sender address syntax");
		return;
	}
	if (mail_params(rest) < 0) {
		free(path);
		reply(s, "555 5.5.4 unsupported MAIL parameter");
		return;
	}
	s->sender = path;
	s->inmail = 1;
	reply(s, "250 2.1.0 Ok");
}

static void
cmd_rcpt(struct sess *s, const char *arg)
{
	struct buf r = BUF_INIT;
	const char *p, *rest;
	char *path;
	void *data = NULL;

	if (!s->inmail) {
		reply(s, "503 5.5.1 need MAIL command");
		return;
	}
	if ((p = keyword(arg, "TO:")) == NULL ||
	    (path = getpath(p, &rest)) == NULL) {
		reply(s, "501 5.5.4 syntax: RCPT TO:<address>");
		return;
	}
	while (*rest == ' ')
		rest++;
	if (*path == '\0' || has_ctl(path))
		reply(s, "501 5.1.3 bad recipient address syntax");
	else if (*rest != '\0')
		reply(s, "555 5.5.4 unsupported RCPT parameter");
	else if (s->nr >= LMTP_MAXRCPT)
		reply(s, "452 4.5.3 too many recipients");
	else if (s->h->rcpt(s->ctx, path, &data, &r) < 0) {
		reply(s, r.len ? buf_cstr(&r) : "550 5.1.1 user unknown");
	} else {
		if (s->nr == s->capr) {
			s->capr = s->capr ? s->capr * 2 : 8;
			s->r = xreallocarray(s->r, s->capr, sizeof(*s->r));
		}
		s->r[s->nr].addr = path;
		s->r[s->nr].data = data;
		s->nr++;
		path = NULL;
		reply(s, "250 2.1.5 Ok");
	}
	free(path);
	buf_free(&r);
}

/*
 * Read the message up to the line ".": dot-unstuffing (RFC 5321
 * §4.5.2), lines of any length, CRLF or a bare LF.  Returns 0, or -1
 * when the input ended or broke first.  *spoolerr is the errno of a
 * failed spool write (the data is still read to its end).
 */
static int
read_data(struct sess *s, struct spool *sp, int *spoolerr)
{
	const char *p, *nl;
	size_t avail, n;
	int bol = 1, r;

	*spoolerr = 0;
	for (;;) {
		if ((r = fill(s)) <= 0)
			return -1;
		p = s->ib + s->ibstart;
		avail = s->ibend - s->ibstart;
		if (bol && *p == '.') {
			/* Need the bytes after the dot to decide. */
			if (avail < 3 && memchr(p, '\n', avail) == NULL) {
				if ((r = more(s)) <= 0)
					return -1;
				continue;
			}
			if (p[1] == '\n' || (p[1] == '\r' && avail > 2 &&
			    p[2] == '\n')) {
				s->ibstart += p[1] == '\n' ? 2 : 3;
				return 0;
			}
			s->ibstart++;		/* the stuffed dot */
			p++;
			avail--;
			if (avail == 0) {
				bol = 0;
				continue;
			}
		}
		nl = memchr(p, '\n', avail);
		n = nl ? (size_t)(nl - p) + 1 : avail;
		if (*spoolerr == 0 && spool_write(sp, p, n) < 0)
			*spoolerr = errno ? errno : EIO;
		s->ibstart += n;
		bol = nl != NULL;
	}
}

static void
cmd_data(struct sess *s, const char *arg)
{
	struct buf *replies, rl = BUF_INIT;
	struct spool sp;
	size_t i;
	int err;

	if (!s->inmail) {
		reply(s, "503 5.5.1 need MAIL command");
		return;
	}
	if (s->nr == 0) {
		reply(s, "503 5.5.1 no valid recipients");
		return;
	}
	if (*arg != '\0') {
		reply(s, "501 5.5.4 syntax: DATA");
		return;
	}
	reply(s, "354 3.0.0 send the message, end with <CRLF>.<CRLF>");
	spool_init(&sp);
	sp.tmpdir = s->tmpdir;
	if (read_data(s, &sp, &err) < 0) {
		spool_free(&sp);
		s->broken = 1;
		return;
	}
	if (err == 0 && spool_end(&sp) < 0)
		err = errno ? errno : EIO;
	replies = xcalloc(s->nr, sizeof(*replies));
	if (err == 0)
		s->h->deliver(s->ctx, &sp, s->sender, s->r, s->nr, replies);
	for (i = 0; i < s->nr; i++) {
		if (replies[i].len == 0) {
			struct dresult dr = { EX_TEMPFAIL, err, NULL, NULL, 0 };

			buf_reset(&rl);
			deliver_reply(&rl, &dr, s->r[i].addr);
			reply(s, buf_cstr(&rl));
		} else
			reply(s, buf_cstr(&replies[i]));
		buf_free(&replies[i]);
	}
	free(replies);
	buf_free(&rl);
	spool_free(&sp);
	reset_txn(s);
}

/* Does the line start with verb (any case), followed by the end or SP? */
static const char *
verb(const char *line, const char *v)
{
	size_t n = strlen(v);

	if (ascii_strncasecmp(line, v, n) != 0 ||
	    (line[n] != '\0' && line[n] != ' '))
		return NULL;
	line += n;
	while (*line == ' ')
		line++;
	return line;
}

static void
cmd_lhlo(struct sess *s, const char *arg)
{
	if (*arg == '\0') {
		reply(s, "501 5.5.4 syntax: LHLO hostname");
		return;
	}
	reset_txn(s);
	s->greeted = 1;
	buf_printf(&s->out_, "250-%s\r\n", s->host);
	reply(s, "250-PIPELINING");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250 SIZE");
}

int
lmtp_serve(int in, int out, const char *host, int timeout,
    const char *tmpdir, const struct lmtp_handler *h, void *ctx)
{
	struct buf line = BUF_INIT;
	struct sess s;
	const char *a, *l;
	char name[256];
	int r, status = 0;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.out = out;
	s.timeout_ms = (timeout > 0 ? timeout : LMTP_TIMEOUT) * 1000;
	s.tmpdir = tmpdir;
	s.h = h;
	s.ctx = ctx;
	s.ib = xmalloc(IBUF);
	if (host == NULL) {
		if (gethostname(name, sizeof(name)) < 0)
			name[0] = '\0';
		name[sizeof(name) - 1] = '\0';
		host = name[0] ? name : "localhost";
	}
	s.host = xstrdup(host);
	buf_printf(&s.out_, "220 %s LMTP mdeliver ready\r\n", s.host);
	for (;;) {
		r = getcmd(&s, &line);
		if (r <= 0) {
			status = r < 0 || s.inmail ? EX_TEMPFAIL : 0;
			break;
		}
		l = buf_cstr(&line);
		if (r == 2)
			reply(&s, "500 5.5.2 line too long");
		else if ((a = verb(l, "LHLO")) != NULL)
			cmd_lhlo(&s, a);
		else if ((a = verb(l, "MAIL")) != NULL)
			cmd_mail(&s, a);
		else if ((a = verb(l, "RCPT")) != NULL)
			cmd_rcpt(&s, a);
		else if ((a = verb(l, "DATA")) != NULL) {
			cmd_data(&s, a);
			if (s.broken) {
				status = EX_TEMPFAIL;
				break;
			}
		} else if ((a = verb(l, "RSET")) != NULL) {
			reset_txn(&s);
			reply(&s, "250 2.0.0 Ok");
		} else if (verb(l, "NOOP") != NULL)
			reply(&s, "250 2.0.0 Ok");
		else if (verb(l, "QUIT") != NULL) {
			buf_printf(&s.out_, "221 2.0.0 %s closing connection"
			    "\r\n", s.host);
			status = flush_out(&s) < 0 ? EX_TEMPFAIL : 0;
			break;
		} else if (verb(l, "HELO") != NULL || verb(l, "EHLO") != NULL)
			reply(&s, "500 5.5.1 this is LMTP: use LHLO");
		else if (verb(l, "VRFY") != NULL || verb(l, "EXPN") != NULL ||
		    verb(l, "HELP") != NULL || verb(l, "BDAT") != NULL)
			reply(&s, "502 5.5.1 command not implemented");
		else
			reply(&s, "500 5.5.2 command unrecognized");
	}
	if (!s.broken && flush_out(&s) < 0)
		status = EX_TEMPFAIL;
	reset_txn(&s);
	free(s.r);
	free(s.ib);
	free(s.host);
	buf_free(&s.out_);
	buf_free(&line);
	return status;
}
