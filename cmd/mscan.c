/*
 * mscan: one summary line per message.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mh.h"
#include "msg.h"
#include "mhops.h"
#include "scanfmt.h"
#include "util.h"

/* What main holds until mscan exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	char		 *fmt;
	struct scan	 *sc;
	char		**unseen;
	struct mhtargets  set;
	unsigned	 *prev;
	struct buf	  line;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mscan [-0nrV] [-f format] [-w width] "
	    "[+folder] [msg ...]\n");
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

static size_t
parse_width(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > 100000)
		errx(EX_USAGE, "bad width: %s", s);
	return (size_t)v;
}

/* Free what main holds, however mscan exits (atexit). */
static void
cleanup(void)
{
	mht_free(&prog.set);
	scan_free(prog.sc);
	buf_free(&prog.line);
	free(prog.prev);
	free(prog.fmt);
	mh_argv_free(prog.unseen);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *set = &prog.set;
	struct buf *line = &prog.line;
	struct scanmsg sm;
	struct mh_folder *f;
	struct msg m;
	char *errmsg;
	size_t width = 0, nunseen = 0, nprev = 0, i, k;
	int ch, nflag = 0, rflag = 0, zflag = 0, wflag = 0;
	int flags = MHT_STDIN | MHT_DASH;
	int failed = 0, printed = 0, r;
	const char *ps;

	(void)atexit(cleanup);
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	argv = prog.args = mh_prog_args(prog.mh, "mscan", &argc, argv);

	while ((ch = getopt(argc, argv, "0f:nrVw:")) != -1) {
		switch (ch) {
		case '0':
			zflag = 1;
			break;
		case 'f':
			free(prog.fmt);
			prog.fmt = xstrdup(optarg);
			break;
		case 'n':
			nflag = 1;
			break;
		case 'r':
			rflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		case 'w':
			width = parse_width(optarg);
			wflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (!wflag)
		width = term_width();
	if (scan_new(&prog.sc, prog.fmt, width, &errmsg) < 0) {
		warnx("%s", errmsg);
		free(errmsg);
		return EX_USAGE;
	}
	scan_set_me(prog.sc, mh_get(prog.mh, "Local-Mailbox"),
	    mh_get(prog.mh, "Alternate-Mailboxes"));
	prog.unseen = mht_unseen(prog.mh, &nunseen);
	ps = mh_get(prog.mh, "Previous-Sequence");
	if (ps != NULL && *ps != '\0')
		flags |= MHT_LOCK;
	if (zflag)
		flags |= MHT_NUL;

	if (mht_collect(prog.mh, argv, (size_t)argc, "all", flags, set) < 0) {
		r = errno;
		warnx("%s", set->err);
		return r == EINVAL ? 1 : r == ENOENT ? EX_NOINPUT :
		    exit_for_errno(r);
	}

	for (k = 0; k < set->n; k++) {
		i = rflag ? set->n - 1 - k : k;
		f = set->v[i].folder != MHT_NOFOLDER ?
		    set->folders[set->v[i].folder] : NULL;
		if (f != NULL && set->v[i].folder == set->spec) {
			prog.prev = xreallocarray(prog.prev, nprev + 1,
			    sizeof(*prog.prev));
			prog.prev[nprev++] = set->v[i].num;
		}
		if (nflag) {
			fputs(set->v[i].path, stdout);
			putchar(zflag ? '\0' : '\n');
			printed = 1;
			continue;
		}
		if (strcmp(set->v[i].path, "-") == 0)
			r = msg_fdopen(&m, STDIN_FILENO, "-");
		else
			r = msg_open(&m, set->v[i].path);
		if (r < 0) {
			warn("%s", set->v[i].path);
			failed = 1;
			continue;
		}
		memset(&sm, 0, sizeof(sm));
		sm.path = set->v[i].path;
		sm.num = set->v[i].num;
		if (f != NULL) {
			sm.cur = f->cur != 0 && f->cur == sm.num;
			for (r = 0; (size_t)r < nunseen && !sm.unseen; r++)
				sm.unseen = mh_seq_has(f, prog.unseen[r],
				    sm.num);
		}
		buf_reset(line);
		if (scan_line(prog.sc, line, &m, &sm) < 0) {
			warn("%s", set->v[i].path);
			failed = 1;
		}
		buf_addc(line, '\n');
		fwrite(line->data, 1, line->len, stdout);
		printed = 1;
		msg_close(&m);
	}

	/* nmh's scan sets the Previous-Sequence to what it scanned */
	if (nprev > 0 && (flags & MHT_LOCK))
		mh_set_previous(prog.mh, set->folders[set->spec], prog.prev,
		    nprev);
	if (mht_save(prog.mh, set) < 0) {
		warnx("%s", mh_errmsg(prog.mh));
		failed = 1;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	if (failed)
		return EX_NOINPUT;
	return printed ? 0 : 1;
}
