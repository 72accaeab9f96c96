/*
 * mrefile: move (or link, or copy) messages into one or more folders,
 * as nmh's refile, carrying their sequence membership along.
 *
 * A message reaches every destination, durably (the destination folder
 * fsync'd), before its source is removed; a failure for one destination
 * keeps the source.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

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

/* One destination folder. */
struct dest {
	const char	 *arg;
	struct mh_folder *f;
	unsigned	  last;		/* highest number known */
	unsigned	 *added;
	size_t		  nadded;
};

static struct mh	*mh;
static struct dest	*dests;
static size_t		 ndests;
static int		 cflag, kflag, lflag;

/* What else main holds until mrefile exits; cleanup() frees it. */
static struct {
	char		**args;
	char		**ops;
	char		 *src;		/* -s folder */
	struct mhtargets  t;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mrefile [-0cklV] [-s +folder] [msg ...] "
	    "+folder ...\n");
	exit(EX_USAGE);
}

/* Add message m to destination d; its new number in *num. */
static int
add_one(struct dest *d, const struct mhtarget *m, unsigned *num)
{
	unsigned want = kflag ? m->num : 0;

	if (cflag)
		return mht_copy_next(d->f->path, m->path, mh_msg_protect(mh),
		    want, &d->last, num);
	if (mht_link_next(d->f->path, m->path, want, &d->last, num) == 0)
		return 0;
	if (lflag || (errno != EXDEV && errno != EPERM))
		return -1;
	return mht_copy_next(d->f->path, m->path, mh_msg_protect(mh), want,
	    &d->last, num);
}

/* The sequences of m's folder that hold m, into d under number num. */
static void
carry_seqs(struct dest *d, const struct mh_folder *src, unsigned from,
    unsigned num)
{
	size_t i;

	for (i = 0; i < src->nseq; i++)
		if (mh_seq_has(src, src->seq[i].name, from))
			mh_seq_add(d->f, src->seq[i].name, &num, 1);
}

/* Free what main holds, however mrefile exits (atexit). */
static void
cleanup(void)
{
	size_t k;

	for (k = 0; k < ndests; k++) {
		mh_folder_close(dests[k].f);
		free(dests[k].added);
	}
	free(dests);
	mht_free(&prog.t);
	free(prog.src);
	free(prog.ops);
	mh_argv_free(prog.args);
	mh_close(mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *t = &prog.t;
	struct mh_folder *f;
	unsigned num, **moved;
	size_t i, k, *nmoved, nops = 0;
	int ch, flags = MHT_LOCK | MHT_STDIN, status = 0, ok;

	(void)atexit(cleanup);
	if (mh_open(&mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(mh));
	prog.args = mh_prog_args(mh, "mrefile", &argc, argv);
	while ((ch = getopt(argc, prog.args, "0ckls:V")) != -1) {
		switch (ch) {
		case '0':
			flags |= MHT_NUL;
			break;
		case 'c':
			cflag = 1;
			lflag = 0;
			break;
		case 'k':
			kflag = 1;
			break;
		case 'l':
			lflag = 1;
			cflag = 0;
			break;
		case 's':
			free(prog.src);
			if (optarg[0] != '+' && optarg[0] != '@')
				prog.src = xasprintf("+%s", optarg);
			else
				prog.src = xstrdup(optarg);
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;

	/* +folders are destinations; the rest select in the source */
	prog.ops = xreallocarray(NULL, (size_t)argc + 2, sizeof(*prog.ops));
	for (i = 0; i < (size_t)argc; i++) {
		char *op = prog.args[optind + i];

		if (op[0] == '+' || op[0] == '@') {
			dests = xreallocarray(dests, ndests + 1,
			    sizeof(*dests));
			memset(&dests[ndests], 0, sizeof(*dests));
			dests[ndests++].arg = op;
		} else
			prog.ops[nops++] = op;
	}
	if (ndests == 0) {
		warnx("no folder given");
		usage();
	}
	if (prog.src != NULL)
		prog.ops[nops++] = prog.src;
	if (mht_collect(mh, prog.ops, nops, "cur", flags, t) < 0)
		errx(errno == EINVAL ? 1 : exit_for_errno(errno), "%s",
		    t->err);
	if (t->n == 0)
		errx(1, "no messages");

	for (k = 0; k < ndests; k++) {
		struct dest *d = &dests[k];

		if (mh_folder_open(mh, d->arg, MH_F_LOCK | MH_F_CREATE,
		    &d->f) < 0)
			errx(exit_for_errno(errno), "%s", mh_errmsg(mh));
		for (i = 0; i < t->nfolders; i++)
			if (strcmp(t->folders[i]->path, d->f->path) == 0)
				errx(1, "+%s: source and destination are the "
				    "same folder", d->f->name);
		d->last = mht_last(d->f);
	}

	moved = xcalloc(t->nfolders + 1, sizeof(*moved));
	nmoved = xcalloc(t->nfolders + 1, sizeof(*nmoved));
	for (i = 0; i < t->n; i++) {
		struct mhtarget *m = &t->v[i];

		f = m->folder != MHT_NOFOLDER ? t->folders[m->folder] : NULL;
		for (ok = 1, k = 0; ok && k < ndests; k++) {
			struct dest *d = &dests[k];

			if (add_one(d, m, &num) < 0) {
				warn("%s to +%s", m->path, d->f->name);
				status = exit_for_errno(errno);
				ok = 0;
				break;
			}
			d->added = xreallocarray(d->added, d->nadded + 1,
			    sizeof(*d->added));
			d->added[d->nadded++] = num;
			if (f != NULL)
				carry_seqs(d, f, m->num, num);
		}
		if (!ok || cflag || lflag)
			continue;
		/* durable in every destination before the source goes */
		for (k = 0; ok && k < ndests; k++)
			if (xfsync_dir(dests[k].f->path) < 0) {
				warn("%s", dests[k].f->path);
				status = exit_for_errno(errno);
				ok = 0;
			}
		if (!ok)
			continue;
		if (f != NULL ? mht_remove(f->path, m->num, 1) < 0 :
		    unlink(m->path) < 0) {
			warn("%s", m->path);
			status = exit_for_errno(errno);
			continue;
		}
		if (f != NULL) {
			moved[m->folder] = xreallocarray(moved[m->folder],
			    nmoved[m->folder] + 1, sizeof(**moved));
			moved[m->folder][nmoved[m->folder]++] = m->num;
		}
	}

	for (k = 0; k < ndests; k++) {
		struct dest *d = &dests[k];

		if (xfsync_dir(d->f->path) < 0) {
			warn("%s", d->f->path);
			status = exit_for_errno(errno);
		}
		if (mh_folder_rescan(mh, d->f) < 0) {
			warnx("%s", mh_errmsg(mh));
			status = exit_for_errno(errno);
		}
		if (d->nadded > 0)
			mh_set_previous(mh, d->f, d->added, d->nadded);
		if (mh_folder_save(mh, d->f) < 0) {
			warnx("%s", mh_errmsg(mh));
			status = exit_for_errno(errno);
		}
	}
	for (k = 0; k < t->nfolders; k++) {
		f = t->folders[k];
		if (nmoved[k] > 0) {
			for (i = 0; i < f->nseq; i++)
				mh_seq_del(f, f->seq[i].name, moved[k],
				    nmoved[k]);
			if (xfsync_dir(f->path) < 0) {
				warn("%s", f->path);
				status = exit_for_errno(errno);
			}
			if (mh_folder_rescan(mh, f) < 0) {
				warnx("%s", mh_errmsg(mh));
				status = exit_for_errno(errno);
			}
		}
		/* nmh: cur becomes the last message refiled, unless the
		   folder was emptied */
		if (k == t->spec && (f->nmsg > 0 || cflag || lflag)) {
			for (num = 0, i = 0; i < t->n; i++)
				if (t->v[i].folder == k && t->v[i].num > num)
					num = t->v[i].num;
			if (num != 0)
				mh_set_cur(f, num);
		}
		free(moved[k]);
	}
	if (mht_save(mh, t) < 0) {
		warnx("%s", mh_errmsg(mh));
		status = exit_for_errno(errno);
	}
	free(moved);
	free(nmoved);
	return status;
}
