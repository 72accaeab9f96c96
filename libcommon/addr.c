/*
 * addr: RFC 5322 address lists, §3.4 with the obsolete syntax of §4.4.
 *
 * A lexer cuts the input into tokens (§3.2: atoms, quoted strings,
 * comments, domain literals, specials); white space, folding and
 * comments are CFWS wherever they occur.  The tokens of one list element
 * (up to a "," or ";" outside a route, or a group's ":") are gathered and
 * read as a sequence of mailboxes, which makes recovery local: nothing
 * that goes wrong in one element can swallow the next.
 *
 * Every string made by one addr_parse() call lives in one block (the
 * arena); the entries point into it.  Time is linear: each byte is
 * scanned a bounded number of times, even for unbalanced quotes and
 * comments (see scan_comment).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"

#define NOFF	SIZE_MAX

enum {
	T_ATOM, T_QSTR, T_DLIT, T_DOT,	/* words, and the dots between them */
	T_CMT,
	T_AT, T_LT, T_GT, T_COMMA, T_SEMI, T_COLON,
	T_END
};

struct tok {
	size_t		off;	/* content, without quotes, parens, brackets */
	size_t		len;
	unsigned char	type;
	unsigned char	ws;	/* CFWS before it */
	unsigned char	raw;	/* an encoded word: no quoted pairs in it */
};

struct lexer {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	int		 ws;		/* CFWS since the last token */
	int		 noquote;	/* no '"' after pos can close a string */
	int		 nolit;		/* no ']' after pos can close a literal */
	size_t		*cu;		/* '(' that never close, ascending */
	size_t		 ncu;
	size_t		 icu;
	size_t		 cucap;
};

/* One entry being built: offsets into the arena, NOFF for NULL. */
struct ent {
	size_t	name;
	size_t	addr;
	size_t	group;
};

/* Tokens [a, b) of the element; none when a == b. */
struct range {
	size_t	a;
	size_t	b;
};

#define NTBUF	64	/* tokens and entries held without allocating */
#define NEBUF	16

struct parser {
	const char	*s;
	struct lexer	 lx;
	struct tok	*t;		/* tokens of the current list element */
	size_t		 nt;
	size_t		 tcap;
	struct buf	 sa;		/* the arena */
	struct ent	*e;
	size_t		 ne;
	size_t		 ecap;
	size_t		 group;		/* current group name, or NOFF */
	size_t		 gcount;	/* entries in it so far */
	/*
	 * The last entry of the element stays open until the element ends,
	 * since comments and words after it may still name it.  Its name is
	 * the first of: the phrase before its "<", the words before it, its
	 * comments, the words after it.
	 */
	int		 open;
	struct range	 nm[3];		/* phrase, words before, words after */
	struct buf	 ocmt;		/* its comments */
	struct buf	 pre;		/* comments before the next entry */
	struct tok	 tbuf[NTBUF];
	struct ent	 ebuf[NEBUF];
};

/* State of the element being read. */
struct elem {
	size_t	ps;		/* first pending word */
	size_t	npend;		/* pending words and dots */
	size_t	js, je;		/* last run of words cut off by junk */
	size_t	as;		/* the "<" of the open angle */
	struct range ap;	/* the phrase before it */
	size_t	ne0;		/* entries before the element */
	int	angle;		/* inside "<" */
	int	aemit;		/* the angle gave an entry */
};

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f' || c == '\0';
}

/* The specials of §3.2.3, without the backslash. */
static int
is_special(unsigned char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '[': case ']':
	case ':': case ';': case '@': case ',': case '.': case '"':
		return 1;
	}
	return 0;
}

/* atext of §3.2.3, with UTF-8 (RFC 6532) and any other 8-bit byte. */
static int
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '/': case '=': case '?':
	case '^': case '_': case '`': case '{': case '|': case '}':
	case '~':
		return 1;
	}
	return 0;
}

/* A character of an RFC 2047 charset or encoding name (§2 token). */
static int
is_ewtoken(unsigned char c)
{
	if (c <= ' ' || c >= 0x7f)
		return 0;
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '"': case '/': case '[': case ']': case '?': case '.':
	case '=':
		return 0;
	}
	return 1;
}

/*
 * Length of the RFC 2047 encoded word at p (§2), or 0.  Its text may hold
 * specials that a careless encoder left ("=?shift_jis?Q?=84@?=": trail
 * bytes of multibyte charsets), so it is one atom, taken as written.
 * A scan stops at the first '?' of the text, hence never overlaps the
 * next one's: linear.
 */
static size_t
ew_len(const char *p, size_t len)
{
	size_t i = 2, st;
	int k;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	for (k = 0; k < 2; k++) {
		for (st = i; i < len && is_ewtoken((unsigned char)p[i]); i++)
			;
		if (i == st || i == len || p[i] != '?')
			return 0;
		i++;
	}
	while (i < len && p[i] > ' ' && p[i] < 0x7f && p[i] != '?')
		i++;
	if (i + 1 >= len || p[i] != '?' || p[i + 1] != '=')
		return 0;
	return i + 2;
}

static int
is_word(int type)
{
	return type == T_ATOM || type == T_QSTR || type == T_DLIT;
}

/* ------------------------------------------------------------ lexer */

/*
 * A quoted string from lx->pos (a '"'): 0 and the closing quote in *end,
 * or -1 when none follows.  Then none follows any later quote either (a
 * backslash run escapes the same characters whatever view starts before
 * it), so the caller stops looking.
 */
static int
scan_quoted(const struct lexer *lx, size_t *end)
{
	size_t i;

	for (i = lx->pos + 1; i < lx->len; i++) {
		if (lx->s[i] == '\\')
			i++;
		else if (lx->s[i] == '"') {
			*end = i;
			return 0;
		}
	}
	return -1;
}

/*
 * A domain literal from lx->pos (a '['): 0 and the ']' in *end; -1 when
 * a '[' comes first (the scan cost is then paid once per '['); -2 when
 * the input ends first, and then no later '[' can close either.
 */
static int
scan_literal(const struct lexer *lx, size_t *end)
{
	size_t i;

	for (i = lx->pos + 1; i < lx->len; i++) {
		if (lx->s[i] == '\\')
			i++;
		else if (lx->s[i] == ']') {
			*end = i;
			return 0;
		} else if (lx->s[i] == '[')
			return -1;
	}
	return -2;
}

/*
 * After a comment failed to close, list every '(' from there on that has
 * no matching ')': a stack pass.  A '(' not listed is matched, and its
 * match depends only on what follows it, so a later scan from it closes.
 * Hence at most one failing scan per input: linear time.
 */
static void
list_unclosed(struct lexer *lx)
{
	size_t i;

	lx->ncu = lx->icu = 0;
	for (i = lx->pos; i < lx->len; i++) {
		if (lx->s[i] == '\\')
			i++;
		else if (lx->s[i] == '(') {
			if (lx->ncu == lx->cucap) {
				lx->cucap = lx->cucap ? lx->cucap * 2 : 16;
				lx->cu = xreallocarray(lx->cu, lx->cucap,
				    sizeof(*lx->cu));
			}
			lx->cu[lx->ncu++] = i;
		} else if (lx->s[i] == ')' && lx->ncu > 0)
			lx->ncu--;
	}
}

/* A comment from lx->pos (a '('), nested (§3.2.2): 0 and its ')'. */
static int
scan_comment(struct lexer *lx, size_t *end)
{
	size_t i, depth = 0;

	while (lx->icu < lx->ncu && lx->cu[lx->icu] < lx->pos)
		lx->icu++;
	if (lx->icu < lx->ncu && lx->cu[lx->icu] == lx->pos)
		return -1;
	for (i = lx->pos; i < lx->len; i++) {
		if (lx->s[i] == '\\')
			i++;
		else if (lx->s[i] == '(')
			depth++;
		else if (lx->s[i] == ')' && --depth == 0) {
			*end = i;
			return 0;
		}
	}
	list_unclosed(lx);
	return -1;
}

static void
settok(struct lexer *lx, struct tok *t, int type, size_t off, size_t len)
{
	t->type = (unsigned char)type;
	t->off = off;
	t->len = len;
	t->ws = (unsigned char)lx->ws;
	t->raw = 0;
	lx->ws = type == T_CMT;
}

/*
 * The next token.  What cannot be a token (an unclosed quote, comment or
 * literal, a stray ')' or ']', NUL and other white space) is white space.
 * Outside quotes a backslash still escapes the next byte, into the atom.
 */
static void
lex_next(struct lexer *lx, struct tok *t)
{
	const char *s = lx->s;
	size_t end, start;
	int r;

	for (;;) {
		if (lx->pos >= lx->len) {
			settok(lx, t, T_END, lx->len, 0);
			return;
		}
		start = lx->pos;
		switch (s[start]) {
		case '"':
			if (!lx->noquote) {
				if (scan_quoted(lx, &end) == 0) {
					settok(lx, t, T_QSTR, start + 1,
					    end - start - 1);
					lx->pos = end + 1;
					return;
				}
				lx->noquote = 1;
			}
			break;
		case '(':
			if (scan_comment(lx, &end) == 0) {
				settok(lx, t, T_CMT, start + 1, end - start - 1);
				lx->pos = end + 1;
				return;
			}
			break;
		case '[':
			if (!lx->nolit) {
				if ((r = scan_literal(lx, &end)) == 0) {
					settok(lx, t, T_DLIT, start + 1,
					    end - start - 1);
					lx->pos = end + 1;
					return;
				}
				if (r == -2)
					lx->nolit = 1;
			}
			break;
		case ')':
		case ']':
			break;
		case '.':
			r = T_DOT;
			goto single;
		case '@':
			r = T_AT;
			goto single;
		case '<':
			r = T_LT;
			goto single;
		case '>':
			r = T_GT;
			goto single;
		case ',':
			r = T_COMMA;
			goto single;
		case ';':
			r = T_SEMI;
			goto single;
		case ':':
			r = T_COLON;
		single:
			settok(lx, t, r, start, 1);
			lx->pos++;
			return;
		default:
			if (is_ws((unsigned char)s[start]))
				break;
			/* a lone backslash at the very end escapes nothing */
			if (s[start] == '\\' && start + 1 == lx->len)
				break;
			if ((end = ew_len(s + start, lx->len - start)) > 0) {
				settok(lx, t, T_ATOM, start, end);
				t->raw = 1;
				lx->pos = start + end;
				return;
			}
			end = start;
			while (end < lx->len) {
				if (s[end] == '\\') {
					if (end + 1 == lx->len)
						break;
					end += 2;
				} else if (is_ws((unsigned char)s[end]) ||
				    is_special((unsigned char)s[end]))
					break;
				else
					end++;
			}
			settok(lx, t, T_ATOM, start, end - start);
			lx->pos = end;
			return;
		}
		lx->ws = 1;
		lx->pos++;
	}
}

/* ------------------------------------------------------------ text */

/*
 * A sink for display names: escapes resolved, runs of white space made
 * one space, nothing at either end.
 */
struct sink {
	struct buf	*b;
	size_t		 start;
	int		 sp;
};

static void
sink_init(struct sink *k, struct buf *b)
{
	k->b = b;
	k->start = b->len;
	k->sp = 0;
}

static void
sink_ws(struct sink *k)
{
	if (k->b->len > k->start)
		k->sp = 1;
}

static void
sink_add(struct sink *k, const char *p, size_t len, int raw)
{
	struct buf *b = k->b;
	size_t i;
	unsigned char c;

	buf_reserve(b, len + 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c == '\\' && !raw) {
			if (++i == len)
				break;
			c = (unsigned char)p[i];
		}
		if (is_ws(c)) {
			if (b->len > k->start)
				k->sp = 1;
			continue;
		}
		if (k->sp) {
			b->data[b->len++] = ' ';
			k->sp = 0;
		}
		b->data[b->len++] = (char)c;
	}
	b->data[b->len] = '\0';
}

/* A word or dot of a phrase (§3.2.5, obs-phrase of §4.1) into a sink. */
static void
sink_tok(struct sink *k, const char *s, const struct tok *t)
{
	if (t->ws)
		sink_ws(k);
	if (t->type == T_DLIT)
		sink_add(k, "[", 1, 1);
	sink_add(k, s + t->off, t->len, t->raw);
	if (t->type == T_DLIT)
		sink_add(k, "]", 1, 1);
}

/* The phrase made of tokens [a, b) (comments skipped) into b. */
static void
phrase(struct parser *p, struct buf *out, size_t a, size_t b)
{
	struct sink k;
	size_t i;

	sink_init(&k, out);
	for (i = a; i < b; i++)
		if (p->t[i].type != T_CMT)
			sink_tok(&k, p->s, &p->t[i]);
}

/* A comment's text, after those already in b and a space. */
static void
cmt_add(struct parser *p, struct buf *b, const struct tok *t)
{
	struct sink k;

	sink_init(&k, b);
	k.start = 0;
	k.sp = b->len > 0;
	sink_add(&k, p->s + t->off, t->len, 0);
}

/*
 * Does a local part (resolved) need quoting to be read back as is?  Yes
 * when it has specials, is empty but was quoted, is only dots, or has
 * an atom starting "=?" that was not an encoded word: read back, it
 * could become one, and reach over the "@".
 */
static int
local_needs_quote(const char *p, size_t len, int quoted, int allew)
{
	size_t i;
	int atext = 0;

	if (len == 0)
		return quoted;
	for (i = 0; i < len; i++) {
		if (is_atext((unsigned char)p[i]))
			atext = 1;
		else if (p[i] != '.')
			return 1;
		if ((i == 0 || p[i - 1] == '.') && !allew && p[i] == '=' &&
		    i + 1 < len && p[i + 1] == '?')
			return 1;
	}
	return !atext;
}

/* Append p as a quoted string (§3.2.4). */
static void
put_quoted(struct buf *out, const char *p, size_t len)
{
	size_t i;

	buf_reserve(out, 2 * len + 2);
	out->data[out->len++] = '"';
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			out->data[out->len++] = '\\';
		out->data[out->len++] = p[i];
	}
	out->data[out->len++] = '"';
	out->data[out->len] = '\0';
}

/*
 * The local part made of tokens [a, b) into the arena: escapes resolved,
 * folding and NUL dropped, quoted only if it must be.  With spaced, two
 * words side by side keep a space between them (an element of bare
 * words, "John Smith", read as one address).
 */
static void
put_local(struct parser *p, size_t a, size_t b, int spaced)
{
	struct buf *sa = &p->sa;
	const struct tok *t;
	size_t i, j, off = sa->len, len, w, nw = 0, nraw = 0;
	int quoted = 0, prevw = 0;
	unsigned char c;

	for (i = a; i < b; i++) {
		t = &p->t[i];
		if (t->type == T_CMT)
			continue;
		if (t->type == T_DOT) {
			buf_addc(sa, '.');
			prevw = 0;
			continue;
		}
		if (spaced && prevw)
			buf_addc(sa, ' ');
		prevw = 1;
		nw++;
		nraw += t->raw;
		if (t->type == T_QSTR)
			quoted = 1;
		buf_reserve(sa, t->len + 2);
		if (t->type == T_DLIT)
			sa->data[sa->len++] = '[';
		for (j = 0; j < t->len; j++) {
			c = (unsigned char)p->s[t->off + j];
			if (c == '\\' && !t->raw) {
				if (++j == t->len)
					break;
				c = (unsigned char)p->s[t->off + j];
			}
			if (c != '\r' && c != '\n' && c != '\0')
				sa->data[sa->len++] = (char)c;
		}
		if (t->type == T_DLIT)
			sa->data[sa->len++] = ']';
		sa->data[sa->len] = '\0';
	}
	len = sa->len - off;
	if (!local_needs_quote(sa->data + off, len, quoted, nraw == nw))
		return;
	/* quote in place (§3.2.4), from the end backwards */
	w = 2;
	for (j = off; j < off + len; j++)
		if (sa->data[j] == '"' || sa->data[j] == '\\')
			w++;
	buf_reserve(sa, w);
	sa->len += w;
	sa->data[sa->len] = '\0';
	w = sa->len;
	sa->data[--w] = '"';
	for (j = off + len; j > off;) {
		c = (unsigned char)sa->data[--j];
		sa->data[--w] = (char)c;
		if (c == '"' || c == '\\')
			sa->data[--w] = '\\';
	}
	sa->data[--w] = '"';
}

/*
 * The domain made of tokens [a, b) into the arena, as written: atoms
 * and literals keep their quoted pairs (so the text reads back the
 * same); white space inside a literal and escaped folding or NUL go.
 * An atom that was not an encoded word but now starts like one (once
 * white space went) gets its "=" escaped, or it would read back as one.
 */
static void
put_domain(struct parser *p, size_t a, size_t b)
{
	struct buf *sa = &p->sa;
	const struct tok *t;
	const char *s;
	size_t i, j, start;
	unsigned char c;

	for (i = a; i < b; i++) {
		t = &p->t[i];
		if (t->type == T_CMT)
			continue;
		if (t->type == T_DOT) {
			buf_addc(sa, '.');
			continue;
		}
		s = p->s + t->off;
		buf_reserve(sa, t->len + 3);
		if (t->type == T_DLIT)
			sa->data[sa->len++] = '[';
		start = sa->len;
		for (j = 0; j < t->len; j++) {
			c = (unsigned char)s[j];
			if (c == '\\' && !t->raw) {
				if (j + 1 == t->len)
					break;
				c = (unsigned char)s[++j];
				if (c == '\r' || c == '\n' || c == '\0')
					continue;
				sa->data[sa->len++] = '\\';
			} else if (is_ws(c))
				continue;
			sa->data[sa->len++] = (char)c;
		}
		if (t->type == T_ATOM && !t->raw && sa->len - start >= 2 &&
		    sa->data[start] == '=' && sa->data[start + 1] == '?') {
			memmove(sa->data + start + 1, sa->data + start,
			    sa->len - start);
			sa->data[start] = '\\';
			sa->len++;
		}
		if (t->type == T_DLIT)
			sa->data[sa->len++] = ']';
		sa->data[sa->len] = '\0';
	}
}

/* Copy a buffer into the arena as one string; its offset. */
static size_t
arena_str(struct parser *p, const struct buf *b)
{
	size_t off = p->sa.len;

	buf_add(&p->sa, b->data, b->len);
	buf_addc(&p->sa, '\0');
	return off;
}

/* ------------------------------------------------------------ entries */

/* Name entry e with the phrase of r, if it makes one. */
static int
name_from(struct parser *p, struct ent *e, const struct range *r)
{
	size_t off = p->sa.len;

	if (r->a >= r->b)
		return 0;
	phrase(p, &p->sa, r->a, r->b);
	if (p->sa.len == off)
		return 0;
	buf_addc(&p->sa, '\0');
	e->name = off;
	return 1;
}

/* Name the open entry and close it. */
static void
entry_close(struct parser *p)
{
	struct ent *e;

	if (!p->open)
		return;
	e = &p->e[p->ne - 1];
	if (!name_from(p, e, &p->nm[0]) && !name_from(p, e, &p->nm[1])) {
		if (p->ocmt.len > 0)
			e->name = arena_str(p, &p->ocmt);
		else
			(void)name_from(p, e, &p->nm[2]);
	}
	p->open = 0;
}

/* Grow an array that starts in the parser itself. */
static void *
grow(void *v, const void *inplace, size_t *cap, size_t size)
{
	void *n;

	if (v != inplace)
		return xreallocarray(v, *cap *= 2, size);
	n = xreallocarray(NULL, *cap * 2, size);
	memcpy(n, v, *cap * size);
	*cap *= 2;
	return n;
}

static struct ent *
entry_new(struct parser *p)
{
	struct ent *e;

	if (p->ne == p->ecap)
		p->e = grow(p->e, p->ebuf, &p->ecap, sizeof(*p->e));
	e = &p->e[p->ne++];
	e->name = e->addr = NOFF;
	e->group = p->group;
	p->gcount++;
	return e;
}

/*
 * Open a new entry for the address at arena offset addr; the comments
 * seen just before it become its own.
 */
static void
entry_open(struct parser *p, size_t addr)
{
	struct buf t;

	entry_close(p);
	entry_new(p)->addr = addr;
	p->open = 1;
	t = p->ocmt;
	p->ocmt = p->pre;
	p->pre = t;
	buf_reset(&p->pre);
	memset(p->nm, 0, sizeof(p->nm));
}

/* Words after the last address of an element name it if nothing does. */
static void
trailing(struct parser *p, size_t a, size_t b)
{
	if (p->open && p->nm[2].a == p->nm[2].b) {
		p->nm[2].a = a;
		p->nm[2].b = b;
	}
}

/*
 * An address of words only, no "@" ("postmaster", "<John Smith>"), from
 * tokens [a, b); nothing when they are all dots.  ap: the phrase before
 * its "<", if any.
 */
static void
bare(struct parser *p, size_t a, size_t b, const struct range *ap)
{
	size_t i, off;

	for (i = a; i < b; i++)
		if (is_word(p->t[i].type))
			break;
	if (i == b)
		return;
	off = p->sa.len;
	put_local(p, a, b, 1);
	buf_addc(&p->sa, '\0');
	entry_open(p, off);
	if (ap != NULL)
		p->nm[0] = *ap;
}

/*
 * An addr-spec around the "@" at token i (§3.4.1, obs-local-part and
 * obs-domain of §4.4): the local part is the dotted run of pending words
 * just before it, the domain the dotted run of atoms and literals after
 * it.  Pending words before the local part name it, unless the phrase
 * of an angle does.  Returns the last token used.
 */
static size_t
addrspec(struct parser *p, struct elem *el, size_t i, const struct range *ap)
{
	const struct tok *t = p->t;
	size_t j, ls = i, last = i, off, at;
	int prevw = 0;

	if (el->npend > 0) {
		for (j = i; j > el->ps;) {
			j--;
			if (t[j].type == T_CMT)
				continue;
			if (t[j].type == T_DOT)
				prevw = 0;
			else if (prevw)
				break;
			else
				prevw = 1;
			ls = j;
		}
	}
	prevw = 0;
	for (j = i + 1; j < p->nt; j++) {
		if (t[j].type == T_CMT)
			continue;
		if (t[j].type == T_DOT)
			prevw = 0;
		else if ((t[j].type == T_ATOM || t[j].type == T_DLIT) &&
		    !prevw)
			prevw = 1;
		else
			break;
		last = j;
	}
	for (j = i + 1; j < last; j++)
		if (t[j].type == T_CMT)
			cmt_add(p, &p->pre, &t[j]);

	off = p->sa.len;
	put_local(p, ls, i, 0);
	at = p->sa.len;
	buf_addc(&p->sa, '@');
	put_domain(p, i + 1, last + 1);
	if (p->sa.len == at + 1)
		buf_truncate(&p->sa, at);
	buf_addc(&p->sa, '\0');
	entry_open(p, off);

	if (ap != NULL)
		p->nm[0] = *ap;
	if (el->npend > 0 && ls > el->ps) {
		p->nm[1].a = el->ps;
		p->nm[1].b = ls;
	}
	return last;
}

/*
 * A route (§4.4 obs-route, "<@a,@b:") after the "<" at token i: the
 * index of its ':' (to skip to), or i when there is none.
 */
static size_t
route(const struct parser *p, size_t i)
{
	size_t j = i + 1;

	while (j < p->nt && p->t[j].type == T_CMT)
		j++;
	if (j == p->nt || (p->t[j].type != T_AT && p->t[j].type != T_COMMA))
		return i;
	for (; j < p->nt && p->t[j].type != T_GT; j++)
		if (p->t[j].type == T_COLON)
			return j;
	return i;
}

/*
 * The end of an angle-addr at token i (its ">", or the end of the
 * element when the "<" never closed).  An angle that gave no addr-spec
 * still gives its words ("<postmaster>"), or the null address "<>".
 */
static void
angle_end(struct parser *p, struct elem *el, size_t i, int closed)
{
	size_t off;

	if (!el->aemit) {
		if (el->npend > 0)
			bare(p, el->ps, i, &el->ap);
		else if (el->js != NOFF && el->js > el->as)
			bare(p, el->js, el->je, &el->ap);
		else if (closed) {
			off = p->sa.len;
			buf_addc(&p->sa, '\0');
			entry_open(p, off);
			p->nm[0] = el->ap;
		}
	} else if (el->npend > 0)
		trailing(p, el->ps, i);
	el->angle = 0;
	el->npend = 0;
}

/* Read the mailboxes of the element gathered in p->t. */
static void
element(struct parser *p)
{
	struct elem el;
	const struct tok *t = p->t;
	size_t i;

	memset(&el, 0, sizeof(el));
	el.js = NOFF;
	el.ne0 = p->ne;
	for (i = 0; i < p->nt; i++) {
		switch (t[i].type) {
		case T_ATOM:
		case T_QSTR:
		case T_DLIT:
		case T_DOT:
			if (el.npend++ == 0)
				el.ps = i;
			break;
		case T_CMT:
			cmt_add(p, el.npend == 0 && p->open ? &p->ocmt :
			    &p->pre, &t[i]);
			break;
		case T_AT:
			i = addrspec(p, &el, i,
			    el.angle && !el.aemit ? &el.ap : NULL);
			if (el.angle)
				el.aemit = 1;
			el.npend = 0;
			break;
		case T_LT:
			if (el.angle)
				goto junk;
			el.angle = 1;
			el.aemit = 0;
			el.as = i;
			el.ap.a = el.ap.b = 0;
			if (el.npend > 0) {
				el.ap.a = el.ps;
				el.ap.b = i;
				el.js = el.ps;
				el.je = i;
				el.npend = 0;
			}
			i = route(p, i);
			break;
		case T_GT:
			if (!el.angle)
				goto junk;
			angle_end(p, &el, i, 1);
			break;
		default:
		junk:
			/* a ':' or route ',' out of place, a stray '<' or '>' */
			if (el.npend > 0) {
				el.js = el.ps;
				el.je = i;
				el.npend = 0;
			}
			break;
		}
	}
	if (el.angle)
		angle_end(p, &el, p->nt, 0);
	if (p->ne == el.ne0) {
		if (el.npend > 0)
			bare(p, el.ps, p->nt, NULL);
		else if (el.js != NOFF)
			bare(p, el.js, el.je, NULL);
	} else if (el.npend > 0)
		trailing(p, el.ps, p->nt);
	entry_close(p);
	buf_reset(&p->pre);
	p->nt = 0;
}

/* End the current group; one without members leaves its marker. */
static void
group_end(struct parser *p)
{
	if (p->group == NOFF)
		return;
	if (p->gcount == 0)
		entry_new(p);
	p->group = NOFF;
}

/* The tokens gathered so far name a group that starts here (§3.4). */
static void
group_start(struct parser *p)
{
	group_end(p);
	p->group = p->sa.len;
	phrase(p, &p->sa, 0, p->nt);
	buf_addc(&p->sa, '\0');
	p->gcount = 0;
	p->nt = 0;
}

static void
push(struct parser *p, const struct tok *t)
{
	if (p->nt == p->tcap)
		p->t = grow(p->t, p->tbuf, &p->tcap, sizeof(*p->t));
	p->t[p->nt++] = *t;
}

/*
 * Cut the token stream into elements.  A "," ends one, except inside a
 * route; a ";" ends one and the group; a ":" outside "<>" after nothing
 * but a phrase starts a group.  A "," or ";" inside an unclosed "<"
 * closes it.
 */
static void
parse(struct parser *p)
{
	struct tok t;
	int angle = 0, route = 0, grp = 1;

	for (;;) {
		lex_next(&p->lx, &t);
		switch (t.type) {
		case T_END:
			element(p);
			group_end(p);
			return;
		case T_SEMI:
			element(p);
			group_end(p);
			angle = route = 0;
			grp = 1;
			continue;
		case T_COMMA:
			if (route == 1)
				route = 2;
			if (route == 2)
				break;
			element(p);
			angle = route = 0;
			grp = 1;
			continue;
		case T_COLON:
			if (angle)
				route = 0;
			else if (grp) {
				group_start(p);
				continue;
			}
			break;
		case T_LT:
			if (!angle) {
				angle = 1;
				route = 1;
			}
			grp = 0;
			break;
		case T_GT:
			angle = route = grp = 0;
			break;
		case T_AT:
			if (route == 1)
				route = 2;
			grp = 0;
			break;
		case T_CMT:
			break;
		case T_DLIT:
			grp = 0;
			/* FALLTHROUGH */
		default:
			if (route == 1)
				route = 0;
			break;
		}
		push(p, &t);
	}
}

/* ------------------------------------------------------------ API */

void
addrlist_init(struct addrlist *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
	l->strs = NULL;
}

void
addrlist_free(struct addrlist *l)
{
	void *b, *next;

	for (b = l->strs; b != NULL; b = next) {
		memcpy(&next, b, sizeof(next));
		free(b);
	}
	free(l->v);
	addrlist_init(l);
}

/* Chain an arena to the list and make the entries point into it. */
static void
adopt(struct addrlist *l, struct buf *sa, const struct ent *e, size_t n)
{
	char *base;
	size_t i;

	if (n == 0)
		return;
	base = buf_release(sa);
	memcpy(base, &l->strs, sizeof(l->strs));
	l->strs = base;
	if (n > l->cap - l->n) {
		l->cap = l->cap > SIZE_MAX / 4 ? SIZE_MAX / 2 : l->cap * 2;
		if (l->cap < l->n + n)
			l->cap = l->n + n;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	for (i = 0; i < n; i++) {
		l->v[l->n].name = e[i].name == NOFF ? NULL : base + e[i].name;
		l->v[l->n].addr = e[i].addr == NOFF ? NULL : base + e[i].addr;
		l->v[l->n].group = e[i].group == NOFF ? NULL :
		    base + e[i].group;
		l->n++;
	}
}

void
addr_parse(struct addrlist *out, const char *s, size_t len)
{
	struct parser p;
	void *link = NULL;

	memset(&p, 0, sizeof(p));
	p.t = p.tbuf;
	p.tcap = NTBUF;
	p.e = p.ebuf;
	p.ecap = NEBUF;
	p.s = s;
	p.lx.s = s;
	p.lx.len = len;
	p.group = NOFF;
	buf_add(&p.sa, &link, sizeof(link));	/* room for the chain */
	parse(&p);
	adopt(out, &p.sa, p.e, p.ne);
	free(p.lx.cu);
	if (p.t != p.tbuf)
		free(p.t);
	if (p.e != p.ebuf)
		free(p.e);
	buf_free(&p.sa);
	buf_free(&p.ocmt);
	buf_free(&p.pre);
}

static size_t
add_str(struct buf *sa, const char *s)
{
	size_t off;

	if (s == NULL)
		return NOFF;
	off = sa->len;
	buf_add(sa, s, strlen(s) + 1);
	return off;
}

void
addrlist_add(struct addrlist *l, const char *name, const char *addr,
    const char *group)
{
	struct buf sa = BUF_INIT;
	struct ent e;
	void *link = NULL;

	buf_add(&sa, &link, sizeof(link));
	e.name = add_str(&sa, name);
	e.addr = add_str(&sa, addr);
	e.group = add_str(&sa, group);
	adopt(l, &sa, &e, 1);
}

/* Append a phrase (§3.2.5): as is when atoms and spaces, else quoted. */
static void
put_phrase(struct buf *out, const char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++)
		if (!is_atext((unsigned char)s[i]) && s[i] != ' ')
			break;
	if (len > 0 && i == len && s[0] != ' ' && s[len - 1] != ' ')
		buf_add(out, s, len);
	else
		put_quoted(out, s, len);
}

void
addr_format(struct buf *out, const struct addr *a, int withname)
{
	if (a->addr == NULL) {
		if (withname && a->group != NULL) {
			put_phrase(out, a->group);
			buf_adds(out, ":;");
		}
		return;
	}
	if (withname && a->name != NULL) {
		put_phrase(out, a->name);
		buf_adds(out, " <");
		buf_adds(out, a->addr);
		buf_addc(out, '>');
	} else if (a->addr[0] == '\0')
		buf_adds(out, "<>");
	else
		buf_adds(out, a->addr);
}

/* Are entries a and b members of the same group (markers never)? */
static int
same_group(const struct addr *a, const struct addr *b)
{
	return a->addr != NULL && b->addr != NULL && a->group != NULL &&
	    b->group != NULL && strcmp(a->group, b->group) == 0;
}

void
addrlist_format(struct buf *out, const struct addrlist *l, int withname)
{
	const struct addr *a;
	size_t i;
	int first = 1;

	for (i = 0; i < l->n; i++) {
		a = &l->v[i];
		if (!withname && a->addr == NULL)
			continue;
		if (!first)
			buf_adds(out, ", ");
		first = 0;
		if (withname && a->addr != NULL && a->group != NULL &&
		    (i == 0 || !same_group(&l->v[i - 1], a))) {
			put_phrase(out, a->group);
			buf_adds(out, ": ");
		}
		addr_format(out, a, withname);
		if (withname && a->addr != NULL && a->group != NULL &&
		    (i + 1 == l->n || !same_group(a, &l->v[i + 1])))
			buf_addc(out, ';');
	}
}

/* Length of the local part of an address as addr_parse() writes it. */
static size_t
local_len(const char *a)
{
	size_t i = 0;

	if (a[0] == '"') {
		for (i = 1; a[i] != '\0' && a[i] != '"'; i++)
			if (a[i] == '\\' && a[i + 1] != '\0')
				i++;
		if (a[i] == '"')
			i++;
	}
	return i + strcspn(a + i, "@");
}

const char *
addr_domain(const char *addr)
{
	size_t i = local_len(addr);

	return addr[i] == '@' ? addr + i + 1 : NULL;
}

int
addr_same(const char *a, const char *b)
{
	size_t la = local_len(a), lb = local_len(b);

	if (la != lb || ascii_strncasecmp(a, b, la) != 0)
		return 0;
	if (a[la] != b[lb])
		return 0;
	return a[la] == '\0' || ascii_strncasecmp(a + la, b + lb, SIZE_MAX) == 0;
}
