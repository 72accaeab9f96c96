/*
 * mshow: show messages for reading: chosen header fields decoded, the
 * text parts decoded and converted to UTF-8 (HTML through a converter,
 * or with its tags dropped), a list of the other parts; or the MIME tree
 * (-t), one part (-p), the raw message (-r); or extract parts into files
 * (-x, -O).  Sets cur, and takes shown messages out of the unseen
 * sequence.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hdr.h"
#include "mh.h"
#include "mhops.h"
#include "mime.h"
#include "render.h"
#include "rfc2047.h"
#include "util.h"
#include "xio.h"

#define DEFAULT_HEADERS	"From To Cc Date Subject"

static int	 fflag, Hflag, rflag, tflag;
static char	*pflag, *Odir;
static char	**xparts;
static size_t	 nxparts;
static char	**showhdrs;	/* mshow-headers */
static char	**htmlconv;	/* mshow-html, NULL: drop tags */
static FILE	*out;
static int	 status;

/* What main holds until mshow exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	struct mhtargets  t;
} prog;

/* The message being worked on. */
struct cur {
	const char	*label;		/* "inbox:5" or the path */
	const char	*prefix;	/* for extracted names: "5-", "" */
	struct buf	 raw;
	struct mime_tree t;
	size_t		*atts;		/* the attachment list */
	size_t		 natts;
	int		 ntext;		/* text parts shown */
	char		**made;		/* names written so far */
	size_t		 nmade;
};

static void	show_part(struct cur *, size_t);

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mshow [-0fHnrtV] [-O dir] [-p part] "
	    "[-x part] [+folder] [msg ...]\n");
	exit(EX_USAGE);
}

static void
set_status(int s)
{
	if (status == 0 || status == 1)
		status = s;
}

static void
put_clean(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	render_clean(&b, s, n);
	fwrite(b.data != NULL ? b.data : "", 1, b.len, out);
	buf_free(&b);
}

/* Print field i of h: name, decoded value. */
static void
put_field(const struct hdr *h, size_t i)
{
	const char *name;
	char *v, *d;
	size_t nlen;

	name = hdr_name(h, i, &nlen);
	v = hdr_value(h, i);
	d = rfc2047_decode(v, strlen(v));
	put_clean(name, nlen);
	fputs(": ", out);
	put_clean(d, strlen(d));
	fputc('\n', out);
	free(d);
	free(v);
}

/* The header block at off (len bytes): all fields (-H) or the chosen. */
static void
put_header(const struct cur *c, size_t off, size_t len)
{
	struct hdr h;
	size_t i, k;

	hdr_init(&h);
	hdr_parse(&h, c->raw.data + off, len);
	if (Hflag)
		for (i = 0; i < h.n; i++)
			put_field(&h, i);
	else
		for (k = 0; showhdrs[k] != NULL; k++)
			for (i = 0; (i = hdr_find(&h, showhdrs[k], i)) !=
			    HDR_NONE; i++)
				put_field(&h, i);
	hdr_free(&h);
}

static int
is(const struct mime_part *p, const char *type, const char *subtype)
{
	return strcmp(p->type, type) == 0 &&
	    (subtype == NULL || strcmp(p->subtype, subtype) == 0);
}

/* The text of an HTML part: through the converter, else tags dropped. */
static void
html_text(const char *html, size_t n, struct buf *text)
{
	int r;

	if (htmlconv != NULL) {
		r = render_filter(htmlconv, html, n, text);
		if (r == 0)
			return;
		if (r < 0)
			warn("%s", htmlconv[0]);
		else
			warnx("%s: exit status %d; tags dropped instead",
			    htmlconv[0], r);
		buf_reset(text);
	}
	render_html(text, html, n);
}

/* Show a text part, decoded and converted. */
static void
show_text(struct cur *c, size_t i)
{
	const struct mime_part *p = &c->t.part[i];
	struct buf u = BUF_INIT, h = BUF_INIT;
	int unknown = 0;

	mime_text_utf8(p, c->raw.data, &u, &unknown);
	if (c->ntext++ > 0)
		fprintf(out, "\n[-- part %s: %s/%s --]\n\n", p->num, p->type,
		    p->subtype);
	if (unknown) {
		fputs("[-- unknown charset ", out);
		put_clean(p->charset, strlen(p->charset));
		fputs(": shown as it is --]\n", out);
	}
	if (is(p, "text", "html")) {
		html_text(u.data != NULL ? u.data : "", u.len, &h);
		put_clean(h.data != NULL ? h.data : "", h.len);
	} else
		put_clean(u.data != NULL ? u.data : "", u.len);
	if (u.len > 0 && u.data[u.len - 1] != '\n')
		fputc('\n', out);
	buf_free(&u);
	buf_free(&h);
}

/* The child of multipart/alternative i to show. */
static size_t
pick_alternative(const struct cur *c, size_t i)
{
	const struct mime_tree *t = &c->t;
	size_t k, plain = MIME_NONE, html = MIME_NONE, multi = MIME_NONE,
	    first = MIME_NONE;

	for (k = i + 1; k < t->n; k++) {
		const struct mime_part *p = &t->part[k];

		if (p->parent != i)
			continue;
		if (first == MIME_NONE)
			first = k;
		if (p->disp == MIME_DISP_ATTACHMENT)
			continue;
		if (plain == MIME_NONE && is(p, "text", "plain"))
			plain = k;
		else if (html == MIME_NONE && is(p, "text", "html"))
			html = k;
		else if (multi == MIME_NONE && is(p, "multipart", NULL))
			multi = k;
	}
	return plain != MIME_NONE ? plain : html != MIME_NONE ? html :
	    multi != MIME_NONE ? multi : first;
}

static void
add_att(struct cur *c, size_t i)
{
	c->atts = xreallocarray(c->atts, c->natts + 1, sizeof(*c->atts));
	c->atts[c->natts++] = i;
}

static void
show_children(struct cur *c, size_t i)
{
	size_t k;

	for (k = i + 1; k < c->t.n; k++)
		if (c->t.part[k].parent == i)
			show_part(c, k);
}

static void
show_part(struct cur *c, size_t i)
{
	const struct mime_part *p = &c->t.part[i];
	size_t k;

	if (is(p, "multipart", NULL) && p->nchild > 0) {
		if (strcmp(p->subtype, "alternative") == 0) {
			if ((k = pick_alternative(c, i)) != MIME_NONE)
				show_part(c, k);
		} else
			show_children(c, i);
	} else if (is(p, "message", "rfc822") && p->nchild > 0 &&
	    p->disp != MIME_DISP_ATTACHMENT) {
		k = i + 1;
		fprintf(out, "\n[-- part %s: message/rfc822 --]\n", p->num);
		put_header(c, c->t.part[k].hdroff, c->t.part[k].hdrlen);
		fputc('\n', out);
		c->ntext = 0;
		show_part(c, k);
	} else if (p->disp == MIME_DISP_ATTACHMENT ||
	    (!is(p, "text", NULL) && !is(p, "multipart", NULL)))
		add_att(c, i);
	else
		show_text(c, i);
}

static void
put_type(const struct mime_part *p, int withcharset)
{
	fprintf(out, "%s/%s", p->type, p->subtype);
	if (withcharset && p->charset != NULL && is(p, "text", NULL)) {
		fputs("; charset=", out);
		put_clean(p->charset, strlen(p->charset));
	}
}

static void
put_name(const struct mime_part *p)
{
	if (p->filename != NULL) {
		fputs("  ", out);
		put_clean(p->filename, strlen(p->filename));
	}
}

/* The attachment list after the text. */
static void
show_atts(struct cur *c)
{
	size_t k;

	if (c->natts == 0)
		return;
	fputs("\n[-- attachments --]\n", out);
	for (k = 0; k < c->natts; k++) {
		const struct mime_part *p = &c->t.part[c->atts[k]];
		int w = 0;

		fprintf(out, "  %-8s ", p->num);
		w = (int)strlen(p->type) + 1 + (int)strlen(p->subtype);
		put_type(p, 0);
		fprintf(out, "%*s %10zu", w < 30 ? 30 - w : 0, "",
		    mime_decoded_size(p, c->raw.data));
		put_name(p);
		fputc('\n', out);
	}
}

/* -t: one line per part. */
static void
show_tree(struct cur *c)
{
	size_t i;

	for (i = 0; i < c->t.n; i++) {
		const struct mime_part *p = &c->t.part[i];
		int w;

		w = fprintf(out, "%*s%s", p->depth * 2, "",
		    *p->num != '\0' ? p->num : "-");
		fprintf(out, "%*s", w < 10 ? 10 - w : 1, "");
		w = (int)strlen(p->type) + 1 + (int)strlen(p->subtype);
		put_type(p, 0);
		fprintf(out, "%*s %10zu", w < 30 ? 30 - w : 1, "",
		    mime_decoded_size(p, c->raw.data));
		if (p->charset != NULL && is(p, "text", NULL)) {
			fputs("  ", out);
			put_clean(p->charset, strlen(p->charset));
		}
		put_name(p);
		if (p->disp == MIME_DISP_ATTACHMENT)
			fputs("  (attachment)", out);
		fputc('\n', out);
	}
}

/* -p: one part alone. */
static void
show_only(struct cur *c, const char *num)
{
	const struct mime_part *p = mime_find(&c->t, num);
	struct buf b = BUF_INIT;
	size_t i;

	if (p == NULL) {
		warnx("%s: no part %s", c->label, num);
		set_status(1);
		return;
	}
	i = (size_t)(p - c->t.part);
	if (is(p, "text", NULL))
		show_text(c, i);
	else if (is(p, "multipart", NULL) || is(p, "message", "rfc822")) {
		if (is(p, "message", "rfc822") && p->nchild > 0) {
			put_header(c, c->t.part[i + 1].hdroff,
			    c->t.part[i + 1].hdrlen);
			fputc('\n', out);
			i++;
		}
		show_part(c, i);
		show_atts(c);
	} else if (isatty(fileno(out))) {
		warnx("%s: part %s is %s/%s: extract it with -x", c->label,
		    num, p->type, p->subtype);
		set_status(1);
	} else {
		mime_decode_body(p, c->raw.data, &b);
		fwrite(b.data != NULL ? b.data : "", 1, b.len, out);
	}
	buf_free(&b);
}

/* ---------------------------------------------------------------- -x -O */

/* Should -O without -x extract part p? */
static int
is_attachment(const struct mime_part *p)
{
	if (is(p, "multipart", NULL) && p->nchild > 0)
		return 0;
	if (is(p, "message", "rfc822") && p->nchild > 0 &&
	    p->disp != MIME_DISP_ATTACHMENT)
		return 0;
	return p->disp == MIME_DISP_ATTACHMENT || p->filename != NULL ||
	    !is(p, "text", NULL);
}

static int
made_before(const struct cur *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmade; i++)
		if (strcmp(c->made[i], name) == 0)
			return 1;
	return 0;
}

/* A name for part p: its safe file name, else "part-NUM". */
static char *
part_name(struct cur *c, const struct mime_part *p)
{
	char *safe = mime_safe_filename(p->filename), *name, *dot;
	int k;

	if (safe == NULL)
		safe = xasprintf("part-%s", *p->num != '\0' ? p->num : "0");
	name = xasprintf("%s%s", c->prefix, safe);
	/* two parts of this message with the same name: number them */
	for (k = 2; made_before(c, name); k++) {
		free(name);
		dot = strrchr(safe, '.');
		if (dot != NULL && dot != safe)
			name = xasprintf("%s%.*s-%d%s", c->prefix,
			    (int)(dot - safe), safe, k, dot);
		else
			name = xasprintf("%s%s-%d", c->prefix, safe, k);
	}
	free(safe);
	return name;
}

/*
 * Write data as name in directory dfd: O_EXCL and O_NOFOLLOW, so that
 * nothing is overwritten or followed; with -f a temporary file renamed
 * over name (never writing through a link).
 */
static int
write_file(int dfd, const char *name, const char *data, size_t n)
{
	char *tmp = NULL;
	int fd, e, k;

	if (!fflag)
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0666);
	else {
		for (k = 0;; k++) {
			free(tmp);
			tmp = xasprintf(".%s.%ld.%d", name, (long)getpid(), k);
			fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0666);
			if (fd >= 0 || errno != EEXIST || k > 100)
				break;
		}
	}
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	if (xwrite_all(fd, data, n) < 0 || xclose(&fd) < 0)
		goto fail;
	if (tmp != NULL) {
		if (renameat(dfd, tmp, dfd, name) < 0)
			goto fail;
		free(tmp);
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		(void)close(fd);
	(void)unlinkat(dfd, tmp != NULL ? tmp : name, 0);
	free(tmp);
	errno = e;
	return -1;
}

static void
extract(struct cur *c, int dfd, const struct mime_part *p)
{
	struct buf b = BUF_INIT;
	char *name = part_name(c, p);
	const char *dir = Odir != NULL ? Odir : ".";

	if (is(p, "message", "rfc822") || p->enc == MIME_ENC_OTHER ||
	    is(p, "multipart", NULL))
		buf_add(&b, c->raw.data + p->bodyoff, p->bodylen);
	else
		mime_decode_body(p, c->raw.data, &b);
	if (write_file(dfd, name, b.data != NULL ? b.data : "", b.len) < 0) {
		if (errno == EEXIST)
			warnx("%s/%s: exists (-f overwrites)", dir, name);
		else
			warn("%s/%s", dir, name);
		set_status(EX_CANTCREAT);
	} else {
		c->made = xreallocarray(c->made, c->nmade + 1,
		    sizeof(*c->made));
		c->made[c->nmade++] = xstrdup(name);
		if (Odir != NULL) {
			put_clean(Odir, strlen(Odir));
			fputc('/', out);
		}
		put_clean(name, strlen(name));
		fputc('\n', out);
	}
	buf_free(&b);
	free(name);
}

static void
extract_all(struct cur *c)
{
	const struct mime_part *p;
	size_t i;
	int dfd;

	if ((dfd = open(Odir != NULL ? Odir : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		warn("%s", Odir != NULL ? Odir : ".");
		set_status(exit_for_errno(errno));
		return;
	}
	if (nxparts > 0) {
		for (i = 0; i < nxparts; i++) {
			if ((p = mime_find(&c->t, xparts[i])) == NULL) {
				warnx("%s: no part %s", c->label, xparts[i]);
				set_status(1);
			} else
				extract(c, dfd, p);
		}
	} else
		for (i = 0; i < c->t.n; i++)
			if (is_attachment(&c->t.part[i]))
				extract(c, dfd, &c->t.part[i]);
	(void)close(dfd);
}

/* ---------------------------------------------------------------- main */

static int
load(struct cur *c, const char *path)
{
	int fd, e;

	if (strcmp(path, "-") == 0)
		return read_fd_all(STDIN_FILENO, &c->raw);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (read_fd_all(fd, &c->raw) < 0) {
		e = errno;
		(void)close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static void
do_msg(const char *path, const char *label, const char *prefix, int multi)
{
	struct cur c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.label = label;
	c.prefix = prefix;
	if (load(&c, path) < 0) {
		warn("%s", path);
		set_status(exit_for_errno(errno));
		buf_free(&c.raw);
		return;
	}
	if (multi && !(Odir != NULL || nxparts > 0)) {
		fputs("(Message ", out);
		put_clean(label, strlen(label));
		fputs(")\n", out);
	}
	if (rflag) {
		fwrite(c.raw.data != NULL ? c.raw.data : "", 1, c.raw.len, out);
		buf_free(&c.raw);
		return;
	}
	mime_parse(&c.t, c.raw.data != NULL ? c.raw.data : "", c.raw.len);
	if (tflag)
		show_tree(&c);
	else if (Odir != NULL || nxparts > 0)
		extract_all(&c);
	else if (pflag != NULL)
		show_only(&c, pflag);
	else {
		put_header(&c, c.t.part[0].hdroff, c.t.part[0].hdrlen);
		fputc('\n', out);
		show_part(&c, 0);
		show_atts(&c);
	}
	if (multi && !tflag && !(Odir != NULL || nxparts > 0))
		fputc('\n', out);
	mime_free(&c.t);
	for (i = 0; i < c.nmade; i++)
		free(c.made[i]);
	free(c.made);
	free(c.atts);
	buf_free(&c.raw);
}

/* cur is the last message of each folder; shown ones are seen. */
static void
update_seqs(struct mh *mh, struct mhtargets *t, int seen)
{
	struct mh_folder *f;
	unsigned *v;
	char **names;
	size_t i, k, j, n, nn;

	names = mht_unseen(mh, &nn);
	v = xreallocarray(NULL, t->n + 1, sizeof(*v));
	for (k = 0; k < t->nfolders; k++) {
		f = t->folders[k];
		for (i = n = 0; i < t->n; i++)
			if (t->v[i].folder == k)
				v[n++] = t->v[i].num;
		if (n == 0)
			continue;
		mh_set_cur(f, v[n - 1]);
		if (seen)
			for (j = 0; j < nn; j++)
				if (mh_seq_get(f, names[j]) != NULL)
					mh_seq_del(f, names[j], v, n);
	}
	free(v);
	mh_argv_free(names);
}

/* Free what main holds, however mshow exits (atexit). */
static void
cleanup(void)
{
	mht_free(&prog.t);
	mh_argv_free(showhdrs);
	mh_argv_free(htmlconv);
	free(xparts);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *t = &prog.t;
	const char *s, *pager = NULL;
	char *label, *prefix;
	size_t i;
	int ch, flags = MHT_LOCK | MHT_STDIN | MHT_DASH, nflag = 0, display;

	(void)atexit(cleanup);
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	prog.args = mh_prog_args(prog.mh, "mshow", &argc, argv);
	while ((ch = getopt(argc, prog.args, "0fHnO:p:rtVx:")) != -1) {
		switch (ch) {
		case '0':
			flags |= MHT_NUL;
			break;
		case 'f':
			fflag = 1;
			break;
		case 'H':
			Hflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'O':
			Odir = optarg;
			break;
		case 'p':
			pflag = optarg;
			break;
		case 'r':
			rflag = 1;
			break;
		case 't':
			tflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		case 'x':
			xparts = xreallocarray(xparts, nxparts + 1,
			    sizeof(*xparts));
			xparts[nxparts++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (tflag + rflag + (pflag != NULL) +
	    (Odir != NULL || nxparts > 0) > 1) {
		warnx("-t, -r, -p and -x/-O exclude one another");
		usage();
	}
	display = !tflag && Odir == NULL && nxparts == 0;

	if (mht_collect(prog.mh, prog.args + optind, (size_t)argc, "cur",
	    flags, t) < 0)
		errx(errno == EINVAL ? 1 : exit_for_errno(errno), "%s",
		    t->err);
	if (t->n == 0)
		errx(1, "no messages");
	/* before showing: a pager may run for long, holding no lock */
	update_seqs(prog.mh, t, display);
	if (mht_save(prog.mh, t) < 0)
		warnx("%s", mh_errmsg(prog.mh));

	s = mh_get(prog.mh, "mshow-headers");
	showhdrs = mh_split(s != NULL ? s : DEFAULT_HEADERS, NULL);
	if ((s = mh_get(prog.mh, "mshow-html")) != NULL) {
		htmlconv = mh_split(s, &i);
		if (i == 0) {
			mh_argv_free(htmlconv);
			htmlconv = NULL;
		}
	}

	out = stdout;
	if (display && !nflag && isatty(STDOUT_FILENO)) {
		if ((pager = getenv("PAGER")) == NULL)
			pager = "less";
		if (*pager != '\0') {
			fflush(stdout);
			(void)signal(SIGPIPE, SIG_IGN);
			if ((out = popen(pager, "w")) == NULL) {
				warn("%s", pager);
				out = stdout;
				pager = NULL;
			}
		} else
			pager = NULL;
	}

	for (i = 0; i < t->n; i++) {
		struct mhtarget *m = &t->v[i];

		if (m->folder != MHT_NOFOLDER) {
			label = xasprintf("%s:%u", t->folders[m->folder]->name,
			    m->num);
			prefix = t->n > 1 ? xasprintf("%u-", m->num) :
			    xstrdup("");
		} else {
			const char *b = strrchr(m->path, '/');

			label = xstrdup(m->path);
			prefix = t->n > 1 ? xasprintf("%s-", b != NULL ? b + 1 :
			    m->path) : xstrdup("");
		}
		do_msg(m->path, label, prefix, t->n > 1);
		free(label);
		free(prefix);
	}

	if (pager != NULL) {
		if (pclose(out) == -1)
			warn("%s", pager);
	} else if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	return status;
}
