/* Unit tests for libcommon/deliver: spool, results, resolution, delivery. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "deliver.h"
#include "mailbox.h"
#include "util.h"
#include "xio.h"
#include "tap.h"

static char *tmpdir;

/* The spool as one string: header block, "|", body. */
static char *
flat(const struct spool *sp)
{
	struct buf b = BUF_INIT;
	char chunk[1000];
	off_t off = 0;
	ssize_t n;

	buf_add(&b, sp->hdr.raw.data, sp->hdr.raw.len);
	buf_addc(&b, '|');
	while ((n = spool_pread(sp, chunk, sizeof(chunk), off)) > 0) {
		buf_add(&b, chunk, (size_t)n);
		off += n;
	}
	return buf_release(&b);
}

/* Spool s whole and in pieces of every size up to 7: the same result. */
static void
spool_case(const char *name, const char *s, const char *want,
    const char *wantfrom)
{
	struct spool sp;
	size_t len = strlen(s), step, i, n;
	char *got;
	int same = 1;

	spool_init(&sp);
	spool_write(&sp, s, len);
	spool_end(&sp);
	got = flat(&sp);
	is_str(got, want, "spool %s", name);
	is_str(sp.from_, wantfrom, "spool %s: From_ sender", name);
	free(got);
	spool_free(&sp);
	for (step = 1; step <= 7; step++) {
		spool_init(&sp);
		for (i = 0; i < len; i += n) {
			n = len - i < step ? len - i : step;
			spool_write(&sp, s + i, n);
		}
		spool_end(&sp);
		got = flat(&sp);
		same = same && strcmp(got, want) == 0;
		free(got);
		spool_free(&sp);
	}
	ok(same, "spool %s: the same in small pieces", name);
}

static void
test_spool(void)
{
	struct buf big = BUF_INIT;
	static const char dt[] = "Delivered-To: Alice@Example.org\n"
	    "Delivered-To:  <bob>\nX: y\n\n";
	struct spool sp;
	char chunk[100];
	size_t i;
	int good;

	spool_case("plain", "Subject: a\nTo: b\n\nbody\n",
	    "Subject: a\nTo: b\n|body\n", NULL);
	spool_case("CRLF", "Subject: a\r\n\r\nbo\rdy\r\n",
	    "Subject: a\n|bo\rdy\n", NULL);
	spool_case("From_ line",
	    "From alice@example.org Mon Jan  1 00:00:00 2024\nX: y\n\nb\n",
	    "X: y\n|b\n", "alice@example.org");
	spool_case("From_ null sender",
	    "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\r\nX: y\r\n\r\n",
	    "X: y\n|", "");
	spool_case("Return-Path removed",
	    "Return-Path: <old@x>\nSubject: s\nreturn-path: <o2>\n\nb\n",
	    "Subject: s\n|b\n", NULL);
	spool_case("no blank line", "Subject: a\nnot a field\nmore\n",
	    "Subject: a\n|not a field\nmore\n", NULL);
	spool_case("folded field",
	    "Subject: a\n\tb\nX: c\n\nFrom inside\n",
	    "Subject: a\n\tb\nX: c\n|From inside\n", NULL);
	spool_case("header only", "Subject: a", "Subject: a|", NULL);
	spool_case("empty", "", "|", NULL);
	spool_case("body only", "\nbody\n", "|body\n", NULL);
	spool_case("only a From_ line", "From x", "|", "x");
	spool_case("From without space is a body", "Fromage\n",
	    "|Fromage\n", NULL);

	/* Beyond SPOOL_MEMMAX the body goes to an unlinked file. */
	spool_init(&sp);
	sp.tmpdir = tmpdir;
	spool_write(&sp, "A: b\n\n", 6);
	for (i = 0; i < SPOOL_MEMMAX / 10 + 100; i++) {
		buf_printf(&big, "%09zu\n", i);
		spool_write(&sp, big.data + big.len - 10, 10);
	}
	ok(spool_end(&sp) == 0, "big spool ends");
	ok(sp.fd >= 0, "big body in a file");
	is_int(sp.bodylen, (long long)big.len, "big body length");
	good = 1;
	for (i = 0; i + 100 <= big.len; i += 4999)
		good = good && spool_pread(&sp, chunk, 100, (off_t)i) == 100 &&
		    memcmp(chunk, big.data + i, 100) == 0;
	ok(good, "big body read back");
	is_int(spool_pread(&sp, chunk, 100, sp.bodylen), 0, "pread at end");
	spool_free(&sp);
	buf_free(&big);

	spool_init(&sp);
	spool_write(&sp, dt, strlen(dt));
	spool_end(&sp);
	is_int(spool_delivered_to(&sp, "alice@example.org"), 1,
	    "Delivered-To found, case ignored");
	is_int(spool_delivered_to(&sp, "<bob>"), 1,
	    "Delivered-To found, brackets ignored");
	is_int(spool_delivered_to(&sp, "alice"), 0, "another recipient");
	is_int(spool_delivered_to(&sp, "bo"), 0, "a prefix is not a match");
	spool_free(&sp);
}

/* A result without text. */
static void
set(struct dresult *r, int status, int err)
{
	dresult_free(r);
	r->status = status;
	r->err = err;
}

static void
test_results(void)
{
	struct dresult r = { -1, 0, NULL, NULL, 0 };
	struct buf b = BUF_INIT;

	is_int(deliver_worse(0, 0), 0, "worse 0 0");
	is_int(deliver_worse(0, EX_NOUSER), EX_NOUSER, "worse 0 67");
	is_int(deliver_worse(EX_TEMPFAIL, EX_NOUSER), EX_TEMPFAIL,
	    "worse 75 67");
	is_int(deliver_worse(EX_NOPERM, EX_TEMPFAIL), EX_TEMPFAIL,
	    "worse 77 75");
	is_int(deliver_worse(EX_NOPERM, EX_CANTCREAT), EX_NOPERM,
	    "worse keeps the first permanent failure");
	is_int(deliver_status(ENOSPC), EX_TEMPFAIL, "ENOSPC 75");
	is_int(deliver_status(EAGAIN), EX_TEMPFAIL, "EAGAIN 75");
	is_int(deliver_status(EIO), EX_TEMPFAIL, "EIO 75");
	is_int(deliver_status(ESTALE), EX_TEMPFAIL, "ESTALE 75");
	is_int(deliver_status(ELOOP), EX_NOPERM, "ELOOP 77");
	is_int(deliver_status(EMLINK), EX_NOPERM, "EMLINK 77");
	is_int(deliver_status(EDQUOT), EX_CANTCREAT, "EDQUOT 73");
	is_int(deliver_status(EACCES), EX_CANTCREAT, "EACCES 73");
	is_int(deliver_status(ENOENT), EX_CANTCREAT, "ENOENT 73");

	set(&r, 0, 0);
	deliver_reply(&b, &r, "a@b");
	is_str(buf_cstr(&b), "250 2.0.0 <a@b> delivered", "reply 0");
	buf_reset(&b);
	dresult_set(&r, EX_TEMPFAIL, ENOSPC, "disk %s", "full");
	deliver_reply(&b, &r, "a@b");
	is_str(buf_cstr(&b), "452 4.3.1 <a@b> disk full", "reply ENOSPC");
	buf_reset(&b);
	dresult_set(&r, EX_TEMPFAIL, EAGAIN, "busy\r\nX");
	deliver_reply(&b, &r, "a\nb");
	is_str(buf_cstr(&b), "451 4.2.0 <a?b> busy??X",
	    "reply lock busy, control characters replaced");
	buf_reset(&b);
	set(&r, EX_CANTCREAT, EDQUOT);
	deliver_reply(&b, &r, "a@b");
	is_str(buf_cstr(&b), "552 5.2.2 <a@b> mailbox full", "reply EDQUOT");
	buf_reset(&b);
	set(&r, EX_DATAERR, ELOOP);
	deliver_reply(&b, &r, "a@b");
	is_str(buf_cstr(&b), "554 5.4.6 <a@b> mail forwarding loop",
	    "reply loop");
	buf_reset(&b);
	set(&r, EX_NOUSER, 0);
	deliver_reply(&b, &r, "a@b");
	is_str(buf_cstr(&b), "550 5.1.1 <a@b> user unknown", "reply 67");
	buf_reset(&b);
	set(&r, EX_NOPERM, ELOOP);
	deliver_reply(&b, &r, "a@b");
	ok(strncmp(buf_cstr(&b), "550 5.7.0 ", 10) == 0, "reply 77");
	buf_reset(&b);
	{
		char *longwhy = xmalloc(2001);

		memset(longwhy, 'x', 2000);
		longwhy[2000] = '\0';
		dresult_set(&r, EX_UNAVAILABLE, 0, "%s", longwhy);
		deliver_reply(&b, &r, "a@b");
		ok(b.len <= 510 && strncmp(buf_cstr(&b), "554 5.3.0 <a@b> x",
		    17) == 0 && strcmp(b.data + b.len - 3, "...") == 0,
		    "a long reason is cut to fit a reply line");
		free(longwhy);
	}
	dresult_free(&r);
	buf_free(&b);
}

static void
test_resolve(void)
{
	struct destlist l = DESTLIST_INIT;
	struct dresult r = { -1, 0, NULL, NULL, 0 };
	struct passwd *pw = getpwuid(getuid());
	char *want;

	is_int(deliver_resolve_user("no-such-user-mdeliver-test", "x", &l,
	    &r), EX_NOUSER, "unknown user 67");
	is_int(deliver_resolve_user("../etc", "x", &l, &r), EX_NOUSER,
	    "a name with a slash is nobody");
	is_int(l.n, 0, "nothing resolved");
	if (pw == NULL) {
		ok(0, "getpwuid");
		return;
	}
	setenv("MAILKIT_SPOOL", tmpdir, 1);
	is_int(deliver_resolve_user(pw->pw_name, "rc@pt", &l, &r), 0,
	    "own user resolves");
	is_int(l.n, 1, "one destination");
	want = xasprintf("%s/Maildir", pw->pw_dir);
	if (l.v[0].fmt == MBF_MAILDIR)
		is_str(l.v[0].path, want, "~/Maildir when it exists");
	else {
		free(want);
		want = xasprintf("%s/%s", tmpdir, pw->pw_name);
		is_str(l.v[0].path, want, "spool mailbox in $MAILKIT_SPOOL");
	}
	free(want);
	is_str(l.v[0].rcpt, "rc@pt", "Delivered-To value kept");
	is_int(l.v[0].uid, pw->pw_uid, "uid");
	unsetenv("MAILKIT_SPOOL");
	is_str(deliver_spooldir(), MAILKIT_SPOOL_DIR, "default spool");
	destlist_free(&l);
	dresult_free(&r);
}

/* ------------------------------------------------------------ expand */

static struct passwd *me;
static const char *fwdtext;

/* alias_cfg hooks: only this process's own user exists. */
static int
hook_getuser(void *arg, const char *name, struct alias_user *u)
{
	(void)arg;
	memset(u, 0, sizeof(*u));
	if (strcmp(name, me->pw_name) != 0 && strcmp(name, "nobody") != 0)
		return 1;
	u->name = xstrdup(name);
	u->uid = strcmp(name, "nobody") == 0 ? 65534 : me->pw_uid;
	u->gid = me->pw_gid;
	u->home = xstrdup(tmpdir);
	u->shell = xstrdup("/bin/sh");
	return 0;
}

/* The .forward is fwdtext, owned by the user, mode 0644. */
static int
hook_readfile(void *arg, const struct alias_user *as, const char *path,
    struct buf *out, struct stat *st, struct stat *dirst)
{
	(void)arg;
	(void)path;
	if (fwdtext == NULL) {
		errno = ENOENT;
		return -1;
	}
	buf_reset(out);
	buf_adds(out, fwdtext);
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_uid = as->uid;
	memset(dirst, 0, sizeof(*dirst));
	dirst->st_mode = S_IFDIR | 0755;
	dirst->st_uid = as->uid;
	return 0;
}

static void
test_expand(void)
{
	struct destlist l = DESTLIST_INIT;
	struct dresult r = { -1, 0, NULL, NULL, 0 };
	struct alias_cfg cfg;
	struct dopts o;
	struct spool sp;
	struct dctx c;
	char *local, *want, *fwd;
	size_t i;

	if ((me = getpwuid(getuid())) == NULL) {
		ok(0, "getpwuid");
		return;
	}
	setenv("MAILKIT_SPOOL", tmpdir, 1);

	/* Without aliases: the user's mailbox, +ext falling back. */
	local = xasprintf("%s+ext", me->pw_name);
	is_int(deliver_expand(NULL, local, "example.org", "orig@x", &l, &r),
	    0, "plain: user+ext resolves");
	want = xasprintf("%s+ext@example.org", me->pw_name);
	ok(l.n == 1 && l.v[0].kind == DEST_MAILBOX, "plain: one mailbox");
	is_str(l.v[0].rcpt, want, "plain: Delivered-To local@domain");
	is_str(l.v[0].orig, "orig@x", "plain: original recipient kept");
	is_str(l.v[0].domain, "example.org", "plain: domain kept");
	free(want);
	free(local);
	destlist_free(&l);
	local = xasprintf("%s@elsewhere", me->pw_name);
	is_int(deliver_expand(NULL, local, "here", NULL, &l, &r), EX_NOUSER,
	    "a local part with @ is nobody here");
	free(local);
	is_int(l.n, 0, "nothing added");

	/* With expansion, through the hooks. */
	alias_cfg_init(&cfg);
	cfg.delim = "+";
	cfg.getuser = hook_getuser;
	cfg.readfile = hook_readfile;
	fwdtext = NULL;
	is_int(deliver_expand(&cfg, "nobody-here-at-all", "example.org",
	    NULL, &l, &r), EX_NOUSER, "expand: unknown user 67");
	ok(l.n == 1 && l.v[0].kind == DEST_ERROR &&
	    l.v[0].res.status == EX_NOUSER, "expand: kept as an error");
	ok(r.why && strstr(r.why, "nobody-here-at-all") != NULL,
	    "expand: the reason names the recipient");
	destlist_free(&l);

	fwd = xasprintf("\\%s, \"|cat >/dev/null\", /dev/null, "
	    "x@remote.example, %s@example.org", me->pw_name, me->pw_name);
	fwdtext = fwd;
	is_int(deliver_expand(&cfg, me->pw_name, "example.org", "o@example.org",
	    &l, &r), 0, "expand: .forward");
	want = xasprintf("%s@example.org", me->pw_name);
	ok(l.n == 4, "expand: four destinations, the mailbox once");
	ok(l.n > 0 && l.v[0].kind == DEST_MAILBOX, "expand: mailbox");
	ok(l.n > 1 && l.v[1].kind == DEST_PROGRAM &&
	    strcmp(l.v[1].path, "cat >/dev/null") == 0, "expand: command");
	ok(l.n > 2 && l.v[2].kind == DEST_FILE &&
	    strcmp(l.v[2].path, "/dev/null") == 0, "expand: file");
	ok(l.n > 3 && l.v[3].kind == DEST_REMOTE &&
	    strcmp(l.v[3].path, "x@remote.example") == 0, "expand: remote");
	for (i = 0; i < l.n; i++) {
		is_str(l.v[i].rcpt, want, "expand: %zu: Delivered-To", i);
		is_str(l.v[i].orig, "o@example.org", "expand: %zu: orig", i);
	}
	free(want);

	/* Deliver them: each once per invocation. */
	spool_init(&sp);
	spool_write(&sp, "Subject: x\n\nbody\n", 17);
	spool_end(&sp);
	memset(&o, 0, sizeof(o));
	o.sender = "s@x";
	o.lockkinds = 0x05;
	o.locktimeout = 1;
	o.sendmail = "/bin/true";
	o.cmdtimeout = 30;
	o.defuser = "nobody";
	dctx_init(&c, &o);
	for (i = 1; i < l.n; i++) {
		is_int(deliver_dest(&c, &sp, &l.v[i]), 0, "deliver %s",
		    l.v[i].path);
		ok(l.v[i].res.where != NULL && l.v[i].res.size == -1,
		    "deliver %s: what it was", l.v[i].path);
	}
	if (l.n > 3) {
		is_int(deliver_dest(&c, &sp, &l.v[1]), 0, "command again");
		is_str(l.v[1].res.where, "delivered once already",
		    "command: run once");
		is_int(deliver_dest(&c, &sp, &l.v[3]), 0, "forward again");
		is_str(l.v[3].res.where, "delivered once already",
		    "forward: submitted once");
	}
	dctx_free(&c);
	spool_free(&sp);

	/* Delivered-To naming a destination's recipient: a loop. */
	spool_init(&sp);
	local = xasprintf("Delivered-To: %s@example.org\n\nbody\n",
	    me->pw_name);
	spool_write(&sp, local, strlen(local));
	spool_end(&sp);
	free(local);
	dctx_init(&c, &o);
	if (l.n > 2) {
		is_int(deliver_dest(&c, &sp, &l.v[2]), EX_DATAERR,
		    "Delivered-To loop: 65");
		is_int(l.v[2].res.err, ELOOP, "Delivered-To loop: ELOOP");
	}
	dctx_free(&c);
	spool_free(&sp);
	destlist_free(&l);

	/* A program that fails: its output is the reason. */
	fwdtext = "\"|echo no room at the inn; exit 1\"";
	is_int(deliver_expand(&cfg, me->pw_name, NULL, NULL, &l, &r), 0,
	    "expand: failing command");
	spool_init(&sp);
	spool_write(&sp, "\nbody\n", 6);
	spool_end(&sp);
	dctx_init(&c, &o);
	if (l.n == 1) {
		is_int(deliver_dest(&c, &sp, &l.v[0]), EX_UNAVAILABLE,
		    "exit 1: 69");
		ok(l.v[0].res.why && strstr(l.v[0].res.why,
		    "no room at the inn") != NULL, "exit 1: output in the "
		    "reason");
	} else
		ok(0, "one command");
	dctx_free(&c);
	spool_free(&sp);
	destlist_free(&l);
	fwdtext = NULL;
	free(fwd);
	dresult_free(&r);
	unsetenv("MAILKIT_SPOOL");
}

/* Read message n (from 0) of a mailbox: header fields and body. */
static char *
readback(const char *path, size_t want, size_t *count)
{
	const struct mbattr *a;
	struct mailbox *mb;
	struct buf b = BUF_INIT;
	char chunk[4096];
	char *res = NULL;
	ssize_t n;
	size_t i = 0;

	*count = 0;
	if (mailbox_open(&mb, path, MBF_UNKNOWN) < 0)
		return NULL;
	while (mailbox_next(mb, &a) == 1) {
		if (i++ == want) {
			while ((n = mailbox_read(mb, chunk, sizeof(chunk))) > 0)
				buf_add(&b, chunk, (size_t)n);
			res = buf_release(&b);
		}
	}
	*count = i;
	mailbox_close(mb);
	return res;
}

static void
test_deliver(void)
{
	static const char *fmts[] = { "mbox", "maildir", "mh", "mmdf" };
	static const char msg[] =
	    "From s@x Mon Jan  1 00:00:00 2024\r\n"
	    "Return-Path: <forged@x>\r\nSubject: hi\r\n\r\nFrom me\r\nbye\r\n";
	static const char want[] = "Return-Path: <s@x>\nDelivered-To: u@h\n"
	    "Subject: hi\n\nFrom me\nbye\n";
	struct destlist l = DESTLIST_INIT;
	struct dopts o;
	struct spool sp;
	struct dctx c;
	struct dest *d;
	struct stat st;
	char *path, *path2, *got;
	size_t i, count;
	int fd;

	spool_init(&sp);
	spool_write(&sp, msg, sizeof(msg) - 1);
	spool_end(&sp);
	memset(&o, 0, sizeof(o));
	o.sender = sp.from_;
	o.lockkinds = 0x05;
	o.locktimeout = 1;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		dctx_init(&c, &o);
		o.newfmt = mailbox_fmt_parse(fmts[i]);
		path = xasprintf("%s/box-%s", tmpdir, fmts[i]);
		d = destlist_add(&l, DEST_MAILBOX, path);
		d->rcpt = xstrdup("u@h");
		is_int(deliver_dest(&c, &sp, d), 0, "%s: delivered", fmts[i]);
		d = destlist_add(&l, DEST_MAILBOX, path);
		is_int(deliver_dest(&c, &sp, d), 0, "%s: again", fmts[i]);
		got = readback(path, 0, &count);
		is_int(count, 1, "%s: written once", fmts[i]);
		is_str(got, want, "%s: trace fields on top, LF", fmts[i]);
		free(got);
		dctx_free(&c);
		dctx_init(&c, &o);
		d = destlist_add(&l, DEST_MAILBOX, path);
		is_int(deliver_dest(&c, &sp, d), 0, "%s: new invocation",
		    fmts[i]);
		got = readback(path, 1, &count);
		is_int(count, 2, "%s: two messages", fmts[i]);
		is_str(got, "Return-Path: <s@x>\nSubject: hi\n\nFrom me\nbye\n",
		    "%s: no Delivered-To without a recipient", fmts[i]);
		free(got);
		dctx_free(&c);
		free(path);
	}
	o.newfmt = 0;

	/* -c: nothing is created. */
	dctx_init(&c, &o);
	o.nocreate = 1;
	path = xasprintf("%s/absent", tmpdir);
	d = destlist_add(&l, DEST_MAILBOX, path);
	is_int(deliver_dest(&c, &sp, d), EX_CANTCREAT, "-c: 73");
	ok(lstat(path, &st) < 0 && errno == ENOENT, "-c: nothing created");
	o.nocreate = 0;
	free(path);

	/* A new path ending in "/" is a Maildir. */
	path = xasprintf("%s/newmd/", tmpdir);
	d = destlist_add(&l, DEST_MAILBOX, path);
	is_int(deliver_dest(&c, &sp, d), 0, "new Maildir");
	free(path);
	path = xasprintf("%s/newmd/new", tmpdir);
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "new/ made");
	free(path);

	/* Spool mailboxes: created, then checked. */
	path = xasprintf("%s/spooluser", tmpdir);
	d = destlist_add(&l, DEST_MAILBOX, path);
	d->spoolbox = 1;
	d->uid = getuid();
	d->gid = getgid();
	is_int(deliver_dest(&c, &sp, d), 0, "spool mailbox created");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) ==
	    (getuid() == 0 ? 0660 : 0600), "spool mailbox mode");
	dctx_free(&c);
	dctx_init(&c, &o);
	path2 = xasprintf("%s/spoollink", tmpdir);
	ok(symlink(path, path2) == 0, "symlink made");
	d = destlist_add(&l, DEST_MAILBOX, path2);
	d->spoolbox = 1;
	d->uid = getuid();
	is_int(deliver_dest(&c, &sp, d), EX_NOPERM, "symlink: 77");
	ok(lstat(path2, &st) == 0 && S_ISLNK(st.st_mode), "symlink kept");
	free(path2);
	path2 = xasprintf("%s/spoolhard", tmpdir);
	ok(link(path, path2) == 0, "hard link made");
	d = destlist_add(&l, DEST_MAILBOX, path2);
	d->spoolbox = 1;
	d->uid = getuid();
	is_int(deliver_dest(&c, &sp, d), EX_NOPERM, "hard link: 77");
	d = destlist_add(&l, DEST_MAILBOX, path2);
	is_int(deliver_dest(&c, &sp, d), EX_NOPERM,
	    "hard link, named directly: 77");
	unlink(path2);
	free(path2);
	dctx_free(&c);
	dctx_init(&c, &o);
	d = destlist_add(&l, DEST_MAILBOX, path);
	d->spoolbox = 1;
	d->uid = getuid() + 1;
	is_int(deliver_dest(&c, &sp, d), EX_NOPERM,
	    "spool mailbox of someone else: 77");
	free(path);

	/* Not a mailbox. */
	path = xasprintf("%s/junk", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, "junk\n", 5) == 5 && close(fd) == 0,
	    "junk file");
	d = destlist_add(&l, DEST_MAILBOX, path);
	is_int(deliver_dest(&c, &sp, d), EX_TEMPFAIL, "not a mailbox: 75");
	free(path);
	dctx_free(&c);
	destlist_free(&l);
	spool_free(&sp);
}

int
main(void)
{
	char tmpl[] = "/tmp/t_deliver.XXXXXX";

	if ((tmpdir = mkdtemp(tmpl)) == NULL)
		return 1;
	test_spool();
	test_results();
	test_resolve();
	test_deliver();
	test_expand();
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			ok(0, "cleanup");
		free(cmd);
	}
	return done_testing();
}
