/*
 * mdeliver: the local delivery agent.  One message on standard input goes
 * whole and durably into every named mailbox and to every -d user, through
 * the aliases and the user's .forward to mailboxes, files, programs and
 * other addresses, or the exit status tells the MTA to retry; -L speaks
 * LMTP instead.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "alias.h"
#include "deliver.h"
#include "lmtp.h"
#include "lock.h"
#include "mailbox.h"
#include "util.h"

#define ALIASES_DB	ALIAS_PATH ".db"

static struct dopts opts;
static struct alias_cfg acfg;
static const struct alias_cfg *expand;	/* NULL with -n */
static int vflag;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mdeliver [-cLnv] [-a aliases.db] [-d user] "
	    "[-F fmt] [-f sender] [-l locks] [-S sendmail] [-T secs] "
	    "[-t secs] [mailbox ...]\n");
	exit(EX_USAGE);
}

/*
 * The aliases database: path, given with -a or the default.  A missing
 * default means no aliases, and so does a default that is no cdb file (a
 * Berkeley DB /etc/aliases.db belongs to Postfix or sendmail); a
 * database named with -a must be there and readable.  Any failure is
 * temporary (75): the mail waits until the database is fixed.
 */
static void
open_aliases(const char *path, int given)
{
	alias_cfg_init(&acfg);
	acfg.delim = "+";
	opts.defuser = acfg.defuser;
	expand = &acfg;
	if (alias_db_open(&acfg.db, path) == 0)
		return;
	acfg.db = NULL;
	if (errno == ENOENT && !given)
		return;
	if (errno == EINVAL && !given) {
		mk_info("%s: not a cdb database (see newaliases(8)): aliases "
		    "not used", path);
		return;
	}
	if (errno == EINVAL)
		mk_errx(EX_TEMPFAIL, "%s: not a cdb database (see "
		    "newaliases(8))", path);
	mk_err(EX_TEMPFAIL, "aliases database %s", path);
}

/*
 * An address "local@domain" into its local part, quotes removed, and its
 * domain (NULL when there is no @).
 */
static char *
split_addr(const char *addr, char **domain)
{
	struct buf b = BUF_INIT;
	const char *p, *at = NULL;
	int q = 0;

	for (p = addr; *p; p++) {
		if (*p == '\\' && q && p[1])
			p++;
		else if (*p == '"')
			q = !q;
		else if (*p == '@' && !q)
			at = p;
	}
	*domain = at ? xstrdup(at + 1) : NULL;
	if (at == NULL)
		at = p;
	for (p = addr, q = 0; p < at; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == '\\' && q && p + 1 < at)
			buf_addc(&b, *++p);
		else
			buf_addc(&b, *p);
	}
	return buf_release(&b);
}

/* How a destination reads in a log line: "|command" for a command. */
static void
dest_name(struct buf *b, const struct dest *d)
{
	if (d->kind == DEST_PROGRAM)
		buf_addc(b, '|');
	buf_adds(b, d->path);
	if (d->kind == DEST_PROGRAM || d->kind == DEST_FILE)
		buf_printf(b, " as %s", d->user ? d->user : "?");
	if (d->sender != NULL)
		buf_printf(b, ", sender <%s>", d->sender);
}

/* Log one delivery: syslog always, standard error with -v or failure. */
static void
report(const struct dest *d)
{
	const struct dresult *r = &d->res;
	struct buf what = BUF_INIT, size = BUF_INIT;

	if (r->status == 0) {
		dest_name(&what, d);
		if (r->size >= 0)
			buf_printf(&size, ", %lld bytes", (long long)r->size);
		mk_info("delivered to %s%s%s: %s (%s%s)",
		    d->rcpt ? "<" : "", d->rcpt ? d->rcpt : "",
		    d->rcpt ? ">" : "", buf_cstr(&what),
		    r->where ? r->where : "?", buf_cstr(&size));
		if (vflag)
			fprintf(stderr, "mdeliver: %s: %s (%s%s)\n",
			    d->rcpt ? d->rcpt : "-", buf_cstr(&what),
			    r->where ? r->where : "?", buf_cstr(&size));
		buf_free(&what);
		buf_free(&size);
	} else
		mk_warnx("%s%s%s", d->rcpt ? d->rcpt : "",
		    d->rcpt ? ": " : "", r->why ? r->why : "delivery failed");
}

/* Deliver to every destination of a list; the worst status. */
static int
deliver_all(struct dctx *c, const struct spool *sp, struct destlist *l,
    size_t *first_bad)
{
	size_t i;
	int st = 0;

	*first_bad = (size_t)-1;
	for (i = 0; i < l->n; i++) {
		deliver_dest(c, sp, &l->v[i]);
		report(&l->v[i]);
		if (l->v[i].res.status != 0 && (*first_bad == (size_t)-1 ||
		    deliver_worse(l->v[*first_bad].res.status,
		    l->v[i].res.status) != l->v[*first_bad].res.status))
			*first_bad = i;
		st = deliver_worse(st, l->v[i].res.status);
	}
	return st;
}

/* ------------------------------------------------------------ LMTP */

/* RCPT TO: expanded now; refused when nothing can be delivered. */
static int
lmtp_rcpt(void *ctx, const char *addr, void **data, struct buf *reply)
{
	struct destlist *l = xcalloc(1, sizeof(*l));
	struct dresult res = { -1, 0, NULL, NULL, 0 };
	char *domain, *local = split_addr(addr, &domain);
	int r;

	(void)ctx;
	r = deliver_expand(expand, local, domain, addr, l, &res);
	free(local);
	free(domain);
	if (r != 0) {
		if (r != EX_NOUSER)
			mk_warnx("%s", res.why);
		deliver_reply(reply, &res, addr);
		dresult_free(&res);
		destlist_free(l);
		free(l);
		return -1;
	}
	*data = l;
	return 0;
}

static void
lmtp_deliver(void *ctx, const struct spool *sp, const char *sender,
    struct lmtp_rcpt *r, size_t n, struct buf *replies)
{
	struct dresult loop = { EX_DATAERR, ELOOP, NULL, NULL, 0 };
	struct dresult ok = { 0, 0, NULL, NULL, 0 };
	struct destlist *l;
	struct dctx c;
	size_t i, bad;

	(void)ctx;
	opts.sender = sender;
	dctx_init(&c, &opts);
	for (i = 0; i < n; i++) {
		l = r[i].data;
		if (spool_delivered_to(sp, r[i].addr)) {
			mk_warnx("%s: mail forwarding loop", r[i].addr);
			deliver_reply(&replies[i], &loop, r[i].addr);
			continue;
		}
		if (deliver_all(&c, sp, l, &bad) == 0 || bad == (size_t)-1)
			deliver_reply(&replies[i], &ok, r[i].addr);
		else
			deliver_reply(&replies[i], &l->v[bad].res, r[i].addr);
	}
	dctx_free(&c);
}

static void
lmtp_drop(void *ctx, void *data)
{
	(void)ctx;
	if (data) {
		destlist_free(data);
		free(data);
	}
}

static const struct lmtp_handler handler = {
	lmtp_rcpt, lmtp_deliver, lmtp_drop
};

/* ------------------------------------------------------------ main */

/* The envelope sender when -f is not given. */
static char *
default_sender(const struct spool *sp)
{
	struct passwd *pw;
	const char *s;

	if (sp->from_)
		return xstrdup(sp->from_);
	if ((s = getenv("SENDER")) != NULL)
		return xstrdup(s);
	if ((pw = getpwuid(getuid())) != NULL)
		return xstrdup(pw->pw_name);
	return xasprintf("#%lu", (unsigned long)getuid());
}

/* "<a@b>" and "a@b" are the same sender; "<>" is the null sender. */
static char *
strip_brackets(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

static int
deliver_stdin(char **users, size_t nusers, char **boxes, int nboxes,
    const char *fsender)
{
	struct destlist l = DESTLIST_INIT;
	struct dresult res = { -1, 0, NULL, NULL, 0 };
	struct spool sp;
	struct dctx c;
	char *sender;
	size_t i, n, bad;
	int st = 0, r;

	spool_init(&sp);
	if (spool_read_fd(&sp, STDIN_FILENO) < 0) {
		mk_warn("reading the message");
		spool_free(&sp);
		return EX_TEMPFAIL;
	}
	sender = fsender ? strip_brackets(fsender) : default_sender(&sp);
	opts.sender = sender;
	/* A loop for any recipient: refused, nothing delivered. */
	for (i = 0; i < nusers; i++)
		if (spool_delivered_to(&sp, users[i])) {
			mk_warnx("%s: mail forwarding loop: refused", users[i]);
			st = EX_DATAERR;
		}
	for (i = 0; st != EX_DATAERR && i < nusers; i++) {
		n = l.n;
		r = deliver_expand(expand, users[i], NULL, users[i], &l, &res);
		if (r != 0 && l.n == n) {	/* else reported below */
			mk_warnx("%s", res.why);
			st = deliver_worse(st, r);
		}
	}
	for (i = 0; st != EX_DATAERR && i < (size_t)nboxes; i++)
		destlist_add(&l, DEST_MAILBOX, boxes[i]);
	if (st != EX_DATAERR) {
		dctx_init(&c, &opts);
		st = deliver_worse(st, deliver_all(&c, &sp, &l, &bad));
		dctx_free(&c);
	}
	dresult_free(&res);
	destlist_free(&l);
	spool_free(&sp);
	free(sender);
	return st;
}

/*
 * Under inetd, standard error is the connection itself: diagnostics
 * written there would break the protocol.  syslog still has them.
 */
static void
quiet_stderr(void)
{
	struct stat e, o;
	int fd;

	if (fstat(STDERR_FILENO, &e) < 0 || !S_ISSOCK(e.st_mode) ||
	    fstat(STDOUT_FILENO, &o) < 0 || e.st_dev != o.st_dev ||
	    e.st_ino != o.st_ino)
		return;
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return;
	(void)dup2(fd, STDERR_FILENO);
	if (fd != STDERR_FILENO)
		close(fd);
}

int
main(int argc, char *argv[])
{
	char **users = NULL, *fsender = NULL;
	const char *errstr, *aliases = NULL;
	size_t nusers = 0;
	int ch, lflag = 0, nflag = 0, r;

	opts.lockkinds = MKLOCK_DEFAULT;
	opts.locktimeout = 60;
	while ((ch = getopt(argc, argv, "a:cd:F:f:Ll:nS:T:t:Vv")) != -1) {
		switch (ch) {
		case 'a':
			aliases = optarg;
			break;
		case 'c':
			opts.nocreate = 1;
			break;
		case 'd':
			users = xreallocarray(users, nusers + 1,
			    sizeof(*users));
			users[nusers++] = optarg;
			break;
		case 'F':
			if ((opts.newfmt = mailbox_fmt_parse(optarg)) < 0)
				mk_errx(EX_USAGE, "%s: unknown format", optarg);
			break;
		case 'f':
			fsender = optarg;
			break;
		case 'L':
			lflag = 1;
			break;
		case 'l':
			if (lock_parse(optarg, &opts.lockkinds) < 0)
				mk_errx(EX_USAGE, "%s: unknown lock kind",
				    optarg);
			break;
		case 'n':
			nflag = 1;
			break;
		case 'S':
			if (*optarg != '/')
				mk_errx(EX_USAGE, "-S %s: not an absolute path",
				    optarg);
			opts.sendmail = optarg;
			break;
		case 'T':
			opts.cmdtimeout = (int)strtonum(optarg, 1, 86400,
			    &errstr);
			if (errstr)
				mk_errx(EX_USAGE, "-T %s: %s", optarg, errstr);
			break;
		case 't':
			opts.locktimeout = (int)strtonum(optarg, 0, 86400,
			    &errstr);
			if (errstr)
				mk_errx(EX_USAGE, "-t %s: %s", optarg, errstr);
			break;
		case 'V':
			printf("%s\n", MAILKIT_VERSION_STRING);
			exit(0);
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (lflag ? argc > 0 || nusers > 0 || fsender : argc == 0 &&
	    nusers == 0)
		usage();
	if (nflag && aliases)
		usage();
	log_open("mdeliver", 1);
	if (lflag)
		quiet_stderr();
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);	/* ignored by some parents */
	umask(077);
	opts.defuser = "nobody";
	if (!nflag && (lflag || nusers > 0))
		open_aliases(aliases ? aliases : ALIASES_DB, aliases != NULL);
	if (lflag)
		r = lmtp_serve(STDIN_FILENO, STDOUT_FILENO, NULL, 0, NULL,
		    &handler, NULL);
	else
		r = deliver_stdin(users, nusers, argv, argc, fsender);
	free(users);
	return r;
}
