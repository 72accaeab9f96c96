/*
 * msend: the submission agent (RFC 6409 §8 for what it adds to a
 * message).  Reads one message, sends it through the account's
 * smarthost or to the recipients' MX hosts, and queues it on a
 * temporary failure; "msend -q" retries the queue, "msend -Q" lists it.
 * Called as "sendmail" it takes sendmail's options.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "date.h"
#include "hdr.h"
#include "msendconf.h"
#include "msg.h"
#include "queue.h"
#include "relay.h"
#include "smtp.h"
#include "util.h"
#include "xio.h"

enum mode { M_SEND, M_RUNQ, M_LISTQ };

static int		 iflag, tflag, vflag;
static const char	*aflag, *Cflag, *Fflag, *fflag, *Nflag;
static char		*notify;

/* What main holds until msend exits; cleanup() frees it. */
static struct {
	struct msendconf  c;
	struct qentry	  e;
	struct relay_job  j;
	struct buf	  in;		/* standard input, as read */
	struct msg	  msg;
	struct buf	  body;
	char		 *hfrom;
	char		 *domain;
	struct buf	  err;		/* why no configuration is usable */
} prog;

static MK_NORETURN void
usage(int sendmail)
{
	if (sendmail)
		fprintf(stderr, "usage: sendmail [-itv] [-bm | -bp] "
		    "[-C config] [-F name] [-f from] [-N dsn] [-o opt] "
		    "[-q] [recipient ...]\n");
	else
		fprintf(stderr, "usage: msend [-itVv] [-a account] "
		    "[-C config] [-F name] [-f from] [-N dsn] [-q | -Q] "
		    "[--] [recipient ...]\n");
	exit(EX_USAGE);
}

/* Has a value from the command line a CR or LF (header injection)? */
static void
check_value(const char *what, const char *v)
{
	if (strpbrk(v, "\r\n") != NULL)
		mk_errx(EX_USAGE, "%s: CR or LF not allowed", what);
}

/* -N: "never" or a list of success, failure, delay (RFC 3461 NOTIFY). */
static char *
parse_notify(const char *v)
{
	static const char *words[] = { "never", "success", "failure",
	    "delay" };
	struct buf b = BUF_INIT;
	const char *p = v;
	size_t n, i;

	while (*p != '\0') {
		n = strcspn(p, ", ");
		for (i = 0; i < 4; i++)
			if (strlen(words[i]) == n &&
			    ascii_strncasecmp(p, words[i], n) == 0)
				break;
		if (i == 4 || (i == 0 && (b.len > 0 || p[n] != '\0')))
			mk_errx(EX_USAGE, "-N %s: never, or a list of "
			    "success, failure and delay expected", v);
		if (b.len > 0)
			buf_addc(&b, ',');
		for (; n > 0; n--, p++)
			buf_addc(&b, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		p += strspn(p, ", ");
	}
	return b.len > 0 ? buf_release(&b) : NULL;
}

/* sendmail's options: the ones that matter, the rest accepted. */
static enum mode
options_sendmail(int argc, char **argv, int *optindp)
{
	enum mode m = M_SEND;
	int ch;

	while ((ch = getopt(argc, argv,
	    "+A:a:B:b:C:d:F:f:Gh:iL:mN:nO:o:p:q::R:r:tUV:vX:")) != -1) {
		switch (ch) {
		case 'a':
			aflag = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "p") == 0)
				m = M_LISTQ;
			else if (strcmp(optarg, "m") != 0)
				mk_errx(EX_USAGE, "-b%s: mode not supported",
				    optarg);
			break;
		case 'C':
			Cflag = optarg;
			break;
		case 'F':
			Fflag = optarg;
			break;
		case 'f':
		case 'r':
			fflag = optarg;
			break;
		case 'i':
			iflag = 1;
			break;
		case 'N':
			Nflag = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "i") == 0)
				iflag = 1;
			break;
		case 'q':
			m = M_RUNQ;
			break;
		case 't':
			tflag = 1;
			break;
		case 'v':
			vflag = 1;
			break;
		case 'A': case 'B': case 'd': case 'G': case 'h': case 'L':
		case 'm': case 'n': case 'O': case 'p': case 'R': case 'U':
		case 'V': case 'X':
			break;		/* accepted and ignored */
		default:
			usage(1);
		}
	}
	*optindp = optind;
	return m;
}

static enum mode
options_native(int argc, char **argv, int *optindp)
{
	enum mode m = M_SEND;
	int ch;

	while ((ch = getopt(argc, argv, "+a:C:F:f:iN:QqtVv")) != -1) {
		switch (ch) {
		case 'a':
			aflag = optarg;
			break;
		case 'C':
			Cflag = optarg;
			break;
		case 'F':
			Fflag = optarg;
			break;
		case 'f':
			fflag = optarg;
			break;
		case 'i':
			iflag = 1;
			break;
		case 'N':
			Nflag = optarg;
			break;
		case 'Q':
			if (m == M_RUNQ)
				usage(0);
			m = M_LISTQ;
			break;
		case 'q':
			if (m == M_LISTQ)
				usage(0);
			m = M_RUNQ;
			break;
		case 't':
			tflag = 1;
			break;
		case 'V':
			printf("%s\n", MAILKIT_VERSION_STRING);
			exit(0);
		case 'v':
			vflag = 1;
			break;
		default:
			usage(0);
		}
	}
	*optindp = optind;
	return m;
}

/*
 * -C, $MSEND_CONFIG, ~/.config/msend/config, /etc/msend.conf.  Exits
 * when none is usable, saying why in prog.err.
 */
static void
load_config(struct msendconf *c)
{
	struct buf *err = &prog.err;
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *cand[3] = { NULL, NULL, NULL };
	size_t i;
	int r = -1, e;

	if (Cflag != NULL || (Cflag = getenv("MSEND_CONFIG")) != NULL)
		cand[0] = xstrdup(Cflag);
	else {
		if (xdg != NULL && *xdg != '\0')
			cand[0] = xasprintf("%s/msend/config", xdg);
		else if (home != NULL)
			cand[0] = xasprintf("%s/.config/msend/config", home);
		cand[1] = xstrdup("/etc/msend.conf");
	}
	for (i = 0; i < 3 && cand[i] != NULL; i++) {
		buf_reset(err);
		if ((r = msendconf_load(c, cand[i], err)) == 0 ||
		    errno != ENOENT || Cflag != NULL)
			break;
	}
	e = errno;
	if (r == -1 && e != EPERM && (err->len == 0 ||
	    (e == ENOENT && Cflag == NULL))) {
		buf_reset(err);
		buf_printf(err, "no configuration file (%s%s%s)",
		    cand[0] != NULL ? cand[0] : "", cand[1] != NULL ? ", " : "",
		    cand[1] != NULL ? cand[1] : "");
	}
	for (i = 0; i < 3; i++)
		free(cand[i]);
	if (r == -1)
		mk_errx(e == EPERM ? EX_NOPERM : EX_CONFIG, "%s",
		    buf_cstr(err));
	buf_free(err);
}

/* Add each mailbox of an address list, once (RFC 5321 §3.3). */
static void
add_rcpts(struct qentry *e, const char *s, size_t len)
{
	struct addrlist l = ADDRLIST_INIT;
	size_t i, k;

	addr_parse(&l, s, len);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].addr == NULL || l.v[i].addr[0] == '\0')
			continue;
		for (k = 0; k < e->nrcpt; k++)
			if (addr_same(e->rcpt[k], l.v[i].addr))
				break;
		if (k == e->nrcpt)
			qentry_add_rcpt(e, l.v[i].addr);
	}
	addrlist_free(&l);
}

static int
is_resent(const struct hdr *h, size_t i)
{
	size_t n;
	const char *name = hdr_name(h, i, &n);

	return n > 7 && ascii_strncasecmp(name, "Resent-", 7) == 0;
}

/* -t: To, Cc, Bcc; or those of the first Resent- block (RFC 5322 §3.6.6). */
static void
header_rcpts(const struct hdr *h, struct qentry *e)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc",
	    "Resent-Bcc" };
	const char *v, *name;
	size_t i, k, n, len, first = HDR_NONE;

	for (i = 0; i < h->n && first == HDR_NONE; i++)
		if (is_resent(h, i))
			first = i;
	for (i = first == HDR_NONE ? 0 : first; i < h->n; i++) {
		if (first != HDR_NONE && !is_resent(h, i))
			break;
		name = hdr_name(h, i, &n);
		for (k = 0; k < 3; k++)
			if (ascii_casecmp_n(name, n, first == HDR_NONE ?
			    plain[k] : resent[k]) == 0)
				break;
		if (k < 3) {
			v = hdr_rawvalue(h, i, &len);
			add_rcpts(e, v, len);
		}
	}
}

/* The first address of From:, or NULL. */
static char *
header_from(const struct hdr *h)
{
	struct addrlist l = ADDRLIST_INIT;
	char *v, *a = NULL;
	size_t i;

	if ((v = hdr_get(h, "From")) == NULL)
		return NULL;
	addr_parse(&l, v, strlen(v));
	for (i = 0; i < l.n && a == NULL; i++)
		if (l.v[i].addr != NULL && l.v[i].addr[0] != '\0')
			a = xstrdup(l.v[i].addr);
	addrlist_free(&l);
	free(v);
	return a;
}

/* Missing Date, Message-ID and From (RFC 6409 §8.2, §8.3, RFC 5322). */
static void
add_fields(struct hdr *h, const char *from, const char *domain)
{
	struct buf b = BUF_INIT;
	struct addr ad;
	time_t now = time(NULL);

	if (hdr_find(h, "Date", 0) == HDR_NONE) {
		date_format(&b, now, date_local_offset(now));
		hdr_append(h, "Date", b.data);
	}
	if (hdr_find(h, "Message-ID", 0) == HDR_NONE) {
		buf_reset(&b);
		buf_printf(&b, "<%lld.%08x%08x@%s>", (long long)now,
		    arc4random(), arc4random(), domain);
		hdr_append(h, "Message-ID", b.data);
	}
	if (hdr_find(h, "From", 0) == HDR_NONE && *from != '\0') {
		buf_reset(&b);
		ad.name = (char *)(Fflag != NULL && *Fflag != '\0' ? Fflag :
		    NULL);
		ad.addr = (char *)from;
		ad.group = NULL;
		addr_format(&b, &ad, 1);
		hdr_append(h, "From", b.data);
	}
	buf_free(&b);
}

/* Standard input up to the end, or (without -i) a line holding ".". */
static void
read_input(struct buf *in)
{
	char *p;
	size_t off = 0;

	if (read_fd_all(STDIN_FILENO, in) == -1)
		mk_err(EX_IOERR, "standard input");
	if (iflag)
		return;
	for (p = buf_cstr(in); off < in->len; ) {
		if (p[off] == '.' && (off + 1 == in->len || p[off + 1] == '\n' ||
		    (p[off + 1] == '\r' && off + 2 < in->len &&
		    p[off + 2] == '\n'))) {
			buf_truncate(in, off);
			return;
		}
		if ((p = memchr(in->data + off, '\n', in->len - off)) == NULL)
			return;
		off = (size_t)(p - in->data) + 1;
		p = in->data;
	}
}

/* RFC 5321 §4.5.3.1.6: no line over 998 octets; say which one is. */
static void
check_lines(const struct buf *in)
{
	const char *p = in->data, *end = in->data + in->len, *nl;
	size_t line, len;

	for (line = 1; p < end; line++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > SMTP_LINE_MAX)
			mk_errx(EX_DATAERR, "line %zu of the message is longer "
			    "than %d octets: encode it (quoted-printable or "
			    "base64) first", line, SMTP_LINE_MAX);
	}
}

/*
 * Read the message into in: its header indexed in m, its body in body;
 * in is freed again.
 */
static void
load_message(struct buf *in, struct msg *m, struct buf *body)
{
	read_input(in);
	check_lines(in);
	if (msg_frombuf(m, in->data, in->len, "-") == -1)
		mk_err(EX_DATAERR, "message");
	if (msg_body_all(m, body) == -1)
		mk_err(EX_IOERR, "message");
	if (m->hdr.n == 0 && m->hdr.raw.len > 0) {	/* no header at all */
		buf_reset(body);
		buf_add(body, in->data, in->len);
		hdr_free(&m->hdr);
		hdr_init(&m->hdr);
		buf_reset(&m->sep);
	}
	buf_free(in);
}

/* Edit the header (-t, Bcc, added fields) and put the message in e. */
static void
compose(struct qentry *e, struct msg *m, const struct buf *body,
    const char *domain)
{
	if (tflag)
		header_rcpts(&m->hdr, e);
	hdr_remove(&m->hdr, "Bcc");
	hdr_remove(&m->hdr, "Resent-Bcc");
	add_fields(&m->hdr, e->from, domain);
	buf_add(&e->msg, m->hdr.raw.data, m->hdr.raw.len);
	if (m->hdr.raw.len > 0 && m->hdr.raw.data[m->hdr.raw.len - 1] != '\n')
		buf_adds(&e->msg, m->hdr.crlf ? "\r\n" : "\n");
	if (m->sep.len > 0)
		buf_add(&e->msg, m->sep.data, m->sep.len);
	else
		buf_adds(&e->msg, m->hdr.crlf ? "\r\n" : "\n");
	buf_add(&e->msg, body->data, body->len);
}

/* A mailbox that can go into MAIL or RCPT: no controls, no < >. */
static void
check_addr(const char *what, const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f || *a == '<' ||
		    *a == '>')
			mk_errx(EX_USAGE, "%s: not a usable address", what);
}

/* ------------------------------------------------------------ sending */

/* The status of a first attempt, after queueing what can be. */
static int
finish(const struct account *a, struct qentry *e, struct relay_job *j,
    struct relay_tally *t)
{
	struct qentry q;
	size_t i;

	for (i = 0; i < j->nrcpt; i++)
		if (j->rcpt[i].status == R_PERM || (t->temp > 0 &&
		    !a->queue_dir && j->rcpt[i].status == R_TEMP) ||
		    j->rcpt[i].status == R_LOCAL)
			mk_warnx("<%s>: %s", j->rcpt[i].addr, j->rcpt[i].reason);
	if (t->local > 0) {
		relay_log(a, NULL, j, e->msg.len, "failed", t->why);
		return t->localexit;
	}
	if (t->temp > 0 && a->queue_dir != NULL) {
		qentry_init(&q);
		if (queue_defer(a, e, j, t->why, &q) == -1)
			mk_err(EX_TEMPFAIL, "cannot queue the message in %s",
			    a->queue_dir);
		free(e->id);
		e->id = xstrdup(q.id);
		mk_warnx("queued as %s: %s", q.id, t->why);
		relay_log(a, e->id, j, e->msg.len, "queued", t->why);
		qentry_free(&q);
		return 0;
	}
	relay_log(a, NULL, j, e->msg.len, t->temp > 0 ? "deferred" :
	    t->perm == 0 ? "sent" : t->sent > 0 ? "partial" : "failed",
	    t->perm + t->temp == 0 ? t->reply : t->why);
	if (t->temp > 0)
		return EX_TEMPFAIL;
	return t->sent == 0 && t->perm > 0 ? t->permexit : 0;
}

/* Free what main holds, however msend exits (atexit). */
static void
cleanup(void)
{
	relay_job_free(&prog.j);
	qentry_free(&prog.e);
	buf_free(&prog.in);
	msg_close(&prog.msg);
	buf_free(&prog.body);
	free(prog.hfrom);
	free(prog.domain);
	free(notify);
	buf_free(&prog.err);
	msendconf_free(&prog.c);
}

int
main(int argc, char **argv)
{
	struct msendconf *c = &prog.c;
	struct qentry *e = &prog.e;
	struct account *a;
	struct relay_tally t;
	struct passwd *pw;
	const char *base;
	enum mode m;
	size_t bad;
	int i, sm;

	(void)atexit(cleanup);
	base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	sm = strcmp(base, "sendmail") == 0;
	m = sm ? options_sendmail(argc, argv, &i) :
	    options_native(argc, argv, &i);
	if (strcmp(base, "mailq") == 0)
		m = M_LISTQ;
	argc -= i;
	argv += i;
	log_open("msend", 1);
	signal(SIGPIPE, SIG_IGN);
	msendconf_init(c);
	load_config(c);
	if (aflag != NULL && msendconf_account(c, aflag, NULL) == NULL)
		mk_errx(EX_CONFIG, "%s: no account %s", c->path, aflag);
	if (m != M_SEND) {
		if (argc > 0)
			usage(sm);
		return m == M_RUNQ ? queue_run(c, aflag, vflag) :
		    queue_print(c, aflag);
	}
	if (Fflag != NULL)
		check_value("-F", Fflag);
	if (Nflag != NULL)
		notify = parse_notify(Nflag);
	qentry_init(e);
	for (; argc > 0; argc--, argv++) {
		check_value("recipient", *argv);
		add_rcpts(e, *argv, strlen(*argv));
	}
	if (fflag != NULL) {
		check_value("-f", fflag);
		e->from = xstrdup(fflag[0] == '<' ? fflag + 1 : fflag);
		if (*e->from != '\0' && e->from[strlen(e->from) - 1] == '>')
			e->from[strlen(e->from) - 1] = '\0';
		check_addr("-f", e->from);
	}
	load_message(&prog.in, &prog.msg, &prog.body);
	prog.hfrom = header_from(&prog.msg.hdr);
	a = msendconf_account(c, aflag, e->from != NULL ? e->from :
	    prog.hfrom);
	prog.domain = relay_domain(a);
	if (e->from == NULL && a->from != NULL &&
	    strpbrk(a->from, "*?[") == NULL)
		e->from = xstrdup(a->from);
	if (e->from == NULL && prog.hfrom != NULL)
		e->from = xstrdup(prog.hfrom);
	if (e->from == NULL) {
		pw = getpwuid(getuid());
		e->from = xasprintf("%s@%s", pw != NULL ? pw->pw_name :
		    "nobody", prog.domain);
	}
	check_addr("sender", e->from);
	compose(e, &prog.msg, &prog.body, prog.domain);
	/* e->msg holds the message now */
	msg_close(&prog.msg);
	buf_free(&prog.body);
	if (e->nrcpt == 0)
		mk_errx(EX_USAGE, "no recipients");
	for (i = 0; (size_t)i < e->nrcpt; i++)
		check_addr("recipient", e->rcpt[i]);
	if (!a->direct && a->host == NULL)
		mk_errx(EX_CONFIG, "%s: account %s has no host", c->path,
		    a->name != NULL ? a->name : "defaults");
	e->account = a->name != NULL ? xstrdup(a->name) : NULL;
	e->notify = notify != NULL ? xstrdup(notify) :
	    a->dsn_notify != NULL ? parse_notify(a->dsn_notify) : NULL;
	if (relay_message(a, e->from, e->rcpt, e->nrcpt, &e->msg, e->notify,
	    vflag, &prog.j, &t, &bad) == -1)
		mk_errx(EX_DATAERR, "line %zu of the message is longer than "
		    "%d octets: encode it (quoted-printable or base64) first",
		    bad, SMTP_LINE_MAX);
	return finish(a, e, &prog.j, &t);
}
