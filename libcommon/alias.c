/*
 * alias: aliases(5) parsing and compiling into cdb, lookups, .forward
 * and :include: files, and recipient expansion as Postfix local(8) does
 * it.  Program and file delivery are in aliasrun.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cdb.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "alias.h"
#include "util.h"
#include "xio.h"

/* ------------------------------------------------------------ tokens */

/*
 * RFC 822 tokens as Postfix's tok822 scanner sees them: atoms (with
 * quoted pairs), quoted strings, comments, domain literals and the
 * specials, % included.
 */
#define T_ATOM	'a'
#define T_QSTR	'q'
#define T_COMM	'c'
#define T_DLIT	'd'

struct tok {
	int		 type;		/* T_* or the special character */
	const char	*p;		/* raw text, quotes included */
	size_t		 n;
};

struct toks {
	struct tok	*v;
	size_t		 n, cap;
};

#define SPECIALS "<>@,;:.%)]"

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

static void
tok_add(struct toks *tv, int type, const char *p, size_t n)
{
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 16;
		tv->v = xreallocarray(tv->v, tv->cap, sizeof(*tv->v));
	}
	tv->v[tv->n].type = type;
	tv->v[tv->n].p = p;
	tv->v[tv->n].n = n;
	tv->n++;
}

/* Index just past the delimited token starting at s[i] ("..." [...]),
 * or 0 when unterminated. */
static size_t
delimited(const char *s, size_t n, size_t i, int close)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == close)
			return i + 1;
	}
	return 0;
}

/* Just past a (possibly nested) comment starting at s[i], or 0. */
static size_t
comment_end(const char *s, size_t n, size_t i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/* Split s into tokens.  0, or -1 with a message in err. */
static int
scan(const char *s, size_t n, struct toks *tv, struct buf *err)
{
	size_t i = 0, j;
	int c;

	tv->n = 0;
	while (i < n) {
		c = (unsigned char)s[i];
		if (is_ws(c)) {
			i++;
			continue;
		}
		if (c == '"' || c == '[' || c == '(') {
			j = c == '(' ? comment_end(s, n, i) :
			    delimited(s, n, i, c == '"' ? '"' : ']');
			if (j == 0) {
				buf_printf(err, "unterminated %s",
				    c == '"' ? "quoted string" : c == '[' ?
				    "domain literal" : "comment");
				return -1;
			}
			tok_add(tv, c == '"' ? T_QSTR : c == '[' ? T_DLIT :
			    T_COMM, s + i, j - i);
			i = j;
			continue;
		}
		if (strchr(SPECIALS, c) != NULL) {
			tok_add(tv, c, s + i, 1);
			i++;
			continue;
		}
		for (j = i; j < n; j++) {
			c = (unsigned char)s[j];
			if (c == '\\') {
				j++;
				continue;
			}
			if (is_ws(c) || c == '"' || c == '(' || c == '[' ||
			    strchr(SPECIALS, c) != NULL)
				break;
		}
		if (j > n)
			j = n;
		tok_add(tv, T_ATOM, s + i, j - i);
		i = j;
	}
	return 0;
}

static int
wordlike(int t)
{
	return t == T_ATOM || t == T_QSTR || t == T_COMM || t == T_DLIT;
}

/* The internal text of one token: quotes and quoted pairs taken off. */
static void
tok_internal(struct buf *b, const struct tok *t)
{
	const char *p = t->p, *e = t->p + t->n;

	if (t->type == T_QSTR) {
		p++;
		e--;
	} else if (t->type != T_ATOM) {
		buf_add(b, t->p, t->n);
		return;
	}
	for (; p < e; p++) {
		if (*p == '\\' && ++p == e)
			break;
		buf_addc(b, *p);
	}
}

/*
 * Join tokens v[0..n) into internal form, a space between two words (and
 * before <), as Postfix's tok822 does.  Comments are kept when keep_comm.
 */
static void
internalize(struct buf *b, const struct tok *v, size_t n, int keep_comm)
{
	int prev = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].type == T_COMM && !keep_comm)
			continue;
		if (wordlike(prev) && (wordlike(v[i].type) || v[i].type == '<'))
			buf_addc(b, ' ');
		tok_internal(b, &v[i]);
		prev = v[i].type;
	}
}

void
alias_fold(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
alias_value_kind(const char *v, const char **rest)
{
	const char *dummy;

	if (rest == NULL)
		rest = &dummy;
	*rest = v;
	if (*v == '|') {
		*rest = v + 1;
		return AV_PROGRAM;
	}
	if (*v == '/')
		return AV_FILE;
	if (ascii_strncasecmp(v, ":include:", 9) == 0) {
		*rest = v + 9;
		return AV_INCLUDE;
	}
	if (*v == '\\') {
		*rest = v + 1;
		return AV_NOALIAS;
	}
	return strchr(v, '@') != NULL ? AV_REMOTE : AV_LOCAL;
}

/*
 * One address of a list (tokens v[0..n)) in internal form appended to
 * out with its NUL: the route-addr when there is <...>, else all but
 * comments.  0, 1 when empty (nothing added), -1 with err.
 */
static int
one_value(const struct tok *v, size_t n, struct buf *out, struct buf *err)
{
	size_t i, lt = n, gt = n, start = out->len;
	const char *rest;
	int noalias = 0, kind;

	for (i = 0; i < n && v[i].type == T_COMM; i++)
		;
	if (i == n)
		return 1;
	if (v[i].type == T_ATOM && v[i].p[0] == '\\')
		noalias = 1;
	for (i = 0; i < n; i++)
		if (v[i].type == '<') {
			lt = i;
			break;
		}
	if (lt < n) {
		for (i = lt + 1; i < n; i++)
			if (v[i].type == '>') {
				gt = i;
				break;
			}
		if (gt == n) {
			buf_adds(err, "missing > after <");
			return -1;
		}
		/* An obsolete route (<@a,@b:user@c>) is dropped. */
		for (i = lt + 1; i < gt; i++)
			if (v[i].type == ':') {
				lt = i;
				break;
			}
		v += lt + 1;
		n = gt - lt - 1;
		noalias = 0;
	}
	if (noalias)
		buf_addc(out, '\\');
	internalize(out, v, n, 0);
	if (out->len == start || (noalias && out->len == start + 1)) {
		buf_truncate(out, start);
		buf_adds(err, "empty address");
		return -1;
	}
	kind = alias_value_kind(out->data + start, &rest);
	if (kind == AV_INCLUDE && *rest != '/') {
		buf_printf(err, "include file name is not absolute: %s",
		    out->data + start);
		buf_truncate(out, start);
		return -1;
	}
	if (kind == AV_PROGRAM && *rest == '\0') {
		buf_truncate(out, start);
		buf_adds(err, "empty command");
		return -1;
	}
	if (memchr(out->data + start, '\0', out->len - start) != NULL) {
		buf_truncate(out, start);
		buf_adds(err, "NUL character in value");
		return -1;
	}
	buf_addc(out, '\0');
	return 0;
}

/* The values of tokens v[0..n), split at top-level commas. */
static int
token_values(const struct tok *v, size_t n, struct buf *out, struct buf *err)
{
	size_t i, start = 0;
	int angle = 0, count = 0, r;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i].type == '<')
			angle++;
		else if (i < n && v[i].type == '>' && angle > 0)
			angle--;
		if (i < n && (v[i].type != ',' || angle > 0))
			continue;
		if ((r = one_value(v + start, i - start, out, err)) < 0)
			return -1;
		if (r == 0)
			count++;
		start = i + 1;
	}
	return count;
}

int
alias_parse_values(const char *text, size_t len, struct buf *out,
    struct buf *err)
{
	struct toks tv = { NULL, 0, 0 };
	int r;

	if (memchr(text, '\0', len) != NULL) {
		buf_adds(err, "NUL character in line");
		return -1;
	}
	r = scan(text, len, &tv, err) < 0 ? -1 :
	    token_values(tv.v, tv.n, out, err);
	free(tv.v);
	return r;
}

int
alias_parse_forward(const char *text, size_t len, struct buf *out,
    struct buf *err)
{
	const char *p = text, *end = text + len, *nl, *q;
	unsigned long line = 0;
	struct buf e = BUF_INIT;
	int n, count = 0;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		for (q = p; q < nl && is_ws((unsigned char)*q); q++)
			;
		if (q < nl && *q != '#') {
			buf_reset(&e);
			if ((n = alias_parse_values(p, (size_t)(nl - p), out,
			    &e)) < 0) {
				buf_printf(err, "line %lu: %s", line,
				    buf_cstr(&e));
				buf_free(&e);
				return -1;
			}
			count += n;
		}
		p = nl + 1;
	}
	buf_free(&e);
	return count;
}

/* ------------------------------------------------------------ quoting */

/* Would s read back as the same single word without quotes? */
static int
plain_text(const char *s, int allow_at)
{
	const char *p;

	if (*s == '\0')
		return 0;
	for (p = s; *p; p++) {
		if (is_ws((unsigned char)*p) || *p == '"' || *p == '(' ||
		    *p == '[' || *p == '\\' || *p == '#' ||
		    (strchr(SPECIALS, *p) != NULL &&
		    !(allow_at && (*p == '@' || *p == '.'))))
			return 0;
	}
	return 1;
}

static void
add_quoted(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

void
alias_quote_name(struct buf *b, const char *name)
{
	if (plain_text(name, 0) && *name != '#')
		buf_adds(b, name);
	else
		add_quoted(b, name, strlen(name));
}

void
alias_quote_value(struct buf *b, const char *v)
{
	const char *at, *rest;
	int kind = alias_value_kind(v, &rest);

	switch (kind) {
	case AV_NOALIAS:
		buf_addc(b, '\\');
		if (plain_text(rest, 0))
			buf_adds(b, rest);
		else
			add_quoted(b, rest, strlen(rest));
		return;
	case AV_REMOTE:
		at = strrchr(v, '@');
		if (plain_text(v, 1)) {
			buf_adds(b, v);
			return;
		}
		add_quoted(b, v, (size_t)(at - v));
		buf_adds(b, at);
		return;
	case AV_INCLUDE:
		if (plain_text(rest, 1)) {
			buf_add(b, v, (size_t)(rest - v));
			buf_adds(b, rest);
			return;
		}
		break;
	case AV_LOCAL:
		if (plain_text(v, 1) && *v != '#') {
			buf_adds(b, v);
			return;
		}
		break;
	default:		/* commands and files: quoted when needed */
		if (plain_text(v, 1)) {
			buf_adds(b, v);
			return;
		}
		break;
	}
	add_quoted(b, v, strlen(v));
}

/* ------------------------------------------------------------ key set */

/* A set of strings with a number each (first line of a name). */
struct kset {
	struct buf	 arena;
	struct kslot {
		uint32_t	 hash;
		uint32_t	 off1;	/* offset + 1 into arena; 0 free */
		unsigned long	 val;
	}		*slot;
	size_t		 cap, n;
};

static uint32_t
khash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
kset_free(struct kset *k)
{
	buf_free(&k->arena);
	free(k->slot);
	memset(k, 0, sizeof(*k));
}

static void
kset_grow(struct kset *k)
{
	struct kslot *old = k->slot;
	size_t oldcap = k->cap, i, j;

	k->cap = k->cap ? k->cap * 2 : 1024;
	k->slot = xcalloc(k->cap, sizeof(*k->slot));
	for (i = 0; i < oldcap; i++) {
		if (old[i].off1 == 0)
			continue;
		for (j = old[i].hash & (k->cap - 1); k->slot[j].off1;
		    j = (j + 1) & (k->cap - 1))
			;
		k->slot[j] = old[i];
	}
	free(old);
}

/*
 * Add s (n bytes) with value val unless present.  Returns NULL when
 * added, else the slot of the string already there.
 */
static struct kslot *
kset_add(struct kset *k, const char *s, size_t n, unsigned long val)
{
	uint32_t h = khash(s, n);
	size_t j;
	const char *t;

	if ((k->n + 1) * 2 > k->cap)
		kset_grow(k);
	for (j = h & (k->cap - 1); k->slot[j].off1; j = (j + 1) & (k->cap - 1)) {
		if (k->slot[j].hash != h)
			continue;
		t = k->arena.data + k->slot[j].off1 - 1;
		if (strlen(t) == n && memcmp(t, s, n) == 0)
			return &k->slot[j];
	}
	if (k->arena.len + n + 2 > UINT32_MAX)
		mk_errx(EX_SOFTWARE, "too many alias names");
	k->slot[j].hash = h;
	k->slot[j].off1 = (uint32_t)k->arena.len + 1;
	k->slot[j].val = val;
	buf_add(&k->arena, s, n);
	buf_addc(&k->arena, '\0');
	k->n++;
	return NULL;
}

/* ------------------------------------------------------------ compile */

struct compiler {
	const char	*src;
	alias_diag_fn	*diag;
	void		*arg;
	struct alias_stats *st;
	struct kset	 names;
	struct toks	 tv;
	struct buf	 key, val, err, msg;
	struct cdb_make	 cm;
	int		 writing;
	int		 ioerr;
};

static void diagf(struct compiler *, unsigned long, int, const char *, ...)
    MK_PRINTF(4, 5);

static void
diagf(struct compiler *c, unsigned long line, int warning, const char *fmt,
    ...)
{
	va_list ap;

	buf_reset(&c->msg);
	if (line)
		buf_printf(&c->msg, "%s, line %lu: ", c->src, line);
	else
		buf_printf(&c->msg, "%s: ", c->src);
	if (warning)
		buf_adds(&c->msg, "warning: ");
	va_start(ap, fmt);
	buf_vprintf(&c->msg, fmt, ap);
	va_end(ap);
	if (warning)
		c->st->warnings++;
	else
		c->st->errors++;
	if (c->diag)
		c->diag(c->arg, buf_cstr(&c->msg));
	else
		mk_warnx("%s", buf_cstr(&c->msg));
}

/* One logical line: "name: values". */
static void
entry(struct compiler *c, const char *s, size_t n, unsigned long line)
{
	struct kslot *k;
	size_t i, colon;
	struct tok *v;

	buf_reset(&c->err);
	if (memchr(s, '\0', n) != NULL) {
		diagf(c, line, 0, "NUL character in line");
		return;
	}
	if (scan(s, n, &c->tv, &c->err) < 0) {
		diagf(c, line, 0, "%s", buf_cstr(&c->err));
		return;
	}
	v = c->tv.v;
	for (colon = 0; colon < c->tv.n && v[colon].type != ':'; colon++)
		;
	if (colon == 0 || colon + 1 >= c->tv.n) {
		diagf(c, line, 0, "need name:value pair");
		return;
	}
	for (i = 0; i < colon; i++) {
		if (v[i].type == ',') {
			diagf(c, line, 0, "need name:value pair");
			return;
		}
		if (v[i].type == '@' || v[i].type == '%') {
			diagf(c, line, 0, "name must be local");
			return;
		}
	}
	buf_reset(&c->key);
	internalize(&c->key, v, colon, 1);
	if (c->key.len == 0) {
		diagf(c, line, 0, "empty name");
		return;
	}
	alias_fold(buf_cstr(&c->key));
	buf_reset(&c->val);
	switch (token_values(v + colon + 1, c->tv.n - colon - 1, &c->val,
	    &c->err)) {
	case -1:
		diagf(c, line, 0, "%s: %s", c->key.data, buf_cstr(&c->err));
		return;
	case 0:
		diagf(c, line, 0, "need name:value pair");
		return;
	}
	if ((k = kset_add(&c->names, c->key.data, c->key.len, line)) != NULL) {
		diagf(c, line, 1, "duplicate name \"%s\" ignored: first "
		    "defined on line %lu", c->key.data, k->val);
		return;
	}
	c->st->entries++;
	if (!c->writing || c->ioerr)
		return;
	errno = EFBIG;		/* cdb: 32-bit offsets, 4 GiB at most */
	if (c->key.len > UINT32_MAX / 2 || c->val.len > UINT32_MAX / 2 ||
	    cdb_make_add(&c->cm, c->key.data, (unsigned)c->key.len,
	    c->val.data, (unsigned)c->val.len) < 0)
		c->ioerr = errno ? errno : EFBIG;
}

/* Read src's logical lines and hand each to entry(). */
static void
compile_text(struct compiler *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *q;
	const char *lp = NULL;		/* the logical line, in place */
	size_t ln = 0;
	unsigned long line = 0, first = 0;
	struct buf joined = BUF_INIT;
	int copied = 0;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		for (q = p; q < nl && is_ws((unsigned char)*q); q++)
			;
		if (q == nl || *q == '#')
			;		/* blank or comment, even inside */
		else if (q > p) {	/* continues the logical line */
			if (lp == NULL && !copied)
				diagf(c, line, 0, "logical line must not "
				    "start with whitespace");
			else {
				if (!copied) {
					buf_reset(&joined);
					buf_add(&joined, lp, ln);
					copied = 1;
					lp = NULL;
				}
				buf_add(&joined, p, (size_t)(nl - p));
			}
		} else {
			if (copied)
				entry(c, joined.data, joined.len, first);
			else if (lp != NULL)
				entry(c, lp, ln, first);
			copied = 0;
			lp = p;
			ln = (size_t)(nl - p);
			first = line;
		}
		p = nl + 1;
	}
	if (copied)
		entry(c, joined.data, joined.len, first);
	else if (lp != NULL)
		entry(c, lp, ln, first);
	buf_free(&joined);
	c->st->lines = line;
}

/* The names every site must have (RFC 5321 §4.5.1, and bounces). */
static void
required_names(struct compiler *c)
{
	static const char *const must[] = { "postmaster", "mailer-daemon" };
	size_t i;

	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (kset_add(&c->names, must[i], strlen(must[i]), 0) == NULL)
			diagf(c, 0, 1, "no alias for %s",
			    i == 0 ? "postmaster" : "MAILER-DAEMON");
}

/* The file's bytes: mapped when it is a regular file, else read. */
static int
map_file(int fd, const char **text, size_t *len, struct buf *b)
{
	struct stat st;
	void *m;

	*text = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uintmax_t)st.st_size > SIZE_MAX) {
			errno = EFBIG;
			return -1;
		}
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
		    0);
		if (m != MAP_FAILED) {
			(void)madvise(m, (size_t)st.st_size,
			    MADV_SEQUENTIAL);
			*text = m;
			*len = (size_t)st.st_size;
			return 1;
		}
	}
	if (read_fd_all(fd, b) < 0)
		return -1;
	*text = b->data ? b->data : "";
	*len = b->len;
	return 0;
}

int
alias_compile(const char *src, const char *dbpath, mode_t mode,
    alias_diag_fn *diag, void *arg, struct alias_stats *stp,
    const char **iopath)
{
	struct compiler c;
	struct alias_stats dummy;
	struct xtemp t;
	struct buf raw = BUF_INIT;
	const char *text;
	size_t len;
	int fd, mapped, e;

	memset(&c, 0, sizeof(c));
	c.src = src;
	c.diag = diag;
	c.arg = arg;
	c.st = stp ? stp : &dummy;
	memset(c.st, 0, sizeof(*c.st));
	*iopath = src;
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((mapped = map_file(fd, &text, &len, &raw)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	if (dbpath != NULL) {
		if (xtemp_open(&t, dbpath, mode) < 0 ||
		    cdb_make_start(&c.cm, t.fd) < 0) {
			e = errno;
			if (t.tmppath != NULL)
				xtemp_abort(&t);
			if (mapped == 1)
				(void)munmap((void *)text, len);
			buf_free(&raw);
			*iopath = dbpath;
			errno = e;
			return -1;
		}
		c.writing = 1;
	}
	compile_text(&c, text, len);
	required_names(&c);
	if (mapped == 1)
		(void)munmap((void *)text, len);
	buf_free(&raw);
	e = c.ioerr;
	if (c.writing && e == 0 && c.st->errors == 0) {
		errno = 0;
		if (cdb_make_finish(&c.cm) < 0) {
			e = errno ? errno : EIO;
			xtemp_abort(&t);
		} else if (xtemp_commit(&t) < 0)
			e = errno;
	} else if (c.writing) {
		/* Only to free its lists: nothing is written to no file. */
		c.cm.cdb_fd = -1;
		(void)cdb_make_finish(&c.cm);
		xtemp_abort(&t);
	}
	kset_free(&c.names);
	free(c.tv.v);
	buf_free(&c.key);
	buf_free(&c.val);
	buf_free(&c.err);
	buf_free(&c.msg);
	if (e != 0) {
		*iopath = dbpath;
		errno = e;
		return -1;
	}
	return c.st->errors ? 1 : 0;
}

/* ------------------------------------------------------------ database */

struct alias_db {
	struct cdb	 cdb;
	int		 fd;
	uid_t		 owner;
	char		*path;
	struct buf	 key;
};

/*
 * Is fd a cdb file?  cdb_init() only wants 2048 bytes, so that a Berkeley
 * DB /etc/aliases.db (Postfix's, sendmail's) would pass and give garbage
 * or EIO.  The header holds 256 (position, slots) pairs, little-endian;
 * cdbmake and tinycdb write the tables one after the other up to the end
 * of the file.
 */
static int
cdb_header_ok(int fd, off_t size)
{
	unsigned char h[2048];
	uint64_t pos, next = 0, n;
	ssize_t r;
	int i;

	if (size < (off_t)sizeof(h) || size > (off_t)UINT32_MAX)
		return 0;
	while ((r = pread(fd, h, sizeof(h), 0)) < 0 && errno == EINTR)
		;
	if (r != (ssize_t)sizeof(h))
		return 0;
	for (i = 0; i < 256; i++) {
		pos = (uint64_t)h[i * 8] | (uint64_t)h[i * 8 + 1] << 8 |
		    (uint64_t)h[i * 8 + 2] << 16 | (uint64_t)h[i * 8 + 3] << 24;
		n = (uint64_t)h[i * 8 + 4] | (uint64_t)h[i * 8 + 5] << 8 |
		    (uint64_t)h[i * 8 + 6] << 16 | (uint64_t)h[i * 8 + 7] << 24;
		if (pos < sizeof(h) || (i > 0 && pos != next))
			return 0;
		next = pos + n * 8;
		if (next > (uint64_t)size)
			return 0;
	}
	return next == (uint64_t)size;
}

int
alias_db_open(struct alias_db **dbp, const char *path)
{
	struct alias_db *db;
	struct stat st;
	int fd, e;

	*dbp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || !cdb_header_ok(fd, st.st_size)) {
		close(fd);
		errno = EINVAL;		/* not a cdb file */
		return -1;
	}
	db = xcalloc(1, sizeof(*db));
	if (cdb_init(&db->cdb, fd) < 0) {
		close(fd);
		free(db);
		errno = EINVAL;		/* not a cdb file */
		return -1;
	}
	db->fd = fd;
	db->owner = st.st_uid;
	db->path = xstrdup(path);
	*dbp = db;
	return 0;
}

void
alias_db_close(struct alias_db *db)
{
	if (db == NULL)
		return;
	cdb_free(&db->cdb);
	close(db->fd);
	free(db->path);
	buf_free(&db->key);
	free(db);
}

uid_t
alias_db_owner(const struct alias_db *db)
{
	return db->owner;
}

const char *
alias_db_path(const struct alias_db *db)
{
	return db->path;
}

/* Copy n bytes at pos of the database into b. */
static int
db_get(struct alias_db *db, struct buf *b, unsigned n, unsigned pos)
{
	const void *p;

	buf_reset(b);
	if ((p = cdb_get(&db->cdb, n, pos)) == NULL) {
		errno = EIO;
		return -1;
	}
	buf_add(b, p, n);
	return 0;
}

int
alias_db_lookup(struct alias_db *db, const char *name, struct buf *val)
{
	int r;

	buf_reset(&db->key);
	buf_adds(&db->key, name);
	alias_fold(buf_cstr(&db->key));
	if (db->key.len > UINT32_MAX / 2)
		return 0;
	r = cdb_find(&db->cdb, db->key.data, (unsigned)db->key.len);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	if (r == 0)
		return 0;
	if (val != NULL && db_get(db, val, cdb_datalen(&db->cdb),
	    cdb_datapos(&db->cdb)) < 0)
		return -1;
	return 1;
}

int
alias_db_next(struct alias_db *db, unsigned *cursor, struct buf *key,
    struct buf *val)
{
	int r;

	if (*cursor == 0)
		cdb_seqinit(cursor, &db->cdb);
	if ((r = cdb_seqnext(cursor, &db->cdb)) < 0) {
		errno = EIO;
		return -1;
	}
	if (r == 0)
		return 0;
	if (db_get(db, key, cdb_keylen(&db->cdb), cdb_keypos(&db->cdb)) < 0 ||
	    db_get(db, val, cdb_datalen(&db->cdb), cdb_datapos(&db->cdb)) < 0)
		return -1;
	return 1;
}

/* ------------------------------------------------------------ users */

void
alias_user_free(struct alias_user *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	memset(u, 0, sizeof(*u));
}

static void
user_from_pw(struct alias_user *u, const struct passwd *pw)
{
	u->name = xstrdup(pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->home = xstrdup(pw->pw_dir ? pw->pw_dir : "/");
	u->shell = xstrdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell :
	    "/bin/sh");
}

/* getpwnam/getpwuid telling "no such user" (1) from a failure (-1). */
static int
pwlookup(const char *name, struct passwd **pw)
{
	const char *errstr = NULL;
	unsigned long long n;
	char *end;

	errno = 0;
	if (*name == '#') {
		n = strtoull(name + 1, &end, 10);
		if (*end != '\0' || end == name + 1 || n > (uid_t)-1)
			errstr = "";
		else
			*pw = getpwuid((uid_t)n);
	} else
		*pw = getpwnam(name);
	if (errstr == NULL && *pw != NULL)
		return 0;
	if (errno == 0 || errno == ENOENT || errno == ESRCH ||
	    errno == EBADF || errno == EPERM)
		return 1;
	return -1;
}

int
alias_getuser(void *arg, const char *name, struct alias_user *u)
{
	struct passwd *pw;
	char *low;
	int r;

	(void)arg;
	memset(u, 0, sizeof(*u));
	if (*name == '\0' || strchr(name, '/') != NULL)
		return 1;
	r = pwlookup(name, &pw);
	if (r == 1 && *name != '#') {
		low = xstrdup(name);
		alias_fold(low);
		if (strcmp(low, name) != 0)
			r = pwlookup(low, &pw);
		free(low);
	}
	if (r == 0)
		user_from_pw(u, pw);
	return r;
}

/* ------------------------------------------------------------ files */

/* Read path and stat it and its directory, as we are. */
static int
readfile_here(const char *path, struct buf *out, struct stat *st,
    struct stat *dirst)
{
	char *dir, *slash;
	int fd, r, e;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	r = stat(slash ? dir : ".", dirst);
	free(dir);
	if (r < 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	r = S_ISREG(st->st_mode) ? read_fd_all(fd, out) : 0;
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* What a child that read a file sends back. */
struct readhdr {
	int		 err;
	struct stat	 st, dirst;
};

int
alias_readfile(void *arg, const struct alias_user *as, const char *path,
    struct buf *out, struct stat *st, struct stat *dirst)
{
	struct buf in = BUF_INIT;
	struct readhdr h;
	int pfd[2], status, e;
	pid_t pid, w;

	(void)arg;
	buf_reset(out);
	if (geteuid() != 0 || as == NULL || as->uid == 0)
		return readfile_here(path, out, st, dirst);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		(void)signal(SIGPIPE, SIG_DFL);
		memset(&h, 0, sizeof(h));
		if (xdrop_privs(as->uid, as->gid, as->name) < 0 ||
		    readfile_here(path, &in, &h.st, &h.dirst) < 0)
			h.err = errno ? errno : EIO;
		if (xwrite_all(pfd[1], &h, sizeof(h)) < 0 ||
		    (h.err == 0 && xwrite_all(pfd[1], in.data, in.len) < 0))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	e = read_fd_all(pfd[0], &in) < 0 ? errno : 0;
	close(pfd[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (e == 0 && (w < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || in.len < sizeof(h)))
		e = EIO;
	if (e == 0) {
		memcpy(&h, in.data, sizeof(h));
		if ((e = h.err) == 0) {
			*st = h.st;
			*dirst = h.dirst;
			buf_add(out, in.data + sizeof(h), in.len - sizeof(h));
		}
	}
	buf_free(&in);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ expansion */

void
alias_cfg_init(struct alias_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->cmds = ALIAS_FROM_ALIASES | ALIAS_FROM_FORWARD;
	c->files = ALIAS_FROM_ALIASES | ALIAS_FROM_FORWARD;
	c->forward = ".forward";
	c->defuser = "nobody";
	c->maxdepth = ALIAS_MAXDEPTH;
	c->getuser = alias_getuser;
	c->readfile = alias_readfile;
}

void
alias_list_free(struct alias_list *l)
{
	size_t i;
	struct alias_dest *d;

	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		free(d->value);
		free(d->user);
		free(d->home);
		free(d->shell);
		free(d->rcpt);
		free(d->ext);
		free(d->sender);
		free(d->origin);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* What the items being expanded came from. */
struct ctx {
	int			 from;	/* ALIAS_FROM_*, 0 the recipient */
	const struct alias_user	*priv;	/* runs commands, writes files */
	const char		*sender; /* owner-list, or NULL */
	const char		*parent; /* alias or user being expanded */
	int			 pkind;	/* 'a' alias, 'f' .forward, 'i' */
	const char		*rcpt;	/* local name owning the items */
	const char		*ext;
	const char		*origin;
	int			 depth;
};

struct xstate {
	const struct alias_cfg	*cfg;
	struct alias_list	*out;
	struct kset		 dests;	/* kind, user, value: delivered once */
	struct kset		 done;	/* names whose expansion is complete */
	char			**chain; /* being expanded now: "a:name" ... */
	size_t			 nchain, capchain;
	struct alias_user	 aliasuser; /* runs commands from aliases */
	int			 haveau;
	int			 worst;
	struct buf		 tmp;
};

static void xwarn(struct xstate *, const char *, ...) MK_PRINTF(2, 3);

static void
xwarn(struct xstate *x, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (x->cfg->warn)
		x->cfg->warn(x->cfg->warnarg, buf_cstr(&b));
	else
		mk_warnx("%s", buf_cstr(&b));
	buf_free(&b);
}

/* Append a destination unless the same one is there already. */
static struct alias_dest *
add_dest(struct xstate *x, const struct ctx *c, int kind, const char *value,
    const struct alias_user *u)
{
	struct alias_dest *d;
	struct buf *k = &x->tmp;

	buf_reset(k);
	buf_addc(k, '0' + kind);
	buf_adds(k, u ? u->name : "");
	buf_addc(k, '\001');
	buf_adds(k, value);
	if (kset_add(&x->dests, k->data, k->len, 0) != NULL)
		return NULL;
	if (x->out->n == x->out->cap) {
		x->out->cap = x->out->cap ? x->out->cap * 2 : 8;
		x->out->v = xreallocarray(x->out->v, x->out->cap,
		    sizeof(*x->out->v));
	}
	d = &x->out->v[x->out->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->value = xstrdup(value);
	if (u != NULL) {
		d->user = xstrdup(u->name);
		d->uid = u->uid;
		d->gid = u->gid;
		d->home = xstrdup(u->home);
		d->shell = xstrdup(u->shell);
	}
	d->rcpt = c->rcpt ? xstrdup(c->rcpt) : NULL;
	d->ext = c->ext ? xstrdup(c->ext) : NULL;
	d->sender = c->sender ? xstrdup(c->sender) : NULL;
	d->origin = c->origin ? xstrdup(c->origin) : NULL;
	return d;
}

static int
rank(int status)
{
	return status == EX_TEMPFAIL ? 3 : status != 0 ? 2 : 1;
}

static void adderr(struct xstate *, const struct ctx *, int, int,
    const char *, ...) MK_PRINTF(5, 6);

static void
adderr(struct xstate *x, const struct ctx *c, int status, int err,
    const char *fmt, ...)
{
	struct alias_dest *d;
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if ((d = add_dest(x, c, ADEST_ERROR, buf_cstr(&b), NULL)) != NULL) {
		d->status = status;
		d->err = err;
	}
	if (x->worst == 0 || rank(status) > rank(x->worst))
		x->worst = status;
	buf_free(&b);
}

static int
chain_has(struct xstate *x, const char *key)
{
	size_t i;

	for (i = 0; i < x->nchain; i++)
		if (strcmp(x->chain[i], key) == 0)
			return 1;
	return 0;
}

static void
chain_push(struct xstate *x, char *key)
{
	if (x->nchain == x->capchain) {
		x->capchain = x->capchain ? x->capchain * 2 : 16;
		x->chain = xreallocarray(x->chain, x->capchain,
		    sizeof(*x->chain));
	}
	x->chain[x->nchain++] = key;
}

static void
chain_pop(struct xstate *x)
{
	char *k = x->chain[--x->nchain];

	(void)kset_add(&x->done, k, strlen(k), 0);
	free(k);
}

/* Has the expansion of key completed already (its results are in)? */
static int
already_done(struct xstate *x, const char *key)
{
	size_t n = strlen(key);
	uint32_t h = khash(key, n);
	size_t j;
	const struct kset *k = &x->done;

	if (k->cap == 0)
		return 0;
	for (j = h & (k->cap - 1); k->slot[j].off1; j = (j + 1) & (k->cap - 1))
		if (k->slot[j].hash == h &&
		    strcmp(k->arena.data + k->slot[j].off1 - 1, key) == 0)
			return 1;
	return 0;
}

/*
 * Begin expanding key ("a:name", "f:user", "i:path"): 1 go on, 0 done
 * already, -1 a loop or too deep (an error was added).
 */
static int
enter(struct xstate *x, const struct ctx *c, const char *key)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (chain_has(x, key)) {
		for (i = 0; strcmp(x->chain[i], key) != 0; i++)
			;
		for (; i < x->nchain; i++)
			buf_printf(&b, "%s%s -> ", x->chain[i][0] == 'f' ?
			    "~" : "", x->chain[i] + 2);
		adderr(x, c, EX_DATAERR, ELOOP, "mail forwarding loop: %s%s%s",
		    buf_cstr(&b), key[0] == 'f' ? "~" : "", key + 2);
		buf_free(&b);
		return -1;
	}
	if (already_done(x, key))
		return 0;
	if (c->depth >= x->cfg->maxdepth) {
		adderr(x, c, EX_DATAERR, ELOOP, "%s: alias expansion nested "
		    "deeper than %d", key + 2, x->cfg->maxdepth);
		return -1;
	}
	chain_push(x, xstrdup(key));
	return 1;
}

/* The user that runs commands and writes files from the aliases. */
static const struct alias_user *
alias_priv(struct xstate *x, const struct ctx *c)
{
	char num[32];
	int r;

	if (x->haveau)
		return &x->aliasuser;
	if (x->cfg->db == NULL || alias_db_owner(x->cfg->db) == 0)
		r = x->cfg->getuser(x->cfg->hookarg, x->cfg->defuser,
		    &x->aliasuser);
	else {
		(void)snprintf(num, sizeof(num), "#%lu",
		    (unsigned long)alias_db_owner(x->cfg->db));
		r = x->cfg->getuser(x->cfg->hookarg, num, &x->aliasuser);
	}
	if (r != 0) {
		adderr(x, c, r < 0 ? EX_TEMPFAIL : EX_CONFIG, r < 0 ? errno : 0,
		    "cannot find the user for commands from aliases");
		return NULL;
	}
	x->haveau = 1;
	return &x->aliasuser;
}

/* The user for commands, files and include files here, or NULL. */
static const struct alias_user *
ctx_priv(struct xstate *x, const struct ctx *c)
{
	if (c->priv != NULL)
		return c->priv;
	if (c->from == ALIAS_FROM_ALIASES)
		return alias_priv(x, c);
	return NULL;
}

static void expand_name(struct xstate *, const struct ctx *, const char *,
    int);
static void expand_values(struct xstate *, const struct ctx *, const char *,
    size_t);

static const char *
fromname(int from)
{
	return from == ALIAS_FROM_ALIASES ? "aliases" :
	    from == ALIAS_FROM_FORWARD ? ".forward files" : "include files";
}

/* A file or a command: allowed from here? run as whom? */
static void
expand_special(struct xstate *x, const struct ctx *c, int kind,
    const char *v)
{
	const struct alias_user *u;
	int allowed = kind == AV_PROGRAM ? x->cfg->cmds : x->cfg->files;

	if (c->from == 0 || !(allowed & c->from)) {
		adderr(x, c, EX_NOPERM, EPERM, "%s: mail to %s is not "
		    "allowed from %s", v, kind == AV_PROGRAM ? "commands" :
		    "files", c->from ? fromname(c->from) : "recipients");
		return;
	}
	if ((u = ctx_priv(x, c)) == NULL) {
		if (c->from != ALIAS_FROM_ALIASES)	/* else said already */
			adderr(x, c, EX_CONFIG, 0, "%s: no user to run as", v);
		return;
	}
	(void)add_dest(x, c, kind == AV_PROGRAM ? ADEST_PROGRAM : ADEST_FILE,
	    kind == AV_PROGRAM ? v + 1 : v, u);
}

/* :include:path, read as c->priv. */
static void
expand_include(struct xstate *x, const struct ctx *c, const char *path)
{
	struct alias_user owner = { NULL, 0, 0, NULL, NULL };
	const struct alias_user *as;
	struct buf text = BUF_INIT, vals = BUF_INIT, err = BUF_INIT;
	struct stat st, dirst;
	struct ctx nc;
	char *key, num[32];
	int r;

	key = xasprintf("i:%s", path);
	if ((r = enter(x, c, key)) <= 0) {
		free(key);
		return;
	}
	free(key);
	if ((as = ctx_priv(x, c)) == NULL) {
		if (c->from != ALIAS_FROM_ALIASES)
			adderr(x, c, EX_CONFIG, 0, "no user to read include "
			    "file %s as", path);
		goto out;
	}
	if (x->cfg->readfile(x->cfg->hookarg, as, path, &text, &st,
	    &dirst) < 0) {
		adderr(x, c, EX_TEMPFAIL, errno, "cannot open include file "
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH)) {
		adderr(x, c, EX_NOPERM, EPERM, "include file %s: %s", path,
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "writable by everyone");
		goto out;
	}
	if ((r = alias_parse_forward(text.data ? text.data : "", text.len,
	    &vals, &err)) < 0) {
		adderr(x, c, EX_DATAERR, 0, "include file %s, %s", path,
		    buf_cstr(&err));
		goto out;
	}
	nc = *c;
	nc.from = ALIAS_FROM_INCLUDE;
	nc.pkind = 'i';
	nc.depth = c->depth + 1;
	nc.origin = path;
	/* Deliveries from an include file run as its owner, not root. */
	(void)snprintf(num, sizeof(num), "#%lu", (unsigned long)st.st_uid);
	if (x->cfg->getuser(x->cfg->hookarg, st.st_uid == 0 ?
	    x->cfg->defuser : num, &owner) == 0)
		nc.priv = &owner;
	else
		nc.priv = NULL;
	expand_values(x, &nc, vals.data, vals.len);
out:
	chain_pop(x);
	alias_user_free(&owner);
	buf_free(&text);
	buf_free(&vals);
	buf_free(&err);
}

/* One internal value. */
static void
expand_value(struct xstate *x, const struct ctx *c, const char *v)
{
	const char *rest;
	int kind = alias_value_kind(v, &rest);

	switch (kind) {
	case AV_PROGRAM:
	case AV_FILE:
		expand_special(x, c, kind, v);
		break;
	case AV_INCLUDE:
		expand_include(x, c, rest);
		break;
	case AV_NOALIAS:
		expand_name(x, c, rest, 1);
		break;
	default:
		expand_name(x, c, v, 0);
		break;
	}
}

static void
expand_values(struct xstate *x, const struct ctx *c, const char *v,
    size_t len)
{
	const char *end = v + len;

	while (v < end) {
		expand_value(x, c, v);
		v += strlen(v) + 1;
	}
}

/* The reason a .forward must be ignored, or NULL when it is safe. */
static const char *
forward_unsafe(const struct alias_user *u, const struct stat *st,
    const struct stat *dirst)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != u->uid && st->st_uid != 0)
		return "not owned by the user or root";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	if (dirst->st_uid != u->uid && dirst->st_uid != 0)
		return "home directory not owned by the user or root";
	if ((dirst->st_mode & S_IWOTH) ||
	    ((dirst->st_mode & S_IWGRP) && dirst->st_gid != u->gid))
		return "home directory writable by others";
	return NULL;
}

/*
 * The user's .forward (.forward+ext first): 1 expanded, 0 none (deliver
 * to the mailbox), -1 an error was added.
 */
static int
expand_forward(struct xstate *x, const struct ctx *c,
    const struct alias_user *u, const char *ext)
{
	struct buf text = BUF_INIT, vals = BUF_INIT, err = BUF_INIT;
	struct stat st, dirst;
	struct ctx nc;
	char *path = NULL, *key, *origin = NULL;
	const char *why;
	int r = 0, tries;

	for (tries = ext && x->cfg->delim ? 0 : 1; tries < 2; tries++) {
		free(path);
		if (tries == 0)
			path = xasprintf("%s/%s%c%s", u->home, x->cfg->forward,
			    x->cfg->delim[0], ext);
		else
			path = xasprintf("%s/%s", u->home, x->cfg->forward);
		if (x->cfg->readfile(x->cfg->hookarg, u, path, &text, &st,
		    &dirst) == 0)
			break;
		if (errno == ELOOP) {
			xwarn(x, "%s: a symbolic link: ignored", path);
			continue;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			adderr(x, c, EX_TEMPFAIL, errno, "cannot read %s: %s",
			    path, strerror(errno));
			r = -1;
			goto out;
		}
	}
	if (tries == 2)
		goto out;
	if ((why = forward_unsafe(u, &st, &dirst)) != NULL) {
		xwarn(x, "%s: %s: ignored", path, why);
		goto out;
	}
	if (alias_parse_forward(text.data ? text.data : "", text.len, &vals,
	    &err) < 0) {
		xwarn(x, "%s, %s: ignored", path, buf_cstr(&err));
		goto out;
	}
	if (vals.len == 0)
		goto out;	/* empty: no forwarding */
	key = xasprintf("f:%s", u->name);
	if ((r = enter(x, c, key)) <= 0) {
		free(key);
		r = r < 0 ? -1 : 1;
		goto out;
	}
	free(key);
	origin = xasprintf("~%s/%s", u->name, x->cfg->forward);
	nc = *c;
	nc.from = ALIAS_FROM_FORWARD;
	nc.priv = u;
	nc.parent = u->name;
	nc.pkind = 'f';
	nc.rcpt = c->rcpt;
	nc.origin = origin;
	nc.depth = c->depth + 1;
	expand_values(x, &nc, vals.data, vals.len);
	chain_pop(x);
	r = 1;
out:
	free(path);
	free(origin);
	buf_free(&text);
	buf_free(&vals);
	buf_free(&err);
	return r;
}

/* Look name up, then name without its extension.  1, 0, -1. */
static int
lookup_ext(struct xstate *x, const char *name, const char *base,
    struct buf *val, const char **found)
{
	int r;

	*found = name;
	if ((r = alias_db_lookup(x->cfg->db, name, val)) != 0 || base == NULL)
		return r;
	*found = base;
	return alias_db_lookup(x->cfg->db, base, val);
}

/*
 * Is name the one being expanded right now (it names itself)?  pkind 0:
 * as an alias or a .forward.
 */
static int
self_ref(const struct ctx *c, const char *name, int pkind)
{
	return c->parent != NULL && (pkind == 0 || c->pkind == pkind) &&
	    strcasecmp(c->parent, name) == 0;
}

/* Expand the alias name; 1 it is one, 0 not an alias, -1 error added. */
static int
expand_alias(struct xstate *x, const struct ctx *c, const char *name,
    const char *base, const char *ext)
{
	struct buf val = BUF_INIT, oval = BUF_INIT;
	const char *found;
	char *key, *owner = NULL, *origin;
	struct ctx nc;
	int r;

	if (x->cfg->db == NULL || self_ref(c, name, 0) ||
	    (base != NULL && self_ref(c, base, 0)))
		return 0;
	if ((r = lookup_ext(x, name, base, &val, &found)) <= 0) {
		if (r < 0)
			adderr(x, c, EX_TEMPFAIL, errno, "%s: alias database "
			    "%s: %s", name, alias_db_path(x->cfg->db),
			    strerror(errno));
		buf_free(&val);
		return r;
	}
	key = xasprintf("a:%s", found);
	alias_fold(key);
	nc = *c;
	nc.rcpt = name;
	nc.ext = found == base ? ext : NULL;
	if ((r = enter(x, &nc, key)) <= 0) {
		free(key);
		buf_free(&val);
		return 1;
	}
	free(key);
	/* owner-NAME: bounces for this list go to its owner. */
	owner = xasprintf("owner-%s", found);
	alias_fold(owner);
	if (strncmp(found, "owner-", 6) != 0 &&
	    (r = alias_db_lookup(x->cfg->db, owner, &oval)) > 0) {
		if (x->cfg->domain) {
			free(owner);
			owner = xasprintf("owner-%s@%s", found, x->cfg->domain);
			alias_fold(owner);
		}
		nc.sender = owner;
	}
	origin = xasprintf("alias %s", found);
	nc.from = ALIAS_FROM_ALIASES;
	nc.priv = NULL;		/* alias_priv(), when needed */
	nc.parent = found;
	nc.pkind = 'a';
	nc.origin = origin;
	nc.depth = c->depth + 1;
	expand_values(x, &nc, val.data, val.len);
	chain_pop(x);
	free(origin);
	free(owner);
	buf_free(&val);
	buf_free(&oval);
	return 1;
}

/* Split an extension off name with the delimiters: base, or NULL. */
static char *
split_ext(const struct alias_cfg *cfg, const char *name, const char **ext)
{
	size_t i;

	*ext = NULL;
	if (cfg->delim == NULL || *cfg->delim == '\0')
		return NULL;
	i = strcspn(name, cfg->delim);
	if (i == 0 || name[i] == '\0' || strncasecmp(name, "owner-", 6) == 0)
		return NULL;
	*ext = name + i + 1;
	return xstrndup(name, i);
}

/*
 * A local name or an address: aliases (unless noalias), then the user's
 * .forward (unless noalias), then the user's mailbox.
 */
static void
expand_name(struct xstate *x, const struct ctx *c, const char *name,
    int noalias)
{
	struct alias_user u = { NULL, 0, 0, NULL, NULL };
	struct ctx nc = *c;
	const char *at, *ext;
	char *local = NULL, *base = NULL;
	int r;

	if ((at = strrchr(name, '@')) != NULL) {
		if (x->cfg->domain == NULL ||
		    strcasecmp(at + 1, x->cfg->domain) != 0) {
			struct buf q = BUF_INIT;

			alias_quote_value(&q, name);
			(void)add_dest(x, c, ADEST_REMOTE, buf_cstr(&q), NULL);
			buf_free(&q);
			return;
		}
		name = local = xstrndup(name, (size_t)(at - name));
	}
	base = split_ext(x->cfg, name, &ext);
	if (!noalias && (r = expand_alias(x, c, name, base, ext)) != 0)
		goto out;
	nc.rcpt = name;
	nc.ext = ext;
	r = x->cfg->getuser(x->cfg->hookarg, base ? base : name, &u);
	if (r != 0) {
		if (r < 0)
			adderr(x, &nc, EX_TEMPFAIL, errno, "%s: user database: "
			    "%s", name, strerror(errno));
		else
			adderr(x, &nc, EX_NOUSER, 0, "%s: unknown user", name);
		goto out;
	}
	if (!noalias && !self_ref(c, u.name, 'f') &&
	    expand_forward(x, &nc, &u, ext) != 0)
		goto out;
	(void)add_dest(x, &nc, ADEST_MAILBOX, u.name, &u);
out:
	alias_user_free(&u);
	free(local);
	free(base);
}

int
alias_expand(const struct alias_cfg *cfg, const char *rcpt,
    struct alias_list *out)
{
	struct xstate x;
	struct ctx c;
	const char *at;
	char *local;

	memset(&x, 0, sizeof(x));
	memset(&c, 0, sizeof(c));
	x.cfg = cfg;
	x.out = out;
	at = strrchr(rcpt, '@');
	local = at ? xstrndup(rcpt, (size_t)(at - rcpt)) : xstrdup(rcpt);
	c.rcpt = local;
	c.origin = NULL;
	if (*local == '\\')
		expand_name(&x, &c, local + 1, 1);
	else if (*local == '\0')
		adderr(&x, &c, EX_NOUSER, 0, "empty recipient");
	else
		expand_name(&x, &c, local, 0);
	free(local);
	kset_free(&x.dests);
	kset_free(&x.done);
	while (x.nchain)
		free(x.chain[--x.nchain]);
	free(x.chain);
	if (x.haveau)
		alias_user_free(&x.aliasuser);
	buf_free(&x.tmp);
	return x.worst;
}

void
alias_dest_print(struct buf *b, const struct alias_dest *d)
{
	switch (d->kind) {
	case ADEST_MAILBOX:
		buf_printf(b, "mailbox %s", d->user);
		break;
	case ADEST_FILE:
		buf_printf(b, "file %s %s", d->user, d->value);
		break;
	case ADEST_PROGRAM:
		buf_printf(b, "command %s |%s", d->user, d->value);
		break;
	case ADEST_REMOTE:
		buf_printf(b, "forward %s", d->value);
		break;
	default:
		buf_printf(b, "error %d %s", d->status, d->value);
		break;
	}
	if (d->sender != NULL && d->kind != ADEST_ERROR)
		buf_printf(b, " (sender %s)", d->sender);
}
