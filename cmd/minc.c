/*
 * minc: incorporate new mail from the maildrop (an mbox of any variant,
 * or a Maildir) into an MH folder, exactly once even when interrupted
 * (libcommon/inc.h), printing a scan line for each message.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "inc.h"
#include "mh.h"
#include "msg.h"
#include "scanfmt.h"
#include "util.h"

struct out {
	struct scan	*sc;
	struct buf	 line;
	int		 failed;
};

/* What main holds until minc exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	char		 *source;
	char		 *folder;	/* "+name" */
	struct out	  out;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: minc [-nqV] [-f source] [+folder]\n");
	exit(EX_USAGE);
}

/* Columns of the terminal on standard output; 80 when it is none. */
static size_t
term_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Print the scan line of a message just incorporated. */
static void
each(void *arg, const char *path, unsigned num, int unseen, int cur)
{
	struct out *o = arg;
	struct scanmsg sm;
	struct msg m;

	if (msg_open(&m, path) < 0) {
		warn("%s", path);
		return;
	}
	memset(&sm, 0, sizeof(sm));
	sm.path = path;
	sm.num = num;
	sm.cur = cur;
	sm.unseen = unseen;
	buf_reset(&o->line);
	(void)scan_line(o->sc, &o->line, &m, &sm);
	buf_addc(&o->line, '\n');
	if (fwrite(o->line.data, 1, o->line.len, stdout) != o->line.len)
		o->failed = 1;
	msg_close(&m);
}

/*
 * The maildrop: MAILDROP or the profile's MailDrop (an MH user's own
 * choice), else $MAIL, else /var/mail/USER.
 */
static char *
maildrop(const struct mh *mh)
{
	struct passwd *pw;
	const char *s;
	char *d;

	if ((d = mh_maildrop(mh)) != NULL)
		return d;
	if ((s = getenv("MAIL")) != NULL && *s != '\0')
		return xstrdup(s);
	if ((s = getenv("USER")) == NULL || *s == '\0') {
		if ((pw = getpwuid(getuid())) == NULL)
			errx(EX_NOUSER, "who are you?");
		s = pw->pw_name;
	}
	return xasprintf("/var/mail/%s", s);
}

/* Free what main holds, however minc exits (atexit). */
static void
cleanup(void)
{
	scan_free(prog.out.sc);
	buf_free(&prog.out.line);
	free(prog.folder);
	free(prog.source);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct inc_opts o;
	struct inc_result res;
	struct out *out = &prog.out;
	const char *folder = NULL, *s;
	char *errmsg;
	int ch, qflag = 0, i, r;

	(void)atexit(cleanup);
	memset(&o, 0, sizeof(o));
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	prog.args = mh_prog_args(prog.mh, "minc", &argc, argv);
	while ((ch = getopt(argc, prog.args, "f:nqV")) != -1) {
		switch (ch) {
		case 'f':
			free(prog.source);
			prog.source = xstrdup(optarg);
			break;
		case 'n':
			o.keep = 1;
			break;
		case 'q':
			qflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	for (i = 0; i < argc; i++) {
		const char *a = prog.args[optind + i];

		if ((a[0] != '+' && a[0] != '@') || folder != NULL)
			usage();
		folder = a;
	}
	prog.folder = folder != NULL ? xstrdup(folder) :
	    xasprintf("+%s", mh_inbox(prog.mh));
	if (prog.source == NULL)
		prog.source = maildrop(prog.mh);
	if ((s = getenv("MINC_BATCH")) != NULL && *s != '\0')
		o.batch = (size_t)strtoul(s, NULL, 10);

	if (!qflag) {
		if (scan_new(&out->sc, NULL, term_width(), &errmsg) < 0) {
			warnx("%s", errmsg);
			free(errmsg);
			return EX_SOFTWARE;
		}
		scan_set_me(out->sc, mh_get(prog.mh, "Local-Mailbox"),
		    mh_get(prog.mh, "Alternate-Mailboxes"));
		o.each = each;
		o.arg = out;
	}

	r = inc_run(prog.mh, prog.folder, prog.source, &o, &res);
	if (fflush(stdout) == EOF || ferror(stdout) || out->failed)
		warn("standard output");
	if (r < 0) {
		int e = errno;

		warnx("%s", res.err != NULL ? res.err : strerror(e));
		if (res.count > 0)
			warnx("%lu messages incorporated before the error; "
			    "run minc again for the rest", res.count);
		r = e == EINVAL || e == EBADMSG ? EX_DATAERR :
		    exit_for_errno(e);
	} else if (res.count > 0) {
		char *name, *path;

		if (mh_folder_resolve(prog.mh, prog.folder, &name,
		    &path) == 0) {
			if (mh_set_current_folder(prog.mh, name) < 0 ||
			    mh_ctx_save(prog.mh) < 0)
				warnx("%s", mh_errmsg(prog.mh));
			free(name);
			free(path);
		}
		r = 0;
	} else {
		if (!qflag)
			warnx("no mail to incorporate");
		r = 1;
	}
	free(res.err);
	return r;
}
