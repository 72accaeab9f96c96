/*
 * queue: msend's queue directory (see queue.h for the layout), and the
 * queue runner: retries with backoff, failed/ and bounces.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "date.h"
#include "msendconf.h"
#include "queue.h"
#include "relay.h"
#include "xio.h"

void
qentry_init(struct qentry *e)
{
	memset(e, 0, sizeof(*e));
}

void
qentry_free(struct qentry *e)
{
	size_t i;

	free(e->id);
	free(e->account);
	free(e->from);
	for (i = 0; i < e->nrcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	free(e->notify);
	free(e->error);
	buf_free(&e->msg);
	qentry_init(e);
}

void
qentry_add_rcpt(struct qentry *e, const char *a)
{
	e->rcpt = xreallocarray(e->rcpt, e->nrcpt + 1, sizeof(*e->rcpt));
	e->rcpt[e->nrcpt++] = xstrdup(a);
}

static int
mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
queue_init(const char *dir)
{
	static const char *subs[] = { "tmp", QUEUE_MSG, QUEUE_FAILED };
	char *p;
	size_t i;
	int r = 0;

	if (mkdir_ok(dir) == -1)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]) && r == 0; i++) {
		p = xasprintf("%s/%s", dir, subs[i]);
		r = mkdir_ok(p);
		free(p);
	}
	return r;
}

/* A new id: the time, the pid and random bits, as a Maildir name. */
static char *
new_id(void)
{
	return xasprintf("%lld.%ld.%08x", (long long)time(NULL),
	    (long)getpid(), arc4random());
}

/* A value for one envelope line: control characters become spaces. */
static void
line_value(struct buf *b, const char *key, const char *v)
{
	buf_adds(b, key);
	buf_addc(b, ' ');
	for (; *v != '\0'; v++)
		buf_addc(b, (unsigned char)*v < 0x20 ? ' ' : *v);
	buf_addc(b, '\n');
}

static void
serialize(const struct qentry *e, struct buf *b)
{
	size_t i;

	buf_adds(b, "msend-queue 1\n");
	if (e->account != NULL)
		line_value(b, "account", e->account);
	line_value(b, "from", e->from);
	for (i = 0; i < e->nrcpt; i++)
		line_value(b, "rcpt", e->rcpt[i]);
	if (e->notify != NULL)
		line_value(b, "notify", e->notify);
	buf_printf(b, "created %lld\nnext %lld\nattempts %u\n",
	    (long long)e->created, (long long)e->next, e->attempts);
	if (e->error != NULL)
		line_value(b, "error", e->error);
	buf_addc(b, '\n');
	buf_add(b, e->msg.data, e->msg.len);
}

int
queue_put(const char *dir, const char *sub, struct qentry *e)
{
	struct buf b = BUF_INIT;
	char *tmp, *dst, *d;
	int fd, e2, r = -1;

	if (e->id == NULL)
		e->id = new_id();
	tmp = xasprintf("%s/tmp/%s", dir, e->id);
	dst = xasprintf("%s/%s/%s", dir, sub, e->id);
	d = xasprintf("%s/%s", dir, sub);
	serialize(e, &b);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		goto out;
	if (xwrite_all(fd, b.data, b.len) == -1 || fsync(fd) == -1) {
		e2 = errno;
		close(fd);
		unlink(tmp);
		errno = e2;
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, dst) == -1) {
		e2 = errno;
		unlink(tmp);
		errno = e2;
		goto out;
	}
	r = xfsync_dir(d);
out:
	buf_free(&b);
	free(tmp);
	free(dst);
	free(d);
	return r;
}

/* Parse the envelope at the start of text into e; the rest is the
 * message. */
static int
parse(struct qentry *e, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *v;
	long long ll;
	size_t klen;
	int first = 1;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		if (nl == p)
			break;
		if (first) {
			if ((size_t)(nl - p) != 13 ||
			    memcmp(p, "msend-queue 1", 13) != 0)
				goto bad;
			first = 0;
			continue;
		}
		if ((v = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			goto bad;
		klen = (size_t)(v - p);
		v++;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(p, k, klen) == 0)
		if (KEY("account")) {
			free(e->account);
			e->account = xstrndup(v, (size_t)(nl - v));
		} else if (KEY("from")) {
			free(e->from);
			e->from = xstrndup(v, (size_t)(nl - v));
		} else if (KEY("rcpt")) {
			char *r = xstrndup(v, (size_t)(nl - v));

			qentry_add_rcpt(e, r);
			free(r);
		} else if (KEY("notify")) {
			free(e->notify);
			e->notify = xstrndup(v, (size_t)(nl - v));
		} else if (KEY("error")) {
			free(e->error);
			e->error = xstrndup(v, (size_t)(nl - v));
		} else if (KEY("created") || KEY("next") || KEY("attempts")) {
			if (sscanf(v, "%lld", &ll) != 1 || ll < 0)
				goto bad;
			if (KEY("created"))
				e->created = (time_t)ll;
			else if (KEY("next"))
				e->next = (time_t)ll;
			else
				e->attempts = (unsigned int)ll;
		}
#undef KEY
	}
	if (first || p >= end || e->from == NULL || e->nrcpt == 0)
		goto bad;
	p++;
	buf_add(&e->msg, p, (size_t)(end - p));
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
queue_get(const char *dir, const char *sub, const char *id,
    struct qentry *e)
{
	struct buf b = BUF_INIT;
	char *path;
	int fd, r, e2;

	qentry_free(e);
	path = xasprintf("%s/%s/%s", dir, sub, id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd == -1)
		return -1;
	r = read_fd_all(fd, &b);
	e2 = errno;
	close(fd);
	if (r == 0)
		r = parse(e, b.data, b.len);
	else
		errno = e2;
	buf_free(&b);
	if (r == 0)
		e->id = xstrdup(id);
	return r;
}

int
queue_remove(const char *dir, const char *sub, const char *id)
{
	char *path, *d;
	int r;

	path = xasprintf("%s/%s/%s", dir, sub, id);
	d = xasprintf("%s/%s", dir, sub);
	r = unlink(path);
	if (r == 0)
		r = xfsync_dir(d);
	free(path);
	free(d);
	return r;
}

static int
cmp_ids(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "."), ly = strcspn(y, ".");

	if (lx != ly)		/* the time part: shorter is older */
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

/* Names a queue entry may have. */
static int
id_ok(const char *n)
{
	if (n[0] == '.' || n[0] == '\0')
		return 0;
	for (; *n != '\0'; n++)
		if (!((*n >= '0' && *n <= '9') || (*n >= 'a' && *n <= 'z') ||
		    (*n >= 'A' && *n <= 'Z') || *n == '.' || *n == '_' ||
		    *n == '-'))
			return 0;
	return 1;
}

int
queue_list(const char *dir, const char *sub, char ***ids, size_t *n)
{
	struct dirent *de;
	char *path;
	DIR *d;

	*ids = NULL;
	*n = 0;
	path = xasprintf("%s/%s", dir, sub);
	d = opendir(path);
	free(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!id_ok(de->d_name))
			continue;
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), cmp_ids);
	return 0;
}

void
queue_list_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int
queue_lock(const char *dir, struct mklock *l)
{
	char *path;
	int fd, e;

	path = xasprintf("%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd == -1)
		return -1;
	if (lock_acquire(l, fd, NULL, MKLOCK_FCNTL, 0) == -1) {
		e = errno;
		close(fd);
		errno = e == EWOULDBLOCK || e == EACCES ? EAGAIN : e;
		return -1;
	}
	return 0;
}

long
queue_backoff(unsigned int n, long min, long max)
{
	long v = min;

	while (n > 1 && v < max) {
		v = v > max / 2 ? max : v * 2;
		n--;
	}
	return v < max ? v : max;
}

/* ------------------------------------------------------------ runner */

/* Does status s count as a failure of kind st (R_TEMP takes R_LOCAL)? */
static int
failed_as(enum relay_status s, enum relay_status st)
{
	return s == st || (st == R_TEMP && s == R_LOCAL);
}

/* A copy of e's envelope for the recipients of j with status st. */
static void
subset(const struct qentry *e, const struct relay_job *j,
    enum relay_status st, struct qentry *out)
{
	size_t i;

	qentry_init(out);
	out->account = e->account != NULL ? xstrdup(e->account) : NULL;
	out->from = xstrdup(e->from);
	out->notify = e->notify != NULL ? xstrdup(e->notify) : NULL;
	out->created = e->created;
	out->attempts = e->attempts;
	out->next = e->next;
	for (i = 0; i < j->nrcpt; i++)
		if (failed_as(j->rcpt[i].status, st))
			qentry_add_rcpt(out, j->rcpt[i].addr);
}

/*
 * Queue the recipients of j that failed for now, with the message.
 * Returns 0, or -1 (the caller reports and exits 75).
 */
int
queue_defer(const struct account *a, const struct qentry *e,
    const struct relay_job *j, const char *why, struct qentry *q)
{
	time_t now = time(NULL);

	subset(e, j, R_TEMP, q);
	q->id = e->id != NULL ? xstrdup(e->id) : NULL;
	if (q->created == 0)
		q->created = now;
	q->attempts = e->attempts + 1;
	q->next = now + queue_backoff(q->attempts, a->retry_min,
	    a->retry_max);
	q->error = why != NULL ? xstrdup(why) : NULL;
	buf_add(&q->msg, e->msg.data, e->msg.len);
	if (queue_init(a->queue_dir) == -1 ||
	    queue_put(a->queue_dir, QUEUE_MSG, q) == -1)
		return -1;
	return 0;
}

/* Send a bounce for the refused recipients through local_delivery. */
static void
bounce(const struct account *a, const struct qentry *f,
    const struct relay_job *j, enum relay_status st)
{
	struct buf b = BUF_INIT;
	char *domain = relay_domain(a), *env = NULL;
	time_t now = time(NULL);
	pid_t pid, r;
	int p[2], status = 0;
	size_t i;

	if (f->from[0] == '\0')		/* never bounce a bounce */
		goto out;
	if (a->local_delivery == NULL) {
		mk_warnx("%s: no local_delivery: no bounce sent to %s; see "
		    "%s/failed/%s", f->id, f->from, a->queue_dir, f->id);
		goto out;
	}
	buf_printf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\n"
	    "To: <%s>\nSubject: Undelivered Mail Returned to Sender\nDate: ",
	    domain, f->from);
	date_format(&b, now, date_local_offset(now));
	buf_printf(&b, "\nMessage-ID: <%lld.%08x.bounce@%s>\n"
	    "Auto-Submitted: auto-replied\n\nThis is msend at %s.\n\n"
	    "Your message could not be delivered to these recipients:\n\n",
	    (long long)now, arc4random(), domain, domain);
	for (i = 0; i < j->nrcpt; i++)
		if (failed_as(j->rcpt[i].status, st))
			buf_printf(&b, "<%s>: %s\n", j->rcpt[i].addr,
			    j->rcpt[i].reason != NULL ? j->rcpt[i].reason :
			    "unknown");
	buf_printf(&b, "\nIt is kept as %s/failed/%s.\n\n"
	    "----- The header of your message -----\n\n", a->queue_dir,
	    f->id);
	for (i = 0; i < f->msg.len; i++)	/* up to the blank line */
		if (f->msg.data[i] == '\n' && (i + 1 == f->msg.len ||
		    f->msg.data[i + 1] == '\n' || (f->msg.data[i + 1] == '\r' &&
		    i + 2 < f->msg.len && f->msg.data[i + 2] == '\n')))
			break;
	buf_add(&b, f->msg.data, i < f->msg.len ? i + 1 : f->msg.len);
	env = xasprintf("RECIPIENT=%s", f->from);
	if (pipe(p) == -1) {
		mk_warn("bounce");
		goto out;
	}
	if ((pid = fork()) == -1) {
		mk_warn("bounce");
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0) {
		close(p[1]);
		if (dup2(p[0], STDIN_FILENO) == -1 || putenv(env) != 0)
			_exit(EX_OSERR);
		execl("/bin/sh", "sh", "-c", a->local_delivery, (char *)NULL);
		_exit(EX_OSERR);
	}
	close(p[0]);
	if (xwrite_all(p[1], b.data, b.len) == -1)
		mk_warn("bounce: local_delivery");
	close(p[1]);
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		mk_warnx("%s: local_delivery failed: no bounce sent to %s",
		    f->id, f->from);
out:
	free(env);
	buf_free(&b);
	free(domain);
}

/* Move the refused recipients of e to failed/ and bounce them. */
static void
give_up(const struct account *a, const struct qentry *e,
    const struct relay_job *j, enum relay_status st, const char *why)
{
	struct qentry f;

	subset(e, j, st, &f);
	f.id = xasprintf("%s-%u%s", e->id, e->attempts,
	    st == R_PERM ? "" : "-expired");
	f.error = xstrdup(why);
	buf_add(&f.msg, e->msg.data, e->msg.len);
	if (queue_put(a->queue_dir, QUEUE_FAILED, &f) == -1)
		mk_warn("%s/%s", a->queue_dir, QUEUE_FAILED);
	bounce(a, &f, j, st);
	qentry_free(&f);
}

/* One queued entry: try it, then remove, reschedule or give up. */
static void
run_entry(struct msendconf *c, const char *dir, const char *id, int verbose)
{
	struct account *a;
	struct relay_job j;
	struct qentry e, q;
	struct relay_tally t;
	time_t now = time(NULL);
	size_t i, bad;
	int expired;

	qentry_init(&e);
	if (queue_get(dir, QUEUE_MSG, id, &e) == -1) {
		mk_warn("%s/%s/%s", dir, QUEUE_MSG, id);
		return;
	}
	if (e.next > now)
		goto out;
	if ((a = msendconf_account(c, e.account, NULL)) == NULL)
		a = msendconf_account(c, NULL, NULL);
	if (a->queue_dir == NULL || strcmp(a->queue_dir, dir) != 0) {
		mk_warnx("%s: account %s does not use queue %s", id,
		    e.account != NULL ? e.account : "default", dir);
		goto out;
	}
	if (relay_message(a, e.from, e.rcpt, e.nrcpt, &e.msg, e.notify,
	    verbose, &j, &t, &bad) == -1) {
		t.perm = 1;
		t.why = "a line is longer than 998 octets";
		for (i = 0; i < j.nrcpt; i++)
			j.rcpt[i].status = R_PERM;
	}
	expired = now - e.created >= a->lifetime;
	if (t.perm > 0)
		give_up(a, &e, &j, R_PERM, t.why);
	if (t.temp + t.local > 0 && expired) {
		give_up(a, &e, &j, R_TEMP, t.why);
		relay_log(a, e.id, &j, e.msg.len, "expired", t.why);
	} else if (t.temp + t.local > 0) {
		qentry_init(&q);
		if (queue_defer(a, &e, &j, t.why, &q) == -1)
			mk_warn("%s: cannot update the queue entry", id);
		relay_log(a, e.id, &j, e.msg.len, "deferred", t.why);
		qentry_free(&q);
		goto done;
	} else
		relay_log(a, e.id, &j, e.msg.len, t.perm > 0 ? "bounced" : "sent",
		    t.perm > 0 ? t.why : t.reply);
	if (queue_remove(dir, QUEUE_MSG, id) == -1)
		mk_warn("%s/%s/%s", dir, QUEUE_MSG, id);
done:
	relay_job_free(&j);
out:
	qentry_free(&e);
}

/* Each queue directory named in the configuration, once. */
static size_t
queue_dirs(struct msendconf *c, const char *aflag, const char ***dirs)
{
	size_t i, k, n = 0;
	const char *d;

	*dirs = xcalloc(c->n + 1, sizeof(**dirs));
	for (i = 0; i <= c->n; i++) {
		d = i < c->n ? c->v[i].queue_dir : c->defaults.queue_dir;
		if (d == NULL || (aflag != NULL && (i == c->n ||
		    strcmp(aflag, c->v[i].name) != 0)))
			continue;
		for (k = 0; k < n && strcmp((*dirs)[k], d) != 0; k++)
			;
		if (k == n)
			(*dirs)[n++] = d;
	}
	return n;
}

/* msend -q: one runner per queue at a time (the lock). */
int
queue_run(struct msendconf *c, const char *aflag, int vflag)
{
	struct mklock l = MKLOCK_INIT;
	const char **dirs;
	char **ids;
	size_t nd, n, i, k;
	int rc = 0;

	nd = queue_dirs(c, aflag, &dirs);
	for (k = 0; k < nd; k++) {
		if (queue_init(dirs[k]) == -1) {
			mk_warn("%s", dirs[k]);
			rc = EX_TEMPFAIL;
			continue;
		}
		if (queue_lock(dirs[k], &l) == -1) {
			if (errno != EAGAIN) {
				mk_warn("%s/lock", dirs[k]);
				rc = EX_TEMPFAIL;
			} else if (vflag)
				mk_warnx("%s: another msend -q is running",
				    dirs[k]);
			continue;
		}
		if (queue_list(dirs[k], QUEUE_MSG, &ids, &n) == -1) {
			mk_warn("%s", dirs[k]);
			rc = EX_TEMPFAIL;
		}
		for (i = 0; i < n; i++)
			run_entry(c, dirs[k], ids[i], vflag);
		queue_list_free(ids, n);
		(void)lock_release(&l);
		if (l.fd != -1)
			close(l.fd);
	}
	free(dirs);
	return rc;
}

/* msend -Q: the entries of each queue, as mailq shows them. */
int
queue_print(struct msendconf *c, const char *aflag)
{
	static const char *subs[] = { QUEUE_MSG, QUEUE_FAILED };
	struct buf when = BUF_INIT;
	struct qentry e;
	const char **dirs;
	char **ids;
	size_t nd, n, i, k, s, r, count[2] = { 0, 0 };

	qentry_init(&e);
	nd = queue_dirs(c, aflag, &dirs);
	for (k = 0; k < nd; k++)
		for (s = 0; s < 2; s++) {
			if (queue_list(dirs[k], subs[s], &ids, &n) == -1) {
				mk_warn("%s", dirs[k]);
				continue;
			}
			for (i = 0; i < n; i++) {
				if (queue_get(dirs[k], subs[s], ids[i],
				    &e) == -1)
					continue;
				count[s]++;
				buf_reset(&when);
				date_format(&when, e.created,
				    date_local_offset(e.created));
				printf("%s%s %zu %s <%s>\n", ids[i],
				    s ? " (failed)" : "", e.msg.len, when.data,
				    e.from);
				if (e.error != NULL)
					printf("    (%s; %u attempts)\n",
					    e.error, e.attempts);
				for (r = 0; r < e.nrcpt; r++)
					printf("\t<%s>\n", e.rcpt[r]);
			}
			queue_list_free(ids, n);
		}
	if (count[0] + count[1] == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %zu queued, %zu failed\n", count[0], count[1]);
	qentry_free(&e);
	buf_free(&when);
	free(dirs);
	return ferror(stdout) || fflush(stdout) == EOF ? EX_IOERR : 0;
}

