/*
 * mmark: add messages to sequences, delete them from sequences, list
 * sequences; nmh's mark.
 */
#include "config.h"

#include <ctype.h>
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

static char	**seqs;
static size_t	  nseqs;

/* What main holds until mmark exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	struct mhtargets  t;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mmark [-0adlVz] [-s seq] [+folder] "
	    "[msg ...]\n");
	exit(EX_USAGE);
}

/*
 * A sequence name mailkit writes: a letter, then letters, digits and
 * underscores, and none of the names mh-sequence(5) gives a meaning.
 */
static int
name_ok(const char *s)
{
	static const char *reserved[] = {
		"all", "first", "last", "next", "new", "prev", NULL
	};
	const char **r;
	const char *p;

	if (!isalpha((unsigned char)*s))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	for (r = reserved; *r != NULL; r++)
		if (strcmp(s, *r) == 0)
			return 0;
	return 1;
}

static void
print_seq(const struct mh_seq *q)
{
	char *v = mh_ranges_format(q->num, q->n);

	printf("%s%s: %s\n", q->name, q->priv ? " (private)" : "", v);
	free(v);
}

/* -l: the sequences of the folder (all, or those of -s). */
static int
list(struct mh *mh, const char *folder)
{
	struct mh_folder *f;
	struct mh_seq *q;
	size_t i;

	if (mh_folder_open(mh, folder, 0, &f) < 0) {
		warnx("%s", mh_errmsg(mh));
		return errno == ENOENT ? EX_NOINPUT : errno == EINVAL ?
		    EX_USAGE : exit_for_errno(errno);
	}
	if (nseqs == 0) {
		if (f->cur != 0)
			printf("cur: %u\n", f->cur);
		for (i = 0; i < f->nseq; i++)
			if (f->seq[i].n > 0)
				print_seq(&f->seq[i]);
	}
	for (i = 0; i < nseqs; i++) {
		if (strcmp(seqs[i], "cur") == 0) {
			if (f->cur != 0)
				printf("cur: %u\n", f->cur);
			else
				printf("cur: \n");
		} else if ((q = mh_seq_get(f, seqs[i])) != NULL)
			print_seq(q);
		else
			printf("%s: \n", seqs[i]);
	}
	if (folder != NULL)
		(void)mh_set_current_folder(mh, f->name);
	mh_folder_close(f);
	if (mh_ctx_save(mh) < 0) {
		warnx("%s", mh_errmsg(mh));
		return exit_for_errno(errno);
	}
	return 0;
}

/* Apply -a or -d (and -z) to the messages v[0..n) of folder f. */
static void
mark(struct mh_folder *f, const unsigned *v, size_t n, int del, int zero)
{
	size_t i, k;

	for (i = 0; i < nseqs; i++) {
		if (strcmp(seqs[i], "cur") == 0) {
			if (!del)
				mh_set_cur(f, v[n - 1]);
			else
				for (k = 0; k < n; k++)
					if (f->cur == v[k])
						mh_set_cur(f, 0);
			continue;
		}
		if (zero) {
			mh_seq_zero(f, seqs[i]);
			/* nmh: -d -z deletes from a sequence of all */
			if (del)
				mh_seq_add(f, seqs[i], f->msg, f->nmsg);
		}
		if (del)
			mh_seq_del(f, seqs[i], v, n);
		else
			mh_seq_add(f, seqs[i], v, n);
	}
}

/* Free what main holds, however mmark exits (atexit). */
static void
cleanup(void)
{
	mht_free(&prog.t);
	free(seqs);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mhtargets *t = &prog.t;
	const char *folder = NULL;
	unsigned *v;
	size_t i, j, n;
	int ch, aflag = 0, dflag = 0, lflag = 0, zflag = 0, nul = 0, r;

	(void)atexit(cleanup);
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	argv = prog.args = mh_prog_args(prog.mh, "mmark", &argc, argv);
	while ((ch = getopt(argc, argv, "0adls:Vz")) != -1) {
		switch (ch) {
		case '0':
			nul = 1;
			break;
		case 'a':
			aflag = 1;
			dflag = 0;
			break;
		case 'd':
			dflag = 1;
			aflag = 0;
			break;
		case 'l':
			lflag = 1;
			break;
		case 's':
			if (strcmp(optarg, "cur") != 0 && !name_ok(optarg))
				errx(EX_USAGE, "bad sequence name: %s",
				    optarg);
			seqs = xreallocarray(seqs, nseqs + 1,
			    sizeof(*seqs));
			seqs[nseqs++] = optarg;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		case 'z':
			zflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (lflag || (nseqs == 0 && !aflag && !dflag)) {
		for (r = 0; r < argc; r++)
			if (argv[r][0] == '+' || argv[r][0] == '@')
				folder = argv[r];
		r = list(prog.mh, folder);
		goto done;
	}
	if (nseqs == 0)
		errx(EX_USAGE, "-a and -d need a sequence (-s)");

	if (mht_collect(prog.mh, argv, (size_t)argc, "cur",
	    MHT_LOCK | MHT_STDIN | (nul ? MHT_NUL : 0), t) < 0) {
		r = errno;
		warnx("%s", t->err);
		r = r == EINVAL ? 1 : r == ENOENT ? EX_NOINPUT :
		    exit_for_errno(r);
		goto done;
	}
	r = 0;
	/* the messages of each folder, in one change per folder */
	v = xreallocarray(NULL, t->n + 1, sizeof(*v));
	for (j = 0; j < t->nfolders; j++) {
		for (i = n = 0; i < t->n; i++)
			if (t->v[i].folder == j)
				v[n++] = t->v[i].num;
		if (n > 0)
			mark(t->folders[j], v, n, dflag, zflag);
	}
	for (i = 0; i < t->n; i++)
		if (t->v[i].folder == MHT_NOFOLDER) {
			warnx("%s: not a message in an MH folder",
			    t->v[i].path);
			r = EX_DATAERR;
		}
	free(v);
	if (mht_save(prog.mh, t) < 0) {
		warnx("%s", mh_errmsg(prog.mh));
		r = exit_for_errno(errno);
	}
done:
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	return r;
}
