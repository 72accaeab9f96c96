/*
 * deliver: spool a message once, expand recipients into destinations,
 * and deliver to one destination at a time (see deliver.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "deliver.h"
#include "hdr.h"
#include "mailbox.h"
#include "util.h"
#include "xio.h"

#define SP_START	0	/* looking at the first line (From_?) */
#define SP_HEADER	1
#define SP_BODY		2
#define SP_DONE		3

#define WBUF		65536
#define REPLY_TEXTMAX	300	/* reason text in an LMTP reply */

/* ------------------------------------------------------------ spool */

void
spool_init(struct spool *sp)
{
	memset(sp, 0, sizeof(*sp));
	hdr_init(&sp->hdr);
	buf_init(&sp->body);
	buf_init(&sp->hb);
	sp->fd = -1;
}

void
spool_free(struct spool *sp)
{
	hdr_free(&sp->hdr);
	buf_free(&sp->body);
	buf_free(&sp->hb);
	free(sp->from_);
	sp->from_ = NULL;
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

/* An unlinked temporary file in dir. */
static int
tmpfile_in(const char *dir)
{
	char *p;
	int fd, e;

#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC,
	    0600)) >= 0)
		return fd;
#endif
	p = xasprintf("%s/mdeliver.XXXXXX", dir);
	if ((fd = mkostemp(p, O_CLOEXEC)) >= 0 && unlink(p) < 0) {
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	free(p);
	return fd;
}

static int
body_flush(struct spool *sp)
{
	if (sp->fd < 0 || sp->body.len == 0)
		return 0;
	if (xwrite_all(sp->fd, sp->body.data, sp->body.len) < 0)
		return -1;
	buf_reset(&sp->body);
	return 0;
}

/* Body bytes: memory while small, then the temporary file. */
static int
body_add(struct spool *sp, const char *p, size_t n)
{
	const char *dir;

	sp->bodylen += (off_t)n;
	buf_add(&sp->body, p, n);
	if (sp->fd < 0 && sp->body.len > SPOOL_MEMMAX) {
		dir = sp->tmpdir;
		if (dir == NULL && ((dir = getenv("TMPDIR")) == NULL ||
		    *dir == '\0'))
			dir = "/tmp";
		if ((sp->fd = tmpfile_in(dir)) < 0)
			return -1;
	}
	if (sp->fd >= 0 && sp->body.len >= WBUF)
		return body_flush(sp);
	return 0;
}

/* The sender of a From_ line "From sender date...". */
static void
from_sender(struct spool *sp, const char *p, size_t len)
{
	size_t i = 5, s;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	s = i;
	while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
		i++;
	free(sp->from_);
	if (i - s == 13 && memcmp(p + s, "MAILER-DAEMON", 13) == 0)
		sp->from_ = xstrdup("");
	else
		sp->from_ = xstrndup(p + s, i - s);
}

/* The header block is hb[0..hend); the body starts at bstart. */
static int
header_done(struct spool *sp, size_t hend, size_t bstart)
{
	hdr_parse(&sp->hdr, sp->hb.data, hend);
	hdr_remove(&sp->hdr, "Return-Path");	/* RFC 5321 §4.4: ours */
	sp->state = SP_BODY;
	if (sp->hb.len > bstart &&
	    body_add(sp, sp->hb.data + bstart, sp->hb.len - bstart) < 0)
		return -1;
	buf_free(&sp->hb);
	return 0;
}

/*
 * Find the end of the header block in hb (RFC 5322 §2.1): an empty line,
 * or a line that is neither a field nor a continuation (which starts the
 * body).  At the end of input everything left is looked at.
 */
static int
scan(struct spool *sp, int atend)
{
	const char *d, *nl;
	size_t ls, cl;

	if (sp->state == SP_START) {
		d = sp->hb.data;
		if (sp->hb.len < 5 && !atend)
			return 0;
		if (sp->hb.len >= 5 && memcmp(d, "From ", 5) == 0) {
			nl = memchr(d, '\n', sp->hb.len);
			if (nl == NULL && !atend && sp->hb.len <= SPOOL_HDRMAX)
				return 0;
			/* Longer than any envelope line: message data. */
			if (nl != NULL || atend) {
				ls = nl ? (size_t)(nl - d) + 1 : sp->hb.len;
				from_sender(sp, d, ls);
				memmove(sp->hb.data, d + ls, sp->hb.len - ls);
				buf_truncate(&sp->hb, sp->hb.len - ls);
			}
		}
		sp->state = SP_HEADER;
		sp->hscan = 0;
	}
	d = sp->hb.data;
	for (;;) {
		ls = sp->hscan;
		if (ls >= sp->hb.len) {
			if (atend)
				return header_done(sp, ls, ls);
			return 0;
		}
		nl = memchr(d + ls, '\n', sp->hb.len - ls);
		if (nl == NULL && !atend) {
			if (sp->hb.len - ls > SPOOL_HDRMAX)
				return header_done(sp, ls, ls);
			return 0;
		}
		cl = nl ? (size_t)(nl - d) - ls : sp->hb.len - ls;
		if (cl == 0)
			return header_done(sp, ls, ls + 1);
		if (d[ls] != ' ' && d[ls] != '\t' && !hdr_is_field(d + ls, cl))
			return header_done(sp, ls, ls);
		sp->hscan = nl ? (size_t)(nl - d) + 1 : sp->hb.len;
		if (sp->hscan > SPOOL_HDRMAX)
			return header_done(sp, sp->hscan, sp->hscan);
	}
}

static int
feed(struct spool *sp, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (sp->state == SP_BODY)
		return body_add(sp, p, n);
	buf_add(&sp->hb, p, n);
	return scan(sp, 0);
}

/* CRLF becomes LF (DESIGN.md rule 6); a lone CR stays. */
int
spool_write(struct spool *sp, const void *vp, size_t n)
{
	const char *s = vp, *e = s + n, *cr;

	if (sp->state == SP_DONE) {
		errno = EINVAL;
		return -1;
	}
	if (n == 0)
		return 0;
	if (sp->crpend) {
		sp->crpend = 0;
		if (*s != '\n' && feed(sp, "\r", 1) < 0)
			return -1;
	}
	while (s < e) {
		if ((cr = memchr(s, '\r', (size_t)(e - s))) == NULL)
			return feed(sp, s, (size_t)(e - s));
		if (cr + 1 == e) {
			sp->crpend = 1;
			return feed(sp, s, (size_t)(cr - s));
		}
		if (feed(sp, s, (size_t)(cr - s) + (cr[1] != '\n')) < 0)
			return -1;
		s = cr + 1;
	}
	return 0;
}

int
spool_end(struct spool *sp)
{
	if (sp->state == SP_DONE)
		return 0;
	if (sp->crpend) {
		sp->crpend = 0;
		if (feed(sp, "\r", 1) < 0)
			return -1;
	}
	if (sp->state != SP_BODY && scan(sp, 1) < 0)
		return -1;
	if (body_flush(sp) < 0)
		return -1;
	sp->state = SP_DONE;
	return 0;
}

int
spool_read_fd(struct spool *sp, int fd)
{
	char b[WBUF];
	ssize_t n;

	for (;;) {
		n = read(fd, b, sizeof(b));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (spool_write(sp, b, (size_t)n) < 0)
			return -1;
	}
	return spool_end(sp);
}

ssize_t
spool_pread(const struct spool *sp, void *p, size_t n, off_t off)
{
	ssize_t r;

	if (off >= sp->bodylen)
		return 0;
	if ((off_t)n > sp->bodylen - off)
		n = (size_t)(sp->bodylen - off);
	if (sp->fd < 0) {
		memcpy(p, sp->body.data + off, n);
		return (ssize_t)n;
	}
	while ((r = pread(sp->fd, p, n, off)) < 0 && errno == EINTR)
		;
	return r;
}

/* s[0..*len) without white space and one pair of angle brackets. */
static const char *
bare(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		s++, n -= 2;
	*len = n;
	return s;
}

int
spool_delivered_to(const struct spool *sp, const char *rcpt)
{
	size_t i, vlen, rlen = strlen(rcpt);
	const char *r = bare(rcpt, &rlen), *v;
	char *val;
	int found = 0;

	for (i = hdr_find(&sp->hdr, "Delivered-To", 0); i != HDR_NONE &&
	    !found; i = hdr_find(&sp->hdr, "Delivered-To", i + 1)) {
		val = hdr_value(&sp->hdr, i);
		vlen = strlen(val);
		v = bare(val, &vlen);
		found = vlen == rlen && ascii_strncasecmp(v, r, rlen) == 0;
		free(val);
	}
	return found;
}

/* ------------------------------------------------------------ results */

void
dresult_set(struct dresult *r, int status, int err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	r->status = status;
	r->err = err;
	free(r->why);
	r->why = NULL;
	if (fmt) {
		va_start(ap, fmt);
		buf_vprintf(&b, fmt, ap);
		va_end(ap);
		r->why = buf_release(&b);
	}
}

/* A result without text. */
static void
result_plain(struct dresult *r, int status, int err)
{
	r->status = status;
	r->err = err;
	free(r->why);
	r->why = NULL;
}

void
dresult_free(struct dresult *r)
{
	free(r->why);
	free(r->where);
	r->why = r->where = NULL;
}

static void
dresult_copy(struct dresult *to, const struct dresult *from)
{
	dresult_free(to);
	*to = *from;
	to->why = from->why ? xstrdup(from->why) : NULL;
	to->where = from->where ? xstrdup(from->where) : NULL;
}

int
deliver_status(int err)
{
	switch (err) {
	case ELOOP:
	case EMLINK:
		return EX_NOPERM;
	case ENOENT:
	case ENOTDIR:
	case EEXIST:
	case EISDIR:
		return EX_CANTCREAT;
	default:
		return exit_for_errno(err);
	}
}

int
deliver_worse(int a, int b)
{
	if (a == EX_TEMPFAIL || b == EX_TEMPFAIL)
		return EX_TEMPFAIL;
	return a != 0 ? a : b;
}

/* Reply text: printable ASCII only. */
static void
add_clean(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, (unsigned char)*s < 0x20 ||
		    (unsigned char)*s >= 0x7f ? '?' : *s);
}

void
deliver_reply(struct buf *b, const struct dresult *r, const char *rcpt)
{
	const char *code, *text;
	size_t start;

	switch (r->status) {
	case 0:
		code = "250 2.0.0";
		text = "delivered";
		break;
	case EX_TEMPFAIL:
		if (r->err == ENOSPC)
			code = "452 4.3.1";
		else if (r->err == EAGAIN)
			code = "451 4.2.0";
		else
			code = "451 4.3.0";
		text = "temporary failure, try again later";
		break;
	case EX_DATAERR:
		code = r->err == ELOOP ? "554 5.4.6" : "554 5.6.0";
		text = r->err == ELOOP ? "mail forwarding loop" :
		    "unusable message";
		break;
	case EX_NOUSER:
		code = "550 5.1.1";
		text = "user unknown";
		break;
	case EX_CANTCREAT:
		if (r->err == EDQUOT || r->err == EFBIG) {
			code = "552 5.2.2";
			text = "mailbox full";
		} else {
			code = "550 5.2.0";
			text = "cannot write mailbox";
		}
		break;
	case EX_NOPERM:
		code = "550 5.7.0";
		text = "mailbox refused by a security check";
		break;
	case EX_CONFIG:
		code = "451 4.3.5";
		text = "configuration error";
		break;
	case EX_UNAVAILABLE:
	case EX_SOFTWARE:
		code = "554 5.3.0";
		text = "delivery failed";
		break;
	default:
		code = "451 4.3.0";
		text = "temporary failure, try again later";
		break;
	}
	buf_adds(b, code);
	buf_adds(b, " <");
	add_clean(b, rcpt);
	buf_adds(b, "> ");
	start = b->len;
	add_clean(b, r->why ? r->why : text);
	/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets. */
	if (b->len > start + REPLY_TEXTMAX) {
		buf_truncate(b, start + REPLY_TEXTMAX - 3);
		buf_adds(b, "...");
	}
}

/* ------------------------------------------------------------ recipients */

/* Free what an alias_dest owns. */
static void
adest_free(struct alias_dest *a)
{
	free(a->value);
	free(a->user);
	free(a->home);
	free(a->shell);
	free(a->rcpt);
	free(a->ext);
	free(a->sender);
	free(a->origin);
	memset(a, 0, sizeof(*a));
}

static char *
dupnull(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
adest_copy(struct alias_dest *to, const struct alias_dest *from)
{
	*to = *from;
	to->value = dupnull(from->value);
	to->user = dupnull(from->user);
	to->home = dupnull(from->home);
	to->shell = dupnull(from->shell);
	to->rcpt = dupnull(from->rcpt);
	to->ext = dupnull(from->ext);
	to->sender = dupnull(from->sender);
	to->origin = dupnull(from->origin);
}

struct dest *
destlist_add(struct destlist *l, int kind, const char *path)
{
	struct dest *d;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->path = xstrdup(path);
	d->res.status = -1;
	return d;
}

void
destlist_free(struct destlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].rcpt);
		free(l->v[i].user);
		free(l->v[i].sender);
		free(l->v[i].orig);
		free(l->v[i].domain);
		adest_free(&l->v[i].ad);
		dresult_free(&l->v[i].res);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *
deliver_spooldir(void)
{
	const char *s = getenv("MAILKIT_SPOOL");

	return s && *s ? s : MAILKIT_SPOOL_DIR;
}

/* getpwnam() telling "no such user" (1) from a failure (-1). */
static int
lookup(const char *name, struct passwd **pw)
{
	errno = 0;
	if ((*pw = getpwnam(name)) != NULL)
		return 0;
	if (errno == 0 || errno == ENOENT || errno == ESRCH ||
	    errno == EBADF || errno == EPERM)
		return 1;
	return -1;
}

int
deliver_resolve_user(const char *user, const char *rcpt,
    struct destlist *out, struct dresult *res)
{
	struct passwd *pw;
	struct stat st;
	struct dest *d;
	char *low, *p;
	int r;

	if (*user == '\0' || *user == '.' || strchr(user, '/') != NULL) {
		dresult_set(res, EX_NOUSER, 0, "%s: user unknown", user);
		return EX_NOUSER;
	}
	r = lookup(user, &pw);
	if (r == 1) {		/* MTAs fold local parts: try lower case */
		low = xstrdup(user);
		for (p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(low, user) != 0)
			r = lookup(low, &pw);
		free(low);
	}
	if (r < 0) {
		dresult_set(res, EX_TEMPFAIL, errno, "%s: user database: %s",
		    user, strerror(errno));
		return EX_TEMPFAIL;
	}
	if (r == 1) {
		dresult_set(res, EX_NOUSER, 0, "%s: user unknown", user);
		return EX_NOUSER;
	}
	p = xasprintf("%s/Maildir", pw->pw_dir);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		d = destlist_add(out, DEST_MAILBOX, p);
		d->fmt = MBF_MAILDIR;
	} else {
		free(p);
		p = xasprintf("%s/%s", deliver_spooldir(), pw->pw_name);
		d = destlist_add(out, DEST_MAILBOX, p);
		d->fmt = MBF_MBOXRD;
		d->spoolbox = 1;
	}
	free(p);
	d->rcpt = rcpt ? xstrdup(rcpt) : NULL;
	d->user = xstrdup(pw->pw_name);
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	return 0;
}

/* name@domain, or name. */
static char *
qualify(const char *name, const char *domain)
{
	if (domain == NULL || *domain == '\0')
		return xstrdup(name);
	return xasprintf("%s@%s", name, domain);
}

/* A failure of the expansion as a destination of its own. */
static void
add_error(struct destlist *out, const char *rcpt, int status, int err,
    const char *why)
{
	struct dest *d = destlist_add(out, DEST_ERROR, why);

	d->rcpt = rcpt ? xstrdup(rcpt) : NULL;
	dresult_set(&d->res, status, err, "%s", why);
}

/* Without aliases: the user's mailbox; "user+ext" falls back to "user". */
static int
expand_plain(const char *local, const char *rcpt, struct destlist *out,
    struct dresult *res)
{
	char *base, *plus;
	int r;

	r = deliver_resolve_user(local, rcpt, out, res);
	if (r == EX_NOUSER && (plus = strchr(local, '+')) != NULL &&
	    plus != local) {
		base = xstrndup(local, (size_t)(plus - local));
		r = deliver_resolve_user(base, rcpt, out, res);
		free(base);
	}
	return r;
}

/* One final destination of the expansion into out.  0 or -1 (an
 * error destination was added instead). */
static int
add_adest(struct destlist *out, const struct alias_dest *a,
    const char *domain, const char *orig)
{
	static const int kinds[] = { 0, DEST_MAILBOX, DEST_FILE, DEST_PROGRAM,
	    DEST_REMOTE, DEST_ERROR };
	struct dresult r = { -1, 0, NULL, NULL, 0 };
	struct dest *d;
	char *rcpt = a->rcpt ? qualify(a->rcpt, domain) : NULL;
	int kind = a->kind > 0 && a->kind <= ADEST_ERROR ? kinds[a->kind] :
	    DEST_ERROR;

	if (kind == DEST_ERROR) {
		add_error(out, rcpt, a->kind == ADEST_ERROR && a->status ?
		    a->status : EX_SOFTWARE, a->err, a->value);
		free(rcpt);
		return -1;
	}
	if (kind == DEST_MAILBOX) {
		if (deliver_resolve_user(a->user, rcpt, out, &r) != 0) {
			add_error(out, rcpt, r.status, r.err, r.why);
			dresult_free(&r);
			free(rcpt);
			return -1;
		}
		d = &out->v[out->n - 1];
	} else {
		d = destlist_add(out, kind, a->value);
		adest_copy(&d->ad, a);
		d->rcpt = rcpt;
		rcpt = NULL;
		d->user = dupnull(a->user);
		d->uid = a->uid;
		d->gid = a->gid;
	}
	d->sender = dupnull(a->sender);
	d->orig = dupnull(orig);
	d->domain = dupnull(domain);
	free(rcpt);
	return 0;
}

int
deliver_expand(const struct alias_cfg *cfg, const char *local,
    const char *domain, const char *orig, struct destlist *out,
    struct dresult *res)
{
	struct alias_list al = ALIAS_LIST_INIT;
	struct alias_cfg c;
	struct dest *d;
	size_t i, first = out->n, worst = (size_t)-1;
	char *rcpt;
	int st, good = 0;

	if (domain != NULL && *domain == '\0')
		domain = NULL;
	rcpt = qualify(local, domain);
	if (*local == '\0' || strchr(local, '@') != NULL) {
		/* "a@b"@here must not become a forward to a@b. */
		dresult_set(res, EX_NOUSER, 0, "%s: user unknown", local);
		free(rcpt);
		return EX_NOUSER;
	}
	if (cfg == NULL) {
		if ((st = expand_plain(local, rcpt, out, res)) == 0) {
			d = &out->v[out->n - 1];
			d->orig = dupnull(orig);
			d->domain = dupnull(domain);
		}
		free(rcpt);
		return st;
	}
	free(rcpt);
	c = *cfg;
	c.domain = domain;
	(void)alias_expand(&c, local, &al);
	for (i = 0; i < al.n; i++)
		if (add_adest(out, &al.v[i], domain, orig) == 0)
			good = 1;
	alias_list_free(&al);
	if (good)
		return 0;
	for (i = first; i < out->n; i++) {
		st = out->v[i].res.status;
		if (worst == (size_t)-1 ||
		    deliver_worse(out->v[worst].res.status, st) !=
		    out->v[worst].res.status)
			worst = i;
	}
	if (worst == (size_t)-1) {	/* nothing at all: cannot happen */
		dresult_set(res, EX_SOFTWARE, 0, "%s: expands to nothing",
		    local);
		return EX_SOFTWARE;
	}
	dresult_copy(res, &out->v[worst].res);
	return res->status;
}

/* ------------------------------------------------------------ delivery */

void
dctx_init(struct dctx *c, const struct dopts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
}

void
dctx_free(struct dctx *c)
{
	size_t i;

	for (i = 0; i < c->ndone; i++) {
		free(c->done[i].path);
		dresult_free(&c->done[i].res);
	}
	free(c->done);
	c->done = NULL;
	c->ndone = c->capdone = 0;
}

/*
 * What tells a command or an address done already: the user and the
 * command, the sender and the address.  NULL for files and directories.
 */
static char *
done_name(const struct dctx *c, const struct dest *d)
{
	if (d->kind == DEST_PROGRAM)
		return xasprintf("%s%c%s", d->user ? d->user : "", '\001',
		    d->path);
	if (d->kind == DEST_REMOTE)
		return xasprintf("%s%c%s", d->sender ? d->sender :
		    c->o->sender ? c->o->sender : "", '\001', d->path);
	return NULL;
}

/*
 * A destination done before: the same file or directory (a spool mailbox
 * by its own name only, so that a symbolic link still meets the checks),
 * or the same command or address.
 */
static struct donekey *
done_find(struct dctx *c, const struct dest *d)
{
	const char *path = d->path;
	struct donekey *k = NULL;
	struct stat st;
	char *name = done_name(c, d);
	size_t i;
	int have = name == NULL && (d->spoolbox ? lstat(path, &st) :
	    stat(path, &st)) == 0;
	int kind = name ? d->kind : 0;

	for (i = 0; i < c->ndone && k == NULL; i++) {
		if (c->done[i].kind != kind)
			continue;
		if (name != NULL ? strcmp(c->done[i].path, name) == 0 :
		    c->done[i].path == NULL ? have &&
		    c->done[i].dev == st.st_dev && c->done[i].ino == st.st_ino :
		    strcmp(c->done[i].path, path) == 0)
			k = &c->done[i];
	}
	free(name);
	return k;
}

static void
done_add(struct dctx *c, const struct dest *d)
{
	struct donekey *k;
	struct stat st;
	char *name = done_name(c, d);

	if (c->ndone == c->capdone) {
		c->capdone = c->capdone ? c->capdone * 2 : 4;
		c->done = xreallocarray(c->done, c->capdone, sizeof(*c->done));
	}
	k = &c->done[c->ndone++];
	memset(k, 0, sizeof(*k));
	if (name != NULL) {
		k->kind = d->kind;
		k->path = name;
	} else if (stat(d->path, &st) == 0) {
		k->dev = st.st_dev;
		k->ino = st.st_ino;
	} else
		k->path = xstrdup(d->path);
	dresult_copy(&k->res, &d->res);
}

/*
 * Create a missing spool mailbox before giving up privileges: O_EXCL and
 * O_NOFOLLOW, then owned by the user, group mail, mode 0660 (as root), or
 * 0600 when we are the user.  An existing name is left to the checks.
 */
static int
make_spoolbox(const struct dest *d, struct dresult *r)
{
	struct group *gr;
	gid_t g = d->gid;
	int fd, root = geteuid() == 0;

	fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, root ? 0660 : 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		goto fail;
	if (root) {
		if ((gr = getgrnam("mail")) != NULL)
			g = gr->gr_gid;
		if (fchown(fd, d->uid, g) < 0 || fchmod(fd, 0660) < 0)
			goto fail_unlink;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	if (xfsync_parent(d->path) < 0)
		goto fail;
	return 0;
fail_unlink:
	dresult_set(r, deliver_status(errno), errno, "%s: create: %s",
	    d->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(d->path);
	return -1;
fail:
	dresult_set(r, deliver_status(errno), errno, "%s: create: %s",
	    d->path, strerror(errno));
	return -1;
}

/* A spool mailbox must be a regular file of the user with one link. */
static int
check_spoolbox(const struct dest *d, struct dresult *r)
{
	struct stat st;

	if (lstat(d->path, &st) < 0) {
		dresult_set(r, deliver_status(errno), errno, "%s: %s",
		    d->path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode))
		dresult_set(r, EX_NOPERM, ELOOP, "%s: is a symbolic link",
		    d->path);
	else if (!S_ISREG(st.st_mode))
		dresult_set(r, EX_NOPERM, EINVAL, "%s: not a regular file",
		    d->path);
	else if (st.st_nlink != 1)
		dresult_set(r, EX_NOPERM, EMLINK, "%s: has %lu links",
		    d->path, (unsigned long)st.st_nlink);
	else if (st.st_uid != d->uid)
		dresult_set(r, EX_NOPERM, EPERM, "%s: not owned by %s",
		    d->path, d->user ? d->user : "the recipient");
	else
		return 0;
	return -1;
}

/* Which format to write: the store's own, or the one asked for. */
static int
pick_format(const struct dest *d, const struct dopts *o, int *fmt,
    int *create, struct dresult *r)
{
	size_t len = strlen(d->path);
	int sniffed, empty;

	*create = 0;
	if (mailbox_sniff(d->path, &sniffed, &empty) < 0) {
		if (errno == EBADMSG) {
			dresult_set(r, EX_TEMPFAIL, errno,
			    "%s: not a mailbox in a known format", d->path);
			return -1;
		}
		if (errno != ENOENT || o->nocreate) {
			dresult_set(r, deliver_status(errno), errno, "%s: %s",
			    d->path, strerror(errno));
			return -1;
		}
		*create = 1;
		*fmt = o->newfmt ? o->newfmt : d->fmt ? d->fmt :
		    len > 0 && d->path[len - 1] == '/' ? MBF_MAILDIR :
		    MBF_MBOXRD;
		return 0;
	}
	*fmt = sniffed;
	if (sniffed == MBF_UNKNOWN)		/* an empty file */
		*fmt = MBF_ISFILE(o->newfmt) ? o->newfmt :
		    MBF_ISFILE(d->fmt) ? d->fmt : MBF_MBOXRD;
	else if (MBF_ISMBOX(sniffed) && MBF_ISMBOX(o->newfmt))
		*fmt = o->newfmt;		/* the variant cannot be told */
	else if (empty && !MBF_ISFILE(sniffed) && (o->newfmt == MBF_MH ||
	    o->newfmt == MBF_MAILDIR))
		*fmt = o->newfmt;
	if (*fmt == MBF_MAILDIR && sniffed != MBF_MAILDIR)
		*create = !o->nocreate;	/* tmp/ new/ cur/ in an empty dir */
	return 0;
}

/* Return-Path and Delivered-To, RFC 5321 §4.4 and Postfix local(8). */
static void
trace_fields(struct buf *b, const char *sender, const char *rcpt)
{
	const char *s;

	buf_adds(b, "Return-Path: <");
	for (s = sender ? sender : ""; *s; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ||
		    *s == '<' || *s == '>' ? '_' : *s);
	buf_adds(b, ">\n");
	if (rcpt) {
		buf_adds(b, "Delivered-To: ");
		for (s = rcpt; *s; s++)
			buf_addc(b, (unsigned char)*s < 0x20 ||
			    *s == 0x7f ? '_' : *s);
		buf_addc(b, '\n');
	}
}

/* Stream the whole message, with the trace fields, into mb. */
static int
write_msg(struct mailbox *mb, const struct spool *sp, const struct dest *d,
    const struct dopts *o, off_t *size)
{
	struct buf b = BUF_INIT;
	char chunk[WBUF];
	off_t off = 0;
	ssize_t n;
	int r;

	trace_fields(&b, d->sender ? d->sender : o->sender, d->rcpt);
	buf_add(&b, sp->hdr.raw.data, sp->hdr.raw.len);
	if (b.data[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	buf_addc(&b, '\n');
	*size = (off_t)b.len + sp->bodylen;
	r = mailbox_append_write(mb, b.data, b.len);
	buf_free(&b);
	while (r == 0 && (n = spool_pread(sp, chunk, sizeof(chunk), off)) != 0) {
		if (n < 0)
			return -1;
		off += n;
		r = mailbox_append_write(mb, chunk, (size_t)n);
	}
	return r;
}

/* Write d's mailbox as we are now.  Fills r; returns r->status. */
static int
write_box(const struct spool *sp, const struct dest *d, const struct dopts *o,
    struct dresult *r)
{
	struct mailbox *mb;
	struct mbopts mo;
	struct mbattr a;
	const char *what;
	int fmt, create, tries, e = 0;

	if (d->spoolbox && check_spoolbox(d, r) < 0)
		return r->status;
	/* Another delivery may create the store at the same moment. */
	for (tries = 0;; tries++) {
		if (pick_format(d, o, &fmt, &create, r) < 0)
			return r->status;
		mailbox_opts_init(&mo);
		mo.flags = MBO_SYNC_EACH | MBO_NO_RETURN_PATH |
		    (create ? MBO_CREATE : 0);
		mo.lockkinds = o->lockkinds;
		mo.locktimeout = o->locktimeout;
		mo.mode = 0600;
		if (mailbox_append_open(&mb, d->path, fmt, &mo) == 0) {
			e = 0;
			break;
		}
		e = errno;
		if (!create || e != EEXIST || tries == 3)
			break;
	}
	if (e != 0) {
		errno = e;
		if (errno == EAGAIN)
			dresult_set(r, EX_TEMPFAIL, errno,
			    "%s: mailbox busy, still locked after %d s",
			    d->path, o->locktimeout);
		else
			dresult_set(r, deliver_status(errno), errno,
			    "%s: %s: %s", d->path, mailbox_open_errwhat(),
			    strerror(errno));
		return r->status;
	}
	memset(&a, 0, sizeof(a));
	a.sender = (char *)(d->sender ? d->sender : o->sender ? o->sender :
	    "");
	a.date = time(NULL);
	a.size = -1;
	a.offset = -1;
	if (mailbox_append_begin(mb, &a) < 0 ||
	    write_msg(mb, sp, d, o, &r->size) < 0 ||
	    mailbox_append_end(mb) < 0) {
		what = mailbox_errwhat(mb) ? mailbox_errwhat(mb) : "write";
		dresult_set(r, deliver_status(errno), errno, "%s: %s: %s",
		    d->path, what, strerror(errno));
		mailbox_append_abort(mb);
		mailbox_discard(mb);
		return r->status;
	}
	if (mailbox_close(mb) < 0) {
		dresult_set(r, deliver_status(errno), errno, "%s: close: %s",
		    d->path, strerror(errno));
		return r->status;
	}
	result_plain(r, 0, 0);
	free(r->where);
	r->where = xstrdup(mailbox_fmt_name(fmt));
	return 0;
}

/*
 * Become d's user for good: uid, gid and groups (initgroups).  For a
 * spool mailbox in a directory writable by its group (Debian's /var/mail,
 * root:mail 2775) that group is kept as well, as Debian's setgid-mail
 * delivery agents have it, so that the dot-lock can be made there.
 */
static int
become(const struct dest *d)
{
	struct stat st;
	char *dir, *slash;
	gid_t *g;
	int n, r;

	dir = xstrdup(d->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	r = stat(slash ? dir : ".", &st);
	free(dir);
	if (!d->spoolbox || r < 0 || !(st.st_mode & S_IWGRP) ||
	    st.st_gid == d->gid)
		return xdrop_privs(d->uid, d->gid, d->user);
	if (initgroups(d->user, d->gid) < 0 || (n = getgroups(0, NULL)) < 0)
		return -1;
	g = xreallocarray(NULL, (size_t)n + 1, sizeof(*g));
	if ((n = getgroups(n, g)) >= 0) {
		g[n++] = st.st_gid;
		r = setgroups((size_t)n, g);
	}
	free(g);
	if (n < 0 || r < 0 || setresgid(d->gid, d->gid, d->gid) < 0 ||
	    setresuid(d->uid, d->uid, d->uid) < 0)
		return -1;
	return 0;
}

/* The child's result on the pipe: status, errno, size, where, why. */
static void
send_result(int fd, const struct dresult *r)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%d\n%d\n%lld\n%s\n%s", r->status, r->err,
	    (long long)r->size, r->where ? r->where : "",
	    r->why ? r->why : "");
	(void)xwrite_all(fd, b.data, b.len);
	buf_free(&b);
}

static int
take_result(const char *s, struct dresult *r)
{
	long long v[3];
	const char *nl;
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtoll(s, &end, 10);
		if (errno || end == s || *end != '\n')
			return -1;
		s = end + 1;
	}
	if ((nl = strchr(s, '\n')) == NULL)
		return -1;
	if (nl[1] != '\0')
		dresult_set(r, (int)v[0], (int)v[1], "%s", nl + 1);
	else
		result_plain(r, (int)v[0], (int)v[1]);
	r->size = (off_t)v[2];
	free(r->where);
	r->where = nl > s ? xstrndup(s, (size_t)(nl - s)) : NULL;
	return 0;
}

/* Deliver in a child process that runs as d's user. */
static int
deliver_as_user(const struct spool *sp, const struct dest *d,
    const struct dopts *o, struct dresult *r)
{
	struct buf in = BUF_INIT;
	int pfd[2], st, e;
	pid_t pid, w;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		dresult_set(r, EX_TEMPFAIL, errno, "pipe: %s", strerror(errno));
		return r->status;
	}
	if ((pid = fork()) < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		dresult_set(r, EX_TEMPFAIL, e, "fork: %s", strerror(e));
		return r->status;
	}
	if (pid == 0) {
		struct dresult cr = { -1, 0, NULL, NULL, 0 };

		close(pfd[0]);
		(void)signal(SIGPIPE, SIG_DFL);
		if (become(d) < 0)
			dresult_set(&cr, EX_TEMPFAIL, errno,
			    "cannot switch to user %s: %s", d->user,
			    strerror(errno));
		else
			(void)write_box(sp, d, o, &cr);
		send_result(pfd[1], &cr);
		_exit(cr.status);
	}
	close(pfd[1]);
	e = read_fd_all(pfd[0], &in);
	close(pfd[0]);
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		dresult_set(r, EX_TEMPFAIL, errno, "waitpid: %s",
		    strerror(errno));
	else if (WIFSIGNALED(st))
		dresult_set(r, EX_TEMPFAIL, EINTR,
		    "%s: delivery process killed by signal %d", d->path,
		    WTERMSIG(st));
	else if (e < 0 || take_result(buf_cstr(&in), r) < 0 ||
	    r->status != WEXITSTATUS(st))
		dresult_set(r, WEXITSTATUS(st) ? WEXITSTATUS(st) :
		    EX_TEMPFAIL, 0, "%s: delivery process failed", d->path);
	buf_free(&in);
	return r->status;
}

/* Body bytes for aliasrun. */
static ssize_t
body_read(void *arg, void *p, size_t n, off_t off)
{
	return spool_pread(arg, p, n, off);
}

/* A file, a command or an address, through aliasrun. */
static int
deliver_alias(struct dctx *c, const struct spool *sp, struct dest *d)
{
	const struct dopts *o = c->o;
	struct alias_msg m;
	struct buf why = BUF_INIT;
	const char *defuser = o->defuser ? o->defuser : "nobody";
	size_t plen;
	int st;

	memset(&m, 0, sizeof(m));
	m.head = sp->hdr.raw.data ? sp->hdr.raw.data : "";
	m.headlen = sp->hdr.raw.len;
	m.body = body_read;
	m.arg = (void *)(uintptr_t)sp;
	m.sender = o->sender ? o->sender : "";
	m.orig = d->orig;
	m.domain = d->domain;
	switch (d->kind) {
	case DEST_FILE:
		st = alias_deliver_file(&d->ad, &m, o->lockkinds,
		    o->locktimeout, defuser, &why);
		break;
	case DEST_PROGRAM:
		st = alias_run_program(&d->ad, &m, o->cmdtimeout, defuser,
		    &why);
		break;
	default:
		st = alias_forward(&d->ad, &m, o->sendmail, o->cmdtimeout,
		    defuser, &why);
		break;
	}
	plen = strlen(d->path);
	if (st == 0)
		result_plain(&d->res, 0, 0);
	else if (d->kind == DEST_FILE && why.len > plen + 1 &&
	    memcmp(why.data, d->path, plen) == 0 && why.data[plen] == ':')
		dresult_set(&d->res, st, 0, "%s", buf_cstr(&why));
	else
		dresult_set(&d->res, st, 0, "%s%s%s%s",
		    d->kind == DEST_PROGRAM ? "|" : "", d->path,
		    why.len ? ": " : "", buf_cstr(&why));
	buf_free(&why);
	free(d->res.where);
	d->res.where = xstrdup(d->kind == DEST_FILE ? "file" :
	    d->kind == DEST_PROGRAM ? "command" : "forward");
	d->res.size = -1;
	return d->res.status;
}

int
deliver_dest(struct dctx *c, const struct spool *sp, struct dest *d)
{
	struct donekey *k;

	if (d->kind == DEST_ERROR)
		return d->res.status;
	if (d->rcpt != NULL && spool_delivered_to(sp, d->rcpt)) {
		dresult_set(&d->res, EX_DATAERR, ELOOP,
		    "mail forwarding loop for %s", d->rcpt);
		return d->res.status;
	}
	if ((k = done_find(c, d)) != NULL) {
		dresult_copy(&d->res, &k->res);
		if (d->res.status == 0) {	/* -v: say so */
			free(d->res.where);
			d->res.where = xstrdup("delivered once already");
			d->res.size = -1;
		}
		return d->res.status;
	}
	result_plain(&d->res, -1, 0);
	if (d->kind == DEST_FILE || d->kind == DEST_PROGRAM ||
	    d->kind == DEST_REMOTE)
		(void)deliver_alias(c, sp, d);
	else if (d->kind != DEST_MAILBOX)
		dresult_set(&d->res, EX_SOFTWARE, EINVAL,
		    "%s: unknown kind of destination", d->path);
	else if (d->spoolbox && c->o->nocreate == 0 && (geteuid() == 0 ||
	    geteuid() == d->uid) && make_spoolbox(d, &d->res) < 0)
		;
	else if (geteuid() == 0 && d->user != NULL && d->uid != 0)
		(void)deliver_as_user(sp, d, c->o, &d->res);
	else
		(void)write_box(sp, d, c->o, &d->res);
	done_add(c, d);
	return d->res.status;
}
