/* Unit tests for libcommon/vacdb: records, exclusions, expiry, rebuild of
 * a corrupt file, and the lock against a second process. */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vacdb.h"
#include "tap.h"

static char dir[] = "/tmp/t_vacdb.XXXXXX";
static char *path;

static void
write_file(const char *p, const void *data, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		exit(99);
}

/* A cdb holding the given key/value pairs (NULL-ended). */
static void
write_cdb(const char *p, const char *const *kv)
{
	struct cdb_make cm;
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || cdb_make_start(&cm, fd) < 0)
		exit(99);
	for (; kv[0] != NULL; kv += 2)
		if (cdb_make_add(&cm, kv[0], (unsigned)strlen(kv[0]), kv[1],
		    (unsigned)strlen(kv[1])) < 0)
			exit(99);
	if (cdb_make_finish(&cm) < 0 || close(fd) < 0)
		exit(99);
}

static void
test_empty_and_roundtrip(void)
{
	struct vacdb db;
	time_t t = 0;

	ok(vacdb_open(&db, path, 0, 0) == 0, "missing file opens empty");
	ok(db.nr == 0 && db.nx == 0 && !db.corrupt, "empty, not corrupt");
	is_int(db.interval, VACDB_NONE, "no interval stored");
	ok(vacdb_last(&db, "bob@example.org", &t) == 0, "nobody answered");
	vacdb_record(&db, "Bob@Example.ORG", 1000);
	vacdb_record(&db, "carol@example.org", 2000);
	vacdb_record(&db, "bob@example.org", 1500);
	is_int(db.nr, 2, "a second record of one sender replaces the first");
	ok(vacdb_exclude(&db, "@Spam.example") == 0, "exclude a domain");
	ok(vacdb_exclude(&db, "eve@example.net") == 0, "exclude an address");
	ok(vacdb_exclude(&db, "eve@example.net") == 0 && db.nx == 2,
	    "an exclusion is kept once");
	ok(vacdb_exclude(&db, "a b@c") < 0 && errno == EINVAL,
	    "white space is refused");
	ok(vacdb_exclude(&db, "") < 0 && vacdb_exclude(&db, "@") < 0,
	    "empty and bare @ refused");
	vacdb_set_interval(&db, 3 * 86400);
	ok(vacdb_commit(&db, 2000, VACDB_INFINITE) == 0, "commit");
	vacdb_close(&db);

	ok(vacdb_open(&db, path, 0, 0) == 0, "reopen");
	ok(!db.corrupt, "the file written is valid");
	ok(vacdb_last(&db, "BOB@example.org", &t) == 1 && t == 1500,
	    "record found, case-insensitively");
	ok(vacdb_last(&db, "carol@example.org", &t) == 1 && t == 2000,
	    "second record found");
	is_int(db.interval, 3 * 86400, "interval stored");
	ok(vacdb_excluded(&db, "x@spam.example"), "@domain excludes");
	ok(vacdb_excluded(&db, "x@SPAM.EXAMPLE"), "domain case ignored");
	ok(!vacdb_excluded(&db, "x@sub.spam.example"),
	    "a subdomain is not the domain");
	ok(vacdb_excluded(&db, "Eve@example.net"), "address excludes");
	ok(!vacdb_excluded(&db, "bob@example.org"), "others are not excluded");
	vacdb_close(&db);
}

static void
test_expiry(void)
{
	struct vacdb db;
	time_t t;

	ok(vacdb_open(&db, path, 0, 0) == 0, "open for expiry");
	vacdb_clear(&db);
	vacdb_record(&db, "old@example.org", 1000);
	vacdb_record(&db, "new@example.org", 9000);
	vacdb_record(&db, "future@example.org", 20000);
	ok(vacdb_commit(&db, 10000, 5000) == 0, "commit with interval 5000");
	vacdb_close(&db);
	ok(vacdb_open(&db, path, 0, 0) == 0, "reopen");
	ok(vacdb_last(&db, "old@example.org", &t) == 0,
	    "a record older than the interval is dropped");
	ok(vacdb_last(&db, "new@example.org", &t) == 1, "a recent one stays");
	ok(vacdb_last(&db, "future@example.org", &t) == 1,
	    "one from the future (clock set back) stays");
	is_int(db.interval, VACDB_NONE, "clear forgot the interval");
	ok(vacdb_commit(&db, 10000, 0) == 0, "commit with interval 0");
	vacdb_close(&db);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.nr == 0,
	    "interval 0 keeps no record");
	vacdb_record(&db, "a@b", 1);
	vacdb_set_interval(&db, VACDB_INFINITE);
	ok(vacdb_commit(&db, 1000000000, VACDB_INFINITE) == 0,
	    "commit infinite");
	vacdb_close(&db);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.nr == 1 &&
	    db.interval == VACDB_INFINITE, "infinite keeps every record");
	vacdb_close(&db);
}

static void
test_corrupt(void)
{
	static const char *const foreign[] = { "alias", "x@y", NULL };
	static const char *const badtime[] = { "version", "1",
	    "reply:a@b", "12x", NULL };
	static const char *const noversion[] = { "reply:a@b", "12", NULL };
	static const char *const badver[] = { "version", "2", NULL };
	static const char *const badkey[] = { "version", "1",
	    "reply:a b@c", "12", NULL };
	static const char *const good[] = { "version", "1",
	    "reply:a@b", "12", "interval", "infinite", "exclude:@x", "",
	    NULL };
	struct vacdb db;
	char junk[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	write_file(path, junk, sizeof(junk));
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt, "garbage: corrupt");
	ok(db.why != NULL, "with a reason: %s", db.why ? db.why : "");
	vacdb_record(&db, "bob@example.org", 5);
	ok(vacdb_commit(&db, 10, VACDB_INFINITE) == 0 && !db.corrupt,
	    "rebuilt by commit");
	vacdb_close(&db);
	ok(vacdb_open(&db, path, 0, 0) == 0 && !db.corrupt && db.nr == 1,
	    "the rebuilt file reads back");
	vacdb_close(&db);

	write_file(path, "", 0);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt, "empty: corrupt");
	vacdb_close(&db);
	write_file(path, junk, 100);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "shorter than a cdb header: corrupt");
	vacdb_close(&db);

	write_cdb(path, good);
	if (stat(path, &st) == 0 && st.st_size > 2100) {
		/* Cut the file in the middle of its records. */
		if (truncate(path, 2060) < 0)
			exit(99);
	}
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "truncated cdb: corrupt");
	vacdb_close(&db);

	write_cdb(path, foreign);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "a foreign cdb: corrupt");
	vacdb_close(&db);
	write_cdb(path, badtime);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt && db.nr == 0,
	    "a bad time: corrupt, nothing kept");
	vacdb_close(&db);
	write_cdb(path, noversion);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "no version record: corrupt");
	vacdb_close(&db);
	write_cdb(path, badver);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "another version: corrupt");
	vacdb_close(&db);
	write_cdb(path, badkey);
	ok(vacdb_open(&db, path, 0, 0) == 0 && db.corrupt,
	    "white space in an address: corrupt");
	vacdb_close(&db);
	write_cdb(path, good);
	ok(vacdb_open(&db, path, 0, 0) == 0 && !db.corrupt && db.nr == 1 &&
	    db.nx == 1 && db.interval == VACDB_INFINITE,
	    "a file written by another cdb writer reads");
	vacdb_close(&db);
}

static void
test_lock(void)
{
	struct vacdb db;
	int p[2];
	char c;
	pid_t pid;
	time_t t0;

	if (pipe(p) < 0)
		exit(99);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (vacdb_open(&db, path, 0, 5) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		sleep(30);
		_exit(0);
	}
	close(p[1]);
	ok(read(p[0], &c, 1) == 1, "child holds the lock");
	close(p[0]);
	t0 = time(NULL);
	ok(vacdb_open(&db, path, 0, 1) < 0 && errno == EAGAIN,
	    "locked: EAGAIN after the timeout");
	ok(time(NULL) - t0 <= 5, "the timeout is kept");
	ok(vacdb_open(&db, path, VACDB_NOLOCK, 0) == 0,
	    "VACDB_NOLOCK reads while it is locked");
	vacdb_close(&db);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	ok(vacdb_open(&db, path, 0, 1) == 0, "free again once the holder died");
	vacdb_close(&db);
}

static void
test_interval_parse(void)
{
	time_t t;

	ok(vacdb_parse_interval("7", &t) == 0 && t == 7 * 86400, "7 days");
	ok(vacdb_parse_interval("0", &t) == 0 && t == 0, "0 days");
	ok(vacdb_parse_interval("infinite", &t) == 0 && t == VACDB_INFINITE,
	    "infinite");
	ok(vacdb_parse_interval("-1", &t) < 0, "negative refused");
	ok(vacdb_parse_interval("", &t) < 0, "empty refused");
	ok(vacdb_parse_interval("7d", &t) < 0, "junk refused");
	ok(vacdb_parse_interval("99999999999999999999", &t) < 0,
	    "overflow refused");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 99;
	path = xasprintf("%s/vacation.db", dir);
	test_empty_and_roundtrip();
	test_expiry();
	test_corrupt();
	test_lock();
	test_interval_parse();
	unlink(path);
	{
		char *l = xasprintf("%s.lock", path);

		unlink(l);
		free(l);
	}
	rmdir(dir);
	free(path);
	return done_testing();
}
