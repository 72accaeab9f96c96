/*
 * vacdb: vacation(1)'s database in a tinycdb file, read whole under a
 * lock and replaced atomically (see vacdb.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"
#include "vacdb.h"
#include "xio.h"

#define K_VERSION	"version"
#define K_INTERVAL	"interval"
#define K_REPLY		"reply:"
#define K_EXCLUDE	"exclude:"
#define DB_VERSION	"1"
#define MAX_DAYS	36500

static char *
lower_dup(const char *s, size_t len)
{
	char *p = xstrndup(s, len);
	size_t i;

	for (i = 0; p[i] != '\0'; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	return p;
}

/* Decimal digits only, into a non-negative time_t.  0 or -1. */
static int
parse_secs(const char *s, size_t len, time_t *t)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v > (unsigned long long)INT64_MAX / 2)
		return -1;
	*t = (time_t)v;
	return 0;
}

static int
has_prefix(const char *k, size_t klen, const char *p)
{
	size_t n = strlen(p);

	return klen >= n && memcmp(k, p, n) == 0;
}

/* An address or exclusion as stored: printable, no white space. */
static int
valid_entry(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

static void
add_reply(struct vacdb *db, char *addr, time_t t)
{
	if (db->nr == db->capr) {
		db->capr = db->capr ? db->capr * 2 : 16;
		db->r = xreallocarray(db->r, db->capr, sizeof(*db->r));
	}
	db->r[db->nr].addr = addr;
	db->r[db->nr].t = t;
	db->nr++;
}

static void
add_exclusion(struct vacdb *db, char *e)
{
	if (db->nx == db->capx) {
		db->capx = db->capx ? db->capx * 2 : 16;
		db->x = xreallocarray(db->x, db->capx, sizeof(*db->x));
	}
	db->x[db->nx++] = e;
}

/* Mark the database corrupt: whatever was read is thrown away. */
static void
set_corrupt(struct vacdb *db, const char *why)
{
	vacdb_clear(db);
	db->corrupt = 1;
	free(db->why);
	db->why = xstrdup(why);
}

/* One record of the file.  0, or -1 when it does not belong there. */
static int
load_record(struct vacdb *db, const char *k, size_t klen, const char *v,
    size_t vlen, int *seen_version)
{
	time_t t;
	size_t n;

	if (klen == strlen(K_VERSION) && memcmp(k, K_VERSION, klen) == 0) {
		if (vlen != strlen(DB_VERSION) ||
		    memcmp(v, DB_VERSION, vlen) != 0)
			return -1;
		*seen_version = 1;
	} else if (klen == strlen(K_INTERVAL) &&
	    memcmp(k, K_INTERVAL, klen) == 0) {
		if (vlen == 8 && memcmp(v, "infinite", 8) == 0)
			db->interval = VACDB_INFINITE;
		else if (parse_secs(v, vlen, &t) == 0)
			db->interval = t;
		else
			return -1;
	} else if (has_prefix(k, klen, K_REPLY)) {
		n = strlen(K_REPLY);
		if (!valid_entry(k + n, klen - n) ||
		    parse_secs(v, vlen, &t) < 0)
			return -1;
		add_reply(db, lower_dup(k + n, klen - n), t);
	} else if (has_prefix(k, klen, K_EXCLUDE)) {
		n = strlen(K_EXCLUDE);
		if (!valid_entry(k + n, klen - n) || vlen != 0)
			return -1;
		add_exclusion(db, lower_dup(k + n, klen - n));
	} else
		return -1;
	return 0;
}

/*
 * Read every record of the cdb open on fd.  0 (the database filled, or
 * marked corrupt), or -1 with errno for an I/O error worth a retry.
 */
static int
load(struct vacdb *db, int fd)
{
	struct cdb c;
	unsigned pos;
	const char *k, *v;
	int r, seen_version = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (st.st_size == 0) {
		set_corrupt(db, "empty file");
		return 0;
	}
	if (cdb_init(&c, fd) < 0) {
		if (errno == ENOMEM || errno == EIO)
			return -1;
		set_corrupt(db, "not a cdb file");
		return 0;
	}
	cdb_seqinit(&pos, &c);
	while ((r = cdb_seqnext(&pos, &c)) > 0) {
		k = cdb_getkey(&c);
		v = cdb_getdata(&c);
		if (k == NULL || v == NULL ||
		    load_record(db, k, cdb_keylen(&c), v, cdb_datalen(&c),
		    &seen_version) < 0) {
			cdb_free(&c);
			set_corrupt(db, "unexpected record");
			return 0;
		}
	}
	cdb_free(&c);
	if (r < 0)
		set_corrupt(db, "broken cdb structure");
	else if (!seen_version)
		set_corrupt(db, "no version record");
	return 0;
}

int
vacdb_open(struct vacdb *db, const char *path, int flags, int timeout_secs)
{
	int fd, saved;

	memset(db, 0, sizeof(*db));
	db->path = xstrdup(path);
	db->lockpath = xasprintf("%s.lock", path);
	db->lockfd = -1;
	db->lk.fd = -1;
	db->interval = VACDB_NONE;
	if (!(flags & VACDB_NOLOCK)) {
		db->lockfd = open(db->lockpath,
		    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
		if (db->lockfd < 0)
			goto fail;
		if (lock_acquire(&db->lk, db->lockfd, db->lockpath,
		    MKLOCK_FCNTL, timeout_secs) < 0)
			goto fail;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return 0;
		goto fail;
	}
	if (load(db, fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	vacdb_close(db);
	errno = saved;
	return -1;
}

int
vacdb_last(const struct vacdb *db, const char *addr, time_t *t)
{
	size_t i;

	for (i = 0; i < db->nr; i++)
		if (ascii_strncasecmp(db->r[i].addr, addr, SIZE_MAX) == 0) {
			*t = db->r[i].t;
			return 1;
		}
	return 0;
}

int
vacdb_excluded(const struct vacdb *db, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; i < db->nx; i++) {
		if (ascii_strncasecmp(db->x[i], addr, SIZE_MAX) == 0)
			return 1;
		if (db->x[i][0] == '@' && at != NULL &&
		    ascii_strncasecmp(db->x[i], at, SIZE_MAX) == 0)
			return 1;
	}
	return 0;
}

void
vacdb_record(struct vacdb *db, const char *addr, time_t t)
{
	size_t i;

	for (i = 0; i < db->nr; i++)
		if (ascii_strncasecmp(db->r[i].addr, addr, SIZE_MAX) == 0) {
			db->r[i].t = t;
			return;
		}
	add_reply(db, lower_dup(addr, strlen(addr)), t);
}

int
vacdb_exclude(struct vacdb *db, const char *e)
{
	size_t i;

	if (!valid_entry(e, strlen(e)) || strcmp(e, "@") == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < db->nx; i++)
		if (ascii_strncasecmp(db->x[i], e, SIZE_MAX) == 0)
			return 0;
	add_exclusion(db, lower_dup(e, strlen(e)));
	return 0;
}

void
vacdb_clear(struct vacdb *db)
{
	size_t i;

	for (i = 0; i < db->nr; i++)
		free(db->r[i].addr);
	for (i = 0; i < db->nx; i++)
		free(db->x[i]);
	db->nr = db->nx = 0;
	db->interval = VACDB_NONE;
}

void
vacdb_set_interval(struct vacdb *db, time_t secs)
{
	db->interval = secs;
}

static int
cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct vacrec *)a)->addr,
	    ((const struct vacrec *)b)->addr);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
vacdb_sort(struct vacdb *db)
{
	if (db->nr > 1)
		qsort(db->r, db->nr, sizeof(*db->r), cmp_rec);
	if (db->nx > 1)
		qsort(db->x, db->nx, sizeof(*db->x), cmp_str);
}

/* Is the record still needed: does the interval still cover it? */
static int
covered(time_t t, time_t now, time_t interval)
{
	if (interval == VACDB_INFINITE)
		return 1;
	if (interval <= 0)
		return 0;
	if (t > now)		/* the clock went back: keep it */
		return 1;
	return now - t < interval;
}

static int
put(struct cdb_make *cm, const char *k1, const char *k2, const char *v)
{
	struct buf k = BUF_INIT;
	int r;

	buf_adds(&k, k1);
	if (k2 != NULL)
		buf_adds(&k, k2);
	if (k.len > UINT_MAX / 2) {
		buf_free(&k);
		errno = EOVERFLOW;
		return -1;
	}
	r = cdb_make_add(cm, k.data, (unsigned)k.len, v, (unsigned)strlen(v));
	buf_free(&k);
	return r < 0 ? -1 : 0;
}

int
vacdb_commit(struct vacdb *db, time_t now, time_t interval)
{
	struct xtemp xt;
	struct cdb_make cm;
	char num[32];
	size_t i, j;
	int saved;

	for (i = j = 0; i < db->nr; i++) {
		if (covered(db->r[i].t, now, interval))
			db->r[j++] = db->r[i];
		else
			free(db->r[i].addr);
	}
	db->nr = j;
	vacdb_sort(db);
	if (xtemp_open(&xt, db->path, 0600) < 0)
		return -1;
	if (cdb_make_start(&cm, xt.fd) < 0)
		goto fail;
	if (put(&cm, K_VERSION, NULL, DB_VERSION) < 0)
		goto fail;
	if (db->interval == VACDB_INFINITE) {
		if (put(&cm, K_INTERVAL, NULL, "infinite") < 0)
			goto fail;
	} else if (db->interval >= 0) {
		(void)snprintf(num, sizeof(num), "%lld",
		    (long long)db->interval);
		if (put(&cm, K_INTERVAL, NULL, num) < 0)
			goto fail;
	}
	for (i = 0; i < db->nx; i++)
		if (put(&cm, K_EXCLUDE, db->x[i], "") < 0)
			goto fail;
	for (i = 0; i < db->nr; i++) {
		(void)snprintf(num, sizeof(num), "%lld", (long long)db->r[i].t);
		if (put(&cm, K_REPLY, db->r[i].addr, num) < 0)
			goto fail;
	}
	if (cdb_make_finish(&cm) < 0)
		goto fail;
	if (xtemp_commit(&xt) < 0)
		return -1;
	db->corrupt = 0;
	return 0;
fail:
	saved = errno;
	xtemp_abort(&xt);
	errno = saved != 0 ? saved : EIO;
	return -1;
}

void
vacdb_close(struct vacdb *db)
{
	int saved = errno;

	vacdb_clear(db);
	free(db->r);
	free(db->x);
	db->r = NULL;
	db->x = NULL;
	db->capr = db->capx = 0;
	if (db->lockfd >= 0) {
		(void)lock_release(&db->lk);
		(void)close(db->lockfd);
		db->lockfd = -1;
	}
	free(db->path);
	free(db->lockpath);
	free(db->why);
	db->path = db->lockpath = db->why = NULL;
	errno = saved;
}

int
vacdb_parse_interval(const char *s, time_t *secs)
{
	time_t d;

	if (strcmp(s, "infinite") == 0 || strcmp(s, "inf") == 0) {
		*secs = VACDB_INFINITE;
		return 0;
	}
	if (parse_secs(s, strlen(s), &d) < 0 || d > MAX_DAYS) {
		errno = EINVAL;
		return -1;
	}
	*secs = d * 86400;
	return 0;
}
