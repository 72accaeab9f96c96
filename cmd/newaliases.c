/*
 * newaliases: compile an aliases(5) file into a cdb database, check it,
 * dump it, look names up in it, and show what a name expands to.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "alias.h"
#include "util.h"

static int vflag;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: newaliases [-nsVv] [-f aliases] [-o db] "
	    "[-q name [-r]]\n");
	exit(EX_USAGE);
}

static void
diag(void *arg, const char *msg)
{
	(void)arg;
	mk_warnx("%s", msg);
}

/* Compile (or with db NULL only check) src. */
static int
compile(const char *src, const char *db)
{
	struct alias_stats st;
	const char *iopath;
	int r;

	r = alias_compile(src, db, 0644, diag, NULL, &st, &iopath);
	if (r < 0) {
		mk_warn("%s", iopath);
		return iopath == src ? EX_IOERR : EX_CANTCREAT;
	}
	if (r > 0) {
		mk_warnx("%s: %lu error%s%s", src, st.errors,
		    st.errors == 1 ? "" : "s",
		    db ? ": database not replaced" : "");
		return EX_DATAERR;
	}
	if (vflag)
		mk_warnx("%s: %lu alias%s, %lu warning%s%s%s", src,
		    st.entries, st.entries == 1 ? "" : "es", st.warnings,
		    st.warnings == 1 ? "" : "s", db ? ", written to " : "",
		    db ? db : "");
	return 0;
}

/* Warn when the source changed after the database was built. */
static void
stale(const char *src, const char *db)
{
	struct stat s, d;

	if (stat(src, &s) == 0 && stat(db, &d) == 0 &&
	    (s.st_mtim.tv_sec > d.st_mtim.tv_sec ||
	    (s.st_mtim.tv_sec == d.st_mtim.tv_sec &&
	    s.st_mtim.tv_nsec > d.st_mtim.tv_nsec)))
		mk_warnx("%s: older than %s: run newaliases", db, src);
}

static struct alias_db *
opendb(const char *db)
{
	struct alias_db *h;

	if (alias_db_open(&h, db) < 0) {
		if (errno == EINVAL)
			mk_errx(EX_DATAERR, "%s: not a cdb database", db);
		mk_err(errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", db);
	}
	return h;
}

/* Print every entry as "name: value, value". */
static int
dump(const char *db)
{
	struct buf k = BUF_INIT, v = BUF_INIT, line = BUF_INIT;
	struct alias_db *h = opendb(db);
	unsigned cur = 0;
	const char *p;
	int r;

	while ((r = alias_db_next(h, &cur, &k, &v)) > 0) {
		buf_reset(&line);
		alias_quote_name(&line, buf_cstr(&k));
		buf_addc(&line, ':');
		for (p = v.data; p < v.data + v.len; p += strlen(p) + 1) {
			buf_adds(&line, p == v.data ? " " : ", ");
			alias_quote_value(&line, p);
		}
		buf_addc(&line, '\n');
		if (fwrite(line.data, 1, line.len, stdout) != line.len)
			break;
	}
	if (r < 0)
		mk_err(EX_IOERR, "%s", db);
	alias_db_close(h);
	buf_free(&k);
	buf_free(&v);
	buf_free(&line);
	return 0;
}

/* -q name: the values, one per line; 0 found, 1 not. */
static int
query(const char *db, const char *name)
{
	struct buf v = BUF_INIT;
	struct alias_db *h = opendb(db);
	const char *p;
	int r;

	if ((r = alias_db_lookup(h, name, &v)) < 0)
		mk_err(EX_IOERR, "%s", db);
	if (r > 0)
		for (p = v.data; p < v.data + v.len; p += strlen(p) + 1)
			puts(p);
	alias_db_close(h);
	buf_free(&v);
	return r > 0 ? 0 : 1;
}

/* -q name -r: the final destinations, as mdeliver would deliver. */
static int
resolve(const char *db, const char *name)
{
	struct alias_list l = ALIAS_LIST_INIT;
	struct alias_cfg cfg;
	struct buf line = BUF_INIT;
	size_t i;
	int r;

	alias_cfg_init(&cfg);
	if (access(db, F_OK) == 0 || errno != ENOENT)
		cfg.db = opendb(db);
	r = alias_expand(&cfg, name, &l);
	for (i = 0; i < l.n; i++) {
		buf_reset(&line);
		alias_dest_print(&line, &l.v[i]);
		if (vflag && l.v[i].origin)
			buf_printf(&line, " [%s]", l.v[i].origin);
		puts(buf_cstr(&line));
	}
	if (r == EX_NOUSER && l.n == 1 && l.v[0].kind == ADEST_ERROR &&
	    l.v[0].rcpt && strcmp(l.v[0].rcpt, name) == 0)
		r = 1;
	alias_list_free(&l);
	alias_db_close(cfg.db);
	buf_free(&line);
	return r;
}

int
main(int argc, char *argv[])
{
	const char *src = ALIAS_PATH, *out = NULL, *name = NULL;
	char *db;
	int ch, nflag = 0, rflag = 0, sflag = 0, r;

	log_open("newaliases", 1);
	while ((ch = getopt(argc, argv, "f:no:q:rsVv")) != -1) {
		switch (ch) {
		case 'f':
			src = optarg;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			name = optarg;
			break;
		case 'r':
			rflag = 1;
			break;
		case 's':
			sflag = 1;
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
	if (argc != 0 || (rflag && name == NULL) ||
	    nflag + sflag + (name != NULL) > 1)
		usage();
	db = out ? xstrdup(out) : xasprintf("%s.db", src);
	if (nflag)
		r = compile(src, NULL);
	else if (sflag)
		r = dump(db);
	else if (name != NULL) {
		if (!out)
			stale(src, db);
		r = rflag ? resolve(db, name) : query(db, name);
	} else
		r = compile(src, db);
	free(db);
	if (fflush(stdout) == EOF || ferror(stdout))
		mk_err(EX_IOERR, "standard output");
	return r;
}
