/* Unit tests for libcommon/alias: parsing, cdb, expansion, delivery. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "lock.h"
#include "util.h"
#include "tap.h"

static char dir[] = "/tmp/t_alias.XXXXXX";

/* The values of text joined with " | " (or the error text). */
static char *
values(const char *text)
{
	struct buf out = BUF_INIT, err = BUF_INIT, j = BUF_INIT;
	const char *p;

	if (alias_parse_values(text, strlen(text), &out, &err) < 0) {
		buf_printf(&j, "ERR %s", buf_cstr(&err));
	} else {
		for (p = out.data; p && p < out.data + out.len;
		    p += strlen(p) + 1)
			buf_printf(&j, "%s%s", j.len ? " | " : "", p);
	}
	buf_free(&out);
	buf_free(&err);
	return buf_release(&j);
}

static void
t_values(void)
{
	static const struct {
		const char *in, *want;
	} c[] = {
		{ "a, b ,  c", "a | b | c" },
		{ "\"|/bin/prog -x \\\"y z\\\"\"", "|/bin/prog -x \"y z\"" },
		{ "|/bin/prog   -x  arg", "|/bin/prog -x arg" },
		{ "/var/log/x.log", "/var/log/x.log" },
		{ ":include: /etc/list", ":include:/etc/list" },
		{ "\\root, \\bob", "\\root | \\bob" },
		{ "a,  b\tc", "a | b c" },
		{ "Joe Bloggs <joe@example.org>", "joe@example.org" },
		{ "<@relay:joe@example.org>", "joe@example.org" },
		{ "a (comment) b", "a b" },
		{ "\"john doe\"@example.org", "john doe@example.org" },
		{ "x#y, z # w", "x#y | z # w" },
		{ "a,,b,", "a | b" },
		{ "\"a\"b", "a b" },
		{ "a . b", "a.b" },
		{ "\"unterminated", "ERR unterminated quoted string" },
		{ "(open", "ERR unterminated comment" },
		{ "<a@b", "ERR missing > after <" },
		{ ":include:rel", "ERR include file name is not absolute: "
		    ":include:rel" },
		{ "|", "ERR empty command" },
		{ "\"\"", "ERR empty address" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = values(c[i].in);
		is_str(s, c[i].want, "values: %s", c[i].in);
		free(s);
	}
}

static void
t_kinds(void)
{
	const char *rest;

	is_int(alias_value_kind("|cmd", &rest), AV_PROGRAM, "kind program");
	is_str(rest, "cmd", "program rest");
	is_int(alias_value_kind("/f", &rest), AV_FILE, "kind file");
	is_int(alias_value_kind(":INCLUDE:/x", &rest), AV_INCLUDE,
	    "kind include, any case");
	is_str(rest, "/x", "include rest");
	is_int(alias_value_kind("\\bob", &rest), AV_NOALIAS, "kind \\user");
	is_str(rest, "bob", "noalias rest");
	is_int(alias_value_kind("bob@x", NULL), AV_REMOTE, "kind remote");
	is_int(alias_value_kind("bob", NULL), AV_LOCAL, "kind local");
}

static void
t_quote(void)
{
	static const char *const v[] = {
		"plain", "john doe@example.org", "|/bin/prog a, b", "\\user",
		"/file with space", ":include:/etc/x", "#hash", "a\"b",
		"bob@example.org", "/var/x.log",
	};
	struct buf b = BUF_INIT;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		alias_quote_value(&b, v[i]);
		s = values(buf_cstr(&b));
		is_str(s, v[i], "quote round trip: %s -> %s", v[i], b.data);
		free(s);
	}
	buf_reset(&b);
	alias_quote_name(&b, "name with space");
	is_str(buf_cstr(&b), "\"name with space\"", "quoted name");
	buf_free(&b);
}

static void
t_forward(void)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *text = "# comment\n  # indented comment\n\n"
	    "\\me, other@example.org\n|/usr/bin/vacation me\n/tmp/x\n";

	is_int(alias_parse_forward(text, strlen(text), &out, &err), 4,
	    ".forward: four values");
	ok(out.len > 0 && memcmp(out.data, "\\me\0other@example.org\0"
	    "|/usr/bin/vacation me\0/tmp/x\0", out.len) == 0,
	    ".forward: values in order");
	buf_reset(&out);
	is_int(alias_parse_forward("", 0, &out, &err), 0, "empty .forward");
	is_int(alias_parse_forward("a\n\"b\n", 5, &out, &err), -1,
	    ".forward: error");
	is_str(buf_cstr(&err), "line 2: unterminated quoted string",
	    ".forward: error names the line");
	buf_free(&out);
	buf_free(&err);
}

static char *
wfile(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF)
		mk_err(1, "%s", p);
	return p;
}

static struct buf diags = BUF_INIT;

static void
collect(void *arg, const char *msg)
{
	(void)arg;
	buf_printf(&diags, "%s\n", msg);
}

static void
t_compile(void)
{
	struct alias_stats st;
	struct alias_db *db;
	struct buf k = BUF_INIT, v = BUF_INIT;
	const char *iop;
	char *src, *dbp, *want;
	unsigned cur = 0;
	int n = 0, r;

	src = wfile("a", "postmaster: root\nMAILER-DAEMON: postmaster\n"
	    "List: a,\n  b,\n# inner\n\tc\nlist: dup\n\"Q N\": x\n");
	dbp = xasprintf("%s/a.db", dir);
	buf_reset(&diags);
	r = alias_compile(src, dbp, 0644, collect, NULL, &st, &iop);
	is_int(r, 0, "compile: ok");
	is_int(st.entries, 4, "compile: 4 names");
	is_int(st.warnings, 1, "compile: 1 warning");
	is_int(st.lines, 8, "compile: 8 lines");
	want = xasprintf("%s, line 7: warning: duplicate name \"list\" "
	    "ignored: first defined on line 3\n", src);
	is_str(buf_cstr(&diags), want, "compile: duplicate warning");
	free(want);
	ok(alias_db_open(&db, dbp) == 0, "db: open");
	is_int(alias_db_lookup(db, "LIST", &v), 1, "db: found, folded");
	ok(v.len == 6 && memcmp(v.data, "a\0b\0c\0", 6) == 0, "db: values");
	is_int(alias_db_lookup(db, "q n", &v), 1, "db: quoted name");
	is_int(alias_db_lookup(db, "nothere", &v), 0, "db: not found");
	while ((r = alias_db_next(db, &cur, &k, &v)) > 0)
		n++;
	is_int(r, 0, "db: walk ends");
	is_int(n, 4, "db: walk sees every name");
	alias_db_close(db);

	/* Errors: nothing replaced. */
	free(src);
	src = wfile("a", "postmaster: root\nmailer-daemon: root\nbad\n");
	buf_reset(&diags);
	r = alias_compile(src, dbp, 0644, collect, NULL, &st, &iop);
	is_int(r, 1, "compile: errors");
	ok(alias_db_open(&db, dbp) == 0 && alias_db_lookup(db, "list", &v)
	    == 1, "compile: old database still there");
	alias_db_close(db);
	r = alias_compile("/nonexistent/x", dbp, 0644, collect, NULL, &st,
	    &iop);
	ok(r == -1 && errno == ENOENT && strcmp(iop, "/nonexistent/x") == 0,
	    "compile: missing source");
	r = alias_compile(src, "/nonexistent/x.db", 0644, collect, NULL, &st,
	    &iop);
	ok(r == -1 && strcmp(iop, "/nonexistent/x.db") == 0,
	    "compile: database cannot be created");
	ok(alias_db_open(&db, src) == -1 && errno == EINVAL,
	    "db: a text file is no cdb");
	free(src);
	free(dbp);
	buf_free(&k);
	buf_free(&v);
}

/* ------------------------------------------------------------ expansion */

/* Fake users and files for the expansion engine. */
struct fakefile {
	const char	*path;
	const char	*text;
	uid_t		 uid;
	mode_t		 mode;
	mode_t		 dirmode;
	uid_t		 diruid;
};

static struct fakefile files[16];
static size_t nfiles;

static void
fake_file(const char *path, const char *text, uid_t uid, mode_t mode)
{
	files[nfiles].path = path;
	files[nfiles].text = text;
	files[nfiles].uid = uid;
	files[nfiles].mode = mode;
	files[nfiles].dirmode = 0755;
	files[nfiles].diruid = uid;
	nfiles++;
}

static int
fake_getuser(void *arg, const char *name, struct alias_user *u)
{
	static const char *const names[] = { "nobody", "alice", "bob",
	    "carol", "root" };
	static const uid_t uids[] = { 65534, 1001, 1002, 1003, 0 };
	char *low = xstrdup(name);
	size_t i;

	(void)arg;
	alias_fold(low);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char num[16];

		(void)snprintf(num, sizeof(num), "#%u", (unsigned)uids[i]);
		if (strcmp(low, names[i]) == 0 || strcmp(name, num) == 0) {
			u->name = xstrdup(names[i]);
			u->uid = uids[i];
			u->gid = uids[i];
			u->home = xasprintf("/home/%s", names[i]);
			u->shell = xstrdup("/bin/sh");
			free(low);
			return 0;
		}
	}
	free(low);
	return 1;
}

static int
fake_readfile(void *arg, const struct alias_user *as, const char *path,
    struct buf *out, struct stat *st, struct stat *dirst)
{
	size_t i;

	(void)arg;
	(void)as;
	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i].path, path) != 0)
			continue;
		memset(st, 0, sizeof(*st));
		memset(dirst, 0, sizeof(*dirst));
		st->st_mode = S_IFREG | files[i].mode;
		st->st_uid = files[i].uid;
		dirst->st_mode = S_IFDIR | files[i].dirmode;
		dirst->st_uid = files[i].diruid;
		dirst->st_gid = files[i].diruid;
		buf_reset(out);
		buf_adds(out, files[i].text);
		return 0;
	}
	errno = ENOENT;
	return -1;
}

static struct alias_db *xdb;
static struct alias_cfg cfg;

static void
setup_expansion(void)
{
	struct alias_stats st;
	const char *iop;
	char *src, *dbp;

	src = wfile("x", "postmaster: root\nmailer-daemon: root\n"
	    "staff: alice, BOB, alice, sub, far@example.org, "
	    "\"|/bin/cat\", /var/log/staff\n"
	    "sub: bob, carol\n"
	    "owner-staff: carol\n"
	    "loop1: loop2\nloop2: loop1\n"
	    "alice: alice, bob\n"
	    "direct: \\carol\n"
	    "inc: :include:/lists/inc\n"
	    "incloop: :include:/lists/loop\n"
	    "ghost: nosuchuser, bob\n"
	    "local: bob@here.example\n");
	dbp = xasprintf("%s/x.db", dir);
	buf_reset(&diags);
	if (alias_compile(src, dbp, 0644, collect, NULL, &st, &iop) != 0 ||
	    alias_db_open(&xdb, dbp) < 0)
		mk_errx(1, "setup: %s", buf_cstr(&diags));
	free(src);
	free(dbp);
	alias_cfg_init(&cfg);
	cfg.db = xdb;
	cfg.getuser = fake_getuser;
	cfg.readfile = fake_readfile;
	cfg.warn = collect;
	cfg.delim = "+";
	cfg.domain = "here.example";
	fake_file("/home/carol/.forward", "\\carol, \"|/usr/bin/vacation "
	    "carol\"\n/home/carol/log\n", 1003, 0644);
	fake_file("/lists/inc", "bob\n|/bin/cat\n/tmp/f\n", 1002, 0644);
	fake_file("/lists/loop", ":include:/lists/loop\n", 1002, 0644);
}

/* The expansion of rcpt, one dest a line, and its status. */
static char *
expand(const char *rcpt, int *status)
{
	struct alias_list l = ALIAS_LIST_INIT;
	struct buf b = BUF_INIT;
	size_t i;

	*status = alias_expand(&cfg, rcpt, &l);
	for (i = 0; i < l.n; i++) {
		alias_dest_print(&b, &l.v[i]);
		buf_addc(&b, '\n');
	}
	alias_list_free(&l);
	return buf_release(&b);
}

static void
t_expand(void)
{
	char *s;
	int st;

	setup_expansion();
	s = expand("staff", &st);
	is_str(s, "mailbox alice (sender owner-staff@here.example)\n"
	    "mailbox bob (sender owner-staff@here.example)\n"
	    "mailbox carol (sender owner-staff@here.example)\n"
	    "command carol |/usr/bin/vacation carol (sender "
	    "owner-staff@here.example)\n"
	    "file carol /home/carol/log (sender owner-staff@here.example)\n"
	    "forward far@example.org (sender owner-staff@here.example)\n"
	    "command nobody |/bin/cat (sender owner-staff@here.example)\n"
	    "file nobody /var/log/staff (sender owner-staff@here.example)\n",
	    "expand: list with owner, duplicates once, .forward applied");
	is_int(st, 0, "expand: status 0");
	free(s);

	s = expand("loop1", &st);
	is_str(s, "error 65 mail forwarding loop: loop1 -> loop2 -> loop1\n",
	    "expand: loop");
	is_int(st, EX_DATAERR, "expand: loop status");
	free(s);

	s = expand("alice@here.example", &st);
	is_str(s, "mailbox alice\nmailbox bob\n", "expand: self-reference");
	free(s);

	s = expand("direct", &st);
	is_str(s, "mailbox carol\n", "expand: \\user skips .forward");
	free(s);

	s = expand("carol+ext", &st);
	is_str(s, "mailbox carol\ncommand carol |/usr/bin/vacation carol\n"
	    "file carol /home/carol/log\n", "expand: user+ext and .forward");
	free(s);

	s = expand("inc", &st);
	is_str(s, "mailbox bob\n"
	    "error 77 |/bin/cat: mail to commands is not allowed from "
	    "include files\n"
	    "error 77 /tmp/f: mail to files is not allowed from include "
	    "files\n", "expand: include, commands and files refused");
	is_int(st, EX_NOPERM, "expand: include status");
	free(s);

	cfg.cmds |= ALIAS_FROM_INCLUDE;
	s = expand("inc", &st);
	ok(strstr(s, "command bob |/bin/cat\n") != NULL,
	    "expand: include commands when allowed, as the file's owner");
	cfg.cmds &= ~ALIAS_FROM_INCLUDE;
	free(s);

	s = expand("incloop", &st);
	is_str(s, "error 65 mail forwarding loop: /lists/loop -> "
	    "/lists/loop\n", "expand: include loop");
	free(s);

	s = expand("ghost", &st);
	is_str(s, "error 67 nosuchuser: unknown user\nmailbox bob\n",
	    "expand: unknown member, others still delivered");
	is_int(st, EX_NOUSER, "expand: unknown member status");
	free(s);

	s = expand("local", &st);
	is_str(s, "mailbox bob\n", "expand: own domain is local");
	free(s);

	s = expand("nobodyhere", &st);
	is_str(s, "error 67 nobodyhere: unknown user\n", "expand: unknown");
	free(s);

	/* .forward safety. */
	files[0].mode = 0664;
	buf_reset(&diags);
	s = expand("carol", &st);
	is_str(s, "mailbox carol\n", "expand: group-writable .forward");
	is_str(buf_cstr(&diags), "/home/carol/.forward: writable by group "
	    "or others: ignored\n", "expand: warning for it");
	free(s);
	files[0].mode = 0644;
	files[0].uid = 1002;
	buf_reset(&diags);
	s = expand("carol", &st);
	is_str(s, "mailbox carol\n", "expand: .forward of another user");
	free(s);
	files[0].uid = 0;
	s = expand("carol", &st);
	ok(strstr(s, "command carol") != NULL, "expand: root's .forward ok");
	free(s);
	files[0].diruid = 1003;
	files[0].dirmode = 0777;
	s = expand("carol", &st);
	is_str(s, "mailbox carol\n", "expand: home writable by others");
	free(s);
	files[0].dirmode = 0775;	/* user private group: fine */
	s = expand("carol", &st);
	ok(strstr(s, "command carol") != NULL,
	    "expand: home writable by the user's own group");
	free(s);
	files[0].text = "";
	s = expand("carol", &st);
	is_str(s, "mailbox carol\n", "expand: empty .forward");
	free(s);

	cfg.maxdepth = 1;
	s = expand("staff", &st);
	ok(strstr(s, "nested deeper than 1") != NULL, "expand: depth limit");
	cfg.maxdepth = ALIAS_MAXDEPTH;
	free(s);
	alias_db_close(xdb);
}

/* ------------------------------------------------------------ delivery */

static const char *body = "line one\nline two\n";

static ssize_t
read_body(void *arg, void *p, size_t n, off_t off)
{
	size_t len = strlen(arg);

	if ((size_t)off >= len)
		return 0;
	if (n > len - (size_t)off)
		n = len - (size_t)off;
	memcpy(p, (char *)arg + off, n);
	return (ssize_t)n;
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return xstrdup("");
	(void)read_fd_all(fd, &b);
	close(fd);
	return buf_release(&b);
}

static int
run(const char *cmd, struct alias_dest *d, const struct alias_msg *m,
    int timeout, struct buf *why)
{
	d->value = (char *)cmd;
	return alias_run_program(d, m, timeout, NULL, why);
}

static void
t_program(void)
{
	struct alias_dest d;
	struct alias_msg m;
	struct buf why = BUF_INIT;
	struct passwd *pw = getpwuid(getuid());
	char *out, *cmd, *s, *big;
	time_t t0;

	memset(&d, 0, sizeof(d));
	d.kind = ADEST_PROGRAM;
	d.user = pw->pw_name;
	d.uid = pw->pw_uid;
	d.gid = pw->pw_gid;
	d.home = dir;
	d.shell = "/bin/sh";
	d.rcpt = "list+ext";
	d.ext = "ext";
	memset(&m, 0, sizeof(m));
	m.head = "Subject: hi\n";
	m.headlen = strlen(m.head);
	m.body = read_body;
	m.arg = (void *)body;
	m.sender = "sender@example.org";
	m.orig = "orig@example.org";
	m.domain = "example.org";

	out = xasprintf("%s/out", dir);
	cmd = xasprintf("cat > %s; env | grep -v ^PWD= | sort >> %s; pwd >> %s",
	    out, out, out);
	is_int(run(cmd, &d, &m, 10, &why), 0, "program: success");
	s = slurp(out);
	if (getuid() == 0) {
		ok(strstr(s, "USER=nobody\n") != NULL, "program: root becomes "
		    "nobody");
		ok(strstr(s, "\n/\n") != NULL, "program: nobody runs in /");
	} else {
		ok(strstr(s, "USER=") != NULL, "program: USER set");
		ok(strstr(s, dir) != NULL, "program: runs in home");
	}
	ok(strncmp(s, "Return-Path: <sender@example.org>\n"
	    "Delivered-To: list+ext@example.org\nSubject: hi\n\n"
	    "line one\nline two\n", 93) == 0, "program: message with trace "
	    "fields on top");
	ok(strstr(s, "\nRECIPIENT=list+ext@example.org\n") &&
	    strstr(s, "\nSENDER=sender@example.org\n") &&
	    strstr(s, "\nORIGINAL_RECIPIENT=orig@example.org\n") &&
	    strstr(s, "\nLOCAL=list+ext\n") && strstr(s, "\nEXTENSION=ext\n") &&
	    strstr(s, "\nDOMAIN=example.org\n") &&
	    strstr(s, "\nPATH=/usr/bin:/bin\n") && strstr(s, "\nSHELL=/bin/sh\n")
	    && strstr(s, "\nLOGNAME=") && strstr(s, "HOME="),
	    "program: the documented environment");
	{
		int nvars = 0;
		const char *p;

		for (p = strstr(s, "\n\nline one\nline two\n") + 20; *p; p++)
			nvars += *p == '\n';
		is_int(nvars, 12, "program: nothing else in the environment "
		    "(11 variables, 1 line of pwd)");
	}
	free(s);
	free(cmd);

	is_int(run("exit 75", &d, &m, 10, &why), EX_TEMPFAIL, "exit 75: "
	    "temporary");
	is_int(run("exit 71", &d, &m, 10, &why), EX_TEMPFAIL, "exit 71: "
	    "temporary");
	is_int(run("kill -9 $$", &d, &m, 10, &why), EX_TEMPFAIL, "signal: "
	    "temporary");
	is_str(buf_cstr(&why), "command died with signal 9", "signal: reason");
	is_int(run("echo no such user >&2; exit 67", &d, &m, 10, &why),
	    EX_NOUSER, "exit 67: kept");
	is_str(buf_cstr(&why), "command failed with exit status 67: no such "
	    "user", "exit 67: reason with the output");
	is_int(run("echo oops; exit 1", &d, &m, 10, &why), EX_UNAVAILABLE,
	    "exit 1: permanent");
	is_int(run("echo 4.2.1 mailbox busy; exit 1", &d, &m, 10, &why),
	    EX_TEMPFAIL, "4.X.Y output: temporary");
	is_int(run("echo 5.1.1 gone; exit 75", &d, &m, 10, &why),
	    EX_UNAVAILABLE, "5.X.Y output: permanent");
	is_int(run("exec 0<&-; exit 0", &d, &m, 10, &why), 0,
	    "reads no input: fine");

	/* A command that reads nothing from a big message: no hang. */
	big = xmalloc(4 * 1024 * 1024 + 1);
	memset(big, 'x', 4 * 1024 * 1024);
	big[4 * 1024 * 1024] = '\0';
	m.arg = big;
	t0 = time(NULL);
	is_int(run("true", &d, &m, 10, &why), 0, "big message, no reading");
	is_int(run("sleep 1; head -c 10 >/dev/null", &d, &m, 10, &why), 0,
	    "big message, partly read");
	ok(time(NULL) - t0 < 8, "no hang");
	m.arg = (void *)body;
	free(big);

	t0 = time(NULL);
	is_int(run("sleep 30", &d, &m, 1, &why), EX_UNAVAILABLE,
	    "time limit: permanent, as Postfix");
	ok(time(NULL) - t0 < 5, "time limit: killed in time");
	is_str(buf_cstr(&why), "command time limit (1 s) exceeded",
	    "time limit: reason");
	t0 = time(NULL);
	is_int(run("sleep 30 & exit 0", &d, &m, 10, &why), 0,
	    "background child holding the pipe: no wait");
	ok(time(NULL) - t0 < 5, "background child: done in time");

	d.kind = ADEST_FILE;
	is_int(alias_run_program(&d, &m, 1, NULL, &why), EX_SOFTWARE,
	    "program: wrong kind refused");
	free(out);
	buf_free(&why);
}

static void
t_forward_remote(void)
{
	struct alias_dest d;
	struct alias_msg m;
	struct buf why = BUF_INIT;
	char *sm, *args, *msg, *s, *text;

	args = xasprintf("%s/args", dir);
	msg = xasprintf("%s/msg", dir);
	text = xasprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" > %s\n"
	    "cat > %s\n", args, msg);
	sm = wfile("sendmail", text);
	free(text);
	if (chmod(sm, 0755) < 0)
		mk_err(1, "chmod");
	memset(&d, 0, sizeof(d));
	d.kind = ADEST_REMOTE;
	d.value = "\"john doe\"@example.org";
	d.rcpt = "bob";
	d.sender = "owner-list";
	memset(&m, 0, sizeof(m));
	m.head = "";
	m.headlen = 0;
	m.body = read_body;
	m.arg = (void *)body;
	m.sender = "s@example.org";
	is_int(alias_forward(&d, &m, sm, 10, NULL, &why), 0,
	    "forward: sendmail ran");
	s = slurp(args);
	is_str(s, "-oi\n-f\nowner-list\n--\n\"john doe\"@example.org\n",
	    "forward: arguments, no shell");
	free(s);
	s = slurp(msg);
	is_str(s, "Delivered-To: bob\n\nline one\nline two\n",
	    "forward: Delivered-To, no Return-Path, empty header block");
	free(s);
	d.value = "-oQ/tmp";
	is_int(alias_forward(&d, &m, sm, 10, NULL, &why), EX_SOFTWARE,
	    "forward: an option is no address");
	free(sm);
	free(args);
	free(msg);
	buf_free(&why);
}

static void
t_file(void)
{
	struct alias_dest d;
	struct alias_msg m;
	struct buf why = BUF_INIT;
	struct passwd *pw = getpwuid(getuid());
	char *path, *s;

	memset(&d, 0, sizeof(d));
	d.kind = ADEST_FILE;
	d.user = pw->pw_name;
	d.uid = pw->pw_uid;
	d.gid = pw->pw_gid;
	d.rcpt = "bob";
	memset(&m, 0, sizeof(m));
	m.head = "Subject: f\n\n";
	m.headlen = strlen(m.head);
	m.body = read_body;
	m.arg = (void *)"From me\nbody\n";
	m.sender = "s@example.org";
	path = xasprintf("%s/box", dir);
	d.value = path;
	is_int(alias_deliver_file(&d, &m, MKLOCK_FCNTL, 5, NULL, &why), 0,
	    "file: appended");
	is_int(alias_deliver_file(&d, &m, MKLOCK_FCNTL, 5, NULL, &why), 0,
	    "file: appended again");
	s = slurp(path);
	ok(strncmp(s, "From s@example.org ", 19) == 0, "file: From_ line");
	ok(strstr(s, "\nReturn-Path: <s@example.org>\nDelivered-To: bob\n"
	    "Subject: f\n\n>From me\nbody\n\nFrom s@example.org ") != NULL,
	    "file: mboxrd quoting, trace fields, two messages");
	free(s);
	d.value = "/dev/null";
	is_int(alias_deliver_file(&d, &m, MKLOCK_FCNTL, 5, NULL, &why), 0,
	    "file: /dev/null");
	d.value = "/nonexistent/dir/box";
	ok(alias_deliver_file(&d, &m, MKLOCK_FCNTL, 5, NULL, &why) != 0 &&
	    why.len > 0, "file: failure with a reason");
	d.value = "relative";
	is_int(alias_deliver_file(&d, &m, MKLOCK_FCNTL, 5, NULL, &why),
	    EX_SOFTWARE, "file: relative path refused");
	free(path);
	buf_free(&why);
}

int
main(void)
{
	char *p;

	if (mkdtemp(dir) == NULL || chmod(dir, 0777) < 0)
		mk_err(1, "mkdtemp");
	t_values();
	t_kinds();
	t_quote();
	t_forward();
	t_compile();
	t_expand();
	t_program();
	t_forward_remote();
	t_file();
	p = xasprintf("rm -rf %s", dir);
	if (system(p) != 0)
		mk_warnx("cannot remove %s", dir);
	free(p);
	buf_free(&diags);
	return done_testing();
}
