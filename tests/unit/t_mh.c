/*
 * Unit tests for libcommon/mh: profile and context parsing, folder
 * names, sequences files, and message specs compared with nmh.
 *
 * Where nmh is installed (/usr/bin/mh), the same folder is read by nmh
 * in a private environment (MH, MHCONTEXT): every spec of the table is
 * also given to "mhpath" (mhpath's rules, MH_SEL_NEW) and to "scan
 * -format %(msg)" (the rules of every other program), and sequences
 * files go both ways through "mark".  Without nmh those checks print
 * "ok N # SKIP".
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "mh.h"
#include "tap.h"

#ifndef NMH
#define NMH	"/usr/bin/mh/"
#endif

/* ok() that shows the module's message when the check fails. */
#define OKE(cond, mhp, ...) do {					\
	int c_ = (cond);						\
	ok(c_, __VA_ARGS__);						\
	if (!c_)							\
		printf("#   error: %s\n", mh_errmsg(*(mhp)));		\
} while (0)

static char *top;		/* the test directory */
static int have_nmh;

/* The buffer's text as a new string; the buffer is freed. */
static char *
take(struct buf *b)
{
	char *r = xstrdup(buf_cstr(b));

	buf_free(b);
	return r;
}

static void
skip(const char *why, const char *name)
{
	tap_n++;
	printf("ok %d # SKIP %s (%s)\n", tap_n, why, name);
}

static void
spew(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF) {
		perror(path);
		exit(99);
	}
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY);
	char *r;

	if (fd < 0)
		return NULL;
	if (read_fd_all(fd, &b) < 0) {
		close(fd);
		buf_free(&b);
		return NULL;
	}
	close(fd);
	r = take(&b);
	return r;
}

static char *
path_of(const char *rel)
{
	return xasprintf("%s/%s", top, rel);
}

/* Run argv with stdout captured into *out; returns the exit status. */
static int
run(char *const argv[], char **out)
{
	struct buf b = BUF_INIT;
	int p[2], st, dn;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		if ((dn = open("/dev/null", O_RDWR)) >= 0) {
			dup2(dn, 0);
			dup2(dn, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	read_fd_all(p[0], &b);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out != NULL)
		*out = take(&b);
	else
		buf_free(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Numbers as "1 2 3". */
static char *
numstr(const unsigned *v, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%u", i ? " " : "", v[i]);
	return take(&b);
}

/* Our resolution of the specs (space-separated) or "ERR". */
static char *
ours(struct mh *mh, struct mh_folder *f, const char *specs, int flags)
{
	char **v, *r;
	unsigned *out;
	size_t n, nout;

	v = mh_split(specs, &n);
	if (mh_select(mh, f, v, n, flags, &out, &nout) < 0) {
		r = xstrdup("ERR");
		if (*mh_errmsg(mh) == '\0' || errno != EINVAL)
			r[0] = '?';
	} else {
		r = numstr(out, nout);
		free(out);
	}
	mh_argv_free(v);
	return r;
}

/*
 * nmh's resolution: mhpath +folder specs (file names' last components)
 * or scan -format %(msg); "ERR" when it fails.
 */
static char *
theirs(const char *folder, const char *specs, int mhpath)
{
	struct buf b = BUF_INIT;
	char **w, **argv, *out, *line, *sl, *save = NULL;
	size_t n, i, k = 0;
	int rc;

	w = mh_split(specs, &n);
	argv = xreallocarray(NULL, n + 5, sizeof(*argv));
	argv[k++] = mhpath ? NMH "mhpath" : NMH "scan";
	argv[k++] = (char *)folder;
	if (!mhpath) {
		argv[k++] = "-format";
		argv[k++] = "%(msg)";
	}
	for (i = 0; i < n; i++)
		argv[k++] = w[i];
	argv[k] = NULL;
	rc = run(argv, &out);
	free(argv);
	mh_argv_free(w);
	if (rc != 0) {
		free(out);
		return xstrdup("ERR");
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		sl = strrchr(line, '/');
		buf_printf(&b, "%s%s", b.len ? " " : "", sl ? sl + 1 : line);
	}
	free(out);
	return take(&b);
}

struct row {
	const char *spec;	/* specs, separated by spaces */
	const char *normal;	/* expected, "ERR" for an error */
	const char *mhpath;	/* with MH_SEL_NEW; NULL: as normal */
	const char *nmh;	/* NULL: nmh agrees; else what nmh 1.8 gives
				   instead (a documented departure) */
};

#define ALL "1 2 3 5 8 13 20"

/* inbox holds 1 2 3 5 8 13 20, cur=5, unseen 3-8 20, flagged 1 13. */
static const struct row table[] = {
	{ "1", "1", NULL, NULL },
	{ "4", "ERR", "4", NULL },
	{ "21", "ERR", NULL, NULL },
	{ "0", "ERR", NULL, NULL },
	{ "03", "3", NULL, NULL },
	{ "99999999999", "ERR", NULL, NULL },
	{ "2-9", "2 3 5 8", NULL, NULL },
	{ "9-2", "ERR", NULL, NULL },
	{ "4-4", "ERR", NULL, NULL },
	{ "21-30", "ERR", NULL, NULL },
	{ "0-1", "ERR", NULL, NULL },
	{ "1-99999999999", ALL, NULL, NULL },
	{ "first", "1", NULL, NULL },
	{ "last", "20", NULL, NULL },
	{ "cur", "5", NULL, NULL },
	{ ".", "5", NULL, NULL },
	{ "prev", "3", NULL, NULL },
	{ "next", "8", NULL, NULL },
	{ "all", ALL, NULL, NULL },
	{ "new", "ERR", "21", NULL },
	{ "last new", "ERR", "20 21", NULL },
	{ "cur-last", "5 8 13 20", NULL, NULL },
	{ "first-cur", "1 2 3 5", NULL, NULL },
	{ "prev-next", "3 5 8", NULL, NULL },
	{ "3-last", "3 5 8 13 20", NULL, NULL },
	{ "last:3", "8 13 20", NULL, NULL },
	{ "first:2", "1 2", NULL, NULL },
	{ "cur:-3", "2 3 5", NULL, NULL },
	{ "cur:3", "5 8 13", NULL, NULL },
	{ "cur:+3", "5 8 13", NULL, NULL },
	{ "prev:2", "2 3", NULL, NULL },
	{ "next:2", "8 13", NULL, NULL },
	{ "next:-2", "5 8", NULL, NULL },
	{ "last:20", ALL, NULL, NULL },
	{ "first:100", ALL, NULL, NULL },
	{ "5:2", "5 8", NULL, NULL },
	{ "4:2", "5 8", NULL, NULL },
	{ "4:-2", "2 3", NULL, NULL },
	{ "25:3", "ERR", NULL, NULL },
	{ "25:-3", "8 13 20", NULL, NULL },
	{ "last=2", "13", NULL, NULL },
	{ "last=-2", "13", NULL, NULL },
	{ "first=3", "3", NULL, NULL },
	{ "cur=2", "8", NULL, NULL },
	{ "cur=-2", "3", NULL, NULL },
	{ "first=100", "ERR", NULL, NULL },
	{ "unseen", "3 5 8 20", NULL, NULL },
	{ "flagged", "1 13", NULL, NULL },
	{ "unseen:2", "3 5", NULL, NULL },
	{ "unseen:-2", "8 20", NULL, NULL },
	{ "unseen::2", "8 20", NULL, NULL },
	{ "unseen=2", "5", NULL, NULL },
	{ "unseen=-2", "8", NULL, NULL },
	{ "unseen=9", "ERR", NULL, NULL },
	{ "unseen:first", "3", NULL, NULL },
	{ "unseen:last", "20", NULL, NULL },
	{ "unseen:next", "8", NULL, NULL },
	{ "unseen:prev", "3", NULL, NULL },
	{ "flagged:next", "13", NULL, NULL },
	{ "flagged:prev", "1", NULL, NULL },
	{ "notunseen", "1 2 13", NULL, NULL },
	{ "notunseen:2", "1 2", NULL, NULL },
	{ "notunseen=2", "2", NULL, NULL },
	{ "notunseen:-1", "13", NULL, NULL },
	{ "notflagged:next", "8", NULL, NULL },
	{ "notcur", "1 2 3 8 13 20", NULL, NULL },
	{ "notcur:2", "1 2", NULL, NULL },
	{ "notfoo", "ERR", NULL, NULL },
	{ "!unseen", "1 2 13", NULL, "ERR" },
	{ "!flagged:-2", "8 20", NULL, "ERR" },
	{ "1 3 1", "1 3", NULL, NULL },
	{ "unseen flagged", "1 3 5 8 13 20", NULL, NULL },
	{ "last:2 first", "1 13 20", NULL, NULL },
	{ "1 4", "ERR", "1 4", NULL },
	{ "1 unseen=9", "ERR", NULL, "1" },
	{ "foo", "ERR", NULL, NULL },
	{ "unseen-5", "ERR", NULL, NULL },
	{ "last-new", "ERR", NULL, NULL },
	{ "last:0", "ERR", NULL, NULL },
	{ "last:", "ERR", NULL, NULL },
	{ "last:3x", "ERR", NULL, NULL },
	{ "x:3", "ERR", NULL, NULL },
	{ "all:3", "ERR", NULL, NULL },
	{ "cur:next", "ERR", NULL, NULL },
	{ "unseen:cur", "ERR", NULL, NULL },
	{ "3x", "ERR", NULL, NULL },
	{ "3-5x", "ERR", NULL, NULL },
	{ "first+", "ERR", NULL, NULL },
	{ "CUR", "ERR", NULL, NULL },
	{ "Last", "ERR", NULL, NULL },
};

/* Other states of the same folder: cur elsewhere. */
static const struct row table_cur4[] = {	/* cur: 4 (absent) */
	{ "cur", "ERR", "4", NULL },
	{ "next", "5", NULL, NULL },
	{ "prev", "3", NULL, NULL },
	{ "cur:2", "5 8", NULL, NULL },
	{ "cur=1", "5", NULL, NULL },
	{ "unseen:next", "5", NULL, NULL },
	{ "unseen:prev", "3", NULL, NULL },
};
static const struct row table_nocur[] = {	/* no cur */
	{ "cur", "ERR", NULL, NULL },
	{ "next", "1", NULL, NULL },
	{ "prev", "ERR", NULL, NULL },
	{ "next:2", "1 2", NULL, NULL },
	{ "unseen:next", "3", NULL, NULL },
	{ "unseen:prev", "20", NULL, NULL },
};
static const struct row table_cur25[] = {	/* cur: 25 (past the end) */
	{ "cur", "ERR", "25", NULL },
	{ "next", "ERR", NULL, NULL },
	{ "prev", "20", NULL, NULL },
	{ "prev:2", "13 20", NULL, NULL },
	{ "cur:-2", "13 20", NULL, NULL },
};
static const struct row table_cur1[] = {	/* cur: 1 */
	{ "prev", "ERR", NULL, NULL },
	{ "unseen:prev", "ERR", NULL, "1" },
	{ "flagged:prev", "ERR", NULL, "1" },
	{ "next", "2", NULL, NULL },
};
static const struct row table_empty[] = {	/* +empty */
	{ "all", "ERR", NULL, NULL },
	{ "first", "ERR", NULL, NULL },
	{ "last", "ERR", NULL, NULL },
	{ "cur", "ERR", NULL, NULL },
	{ "1", "ERR", NULL, NULL },
	{ "new", "ERR", "1", NULL },
	{ "1-5", "ERR", NULL, NULL },
	{ "last:3", "ERR", NULL, NULL },
	{ "unseen", "ERR", NULL, NULL },
};

static void
check_table(const char *folder, const struct row *t, size_t n)
{
	struct mh *mh;
	struct mh_folder *f;
	const char *want;
	char *got, *nmh;
	size_t i;

	if (mh_open(&mh) < 0 || mh_folder_open(mh, folder, 0, &f) < 0) {
		ok(0, "open %s: %s", folder, mh_errmsg(mh));
		mh_close(mh);
		return;
	}
	for (i = 0; i < n; i++) {
		want = t[i].mhpath ? t[i].mhpath : t[i].normal;
		got = ours(mh, f, t[i].spec, 0);
		is_str(got, t[i].normal, "%s '%s'", folder, t[i].spec);
		free(got);
		got = ours(mh, f, t[i].spec, MH_SEL_NEW);
		is_str(got, want, "%s '%s' (mhpath rules)", folder, t[i].spec);
		free(got);
		if (!have_nmh) {
			skip("nmh not installed", t[i].spec);
			skip("nmh not installed", t[i].spec);
			continue;
		}
		nmh = theirs(folder, t[i].spec, 1);
		is_str(nmh, t[i].nmh ? t[i].nmh : want, "nmh mhpath %s '%s'%s",
		    folder, t[i].spec, t[i].nmh ? " (departure)" : "");
		free(nmh);
		nmh = theirs(folder, t[i].spec, 0);
		is_str(nmh, t[i].nmh ? t[i].nmh : t[i].normal,
		    "nmh scan %s '%s'%s", folder, t[i].spec,
		    t[i].nmh ? " (departure)" : "");
		free(nmh);
	}
	mh_folder_close(f);
	mh_close(mh);
}

static void
set_seqs(const char *text)
{
	char *p = path_of("Mail/inbox/.mh_sequences");

	spew(p, text);
	free(p);
}

static void
make_inbox(void)
{
	static const unsigned msgs[] = { 1, 2, 3, 5, 8, 13, 20 };
	static const char *junk[] = { ",4", ".foo", "abc", "20.orig", "7~" };
	char *p;
	size_t i;

	p = path_of("Mail");
	mkdir(p, 0700);
	free(p);
	p = path_of("Mail/inbox");
	mkdir(p, 0700);
	free(p);
	p = path_of("Mail/inbox/sub");
	mkdir(p, 0700);
	free(p);
	p = path_of("Mail/empty");
	mkdir(p, 0700);
	free(p);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		char *t = xasprintf("Mail/inbox/%u", msgs[i]);
		char *body = xasprintf("From: a@example.org\nSubject: %u\n"
		    "\nbody %u\n", msgs[i], msgs[i]);

		p = path_of(t);
		spew(p, body);
		free(p);
		free(t);
		free(body);
	}
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		char *t = xasprintf("Mail/inbox/%s", junk[i]);

		p = path_of(t);
		spew(p, "junk\n");
		free(p);
		free(t);
	}
	set_seqs("cur: 5\nunseen: 3-8 20\nflagged: 1 13\n");
}

static void
test_specs(void)
{
	check_table("+inbox", table, sizeof(table) / sizeof(table[0]));
	set_seqs("cur: 4\nunseen: 3-8 20\nflagged: 1 13\n");
	check_table("+inbox", table_cur4,
	    sizeof(table_cur4) / sizeof(table_cur4[0]));
	set_seqs("unseen: 3-8 20\nflagged: 1 13\n");
	check_table("+inbox", table_nocur,
	    sizeof(table_nocur) / sizeof(table_nocur[0]));
	set_seqs("cur: 25\nunseen: 3-8 20\nflagged: 1 13\n");
	check_table("+inbox", table_cur25,
	    sizeof(table_cur25) / sizeof(table_cur25[0]));
	set_seqs("cur: 1\nunseen: 1 3-8 20\nflagged: 1 13\n");
	check_table("+inbox", table_cur1,
	    sizeof(table_cur1) / sizeof(table_cur1[0]));
	check_table("+empty", table_empty,
	    sizeof(table_empty) / sizeof(table_empty[0]));
	set_seqs("cur: 5\nunseen: 3-8 20\nflagged: 1 13\n");
}

/* Error messages name the spec. */
static void
test_messages(void)
{
	static const struct {
		const char *spec, *msg;
	} t[] = {
		{ "21", "message 21 doesn't exist" },
		{ "21-30", "no messages in range 21-30" },
		{ "9-2", "bad message list 9-2" },
		{ "foo", "bad message list foo" },
		{ "3x", "illegal argument delimiter `x' in 3x" },
		{ "unseen=9", "no unseen=9 message" },
		{ "first=100", "no such message first=100" },
	};
	struct mh *mh;
	struct mh_folder *f;
	unsigned *out;
	size_t i, n;
	char *spec;

	if (mh_open(&mh) < 0 || mh_folder_open(mh, "+inbox", 0, &f) < 0) {
		ok(0, "open: %s", mh_errmsg(mh));
		return;
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		spec = (char *)t[i].spec;
		ok(mh_select(mh, f, &spec, 1, 0, &out, &n) == -1 &&
		    errno == EINVAL, "'%s' fails with EINVAL", spec);
		is_str(mh_errmsg(mh), t[i].msg, "message for '%s'", spec);
	}
	spec = "1";
	ok(mh_select(mh, f, &spec, 0, 0, &out, &n) == -1,
	    "no specs is an error");
	mh_folder_close(f);
	ok(mh_folder_open(mh, "+empty", 0, &f) == 0, "open +empty");
	spec = "all";
	ok(mh_select(mh, f, &spec, 1, 0, &out, &n) == -1, "empty folder");
	is_str(mh_errmsg(mh), "no messages in empty", "its message");
	mh_folder_close(f);
	mh_close(mh);
}

/* The context file's "atr-NAME-FOLDER" line, or NULL. */
static char *
ctx_line(const char *name)
{
	char *p = path_of("Mail/context"), *s = slurp(p), *k, *l, *e, *r;

	free(p);
	if (s == NULL)
		return NULL;
	k = xasprintf("atr-%s-%s/Mail/inbox: ", name, top);
	r = NULL;
	if ((l = strstr(s, k)) != NULL) {
		l += strlen(k);
		e = strchr(l, '\n');
		r = xstrndup(l, e ? (size_t)(e - l) : strlen(l));
	}
	free(k);
	free(s);
	return r;
}

static void
test_sequences(void)
{
	struct mh *mh;
	struct mh_folder *f;
	struct mh_seq *q;
	char *seqf = path_of("Mail/inbox/.mh_sequences"), *s, *out, *v;
	static const unsigned bar[] = { 5, 8, 13, 14 }, five[] = { 5 };
	static const unsigned pv[] = { 2, 3 };
	int rc;

	if (have_nmh) {
		char *argv[] = { NMH "mark", "+inbox", "-sequence", "foo",
		    "-add", "1-3", NULL };

		is_int(run(argv, NULL), 0, "nmh mark -sequence foo -add 1-3");
	} else {
		skip("nmh not installed", "mark");
		set_seqs("cur: 5\nunseen: 3 5 8 20\nflagged: 1 13\n"
		    "foo: 1-3\n");
	}
	s = slurp(seqf);
	is_str(s, "cur: 5\nunseen: 3 5 8 20\nflagged: 1 13\nfoo: 1-3\n",
	    "sequences file as nmh wrote it");
	free(s);
	if (mh_open(&mh) < 0 || mh_folder_open(mh, "+inbox", MH_F_LOCK,
	    &f) < 0) {
		ok(0, "open: %s", mh_errmsg(mh));
		return;
	}
	q = mh_seq_get(f, "foo");
	v = q ? numstr(q->num, q->n) : NULL;
	is_str(v, "1 2 3", "nmh's sequence foo read");
	free(v);
	is_int(f->cur, 5, "cur read");
	ok(mh_seq_has(f, "unseen", 8) && !mh_seq_has(f, "unseen", 4),
	    "mh_seq_has");

	/* a second process cannot lock while we hold it */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			struct flock fl;
			int fd = open(seqf, O_RDWR);

			memset(&fl, 0, sizeof(fl));
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			_exit(fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 &&
			    fl.l_type == F_WRLCK && fl.l_pid == getppid() ?
			    0 : 1);
		}
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "MH_F_LOCK holds an fcntl write lock on the file");
	}

	mh_seq_add(f, "bar", bar, 4);
	mh_seq_del(f, "unseen", five, 1);
	mh_seq_zero(f, "flagged");
	mh_set_cur(f, 8);
	mh_seq_add(f, "pv", pv, 2);
	mh_seq_set_private(f, "pv", 1);
	OKE(mh_folder_save(mh, f) == 0, &mh, "save");
	s = slurp(seqf);
	is_str(s, "cur: 8\nunseen: 3 8 20\nfoo: 1-3\nbar: 5 8 13\n",
	    "written: cur first, empty dropped, absent 14 pruned");
	free(s);
	v = ctx_line("pv");
	is_str(v, "2-3", "private sequence in the context");
	free(v);
	mh_folder_close(f);
	mh_close(mh);

	if (have_nmh) {
		char *argv[] = { NMH "mark", "+inbox", "-list", NULL };
		char *mp[] = { NMH "mhpath", "+inbox", "pv", NULL };

		rc = run(argv, &out);
		is_int(rc, 0, "nmh mark -list runs");
		is_str(out, "cur: 8\nunseen: 3 8 20\nfoo: 1-3\nbar: 5 8 13\n"
		    "pv (private): 2-3\n", "nmh mark -list reads what we wrote");
		free(out);
		v = theirs("+inbox", "bar", 1);
		is_str(v, "5 8 13", "nmh mhpath bar");
		free(v);
		rc = run(mp, &out);
		ok(rc == 0 && strstr(out, "inbox/2\n") &&
		    strstr(out, "inbox/3\n"), "nmh mhpath pv (private)");
		free(out);
	} else {
		skip("nmh not installed", "mark -list");
		skip("nmh not installed", "mark -list");
		skip("nmh not installed", "mhpath bar");
		skip("nmh not installed", "mhpath pv");
	}

	/* a removed message leaves every sequence; cur may stay */
	{
		char *a = path_of("Mail/inbox/13"), *b = path_of("Mail/inbox/,13");

		rename(a, b);
		ok(mh_open(&mh) == 0 && mh_folder_open(mh, "+inbox",
		    MH_F_LOCK, &f) == 0, "reopen");
		mh_set_cur(f, 13);
		mh_seq_set_private(f, "pv", 0);
		ok(mh_folder_save(mh, f) == 0, "save");
		s = slurp(seqf);
		is_str(s, "cur: 13\nunseen: 3 8 20\nfoo: 1-3\nbar: 5 8\n"
		    "pv: 2-3\n", "13 pruned, cur kept, pv made public");
		free(s);
		v = ctx_line("pv");
		ok(v == NULL, "atr-pv gone from the context");
		free(v);
		mh_folder_close(f);
		mh_close(mh);
		rename(b, a);
		free(a);
		free(b);
	}

	/* nothing public left: the file goes, as with nmh */
	ok(mh_open(&mh) == 0 && mh_folder_open(mh, "+inbox", MH_F_LOCK,
	    &f) == 0, "reopen");
	{
		size_t i;

		for (i = 0; i < f->nseq; i++)
			mh_seq_zero(f, f->seq[i].name);
	}
	mh_set_cur(f, 0);
	ok(mh_folder_save(mh, f) == 0, "save");
	ok(access(seqf, F_OK) < 0 && errno == ENOENT,
	    "empty sequences file removed");
	mh_folder_close(f);

	/* opening with a lock and closing unchanged leaves no empty file */
	ok(mh_folder_open(mh, "+inbox", MH_F_LOCK, &f) == 0, "lock again");
	mh_folder_close(f);
	ok(access(seqf, F_OK) < 0, "no empty file left behind");
	mh_close(mh);

	/* nmh waits for our lock, then sees our file */
	set_seqs("cur: 5\nunseen: 3-8 20\nflagged: 1 13\n");
	if (have_nmh) {
		char *argv[] = { NMH "mark", "+inbox", "-sequence", "nmhseq",
		    "-add", "2", NULL };
		pid_t pid;
		int st;

		ok(mh_open(&mh) == 0 && mh_folder_open(mh, "+inbox",
		    MH_F_LOCK, &f) == 0, "lock for the race");
		if ((pid = fork()) == 0)
			_exit(run(argv, NULL));
		sleep(1);
		mh_seq_add(f, "ours", pv, 2);
		ok(mh_folder_save(mh, f) == 0, "save while nmh waits");
		mh_folder_close(f);
		mh_close(mh);
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nmh mark done");
		s = slurp(seqf);
		ok(s != NULL && strstr(s, "ours: 2-3\n") != NULL &&
		    strstr(s, "nmhseq: 2\n") != NULL, "both changes kept");
		free(s);
	} else {
		skip("nmh not installed", "lock race");
		skip("nmh not installed", "lock race");
		skip("nmh not installed", "lock race");
		skip("nmh not installed", "lock race");
	}
	set_seqs("cur: 5\nunseen: 3-8 20\nflagged: 1 13\n");
	free(seqf);
}

static void
test_ranges(void)
{
	unsigned *v;
	size_t n;
	char *s;

	mh_ranges_parse("1-5 7 9-12 x 3 0 5-2 8- 4-1x\n 30", 100, &v, &n);
	s = numstr(v, n);
	is_str(s, "1 2 3 4 5 7 9 10 11 12 30", "ranges parsed, bad skipped");
	free(s);
	s = mh_ranges_format(v, n);
	is_str(s, "1-5 7 9-12 30", "ranges formatted");
	free(s);
	free(v);
	mh_ranges_parse("1-4000000000 5", 10, &v, &n);
	is_int(n, 10, "huge range capped");
	free(v);
	s = mh_ranges_format(NULL, 0);
	is_str(s, "", "no numbers");
	free(s);
}

static void
test_list(void)
{
	static const char *names[] = { "1", "10", "2", "007", ",3",
	    "3.orig", "4~", "99999999999", "2147483647", "2147483648", "0",
	    "#5", ".6" };
	char *d = path_of("list"), *p, *s;
	unsigned *v;
	size_t i, n;

	mkdir(d, 0700);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = xasprintf("%s/%s", d, names[i]);
		spew(p, "x\n");
		free(p);
	}
	p = xasprintf("%s/5", d);
	mkdir(p, 0700);
	free(p);
	ok(mh_list_messages(d, &v, &n) == 0, "mh_list_messages");
	s = numstr(v, n);
	is_str(s, "1 2 10 2147483647", "only plain numbers, no dirs");
	free(s);
	free(v);
	free(d);
	/* enough for the radix sort, with numbers using every pass */
	d = path_of("big");
	mkdir(d, 0700);
	for (i = 0; i < 700; i++) {
		p = xasprintf("%s/%zu", d, i * 3072001 + 1);
		spew(p, "");
		free(p);
	}
	ok(mh_list_messages(d, &v, &n) == 0 && n == 700, "700 messages");
	for (i = 0; i < n && v[i] == i * 3072001 + 1; i++)
		;
	is_int(i, 700, "sorted");
	free(v);
	free(d);
	ok(mh_list_messages("/nonexistent/dir", &v, &n) < 0 &&
	    errno == ENOENT, "missing folder: ENOENT");
}

static void
test_folders(void)
{
	static const struct {
		const char *arg, *cur, *name;	/* name NULL: refused */
	} t[] = {
		{ "+inbox", "inbox", "inbox" },
		{ "inbox", "inbox", "inbox" },
		{ "+a/./b/../c", "inbox", "a/c" },
		{ "+a//b/", "inbox", "a/b" },
		{ "+../..", "inbox", NULL },
		{ "+..", "inbox", NULL },
		{ "+a/../../x", "inbox", NULL },
		{ "+a/..", "inbox", NULL },
		{ "+", "inbox", NULL },
		{ "+/abs/x/../y", "inbox", "/abs/y" },
		{ "@sub", "inbox", "inbox/sub" },
		{ "@../x", "inbox/sub", "inbox/x" },
		{ "@../../x", "inbox", NULL },
		{ "@..", "inbox/sub", "inbox" },
		{ "@sub", "/abs/f", "/abs/f/sub" },
		{ NULL, "inbox/sub", "inbox/sub" },
	};
	struct mh *mh;
	struct mh_folder *f;
	char *name, *path, *want, *abs;
	size_t i;
	struct stat st;

	if (mh_open(&mh) < 0) {
		ok(0, "mh_open: %s", mh_errmsg(mh));
		return;
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mh_ctx_set(mh, "Current-Folder", t[i].cur);
		if (mh_folder_resolve(mh, t[i].arg, &name, &path) < 0) {
			ok(t[i].name == NULL && errno == EINVAL,
			    "%s refused (%s)", t[i].arg, mh_errmsg(mh));
			continue;
		}
		is_str(name, t[i].name, "%s from %s", t[i].arg ? t[i].arg :
		    "(current)", t[i].cur);
		want = name[0] == '/' ? xstrdup(name) :
		    xasprintf("%s/Mail/%s", top, name);
		is_str(path, want, "its directory");
		free(want);
		free(name);
		free(path);
	}
	abs = xasprintf("+%s/Mail/inbox", top);
	ok(mh_folder_resolve(mh, abs, &name, &path) == 0, "absolute in Path");
	is_str(name, "inbox", "shown relative to Path");
	free(name);
	free(path);
	free(abs);

	ok(mh_folder_open(mh, "+nosuch", 0, &f) < 0 && errno == ENOENT,
	    "missing folder: ENOENT");
	ok(mh_folder_open(mh, "+made/deep", MH_F_CREATE, &f) == 0,
	    "MH_F_CREATE");
	abs = path_of("Mail/made/deep");
	ok(stat(abs, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700, "created with Folder-Protect 0700");
	free(abs);
	is_int(f->nmsg, 0, "new folder empty");
	mh_folder_close(f);
	mh_close(mh);
}

static void
test_args(void)
{
	struct mh *mh;
	char *argv[] = { "1", "+inbox", "last:2", "@x", NULL };
	char **specs;
	const char *folder;
	size_t n;

	if (mh_open(&mh) < 0)
		return;
	ok(mh_args(mh, 3, argv, &folder, &specs, &n) == 0, "mh_args");
	ok(folder != NULL && strcmp(folder, "+inbox") == 0 && n == 2 &&
	    strcmp(specs[0], "1") == 0 && strcmp(specs[1], "last:2") == 0,
	    "folder and specs split");
	free(specs);
	ok(mh_args(mh, 4, argv, &folder, &specs, &n) < 0,
	    "two folders refused");
	mh_close(mh);
}

static void
test_renumber(void)
{
	struct mh *mh;
	struct mh_folder *f;
	static const unsigned old[] = { 20, 1, 2, 3, 5, 8, 13 };
	static const unsigned new[] = { 7, 1, 2, 3, 4, 5, 6 };
	struct mh_seq *q;
	char *s;

	if (mh_open(&mh) < 0 || mh_folder_open(mh, "+inbox", 0, &f) < 0)
		return;
	mh_renumber(f, old, new, 7);
	q = mh_seq_get(f, "unseen");
	s = q ? numstr(q->num, q->n) : NULL;
	is_str(s, "3 4 5 7", "unseen renumbered");
	free(s);
	is_int(f->cur, 4, "cur renumbered");
	mh_folder_close(f);
	mh_close(mh);
}

/* Write a profile at $MH and open it. */
static int
open_with(const char *profile, struct mh **mhp)
{
	char *p = path_of("profile2");

	spew(p, profile);
	setenv("MH", p, 1);
	free(p);
	return mh_open(mhp);
}

static void
test_profile(void)
{
	struct mh *mh;
	char **av, *s, *p, *ctx;
	char *argv[] = { "mscan", "+inbox", NULL };
	size_t n;
	int argc;
	char *saved_mh = xstrdup(getenv("MH"));
	char *saved_ctx = xstrdup(getenv("MHCONTEXT"));

	p = xasprintf("Path: Mail2\r\n"
	    "#: a comment\n"
	    "MSCAN: -w 100\n"
	    "\t-x  y\n"
	    "\n"
	    "Msg-Protect: 640\n"
	    "Folder-Protect: 9\n"
	    "path: ignored, the first wins\n"
	    "Unseen-Sequence: unseen  new\n"
	    "Previous-Sequence: pseq\n"
	    "MailDrop: drop\n"
	    "Inbox:   in  \n"
	    "Empty:\n"
	    "context: ctx2\n");
	unsetenv("MHCONTEXT");
	OKE(open_with(p, &mh) == 0, &mh, "profile with edge cases");
	free(p);
	s = xasprintf("%s/Mail2", top);
	is_str(mh_dir(mh), s, "Path relative to HOME, CRLF ok, first wins");
	free(s);
	is_str(mh_get(mh, "mscan"), "-w 100 \t-x  y",
	    "case-insensitive key, continuation");
	argc = 2;
	av = mh_prog_args(mh, "mscan", &argc, argv);
	ok(argc == 6 && strcmp(av[0], "mscan") == 0 &&
	    strcmp(av[1], "-w") == 0 && strcmp(av[2], "100") == 0 &&
	    strcmp(av[3], "-x") == 0 && strcmp(av[4], "y") == 0 &&
	    strcmp(av[5], "+inbox") == 0 && av[6] == NULL,
	    "profile switches prepended");
	mh_argv_free(av);
	is_int(mh_msg_protect(mh), 0640, "Msg-Protect octal");
	is_int(mh_folder_protect(mh), 0700, "bad Folder-Protect: default");
	av = mh_seqnames(mh, "Unseen-Sequence", &n);
	ok(n == 2 && strcmp(av[0], "unseen") == 0 &&
	    strcmp(av[1], "new") == 0, "Unseen-Sequence split");
	mh_argv_free(av);
	is_str(mh_inbox(mh), "in", "Inbox trimmed");
	is_str(mh_current_folder(mh), "in", "no Current-Folder: the inbox");
	is_str(mh_get(mh, "Empty"), "", "empty value");
	ok(mh_get(mh, "Absent") == NULL, "absent key");
	s = mh_maildrop(mh);
	p = xasprintf("%s/Mail2/drop", top);
	is_str(s, p, "MailDrop relative to Path");
	free(s);
	free(p);
	setenv("MAILDROP", "/var/drop", 1);
	s = mh_maildrop(mh);
	is_str(s, "/var/drop", "$MAILDROP wins");
	free(s);
	unsetenv("MAILDROP");
	p = xasprintf("%s/Mail2/ctx2", top);
	is_str(mh_context_path(mh), p, "context: key, relative to Path");
	free(p);
	mh_close(mh);

	setenv("MHCONTEXT", "sub/c", 1);
	ok(open_with("Path: /x/Mail/\n", &mh) == 0, "absolute Path");
	is_str(mh_dir(mh), "/x/Mail", "trailing slash dropped");
	is_str(mh_context_path(mh), "/x/Mail/sub/c",
	    "MHCONTEXT relative to Path");
	is_int(mh_msg_protect(mh), 0600, "Msg-Protect default");
	mh_close(mh);

	setenv("MHCONTEXT", "/dev/null", 1);
	ok(open_with("Path: /x/Mail/\n", &mh) == 0 &&
	    mh_context_path(mh) == NULL, "MHCONTEXT=/dev/null: no context");
	ok(mh_set_current_folder(mh, "x") == 0 && mh_ctx_save(mh) == 0,
	    "changes dropped without a context");
	mh_close(mh);

	ok(open_with("Path: Mail\nno colon here\n", &mh) < 0 &&
	    errno == EINVAL, "a line without colon refused");
	ok(strstr(mh_errmsg(mh), "line 2") != NULL, "message has the line");
	mh_close(mh);
	ok(open_with(" Path: Mail\n", &mh) < 0, "continuation first refused");
	mh_close(mh);
	ok(open_with("Inbox: x\n", &mh) < 0 &&
	    strstr(mh_errmsg(mh), "Path") != NULL, "no Path refused");
	mh_close(mh);

	/* the context: unknown keys and their order kept, merged on save */
	setenv("MH", saved_mh, 1);
	setenv("MHCONTEXT", saved_ctx, 1);
	ctx = path_of("Mail/context");
	spew(ctx, "Foo: bar\nCurrent-Folder: inbox\natr-x-/y: 1\n");
	ok(mh_open(&mh) == 0, "open");
	spew(ctx, "Foo: bar\nCurrent-Folder: inbox\natr-x-/y: 1\n"
	    "Added: meanwhile\n");
	ok(mh_set_current_folder(mh, "inbox/sub") == 0 &&
	    mh_ctx_set(mh, "Foo", NULL) == 0 &&
	    mh_ctx_set(mh, "New", "v") == 0, "context changes");
	is_str(mh_current_folder(mh), "inbox/sub", "seen before saving");
	OKE(mh_ctx_save(mh) == 0, &mh, "mh_ctx_save");
	s = slurp(ctx);
	is_str(s, "Current-Folder: inbox/sub\natr-x-/y: 1\n"
	    "Added: meanwhile\nNew: v\n", "merged under the lock");
	free(s);
	ok(mh_ctx_set(mh, "bad key", "v") < 0, "bad key refused");
	ok(mh_ctx_set(mh, "k", "a\nb") < 0, "newline in value refused");
	mh_close(mh);
	spew(ctx, "Current-Folder: inbox\n");
	free(ctx);
	free(saved_mh);
	free(saved_ctx);
}

/* No profile at all: install-mh -auto's defaults, created on write. */
static void
test_no_profile(void)
{
	struct mh *mh;
	char *home = path_of("newhome"), *p, *s, *out;
	char *saved_mh = xstrdup(getenv("MH"));
	char *saved_ctx = xstrdup(getenv("MHCONTEXT"));
	char *saved_home = xstrdup(getenv("HOME"));

	mkdir(home, 0700);
	unsetenv("MH");
	unsetenv("MHCONTEXT");
	setenv("HOME", home, 1);
	OKE(mh_open(&mh) == 0, &mh, "no profile: defaults");
	p = xasprintf("%s/Mail", home);
	is_str(mh_dir(mh), p, "Path: Mail");
	free(p);
	p = xasprintf("%s/.mh_profile", home);
	ok(access(p, F_OK) < 0, "nothing written on reading");
	OKE(mh_set_current_folder(mh, "inbox") == 0 && mh_ctx_save(mh) == 0,
	    &mh, "first write");
	s = slurp(p);
	is_str(s, "MH-Profile-Version: 1.0\nPath: Mail\nDraft-Folder: drafts\n"
	    "send: -draftfolder drafts\n", "install-mh -auto's profile");
	free(s);
	free(p);
	p = xasprintf("%s/Mail/context", home);
	s = slurp(p);
	is_str(s, "Current-Folder: inbox\n", "context written");
	free(s);
	free(p);
	mh_close(mh);
	if (have_nmh) {
		char *argv[] = { NMH "mhpath", "+", NULL };

		ok(run(argv, &out) == 0, "nmh reads the profile we made");
		p = xasprintf("%s/Mail\n", home);
		is_str(out, p, "nmh mhpath + agrees");
		free(p);
		free(out);
	} else {
		skip("nmh not installed", "mhpath +");
		skip("nmh not installed", "mhpath +");
	}
	setenv("MH", saved_mh, 1);
	setenv("MHCONTEXT", saved_ctx, 1);
	setenv("HOME", saved_home, 1);
	free(saved_mh);
	free(saved_ctx);
	free(saved_home);
	free(home);
}

static void
test_previous(void)
{
	struct mh *mh;
	struct mh_folder *f;
	static const unsigned v[] = { 2, 3 };
	struct mh_seq *q;
	char *s;

	if (open_with("Path: Mail\nPrevious-Sequence: pseq\n", &mh) < 0 ||
	    mh_folder_open(mh, "+inbox", 0, &f) < 0) {
		ok(0, "open: %s", mh_errmsg(mh));
		return;
	}
	mh_seq_add(f, "pseq", v + 1, 1);
	mh_set_previous(mh, f, v, 2);
	q = mh_seq_get(f, "pseq");
	s = q ? numstr(q->num, q->n) : NULL;
	is_str(s, "2 3", "Previous-Sequence zeroed and set");
	free(s);
	mh_folder_close(f);
	mh_close(mh);
}

static void
cleanup(void)
{
	char *argv[] = { "/bin/rm", "-rf", top, NULL };

	if (top != NULL)
		run(argv, NULL);
}

int
main(void)
{
	char dir[] = "/tmp/t_mh.XXXXXX";
	char *p, *prof;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	top = dir;
	atexit(cleanup);
	have_nmh = access(NMH "mhpath", X_OK) == 0 &&
	    access(NMH "mark", X_OK) == 0 && access(NMH "scan", X_OK) == 0;
	prof = xasprintf("Path: %s/Mail\nSequence-Negation: not\n"
	    "Welcome: disable\n", top);
	p = path_of("profile");
	spew(p, prof);
	setenv("MH", p, 1);
	free(p);
	free(prof);
	p = path_of("Mail/context");
	setenv("MHCONTEXT", p, 1);
	setenv("HOME", top, 1);
	unsetenv("MAILDROP");
	make_inbox();
	spew(p, "Current-Folder: inbox\n");
	free(p);

	test_specs();
	test_messages();
	test_sequences();
	test_ranges();
	test_list();
	test_folders();
	test_args();
	test_renumber();
	test_profile();
	test_no_profile();
	test_previous();
	return done_testing();
}
