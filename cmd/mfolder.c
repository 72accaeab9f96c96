/*
 * mfolder: show or set the current folder and message, list folders,
 * create and pack them; nmh's folder and folders.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mh.h"
#include "util.h"
#include "xio.h"

/* What one line of the listing shows. */
struct entry {
	char		*name;
	size_t		 nmsg;
	unsigned	 low, high, cur;
	int		 others;	/* has subfolders */
	int		 current;	/* is the current folder */
	int		 error;		/* unreadable */
};

static int	 fflag, rflag, vflag;
static struct entry *ent;
static size_t	 nent;

/* What main holds until mfolder exits; cleanup() frees it. */
static struct {
	struct mh	 *mh;
	char		**args;
	struct mh_folder *f;
} prog;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr,
	    "usage: mfolder [-acfprvV] [+folder] [msg]\n");
	exit(EX_USAGE);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The subfolders of directory dir: every directory entry that is a
 * directory and does not start with a dot, sorted.  Symbolic links to
 * directories are listed but not descended (see add_tree()).
 */
static char **
subdirs(const char *dir, size_t *np)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char **v = NULL, *p;
	size_t n = 0;
	int isdir;

	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		isdir = 0;
#ifdef DT_DIR
		if (de->d_type == DT_DIR)
			isdir = 1;
		else if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
#endif
		{
			p = xasprintf("%s/%s", dir, de->d_name);
			isdir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
			free(p);
		}
		if (!isdir)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	*np = n;
	return v;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Add the entry of folder name (as mh_folder_open() takes it, no "+"). */
static void
add_entry(struct mh *mh, const char *name, const char *current)
{
	struct mh_folder *f;
	struct entry *e;
	char *arg, **sub;
	size_t nsub;

	ent = xreallocarray(ent, nent + 1, sizeof(*ent));
	e = &ent[nent++];
	memset(e, 0, sizeof(*e));
	arg = xasprintf("+%s", name);
	if (mh_folder_open(mh, arg, 0, &f) < 0) {
		e->name = xstrdup(name);
		e->error = 1;
		free(arg);
		return;
	}
	free(arg);
	e->name = xstrdup(f->name);
	e->current = strcmp(f->name, current) == 0;
	e->nmsg = f->nmsg;
	if (f->nmsg > 0) {
		e->low = f->msg[0];
		e->high = f->msg[f->nmsg - 1];
		e->cur = f->cur;
	}
	sub = subdirs(f->path, &nsub);
	e->others = nsub > 0;
	free_names(sub, nsub);
	mh_folder_close(f);
}

/* Add folder name and, with -r, everything below it. */
static void
add_tree(struct mh *mh, const char *name, const char *current, int depth)
{
	struct stat st;
	char **sub, *child, *nm, *path;
	size_t nsub, i;

	add_entry(mh, name, current);
	if (!rflag || depth > 64)
		return;
	if (mh_folder_resolve(mh, name, &nm, &path) < 0)
		return;
	sub = subdirs(path, &nsub);
	for (i = 0; i < nsub; i++) {
		child = xasprintf("%s/%s", path, sub[i]);
		/* never follow a link: it could loop or leave Path */
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(child);
			child = xasprintf("%s/%s", nm, sub[i]);
			add_tree(mh, child, current, depth + 1);
		}
		free(child);
	}
	free_names(sub, nsub);
	free(nm);
	free(path);
}

static int
digits(unsigned long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/*
 * Print the entries as nmh's folder(1) does, column widths taken from
 * all of them; with header, the FOLDER line and the TOTAL line too.
 */
static void
print_entries(int header)
{
	size_t i, maxlen = 0, total = 0;
	unsigned long maxn = 0, maxlow = 0, maxhigh = 0, maxcur = 0;
	int nd, ll, hl, cl;
	struct entry *e;
	char *nm;

	for (i = 0; i < nent; i++) {
		e = &ent[i];
		if (strlen(e->name) > maxlen)
			maxlen = strlen(e->name);
		total += e->nmsg;
		if (e->nmsg > maxn)
			maxn = e->nmsg;
		if (e->low > maxlow)
			maxlow = e->low;
		if (e->high > maxhigh)
			maxhigh = e->high;
		if (e->cur > maxcur)
			maxcur = e->cur;
	}
	nd = digits(maxn);
	if (header && nd < 2)
		nd = 2;		/* nmh's table has two columns at least */
	ll = digits(maxlow);
	hl = digits(maxhigh);
	cl = digits(maxcur);
	if (header)
		printf("%-*s%*s# MESSAGES  %-*s; %-*s(OTHERS)\n",
		    (int)maxlen + 1, "FOLDER", nd + 4, "", ll + hl + 3,
		    "RANGE", cl + 6, "CUR");
	for (i = 0; i < nent; i++) {
		e = &ent[i];
		nm = xasprintf("%s%s", e->name, e->current ? "+" : "");
		printf("%-*s ", (int)maxlen + 1, nm);
		free(nm);
		if (e->error) {
			printf("is unreadable.\n");
			continue;
		}
		if (e->nmsg == 0)
			printf("has no messages%*s", e->others ? nd + 6 : 0,
			    "");
		else {
			printf("has %*zu message%s  (%*u-%*u)", nd, e->nmsg,
			    e->nmsg == 1 ? " " : "s", ll, e->low, hl,
			    e->high);
			if (e->cur != 0)
				printf("; cur=%*u", cl, e->cur);
		}
		if (e->others) {
			if (e->cur != 0)
				printf("; (others)");
			else
				printf(";%*s(others)", cl + 7, "");
		}
		printf(".\n");
	}
	if (header)
		printf("\nTOTAL = %zu message%s in %zu folder%s.\n", total,
		    total == 1 ? "" : "s", nent, nent == 1 ? "" : "s");
}

/* -a: every folder (below +folder when given). */
static void
list_all(struct mh *mh, const char *top)
{
	char **sub, *nm, *path, *child;
	size_t nsub, i;
	const char *current = mh_current_folder(mh);

	if (*current == '+')
		current++;
	if (top != NULL) {
		if (mh_folder_resolve(mh, top, &nm, &path) < 0)
			errx(EX_USAGE, "%s", mh_errmsg(mh));
		add_tree(mh, nm, current, 0);
		free(nm);
		free(path);
	} else {
		sub = subdirs(mh_dir(mh), &nsub);
		for (i = 0; i < nsub; i++) {
			child = xasprintf("%s", sub[i]);
			add_tree(mh, child, current, 0);
			free(child);
		}
		free_names(sub, nsub);
	}
	if (fflag) {
		for (i = 0; i < nent; i++)
			printf("%s\n", ent[i].name);
		return;
	}
	print_entries(1);
}

/* Exit unless folder (named on the command line) exists. */
static void
need_folder(struct mh *mh, const char *folder)
{
	char *nm, *path;
	int r;

	if (mh_folder_resolve(mh, folder, &nm, &path) < 0)
		errx(EX_USAGE, "%s", mh_errmsg(mh));
	if ((r = access(path, F_OK)) < 0)
		warnx("no folder +%s", nm);
	free(nm);
	free(path);
	if (r < 0)
		exit(EX_NOINPUT);
}

/*
 * Renumber the messages of f 1..n in order, as nmh's folder -pack:
 * each file is linked to its new number (never replacing a file) and
 * then unlinked; sequences and cur follow.
 */
static int
pack(struct mh *mh, struct mh_folder *f)
{
	unsigned *old, *new;
	size_t n = 0, i;
	char *from, *to;
	int r = 0, e = 0;

	old = xreallocarray(NULL, f->nmsg + 1, sizeof(*old));
	new = xreallocarray(NULL, f->nmsg + 1, sizeof(*new));
	for (i = 0; i < f->nmsg; i++) {
		if (f->msg[i] == i + 1)
			continue;
		from = mh_msg_path(f, f->msg[i]);
		to = mh_msg_path(f, (unsigned)(i + 1));
		e = 0;
		if (link(from, to) < 0)
			e = errno;
		else if (unlink(from) < 0) {
			e = errno;
			(void)unlink(to);	/* keep the old name only */
		}
		if (e != 0) {
			warnc(e, "%s to %s", from, to);
			free(from);
			free(to);
			r = -1;
			break;
		}
		if (vflag)
			printf("message %u becomes %zu\n", f->msg[i], i + 1);
		old[n] = f->msg[i];
		new[n++] = (unsigned)(i + 1);
		free(from);
		free(to);
	}
	if (n > 0) {
		if (xfsync_dir(f->path) < 0) {
			warn("%s", f->path);
			r = -1;
		}
		mh_renumber(f, old, new, n);
		if (mh_folder_rescan(mh, f) < 0) {
			warnx("%s", mh_errmsg(mh));
			r = -1;
		}
	}
	free(old);
	free(new);
	return r;
}

/* Free what main holds, however mfolder exits (atexit). */
static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < nent; i++)
		free(ent[i].name);
	free(ent);
	mh_folder_close(prog.f);
	mh_argv_free(prog.args);
	mh_close(prog.mh);
}

int
main(int argc, char *argv[])
{
	struct mh_folder *f;
	const char *folder = NULL, *msg = NULL, *current;
	char **sub, *specs[2];
	unsigned *sel;
	size_t nsel, nsub;
	int ch, aflag = 0, cflag = 0, pflag = 0, rv = 0, i, flags;

	(void)atexit(cleanup);
	if (mh_open(&prog.mh) < 0)
		errx(EX_CONFIG, "%s", mh_errmsg(prog.mh));
	argv = prog.args = mh_prog_args(prog.mh, "mfolder", &argc, argv);
	while ((ch = getopt(argc, argv, "acfprVv")) != -1) {
		switch (ch) {
		case 'a':
			aflag = 1;
			break;
		case 'c':
			cflag = 1;
			break;
		case 'f':
			fflag = 1;
			break;
		case 'p':
			pflag = 1;
			break;
		case 'r':
			rflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '+' || argv[i][0] == '@') {
			if (folder != NULL)
				errx(EX_USAGE, "only one folder at a time "
				    "(%s and %s)", folder, argv[i]);
			folder = argv[i];
		} else if (msg == NULL)
			msg = argv[i];
		else
			errx(EX_USAGE, "only one message at a time (%s and "
			    "%s)", msg, argv[i]);
	}
	if (aflag && (msg != NULL || pflag || cflag))
		usage();

	if (aflag) {
		if (folder != NULL)
			need_folder(prog.mh, folder);
		list_all(prog.mh, folder);
		goto done;
	}

	flags = (pflag || msg != NULL) ? MH_F_LOCK : 0;
	if (cflag)
		flags |= MH_F_CREATE;
	if (mh_folder_open(prog.mh, folder, flags, &prog.f) < 0) {
		if (errno == ENOENT)
			errx(EX_NOINPUT, "%s (-c creates it)",
			    mh_errmsg(prog.mh));
		errx(errno == EINVAL ? EX_USAGE : exit_for_errno(errno),
		    "%s", mh_errmsg(prog.mh));
	}
	f = prog.f;
	if (msg != NULL) {
		specs[0] = (char *)msg;
		specs[1] = NULL;
		if (mh_select(prog.mh, f, specs, 1, 0, &sel, &nsel) < 0)
			errx(1, "%s", mh_errmsg(prog.mh));
		mh_set_cur(f, sel[0]);
		free(sel);
	}
	if (pflag && pack(prog.mh, f) < 0)
		rv = EX_IOERR;
	if (folder != NULL || cflag)
		(void)mh_set_current_folder(prog.mh, f->name);
	if (mh_folder_save(prog.mh, f) < 0) {
		warnx("%s", mh_errmsg(prog.mh));
		rv = exit_for_errno(errno);
	}
	if (fflag)
		printf("%s\n", f->name);
	else {
		current = mh_current_folder(prog.mh);
		if (*current == '+')
			current++;
		ent = xcalloc(1, sizeof(*ent));
		nent = 1;
		ent->name = xstrdup(f->name);
		ent->current = strcmp(f->name, current) == 0;
		ent->nmsg = f->nmsg;
		if (f->nmsg > 0) {
			ent->low = f->msg[0];
			ent->high = f->msg[f->nmsg - 1];
			ent->cur = f->cur;
		}
		sub = subdirs(f->path, &nsub);
		ent->others = nsub > 0;
		free_names(sub, nsub);
		print_entries(0);
	}
done:
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	return rv;
}
