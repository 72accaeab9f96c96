/*
 * vacation: answer incoming mail with a prepared message while the user
 * is away, at most once per sender per interval, and never to lists,
 * robots, bounces or itself (RFC 3834).  Run from ~/.forward:
 *
 *	\alice, "|vacation alice"
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "autoreply.h"
#include "date.h"
#include "msg.h"
#include "util.h"
#include "vacdb.h"
#include "xio.h"

#ifndef BINDIR
#define BINDIR "/usr/local/bin"
#endif

#define LOCK_TIMEOUT	60	/* seconds to wait for the database */
#define ADDR_MAX	900	/* longest sender address answered */

/* What became of the sending command. */
enum sent { SENT, SEND_TEMPFAIL, SEND_FAILED };

static int		 dflag, iflag, jflag, lflag, xflag, zflag;
static const char	*fflag, *mflag, *Sflag = "msend", *sflag;
static time_t		 rflag = VACDB_NONE;
static const char	**aliases;
static size_t		 naliases;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: vacation [-dIijlVxz] [-a alias] [-f db] "
	    "[-m msgfile] [-r interval] [-S sendmail] [-s sender] [user]\n");
	exit(EX_USAGE);
}

/* -d: say why on standard error. */
static void debug(const char *, ...) MK_PRINTF(1, 2);

static void
debug(const char *fmt, ...)
{
	va_list ap;

	if (!dflag)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "vacation: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* $HOME, else the home directory of the invoking user. */
static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	mk_errx(EX_CONFIG, "no home directory: set HOME, or use -f and -m");
}

/*
 * The full name from the passwd entry of user (the part of the GECOS
 * field before the first comma, "&" as the capitalised login), control
 * characters dropped; NULL when there is none.
 */
static char *
full_name(const char *user)
{
	struct passwd *pw;
	struct buf b = BUF_INIT;
	const char *g;

	if ((pw = getpwnam(user)) == NULL || pw->pw_gecos == NULL)
		return NULL;
	for (g = pw->pw_gecos; *g != '\0' && *g != ','; g++) {
		if (*g == '&') {
			buf_addc(&b, user[0] >= 'a' && user[0] <= 'z' ?
			    user[0] - 'a' + 'A' : user[0]);
			buf_adds(&b, user + 1);
		} else if ((unsigned char)*g >= ' ' && *g != 0x7f)
			buf_addc(&b, *g);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b);
}

/* The host's name, for addresses without a domain. */
static char *
host_name(void)
{
	struct buf b = BUF_INIT;

	buf_reserve(&b, 256);
	if (gethostname(b.data, 255) < 0 || b.data[0] == '\0') {
		buf_free(&b);
		return xstrdup("localhost");
	}
	b.data[255] = '\0';
	return buf_release(&b);
}

/* Can addr go on the sending command line and in a To field? */
static int
usable_addr(const char *a)
{
	size_t i;

	if (*a == '\0' || *a == '-' || strlen(a) > ADDR_MAX)
		return 0;
	for (i = 0; a[i] != '\0'; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 0x7f ||
		    strchr("<>()[],;\\\"", a[i]) != NULL)
			return 0;
	return 1;
}

static int
lock_timeout(void)
{
	const char *s = getenv("VACATION_LOCK_TIMEOUT");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return LOCK_TIMEOUT;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 3600)
		return LOCK_TIMEOUT;
	return (int)v;
}

/* Open the database under its lock, or exit 75. */
static void
open_db(struct vacdb *db, const char *path)
{
	if (vacdb_open(db, path, 0, lock_timeout()) < 0) {
		if (errno == EAGAIN)
			mk_errx(EX_TEMPFAIL, "%s: database locked", path);
		mk_err(EX_TEMPFAIL, "%s", path);
	}
	if (db->corrupt)
		mk_warnx("%s: database corrupt (%s): rebuilt", path, db->why);
}

static time_t
interval_of(const struct vacdb *db)
{
	if (rflag != VACDB_NONE)
		return rflag;
	if (db->interval != VACDB_NONE)
		return db->interval;
	return VACDB_DEFAULT_INTERVAL;
}

static void
print_interval(time_t t, const char *how)
{
	if (t == VACDB_INFINITE)
		printf("# interval: infinite%s\n", how);
	else
		printf("# interval: %lld days%s\n", (long long)(t / 86400),
		    how);
}

/* -l: the interval, the exclusions, then each sender and when. */
static void
list(struct vacdb *db)
{
	char when[64];
	struct tm *tm;
	size_t i;

	vacdb_sort(db);
	if (db->interval != VACDB_NONE)
		print_interval(db->interval, "");
	else
		print_interval(VACDB_DEFAULT_INTERVAL, " (default)");
	for (i = 0; i < db->nx; i++)
		printf("%s\texcluded\n", db->x[i]);
	for (i = 0; i < db->nr; i++) {
		tm = localtime(&db->r[i].t);
		if (tm == NULL || strftime(when, sizeof(when),
		    "%Y-%m-%d %H:%M:%S %z", tm) == 0)
			(void)snprintf(when, sizeof(when), "@%lld",
			    (long long)db->r[i].t);
		printf("%s\t%s\n", db->r[i].addr, when);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		mk_err(EX_IOERR, "stdout");
}

/* -x: exclusions from standard input, one a line; "#" starts a comment. */
static void
read_exclusions(struct vacdb *db)
{
	struct buf line = BUF_INIT;
	char *s, *e;
	int r;

	while ((r = read_record(stdin, '\n', &line)) == 1) {
		s = buf_cstr(&line);
		if ((e = strchr(s, '#')) != NULL)
			*e = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		if (vacdb_exclude(db, s) < 0)
			mk_warnx("-x: %s: not an address or @domain", s);
	}
	if (r < 0)
		mk_err(EX_IOERR, "stdin");
	buf_free(&line);
}

/* -i, -l, -x: work on the database.  Returns the exit status. */
static int
admin(const char *dbpath)
{
	struct vacdb db;
	int changed;

	open_db(&db, dbpath);
	changed = db.corrupt;
	if (iflag) {
		vacdb_clear(&db);
		if (rflag != VACDB_NONE)
			vacdb_set_interval(&db, rflag);
		changed = 1;
	}
	if (xflag) {
		read_exclusions(&db);
		changed = 1;
	}
	if (changed && vacdb_commit(&db, time(NULL), interval_of(&db)) < 0)
		mk_err(exit_for_errno(errno), "%s", dbpath);
	if (lflag)
		list(&db);
	vacdb_close(&db);
	return 0;
}

/* The message file, whole, or exit 78 (missing) or 75. */
static void
read_msgfile(const char *path, struct buf *out)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == EINTR || errno == EIO || errno == ENFILE ||
		    errno == EMFILE || errno == ENOMEM)
			mk_err(EX_TEMPFAIL, "%s", path);
		mk_err(EX_CONFIG, "message file %s", path);
	}
	if (read_fd_all(fd, out) < 0) {
		if (errno == EISDIR)
			mk_err(EX_CONFIG, "message file %s", path);
		mk_err(EX_TEMPFAIL, "%s", path);
	}
	(void)close(fd);
}

/* Read the rest of standard input so that the MTA's write succeeds. */
static void
drain(struct msg *m)
{
	char b[8192];

	while (msg_body_read(m, b, sizeof(b)) > 0)
		;
}

/*
 * Run the sending command with the reply on its standard input and the
 * envelope on its command line: "cmd -i -f from -- rcpt".  The command
 * goes through sh -c so that -S may hold options; from and rcpt are
 * positional parameters and never shell text.  The bin directory is put
 * at the end of PATH, so the default msend is found when the MTA's PATH
 * lacks it.
 */
static enum sent
send_reply(const char *cmd, const char *from, const char *rcpt,
    const struct buf *reply)
{
	const char *path = getenv("PATH");
	char *script, *newpath;
	int p[2], status, werr = 0;
	pid_t pid;

	if (pipe(p) < 0)
		return SEND_TEMPFAIL;
	script = xasprintf("%s \"$@\"", cmd);
	newpath = xasprintf("%s:%s", path != NULL && *path != '\0' ? path :
	    "/usr/bin:/bin", BINDIR);
	(void)fflush(stdout);
	(void)fflush(stderr);
	if ((pid = fork()) < 0) {
		(void)close(p[0]);
		(void)close(p[1]);
		free(script);
		free(newpath);
		return SEND_TEMPFAIL;
	}
	if (pid == 0) {
		(void)close(p[1]);
		if (p[0] != STDIN_FILENO) {
			if (dup2(p[0], STDIN_FILENO) < 0)
				_exit(EX_OSERR);
			(void)close(p[0]);
		}
		(void)setenv("PATH", newpath, 1);
		(void)signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", script, "sh", "-i", "-f", from,
		    "--", rcpt, (char *)NULL);
		_exit(EX_OSERR);
	}
	free(script);
	free(newpath);
	(void)close(p[0]);
	if (xwrite_all(p[1], reply->data, reply->len) < 0)
		werr = errno;
	if (close(p[1]) < 0 && werr == 0)
		werr = errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return SEND_TEMPFAIL;
	if (WIFSIGNALED(status)) {
		mk_warnx("%s: killed by signal %d", cmd, WTERMSIG(status));
		return SEND_TEMPFAIL;
	}
	status = WEXITSTATUS(status);
	if (status == 0 && werr != 0) {
		errno = werr;
		mk_warn("%s: writing the reply", cmd);
		return SEND_TEMPFAIL;
	}
	if (status == 0)
		return SENT;
	mk_warnx("%s: exit status %d", cmd, status);
	/* Above 128: the shell saying that the command died of a signal. */
	if (status == EX_TEMPFAIL || status == EX_OSERR ||
	    status == EX_IOERR || status > 128)
		return SEND_TEMPFAIL;
	return SEND_FAILED;
}

/*
 * Answer the message on standard input, or decide not to.  The
 * database is locked from the check to the record, with the reply sent
 * in between, so that concurrent runs for one sender answer once; a
 * reply is recorded only once the sending command has taken it.
 */
static int
vacation(const char *user, const char *dbpath, const char *msgpath)
{
	struct msg m;
	struct vacdb db;
	struct arme me;
	struct arreply ar;
	struct buf file = BUF_INIT, reply = BUF_INIT, from = BUF_INIT;
	const char **names = NULL, *why;
	char *sender = NULL, *myaddr = NULL, *host = NULL, *name = NULL;
	char *addr = NULL, *msgid = NULL, *dom;
	time_t now, last, interval;
	enum sent s = SENT;
	size_t i;
	int dbopen = 0;

	if (msg_fdopen(&m, STDIN_FILENO, "-") < 0)
		mk_err(EX_TEMPFAIL, "reading the message");
	drain(&m);

	if ((sender = autoreply_sender(&m, sflag)) == NULL) {
		debug("no reply: no Return-Path, From_ line or -s");
		goto out;
	}
	names = xreallocarray(NULL, naliases + 1, sizeof(*names));
	names[0] = user;
	for (i = 0; i < naliases; i++)
		names[i + 1] = aliases[i];
	me.names = names;
	me.n = naliases + 1;
	if ((why = autoreply_refuse(&m.hdr, sender, &me, jflag,
	    &myaddr)) != NULL) {
		debug("no reply to <%s>: %s", sender, why);
		goto out;
	}
	if (!usable_addr(sender)) {
		debug("no reply to <%s>: unusable address", sender);
		goto out;
	}
	read_msgfile(msgpath, &file);

	open_db(&db, dbpath);
	dbopen = 1;
	now = time(NULL);
	interval = interval_of(&db);
	why = NULL;
	if (vacdb_excluded(&db, sender))
		why = "sender excluded (-x)";
	else if (interval != 0 && vacdb_last(&db, sender, &last) &&
	    (interval == VACDB_INFINITE || last > now ||
	    now - last < interval))
		why = "already answered within the interval";
	if (why != NULL) {
		debug("no reply to <%s>: %s", sender, why);
		if (db.corrupt && vacdb_commit(&db, now, interval) < 0)
			mk_warn("%s", dbpath);
		goto out;
	}

	/* From: the address the sender wrote to, else an alias, else ours. */
	host = host_name();
	if (myaddr != NULL)
		addr = xstrdup(myaddr);
	for (i = 0; addr == NULL && i < naliases; i++)
		if (strchr(aliases[i], '@') != NULL)
			addr = xstrdup(aliases[i]);
	if (addr == NULL)
		addr = xasprintf("%s@%s", user, host);
	name = full_name(user);
	autoreply_from(&from, name, addr);
	dom = strrchr(addr, '@');
	msgid = xasprintf("<%lld.%ld.%08x.vacation@%s>", (long long)now,
	    (long)getpid(), (unsigned)arc4random(),
	    dom != NULL && dom[1] != '\0' ? dom + 1 : host);

	memset(&ar, 0, sizeof(ar));
	ar.orig = &m.hdr;
	ar.to = sender;
	ar.from = buf_cstr(&from);
	ar.msgid = msgid;
	ar.date = now;
	ar.tzoff = date_local_offset(now);
	ar.file = file.data != NULL ? file.data : "";
	ar.filelen = file.len;
	autoreply_compose(&reply, &ar);

	s = send_reply(Sflag, zflag ? "<>" : addr, sender, &reply);
	switch (s) {
	case SENT:
		debug("replied to <%s>", sender);
		mk_info("replied to <%s>", sender);
		if (interval != 0)
			vacdb_record(&db, sender, now);
		if ((interval != 0 || db.corrupt) &&
		    vacdb_commit(&db, now, interval) < 0)
			mk_warn("%s: the reply to <%s> is not recorded",
			    dbpath, sender);
		break;
	case SEND_TEMPFAIL:
		mk_warnx("reply to <%s> not sent: try again later", sender);
		break;
	case SEND_FAILED:
		mk_warnx("reply to <%s> not sent: dropped", sender);
		break;
	}
out:
	if (dbopen)
		vacdb_close(&db);
	msg_close(&m);
	buf_free(&file);
	buf_free(&reply);
	buf_free(&from);
	free(sender);
	free(myaddr);
	free(host);
	free(name);
	free(addr);
	free(msgid);
	free(names);
	return s == SEND_TEMPFAIL ? EX_TEMPFAIL : 0;
}

int
main(int argc, char *argv[])
{
	struct passwd *pw;
	const char *user = NULL;
	char *dbpath, *msgpath;
	int ch;

	log_open("vacation", 1);
	(void)signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "a:df:Iijlm:r:S:s:Vxz")) != -1) {
		switch (ch) {
		case 'a':
			aliases = xreallocarray(aliases, naliases + 1,
			    sizeof(*aliases));
			aliases[naliases++] = optarg;
			break;
		case 'd':
			dflag = 1;
			break;
		case 'f':
			fflag = optarg;
			break;
		case 'I':
		case 'i':
			iflag = 1;
			break;
		case 'j':
			jflag = 1;
			break;
		case 'l':
			lflag = 1;
			break;
		case 'm':
			mflag = optarg;
			break;
		case 'r':
			if (vacdb_parse_interval(optarg, &rflag) < 0) {
				mk_warnx("-r %s: a number of days or "
				    "\"infinite\" expected", optarg);
				usage();
			}
			break;
		case 'S':
			Sflag = optarg;
			break;
		case 's':
			sflag = optarg;
			break;
		case 'V':
			printf("%s\n", MAILKIT_VERSION_STRING);
			exit(0);
		case 'x':
			xflag = 1;
			break;
		case 'z':
			zflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1)
		user = argv[0];
	else if ((pw = getpwuid(getuid())) != NULL)
		user = pw->pw_name;
	if (user == NULL || *user == '\0' || strpbrk(user, "\r\n") != NULL)
		usage();
	if (*Sflag == '\0')
		usage();

	dbpath = fflag != NULL ? xstrdup(fflag) :
	    xasprintf("%s/.vacation.db", home_dir());
	if (iflag || lflag || xflag) {
		ch = admin(dbpath);
		free(dbpath);
		free(aliases);
		return ch;
	}
	msgpath = mflag != NULL ? xstrdup(mflag) :
	    xasprintf("%s/.vacation.msg", home_dir());
	ch = vacation(user, dbpath, msgpath);
	free(dbpath);
	free(msgpath);
	free(aliases);
	return ch;
}
