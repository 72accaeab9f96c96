/*
 * mpick: select messages by nmh pick's expressions on their decoded
 * header fields, body and dates.
 *
 * The expression words (-from, -and, -lbrace ...) are nmh's, so they
 * are parsed here rather than with getopt (DESIGN.md names mpick as
 * the exception); the short options -0 -l -s -V -z are parsed as getopt
 * would, and may be clustered.
 */
#include "config.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "hdr.h"
#include "mh.h"
#include "mhops.h"
#include "mime.h"
#include "msg.h"
#include "rfc2047.h"
#include "util.h"

enum ntype { N_AND, N_OR, N_NOT, N_FIELD, N_SEARCH, N_AFTER, N_BEFORE,
	N_TRUE };

struct node {
	enum ntype	 type;
	struct node	*l, *r;
	char		*field;		/* N_FIELD; date field of N_AFTER... */
	regex_t		 re;
	int		 hasre;		/* re is compiled */
	time_t		 t;
	struct node	*next;		/* every node, for cleanup() */
};

/* The words of the command line. */
enum word { W_AND, W_OR, W_NOT, W_LBRACE, W_RBRACE, W_FROM, W_TO, W_CC,
	W_SUBJECT, W_DATE, W_SEARCH, W_AFTER, W_BEFORE, W_DATEFIELD,
	W_SEQUENCE, W_LIST, W_NOLIST, W_ZERO, W_NOZERO, W_PUBLIC,
	W_NOPUBLIC, W_VERSION, W_HELP, W_FIELD, W_NONE };

static const char *words[] = {
	"and", "or", "not", "lbrace", "rbrace", "from", "to", "cc",
	"subject", "date", "search", "after", "before", "datefield",
	"sequence", "list", "nolist", "zero", "nozero", "public",
	"nopublic", "version", "help", NULL
};

/* A token of the expression: a word with its argument. */
struct tok {
	enum word	 w;
	const char	*arg;		/* pattern or date */
	const char	*field;		/* --field's name; -after's field */
};

static struct tok *toks;
static size_t	 ntoks, pos;
static const char **seqs;
static size_t	 nseqs;
static int	 lflag, zflag, nul, private;

/* What main holds until mpick exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	char		**ops;
	struct node	 *nodes;	/* every node of the expression */
	struct mhtargets  t;
	size_t		 *hit;
	unsigned	 *prev;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr,
	    "usage: mpick [-0lVz] [-s seq] [+folder] [msg ...] [expression]\n"
	    "expression: -and -or -not -lbrace -rbrace\n"
	    "            -from|-to|-cc|-subject|-date|-search pattern\n"
	    "            --field pattern  -after date  -before date\n"
	    "            -datefield field\n");
	exit(EX_USAGE);
}

/* The word s names (exact, or a unique prefix), or W_NONE. */
static enum word
lookup(const char *s)
{
	size_t len = strlen(s), i;
	enum word found = W_NONE;

	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(words[i], s) == 0)
			return (enum word)i;
		if (strncmp(words[i], s, len) == 0) {
			if (found != W_NONE)
				errx(EX_USAGE, "-%s is ambiguous", s);
			found = (enum word)i;
		}
	}
	return found;
}

/*
 * Make the regex of a pattern: POSIX basic syntax, as nmh's pick has
 * ed-like patterns, matching case-insensitively.
 */
static void
compile(struct node *n, const char *pat)
{
	char *msg;
	size_t len;
	int r;

	if ((r = regcomp(&n->re, pat, REG_ICASE | REG_NOSUB |
	    REG_NEWLINE)) != 0) {
		len = regerror(r, &n->re, NULL, 0);
		msg = xmalloc(len);
		regerror(r, &n->re, msg, len);
		warnx("bad pattern \"%s\": %s", pat, msg);
		free(msg);
		exit(EX_USAGE);
	}
	n->hasre = 1;
}

/* Midnight (local time) d days from today. */
static time_t
day_start(int d)
{
	struct tm tm;
	time_t now = time(NULL);

	localtime_r(&now, &tm);
	tm.tm_mday += d;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int
try_date(const char *s, time_t *t)
{
	char *a, *b;
	time_t t0, t1;
	int r;

	/*
	 * Append two zones: when the text has one, the extra one is
	 * ignored and both give the same instant; when it has none, it is
	 * local time.
	 */
	a = xasprintf("%s +0000", s);
	b = xasprintf("%s +0100", s);
	r = date_parse(a, strlen(a), &t0, NULL) == 0 &&
	    date_parse(b, strlen(b), &t1, NULL) == 0;
	free(a);
	free(b);
	if (!r)
		return -1;
	if (t0 != t1)
		t0 -= (time_t)date_local_offset(t0) * 60;
	*t = t0;
	return 0;
}

/*
 * A date of -after or -before: a date in any form date_parse() takes
 * (local time when it has no zone), a date without a time (midnight),
 * "today", "yesterday", "tomorrow", a day of the week (the last one,
 * today included) or "-N" (N days ago).
 */
static time_t
user_date(const char *s)
{
	static const char *days[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };
	struct tm tm;
	time_t t, now;
	char *x;
	long v;
	int i;

	if (strcasecmp(s, "today") == 0)
		return day_start(0);
	if (strcasecmp(s, "yesterday") == 0)
		return day_start(-1);
	if (strcasecmp(s, "tomorrow") == 0)
		return day_start(1);
	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
		v = strtol(s + 1, &x, 10);
		if (*x == '\0' && v < 100000)
			return day_start(-(int)v);
	}
	if (strlen(s) >= 3)
		for (i = 0; i < 7; i++)
			if (strncasecmp(days[i], s, strlen(s)) == 0) {
				now = time(NULL);
				localtime_r(&now, &tm);
				return day_start(-((tm.tm_wday - i + 7) % 7));
			}
	if (try_date(s, &t) == 0)
		return t;
	x = xasprintf("%s 00:00", s);
	i = try_date(x, &t);
	free(x);
	if (i == 0)
		return t;
	errx(EX_USAGE, "bad date: %s", s);
}

static struct node *
node(enum ntype type, struct node *l, struct node *r)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->l = l;
	n->r = r;
	n->next = prog.nodes;
	prog.nodes = n;
	return n;
}

static struct node *parse_or(void);

/* primary: -lbrace expr -rbrace | -not primary | a test */
static struct node *
parse_primary(void)
{
	struct node *n;
	struct tok *t;
	static const char *names[] = { "from", "to", "cc", "subject",
	    "date" };

	if (pos >= ntoks)
		errx(EX_USAGE, "expression ends too soon");
	t = &toks[pos++];
	switch (t->w) {
	case W_NOT:
		return node(N_NOT, parse_primary(), NULL);
	case W_LBRACE:
		n = parse_or();
		if (pos >= ntoks || toks[pos].w != W_RBRACE)
			errx(EX_USAGE, "-lbrace without -rbrace");
		pos++;
		return n;
	case W_FROM:
	case W_TO:
	case W_CC:
	case W_SUBJECT:
	case W_DATE:
	case W_FIELD:
		n = node(N_FIELD, NULL, NULL);
		n->field = xstrdup(t->w == W_FIELD ? t->field :
		    names[t->w - W_FROM]);
		compile(n, t->arg);
		return n;
	case W_SEARCH:
		n = node(N_SEARCH, NULL, NULL);
		compile(n, t->arg);
		return n;
	case W_AFTER:
	case W_BEFORE:
		n = node(t->w == W_AFTER ? N_AFTER : N_BEFORE, NULL, NULL);
		n->field = xstrdup(t->field);
		n->t = user_date(t->arg);
		return n;
	default:
		errx(EX_USAGE, "unexpected -%s", words[t->w]);
	}
}

/* and: primary { [-and] primary } */
static struct node *
parse_and(void)
{
	struct node *n = parse_primary();

	while (pos < ntoks && toks[pos].w != W_OR &&
	    toks[pos].w != W_RBRACE) {
		if (toks[pos].w == W_AND)
			pos++;
		n = node(N_AND, n, parse_primary());
	}
	return n;
}

/* or: and { -or and } */
static struct node *
parse_or(void)
{
	struct node *n = parse_and();

	while (pos < ntoks && toks[pos].w == W_OR) {
		pos++;
		n = node(N_OR, n, parse_and());
	}
	return n;
}

/* ---------------------------------------------------------------- eval */

/* One message being tested: what has been read of it so far. */
struct cand {
	struct msg	 m;
	int		 havebody;
	struct buf	 body;		/* the header fields and all text
					   parts, decoded */
	int		 err;
};

static int
field_match(struct cand *c, const struct node *n)
{
	const char *raw;
	size_t i = 0, len;
	char *d;
	int r;

	while ((i = hdr_find(&c->m.hdr, n->field, i)) != HDR_NONE) {
		raw = hdr_rawvalue(&c->m.hdr, i, &len);
		d = rfc2047_decode(raw, len);
		r = regexec(&n->re, d, 0, NULL, 0);
		free(d);
		if (r == 0)
			return 1;
		i++;
	}
	return 0;
}

/* Decode the header and every text part of the body, once. */
static void
load_body(struct cand *c)
{
	struct buf whole = BUF_INIT;
	struct mime_tree t;
	const struct mime_part *p;
	size_t i;

	c->havebody = 1;
	/* nmh's -search reads the header too: its fields, decoded */
	for (i = 0; i < c->m.hdr.n; i++) {
		const char *name, *raw;
		size_t nlen, rlen;

		name = hdr_name(&c->m.hdr, i, &nlen);
		raw = hdr_rawvalue(&c->m.hdr, i, &rlen);
		buf_add(&c->body, name, nlen);
		buf_addc(&c->body, ':');
		rfc2047_decode_buf(&c->body, raw, rlen);
		buf_addc(&c->body, '\n');
	}
	buf_add(&whole, c->m.hdr.raw.data, c->m.hdr.raw.len);
	buf_add(&whole, c->m.sep.data, c->m.sep.len);
	if (msg_body_all(&c->m, &whole) < 0)
		c->err = errno;
	mime_parse(&t, whole.data ? whole.data : "", whole.len);
	for (i = 0; i < t.n; i++) {
		p = &t.part[i];
		if (p->nchild > 0 || strcmp(p->type, "text") != 0)
			continue;
		mime_text_utf8(p, whole.data, &c->body, NULL);
		buf_addc(&c->body, '\n');
	}
	/* regexec stops at a NUL */
	for (i = 0; i < c->body.len; i++)
		if (c->body.data[i] == '\0')
			c->body.data[i] = ' ';
	buf_cstr(&c->body);
	mime_free(&t);
	buf_free(&whole);
}

static int
date_cmp(struct cand *c, const struct node *n)
{
	const char *raw;
	size_t i, len;
	time_t t;

	if ((i = hdr_find(&c->m.hdr, n->field, 0)) == HDR_NONE)
		return 0;
	raw = hdr_rawvalue(&c->m.hdr, i, &len);
	if (date_parse(raw, len, &t, NULL) < 0)
		return 0;
	return n->type == N_AFTER ? t > n->t : t < n->t;
}

static int
eval(struct cand *c, const struct node *n)
{
	switch (n->type) {
	case N_AND:
		return eval(c, n->l) && eval(c, n->r);
	case N_OR:
		return eval(c, n->l) || eval(c, n->r);
	case N_NOT:
		return !eval(c, n->l);
	case N_FIELD:
		return field_match(c, n);
	case N_SEARCH:
		if (!c->havebody)
			load_body(c);
		return regexec(&n->re, c->body.data, 0, NULL, 0) == 0;
	case N_AFTER:
	case N_BEFORE:
		return date_cmp(c, n);
	case N_TRUE:
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- args */

static void
add_tok(enum word w, const char *arg, const char *field)
{
	toks = xreallocarray(toks, ntoks + 1, sizeof(*toks));
	toks[ntoks].w = w;
	toks[ntoks].arg = arg;
	toks[ntoks].field = field;
	ntoks++;
}

static void
add_seq(const char *s)
{
	seqs = xreallocarray(seqs, nseqs + 1, sizeof(*seqs));
	seqs[nseqs++] = s;
}

/* Short options, clustered as getopt allows: -0 -l -V -z, -s seq. */
static void
short_opts(const char *a, char **argv, int argc, int *ip)
{
	for (; *a != '\0'; a++) {
		switch (*a) {
		case '0':
			nul = 1;
			break;
		case 'l':
			lflag = 1;
			break;
		case 's':
			if (a[1] != '\0')
				add_seq(a + 1);
			else if (++*ip < argc)
				add_seq(argv[*ip]);
			else
				usage();
			return;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			exit(0);
		case 'z':
			zflag = 1;
			break;
		default:
			usage();
		}
	}
}

/*
 * Sort the command line into tokens of the expression, options and
 * operands (returned in ops).
 */
static size_t
parse_args(int argc, char **argv, char **ops)
{
	const char *datefield = "date";
	size_t nops = 0;
	enum word w;
	int i, done = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (done || a[0] != '-' || a[1] == '\0') {
			ops[nops++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			done = 1;
			continue;
		}
		if (a[1] == '-') {		/* --field pattern */
			if (i + 1 >= argc)
				errx(EX_USAGE, "%s needs a pattern", a);
			add_tok(W_FIELD, argv[i + 1], a + 2);
			i++;
			continue;
		}
		if (a[2] == '\0' || (w = lookup(a + 1)) == W_NONE) {
			short_opts(a + 1, argv, argc, &i);
			continue;
		}
		switch (w) {
		case W_FROM: case W_TO: case W_CC: case W_SUBJECT:
		case W_DATE: case W_SEARCH: case W_AFTER: case W_BEFORE:
			if (i + 1 >= argc)
				errx(EX_USAGE, "%s needs an argument", a);
			add_tok(w, argv[++i], datefield);
			break;
		case W_DATEFIELD:	/* for the -after, -before after it */
			if (i + 1 >= argc)
				errx(EX_USAGE, "%s needs a field name", a);
			datefield = argv[++i];
			break;
		case W_SEQUENCE:
			if (i + 1 >= argc)
				errx(EX_USAGE, "%s needs a name", a);
			add_seq(argv[++i]);
			break;
		case W_LIST:
			lflag = 1;
			break;
		case W_NOLIST:
			lflag = 0;
			break;
		case W_ZERO:
			zflag = 1;
			break;
		case W_NOZERO:
			zflag = 0;
			break;
		case W_PUBLIC:
			private = 0;
			break;
		case W_NOPUBLIC:
			private = 1;
			break;
		case W_VERSION:
			puts(MAILKIT_VERSION_STRING);
			exit(0);
		case W_HELP:
			usage();
		default:
			add_tok(w, NULL, NULL);
			break;
		}
	}
	return nops;
}

static struct node *
parse_expr(void)
{
	struct node *n;
	struct tok *t;

	if (ntoks == 0)
		return node(N_TRUE, NULL, NULL);
	pos = 0;
	n = parse_or();
	if (pos < ntoks) {
		t = &toks[pos];
		errx(EX_USAGE, "unexpected -%s", t->w < W_FIELD ?
		    words[t->w] : "field");
	}
	return n;
}

/* Free what main holds, however mpick exits (atexit). */
static void
cleanup(void)
{
	struct node *n;

	while ((n = prog.nodes) != NULL) {
		prog.nodes = n->next;
		if (n->hasre)
			regfree(&n->re);
		free(n->field);
		free(n);
	}
	mht_free(&prog.t);
	free(prog.hit);
	free(prog.prev);
	free(prog.ops);
	free(toks);
	free(seqs);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *t = &prog.t;
	struct node *expr;
	struct cand c;
	struct mh_folder *f;
	unsigned *sel;
	size_t nops, i, j, k, nprev = 0, nsel, nhit = 0;
	int flags, r, rv = 0, failed = 0;
	const char *ps;

	(void)atexit(cleanup);
	setlocale(LC_CTYPE, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");	/* decoded text is UTF-8 */
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	prog.args = mh_prog_args(prog.mh, "mpick", &argc, argv);
	prog.ops = xreallocarray(NULL, (size_t)argc + 1, sizeof(*prog.ops));
	nops = parse_args(argc - 1, prog.args + 1, prog.ops);
	expr = parse_expr();
	for (i = 0; i < nseqs; i++)
		if (!isalpha((unsigned char)seqs[i][0]))
			errx(EX_USAGE, "bad sequence name: %s", seqs[i]);

	flags = MHT_STDIN | MHT_DASH | (nul ? MHT_NUL : 0);
	ps = mh_get(prog.mh, "Previous-Sequence");
	if (nseqs > 0 || (ps != NULL && *ps != '\0'))
		flags |= MHT_LOCK;
	if (mht_collect(prog.mh, prog.ops, nops, "all", flags, t) < 0) {
		r = errno;
		warnx("%s", t->err);
		return r == EINVAL ? 1 : r == ENOENT ? EX_NOINPUT :
		    exit_for_errno(r);
	}

	prog.hit = xreallocarray(NULL, t->n + 1, sizeof(*prog.hit));
	for (i = 0; i < t->n; i++) {
		if (t->v[i].folder != MHT_NOFOLDER &&
		    t->v[i].folder == t->spec) {
			prog.prev = xreallocarray(prog.prev, nprev + 1,
			    sizeof(*prog.prev));
			prog.prev[nprev++] = t->v[i].num;
		}
		memset(&c, 0, sizeof(c));
		if (strcmp(t->v[i].path, "-") == 0)
			r = msg_fdopen(&c.m, STDIN_FILENO, "-");
		else
			r = msg_open(&c.m, t->v[i].path);
		if (r < 0) {
			warn("%s", t->v[i].path);
			failed = 1;
			continue;
		}
		r = eval(&c, expr);
		if (c.err != 0) {
			warnc(c.err, "%s", t->v[i].path);
			failed = 1;
		}
		msg_close(&c.m);
		buf_free(&c.body);
		if (r)
			prog.hit[nhit++] = i;
	}

	/* store: each folder's hits in the sequences */
	if (nseqs > 0 && nhit > 0) {
		sel = xreallocarray(NULL, nhit + 1, sizeof(*sel));
		for (j = 0; j < t->nfolders; j++) {
			f = t->folders[j];
			for (k = nsel = 0; k < nhit; k++)
				if (t->v[prog.hit[k]].folder == j)
					sel[nsel++] = t->v[prog.hit[k]].num;
			if (nsel == 0 && j != t->spec)
				continue;
			for (k = 0; k < nseqs; k++) {
				if (zflag)
					mh_seq_zero(f, seqs[k]);
				mh_seq_add(f, seqs[k], sel, nsel);
				if (private)
					mh_seq_set_private(f, seqs[k], 1);
			}
		}
		free(sel);
		for (k = 0; k < nhit; k++)
			if (t->v[prog.hit[k]].folder == MHT_NOFOLDER) {
				warnx("%s: not in an MH folder, not added",
				    t->v[prog.hit[k]].path);
				failed = 1;
			}
	}
	if (nseqs == 0 || lflag)
		for (k = 0; k < nhit; k++) {
			i = prog.hit[k];
			if (lflag && t->v[i].num != 0)
				printf("%u", t->v[i].num);
			else
				fputs(t->v[i].path, stdout);
			putchar(nul ? '\0' : '\n');
		}
	/* nmh's pick sets the Previous-Sequence to what it searched */
	if (nprev > 0 && ps != NULL && *ps != '\0')
		mh_set_previous(prog.mh, t->folders[t->spec], prog.prev,
		    nprev);
	if (mht_save(prog.mh, t) < 0) {
		warnx("%s", mh_errmsg(prog.mh));
		rv = exit_for_errno(errno);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	if (rv != 0)
		return rv;
	if (failed)
		return EX_NOINPUT;
	return nhit > 0 ? 0 : 1;
}
