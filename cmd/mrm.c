/*
 * mrm: remove messages, as nmh's rmm: a message of an MH folder is
 * renamed to ",N" (or unlinked with -u) and leaves every sequence.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mh.h"
#include "mhops.h"
#include "util.h"
#include "xio.h"

/* What main holds until mrm exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	struct mhtargets  t;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mrm [-0uV] [+folder] [msg ...]\n");
	exit(EX_USAGE);
}

/* Free what main holds, however mrm exits (atexit). */
static void
cleanup(void)
{
	mht_free(&prog.t);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *t = &prog.t;
	struct mh_folder *f;
	unsigned **gone;
	size_t *ngone, i, k;
	int ch, flags = MHT_LOCK | MHT_STDIN, uflag = 0, status = 0;

	(void)atexit(cleanup);
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	prog.args = mh_prog_args(prog.mh, "mrm", &argc, argv);
	while ((ch = getopt(argc, prog.args, "0uV")) != -1) {
		switch (ch) {
		case '0':
			flags |= MHT_NUL;
			break;
		case 'u':
			uflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;

	if (mht_collect(prog.mh, prog.args + optind, (size_t)argc, "cur",
	    flags, t) < 0)
		errx(errno == EINVAL ? 1 : exit_for_errno(errno), "%s",
		    t->err);
	if (t->n == 0)
		errx(1, "no messages");

	gone = xcalloc(t->nfolders + 1, sizeof(*gone));
	ngone = xcalloc(t->nfolders + 1, sizeof(*ngone));
	for (i = 0; i < t->n; i++) {
		struct mhtarget *m = &t->v[i];

		if (m->folder == MHT_NOFOLDER) {
			if (unlink(m->path) < 0) {
				warn("%s", m->path);
				status = exit_for_errno(errno);
			}
			continue;
		}
		f = t->folders[m->folder];
		if (mht_remove(f->path, m->num, uflag) < 0) {
			warn("%s", m->path);
			status = exit_for_errno(errno);
			continue;
		}
		gone[m->folder] = xreallocarray(gone[m->folder],
		    ngone[m->folder] + 1, sizeof(**gone));
		gone[m->folder][ngone[m->folder]++] = m->num;
	}
	for (k = 0; k < t->nfolders; k++) {
		f = t->folders[k];
		if (ngone[k] == 0)
			continue;
		for (i = 0; i < f->nseq; i++)
			mh_seq_del(f, f->seq[i].name, gone[k], ngone[k]);
		if (xfsync_dir(f->path) < 0) {
			warn("%s", f->path);
			status = exit_for_errno(errno);
		}
		if (mh_folder_rescan(prog.mh, f) < 0) {
			warnx("%s", mh_errmsg(prog.mh));
			status = exit_for_errno(errno);
		}
		free(gone[k]);
	}
	free(gone);
	free(ngone);
	if (mht_save(prog.mh, t) < 0) {
		warnx("%s", mh_errmsg(prog.mh));
		status = exit_for_errno(errno);
	}
	return status;
}
