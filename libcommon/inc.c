/*
 * inc: incorporate a maildrop into an MH folder exactly once.  The
 * protocol (journal, batches, recovery) is described in inc.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "inc.h"
#include "lock.h"
#include "mailbox.h"
#include "mh.h"
#include "mhops.h"
#include "util.h"
#include "xio.h"

#define CHUNK	65536

/* ------------------------------------------------------------ hashing */

/*
 * A streaming 128-bit hash (two 64-bit lanes fed 8 bytes at a time with
 * multiply-rotate mixing, finished with a 64-bit avalanche).  Not
 * cryptographic: it tells messages apart, nobody attacks it here (a
 * sender who could make two messages collide would only lose one of
 * them on a rerun after a crash).
 */
struct h128 {
	uint64_t	 a, b, len;
	unsigned char	 tail[8];
	size_t		 ntail;
};

struct key {
	uint64_t	 a, b;
};

static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static void
h_init(struct h128 *h)
{
	memset(h, 0, sizeof(*h));
	h->a = 0x6a09e667f3bcc908ULL;
	h->b = 0xbb67ae8584caa73bULL;
}

static void
h_word(struct h128 *h, uint64_t w)
{
	w *= 0x87c37b91114253d5ULL;
	w = rotl(w, 31);
	w *= 0x4cf5ad432745937fULL;
	h->a ^= w;
	h->a = rotl(h->a, 27) * 5 + 0x52dce729;
	h->b ^= rotl(w, 33) * 0x9e3779b97f4a7c15ULL;
	h->b = rotl(h->b, 31) * 5 + 0x38495ab5 + h->a;
}

static uint64_t
load64(const unsigned char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

static void
h_update(struct h128 *h, const void *vp, size_t n)
{
	const unsigned char *p = vp;

	h->len += n;
	if (h->ntail > 0) {
		while (h->ntail < 8 && n > 0) {
			h->tail[h->ntail++] = *p++;
			n--;
		}
		if (h->ntail < 8)
			return;
		h_word(h, load64(h->tail));
		h->ntail = 0;
	}
	for (; n >= 8; p += 8, n -= 8)
		h_word(h, load64(p));
	memcpy(h->tail, p, n);
	h->ntail = n;
}

static struct key
h_final(struct h128 *h)
{
	struct key k;
	uint64_t w = 0;
	size_t i;

	for (i = h->ntail; i > 0; i--)
		w = (w << 8) | h->tail[i - 1];
	h_word(h, w ^ ((uint64_t)h->ntail << 56));
	h->a ^= h->len;
	h->b ^= h->len;
	h->a += h->b;
	h->b += h->a;
	h->a = fmix(h->a);
	h->b = fmix(h->b);
	k.a = h->a + h->b;
	k.b = h->b + k.a;
	return k;
}

/* The key of a message: its content hash and its envelope. */
static struct key
make_key(struct key content, const char *env, size_t envlen)
{
	struct h128 h;
	unsigned char b[16];
	int i;

	h_init(&h);
	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(content.a >> (8 * i));
		b[8 + i] = (unsigned char)(content.b >> (8 * i));
	}
	h_update(&h, b, sizeof(b));
	h_update(&h, env, envlen);
	return h_final(&h);
}

static void
key_fmt(char out[33], struct key k)
{
	(void)snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, k.a, k.b);
}

static int
key_parse(const char *s, size_t n, struct key *k)
{
	size_t i;
	uint64_t v[2] = { 0, 0 };

	if (n != 32)
		return -1;
	for (i = 0; i < 32; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		v[i / 16] = (v[i / 16] << 4) | (uint64_t)d;
	}
	k->a = v[0];
	k->b = v[1];
	return 0;
}

/* ------------------------------------------------------------ key sets */

struct keyset {
	struct key	*v;
	size_t		 cap, n;
};

static size_t
ks_slot(const struct keyset *s, struct key k)
{
	size_t i = (size_t)(k.a ^ (k.b >> 7)) & (s->cap - 1);

	while ((s->v[i].a != 0 || s->v[i].b != 0) &&
	    (s->v[i].a != k.a || s->v[i].b != k.b))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void
ks_add(struct keyset *s, struct key k)
{
	struct key *old;
	size_t i, oldcap;

	if (k.a == 0 && k.b == 0)
		k.b = 1;
	if ((s->n + 1) * 2 > s->cap) {
		old = s->v;
		oldcap = s->cap;
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = xcalloc(s->cap, sizeof(*s->v));
		s->n = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].a != 0 || old[i].b != 0) {
				s->v[ks_slot(s, old[i])] = old[i];
				s->n++;
			}
		free(old);
	}
	i = ks_slot(s, k);
	if (s->v[i].a == 0 && s->v[i].b == 0) {
		s->v[i] = k;
		s->n++;
	}
}

static int
ks_has(const struct keyset *s, struct key k)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	if (k.a == 0 && k.b == 0)
		k.b = 1;
	i = ks_slot(s, k);
	return s->v[i].a != 0 || s->v[i].b != 0;
}

static void
ks_free(struct keyset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ a run */

/* One message of the batch being written. */
struct item {
	char		*tmp;		/* a temporary file */
	char		*src;		/* Maildir: the source file */
	struct key	 key, content;
	unsigned	 num;
	int		 unseen;
	int		 cr;		/* the source had CR bytes */
	int		 linksrc;	/* link src itself */
};

struct run {
	struct mh		*mh;
	const struct inc_opts	*o;
	struct inc_result	*res;
	char			*dir;		/* the folder */
	char			*fname;		/* "inbox" */
	char			*id;		/* 16 hex digits */
	char			*jpath;
	int			 jfd;
	struct mklock		 jlock;
	int			 maildir;
	char			*source;
	mode_t			 mode;
	unsigned		 last;		/* highest number known */
	int			 curset;	/* cur set by this run */
	struct keyset		 done;		/* in the journal */
	struct keyset		 seen;		/* in the source */
	struct item		*batch;
	size_t			 nbatch, batchmax;
	long long		 batchbytes;
	char			*buf;
	struct buf		 ob;		/* output buffer */
	char			**unseen;	/* sequence names */
	size_t			 nunseen;
	struct mklock		*dotlock;	/* touched */
};

static int
fail(struct run *r, const char *fmt, ...) MK_PRINTF(2, 3);

/* Record why the run failed ("what: strerror"), keep errno. */
static int
fail(struct run *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r->res->err == NULL)
		r->res->err = buf_release(&b);
	buf_free(&b);
	errno = e;
	return -1;
}

char *
inc_journal_path(const char *dir, const char *source)
{
	struct h128 h;
	struct key k;
	char *real = realpath(source, NULL);
	const char *s = real != NULL ? real : source;

	h_init(&h);
	h_update(&h, s, strlen(s));
	k = h_final(&h);
	free(real);
	return xasprintf("%s/.minc-%016" PRIx64, dir, k.a);
}

/* Append text to the journal and make it durable. */
static int
jwrite(struct run *r, const char *s, size_t n, int sync)
{
	if (xwrite_all(r->jfd, s, n) < 0)
		return fail(r, "%s: write: %s", r->jpath, strerror(errno));
	if (sync && fsync(r->jfd) < 0)
		return fail(r, "%s: fsync: %s", r->jpath, strerror(errno));
	return 0;
}

/* Add nums (with their unseen flags) to the unseen sequence; cur. */
static int
update_seqs(struct run *r, const unsigned *nums, size_t n, unsigned cur)
{
	struct mh_folder *f;
	size_t i;

	if (n == 0 && cur == 0)
		return 0;
	if (mh_folder_open(r->mh, r->dir, MH_F_LOCK, &f) < 0)
		return fail(r, "%s", mh_errmsg(r->mh));
	for (i = 0; i < r->nunseen && n > 0; i++)
		mh_seq_add(f, r->unseen[i], nums, n);
	if (cur != 0)
		mh_set_cur(f, cur);
	if (mh_folder_save(r->mh, f) < 0) {
		mh_folder_close(f);
		return fail(r, "%s", mh_errmsg(r->mh));
	}
	mh_folder_close(f);
	return 0;
}

/* Hash a file's content. */
static int
hash_file(const char *path, char *buf, struct key *k)
{
	struct h128 h;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	h_init(&h);
	while ((n = read(fd, buf, CHUNK)) > 0)
		h_update(&h, buf, (size_t)n);
	(void)close(fd);
	if (n < 0)
		return -1;
	*k = h_final(&h);
	return 0;
}

struct pend {
	struct key	 key, content;	/* "q": dev, inode */
	unsigned	 after;
	int		 found;
	int		 byino;		/* a "q" line */
	int		 unseen;
};

static int
cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/*
 * Read the journal: "d" and "k" keys into r->done, unresolved "p" lines
 * settled by hashing the folder's new messages, and the numbers not yet
 * in the unseen sequence put there.
 */
static int
recover(struct run *r)
{
	struct buf j = BUF_INIT;
	struct pend *p = NULL;
	unsigned *useq = NULL, *msgs = NULL, *dnums = NULL, minafter = 0, num;
	size_t np = 0, nu = 0, nd = 0, nmsgs = 0, i, k;
	const char *s, *e, *end;
	struct key key, content, ino;
	struct stat st;
	int rc = -1, hashed;

	if (lseek(r->jfd, 0, SEEK_SET) < 0 || read_fd_all(r->jfd, &j) < 0) {
		fail(r, "%s: read: %s", r->jpath, strerror(errno));
		goto out;
	}
	s = j.data != NULL ? j.data : "";
	end = s + j.len;
	for (; s < end; s = e + 1) {
		if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
			break;		/* a line cut by a crash */
		if (((s[0] == 'k' && e - s == 34) || (s[0] == 'd' &&
		    e - s >= 38)) && s[1] == ' ' &&
		    key_parse(s + 2, 32, &key) == 0) {
			ks_add(&r->done, key);
			if (s[0] == 'd' && s[34] == ' ') {
				num = (unsigned)strtoul(s + 35, NULL, 10);
				dnums = xreallocarray(dnums, nd + 1,
				    sizeof(*dnums));
				dnums[nd++] = num;
				if (e[-1] == 'U') {
					useq = xreallocarray(useq, nu + 1,
					    sizeof(*useq));
					useq[nu++] = num;
				}
			}
		} else if (e - s >= 69 && (s[0] == 'p' || s[0] == 'q') &&
		    s[1] == ' ' &&
		    key_parse(s + 2, 32, &key) == 0 &&
		    key_parse(s + 35, 32, &content) == 0) {
			p = xreallocarray(p, np + 1, sizeof(*p));
			p[np].key = key;
			p[np].content = content;
			p[np].after = (unsigned)strtoul(s + 68, NULL, 10);
			p[np].found = 0;
			p[np].byino = s[0] == 'q';
			p[np].unseen = e[-1] != 'S';
			np++;
		} else if (s[0] == 's' && e == s + 1)
			nu = 0;
	}
	/* "p" lines whose "d" line is missing */
	for (i = k = 0; i < np; i++)
		if (!ks_has(&r->done, p[i].key)) {
			if (k == 0 || p[i].after < minafter)
				minafter = p[i].after;
			p[k++] = p[i];
		}
	np = k;
	if (nd > 1)
		qsort(dnums, nd, sizeof(*dnums), cmp_unsigned);
	if (np > 0) {
		if (mh_list_messages(r->dir, &msgs, &nmsgs) < 0) {
			fail(r, "%s: %s", r->dir, strerror(errno));
			goto out;
		}
		for (i = 0; i < nmsgs; i++) {
			char *path;

			if (msgs[i] <= minafter || (nd > 0 &&
			    bsearch(&msgs[i], dnums, nd, sizeof(*dnums),
			    cmp_unsigned) != NULL))
				continue;
			path = xasprintf("%s/%u", r->dir, msgs[i]);
			if (stat(path, &st) < 0) {
				free(path);
				continue;
			}
			ino.a = (uint64_t)st.st_dev;
			ino.b = (uint64_t)st.st_ino;
			hashed = 0;
			for (k = 0; k < np; k++) {
				if (p[k].found || msgs[i] <= p[k].after)
					continue;
				if (!p[k].byino && !hashed) {
					if (hash_file(path, r->buf,
					    &content) < 0)
						break;
					hashed = 1;
				}
				if (p[k].byino ? p[k].content.a == ino.a &&
				    p[k].content.b == ino.b :
				    p[k].content.a == content.a &&
				    p[k].content.b == content.b) {
					char kh[33];

					p[k].found = 1;
					ks_add(&r->done, p[k].key);
					if (p[k].unseen) {
						useq = xreallocarray(useq,
						    nu + 1, sizeof(*useq));
						useq[nu++] = msgs[i];
					}
					r->res->recovered++;
					key_fmt(kh, p[k].key);
					buf_reset(&j);
					buf_printf(&j, "d %s %u %c\n", kh,
					    msgs[i], p[k].unseen ? 'U' : 'S');
					if (jwrite(r, j.data, j.len, 1) < 0) {
						free(path);
						goto out;
					}
					break;
				}
			}
			free(path);
		}
	}
	/* Those numbers that are still messages go into unseen. */
	if (nu > 0) {
		if (update_seqs(r, useq, nu, 0) < 0)
			goto out;
		if (jwrite(r, "s\n", 2, 1) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&j);
	free(p);
	free(useq);
	free(msgs);
	free(dnums);
	return rc;
}

/* Remove temporary files an earlier run left in the folder. */
static int
clean_temps(struct run *r)
{
	struct dirent *de;
	char *prefix = xasprintf(".minc-%s-", r->id), *path;
	size_t plen = strlen(prefix);
	DIR *d;

	if ((d = opendir(r->dir)) == NULL) {
		free(prefix);
		return fail(r, "%s: %s", r->dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, plen) == 0) {
			path = xasprintf("%s/%s", r->dir, de->d_name);
			(void)unlink(path);
			free(path);
		}
	closedir(d);
	free(prefix);
	return 0;
}

/* Create a temporary file in the folder; its descriptor, or -1. */
static int
new_temp(struct run *r, char **tmpp)
{
	char *tmp = xasprintf("%s/.minc-%s-XXXXXX", r->dir, r->id);
	int fd, e;

	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, r->mode) < 0) {
		e = errno;
		if (fd >= 0) {
			(void)unlink(tmp);
			(void)close(fd);
		}
		errno = e;
		fail(r, "%s: %s", r->dir, strerror(errno));
		free(tmp);
		return -1;
	}
	*tmpp = tmp;
	return fd;
}

/* Hash and write out what r->ob holds. */
static int
spill(struct run *r, struct h128 *h, int fd, off_t *size)
{
	h_update(h, r->ob.data != NULL ? r->ob.data : "", r->ob.len);
	*size += (off_t)r->ob.len;
	if (r->ob.len > 0 && xwrite_all(fd, r->ob.data, r->ob.len) < 0)
		return -1;
	buf_reset(&r->ob);
	return 0;
}

/* Finish a temporary file. */
static int
close_temp(int *fd)
{
#ifndef __linux__
	if (fsync(*fd) < 0) {
		int e = errno;

		(void)xclose(fd);
		errno = e;
		return -1;
	}
#endif
	return xclose(fd);
}

/*
 * Read the current message of mb with LF line endings (DESIGN.md rule
 * 6) and a Return-Path from the envelope when it has none, computing
 * it->content.  A message up to INC_INMEM bytes stays in r->ob (no file
 * yet: a message incorporated already costs no write); a bigger one
 * goes to a temporary file, it->tmp.
 */
static int
read_msg(struct run *r, struct mailbox *mb, const struct mbattr *a,
    struct item *it, off_t *size)
{
	struct h128 h;
	char *tmp = NULL;
	ssize_t n;
	size_t i, start;
	int fd = -1, crpend = 0, e;

	h_init(&h);
	buf_reset(&r->ob);
	*size = 0;
	if (!r->maildir && a->sender != NULL &&
	    hdr_find(mailbox_hdr(mb), "Return-Path", 0) == HDR_NONE)
		buf_printf(&r->ob, "Return-Path: <%s>\n", a->sender);
	for (;;) {
		n = mailbox_read(mb, r->buf, CHUNK);
		if (n < 0) {
			fail(r, "%s: %s: %s", r->source,
			    mailbox_errwhat(mb), strerror(errno));
			goto bad;
		}
		if (n == 0)
			break;
		/* CRLF to LF; a CR at the end of a piece waits */
		start = 0;
		if (crpend) {
			if (r->buf[0] != '\n')
				buf_addc(&r->ob, '\r');
			crpend = 0;
		}
		for (i = 0; i < (size_t)n; i++) {
			if (r->buf[i] != '\r')
				continue;
			it->cr = 1;
			if (i + 1 == (size_t)n) {
				buf_add(&r->ob, r->buf + start, i - start);
				start = i + 1;
				crpend = 1;
			} else if (r->buf[i + 1] == '\n') {
				buf_add(&r->ob, r->buf + start, i - start);
				start = i + 1;
			}
		}
		buf_add(&r->ob, r->buf + start, (size_t)n - start);
		if (r->ob.len >= (fd < 0 ? INC_INMEM : CHUNK)) {
			if (fd < 0 && (fd = new_temp(r, &tmp)) < 0)
				goto bad;
			if (spill(r, &h, fd, size) < 0)
				goto werr;
		}
	}
	if (crpend)
		buf_addc(&r->ob, '\r');
	if (fd < 0) {
		h_update(&h, r->ob.data != NULL ? r->ob.data : "", r->ob.len);
		*size = (off_t)r->ob.len;
		it->content = h_final(&h);
		return 0;
	}
	if (spill(r, &h, fd, size) < 0 || close_temp(&fd) < 0)
		goto werr;
	it->tmp = tmp;
	it->content = h_final(&h);
	return 0;
werr:
	fail(r, "%s: write: %s", tmp, strerror(errno));
bad:
	e = errno;
	if (fd >= 0)
		(void)close(fd);
	if (tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	buf_reset(&r->ob);
	errno = e;
	return -1;
}

/* Write a message held in r->ob to its temporary file. */
static int
write_temp(struct run *r, struct item *it)
{
	char *tmp;
	int fd;

	if (it->tmp != NULL)
		return 0;
	if ((fd = new_temp(r, &tmp)) < 0)
		return -1;
	if ((r->ob.len > 0 && xwrite_all(fd, r->ob.data, r->ob.len) < 0) ||
	    close_temp(&fd) < 0) {
		fail(r, "%s: write: %s", tmp, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	it->tmp = tmp;
	return 0;
}

static void
drop_batch(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nbatch; i++) {
		if (r->batch[i].tmp != NULL)
			(void)unlink(r->batch[i].tmp);
		free(r->batch[i].tmp);
		free(r->batch[i].src);
	}
	r->nbatch = 0;
	r->batchbytes = 0;
}

/* fsync a Maildir's new/ and cur/ after files were removed. */
static int
sync_maildir(struct run *r)
{
	char *d;
	int rc = 0;

	d = xasprintf("%s/new", r->source);
	if (xfsync_dir(d) < 0)
		rc = fail(r, "%s: fsync: %s", d, strerror(errno));
	free(d);
	d = xasprintf("%s/cur", r->source);
	if (rc == 0 && xfsync_dir(d) < 0)
		rc = fail(r, "%s: fsync: %s", d, strerror(errno));
	free(d);
	return rc;
}

/* Give an item its number: link its file into the folder. */
static int
link_item(struct run *r, struct item *it)
{
	char *path;

	if (!it->linksrc) {
		if (mht_link_next(r->dir, it->tmp, 0, &r->last, &it->num) < 0)
			return -1;
		(void)unlink(it->tmp);
		free(it->tmp);
		it->tmp = NULL;
		return 0;
	}
	if (mht_link_next(r->dir, it->src, 0, &r->last, &it->num) < 0) {
		if (errno != EXDEV && errno != EPERM && errno != EMLINK)
			return -1;
		/* another file system: copied (and fsync'd) */
		return mht_copy_next(r->dir, it->src, r->mode, 0, &r->last,
		    &it->num);
	}
	path = xasprintf("%s/%u", r->dir, it->num);
	(void)chmod(path, r->mode);
	free(path);
	return 0;
}

/* Make the batch durable in the folder: steps 2 to 7 of inc.h. */
static int
commit(struct run *r)
{
	struct buf j = BUF_INIT;
	unsigned *nums, first = 0;
	size_t i, nn = 0;
	char k1[33], k2[33];
	int dfd = -1, rc = -1;

	if (r->nbatch == 0)
		return 0;
	if (r->dotlock != NULL)
		(void)lock_touch(r->dotlock);
	for (i = 0; i < r->nbatch && r->batch[i].tmp == NULL; i++)
		;
#ifdef __linux__
	/* temporary files to sync (a linked Maildir file is synced) */
	if (i < r->nbatch && ((dfd = open(r->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || syncfs(dfd) < 0)) {
		fail(r, "%s: syncfs: %s", r->dir, strerror(errno));
		if (dfd >= 0)
			(void)close(dfd);
		drop_batch(r);
		return -1;
	}
	if (i < r->nbatch)
		(void)close(dfd);
#else
	(void)dfd;
#endif
	for (i = 0; i < r->nbatch; i++) {
		key_fmt(k1, r->batch[i].key);
		key_fmt(k2, r->batch[i].content);
		buf_printf(&j, "%c %s %s %u %c\n",
		    r->batch[i].linksrc ? 'q' : 'p', k1, k2, r->last,
		    r->batch[i].unseen ? 'U' : 'S');
	}
	if (jwrite(r, j.data, j.len, 1) < 0) {
		drop_batch(r);
		goto out;
	}
	buf_reset(&j);
	nums = xreallocarray(NULL, r->nbatch, sizeof(*nums));
	for (i = 0; i < r->nbatch; i++) {
		struct item *it = &r->batch[i];

		if (link_item(r, it) < 0) {
			fail(r, "%s: link: %s", r->dir, strerror(errno));
			free(nums);
			drop_batch(r);
			goto out;
		}
		if (it->unseen)
			nums[nn++] = it->num;
		if (first == 0)
			first = it->num;
	}
	if (xfsync_dir(r->dir) < 0) {
		fail(r, "%s: fsync: %s", r->dir, strerror(errno));
		free(nums);
		drop_batch(r);
		goto out;
	}
	for (i = 0; i < r->nbatch; i++) {
		key_fmt(k1, r->batch[i].key);
		buf_printf(&j, "d %s %u %c\n", k1, r->batch[i].num,
		    r->batch[i].unseen ? 'U' : 'S');
		ks_add(&r->done, r->batch[i].key);
	}
	if (jwrite(r, j.data, j.len, 1) < 0) {
		free(nums);
		drop_batch(r);
		goto out;
	}
	if (update_seqs(r, nums, nn, r->curset ? 0 : first) < 0) {
		free(nums);
		drop_batch(r);
		goto out;
	}
	free(nums);
	r->curset = 1;
	if (jwrite(r, "s\n", 2, 0) < 0) {
		drop_batch(r);
		goto out;
	}
	for (i = 0; i < r->nbatch; i++) {
		struct item *it = &r->batch[i];
		char *path = xasprintf("%s/%u", r->dir, it->num);

		r->res->count++;
		if (r->o->each != NULL)
			r->o->each(r->o->arg, path, it->num, it->unseen,
			    it->num == first && i == 0);
		free(path);
	}
	/*
	 * The source files go; their directories are fsync'd once at the
	 * end, before the journal that would let a rerun skip them goes.
	 */
	if (r->maildir && !r->o->keep)
		for (i = 0; i < r->nbatch; i++)
			if (unlink(r->batch[i].src) < 0 && errno != ENOENT) {
				fail(r, "%s: %s", r->batch[i].src,
				    strerror(errno));
				drop_batch(r);
				goto out;
			}
	drop_batch(r);
	rc = 0;
out:
	buf_free(&j);
	return rc;
}

/* The key of a Maildir message: its unique name alone. */
static struct key
name_key(const char *name, size_t len)
{
	struct h128 h;

	h_init(&h);
	h_update(&h, "maildir:", 8);
	h_update(&h, name, len);
	return h_final(&h);
}

/* The envelope part of a message's key. */
static void
envelope(struct run *r, const struct mbattr *a, struct buf *env)
{
	const char *b, *c;

	buf_reset(env);
	if (r->maildir) {
		b = a->path != NULL ? strrchr(a->path, '/') : NULL;
		b = b != NULL ? b + 1 : a->path != NULL ? a->path : "";
		c = strchr(b, ':');
		buf_add(env, b, c != NULL ? (size_t)(c - b) : strlen(b));
	} else
		buf_printf(env, "%s\n%lld", a->sender != NULL ? a->sender :
		    "-", (long long)a->date);
}

/* Read every message of mb into the folder, batch by batch. */
static int
incorporate(struct run *r, struct mailbox *mb)
{
	const struct mbattr *a;
	struct buf env = BUF_INIT;
	struct item it;
	struct stat st;
	off_t size;
	int n;

	while ((n = mailbox_next(mb, &a)) == 1) {
		memset(&it, 0, sizeof(it));
		envelope(r, a, &env);
		if (r->maildir && !r->o->keep && a->path != NULL) {
			/*
			 * A Maildir file already holds the bytes to store
			 * (Maildir files have LF line endings): it is
			 * linked into the folder, not read.  Its unique
			 * name is its key.
			 */
			if (stat(a->path, &st) < 0) {
				if (errno == ENOENT)
					continue;
				fail(r, "%s: %s", a->path, strerror(errno));
				goto bad;
			}
			it.linksrc = 1;
			it.content.a = (uint64_t)st.st_dev;
			it.content.b = (uint64_t)st.st_ino;
			size = 0;
		} else if (read_msg(r, mb, a, &it, &size) < 0)
			goto bad;
		it.key = r->maildir ? name_key(env.data, env.len) :
		    make_key(it.content, env.data, env.len);
		it.unseen = !(a->flags & MBM_SEEN);
		ks_add(&r->seen, it.key);
		if (ks_has(&r->done, it.key)) {
			/* incorporated by an earlier run */
			if (it.tmp != NULL)
				(void)unlink(it.tmp);
			free(it.tmp);
			r->res->skipped++;
			if (r->maildir && !r->o->keep && a->path != NULL &&
			    unlink(a->path) < 0 && errno != ENOENT) {
				fail(r, "%s: %s", a->path, strerror(errno));
				goto bad;
			}
			continue;
		}
		if (r->maildir && a->path != NULL)
			it.src = xstrdup(a->path);
		if (!it.linksrc && write_temp(r, &it) < 0) {
			free(it.src);
			goto bad;
		}
		r->batch[r->nbatch++] = it;
		r->batchbytes += (long long)size;
		if ((r->nbatch == r->batchmax ||
		    r->batchbytes >= INC_BATCH_BYTES) && commit(r) < 0)
			goto bad;
	}
	if (n < 0) {
		fail(r, "%s: %s: %s", r->source, mailbox_errwhat(mb),
		    strerror(errno));
		goto bad;
	}
	buf_free(&env);
	return commit(r);
bad:
	buf_free(&env);
	drop_batch(r);
	return -1;
}

/*
 * Rewrite the journal for the next run: removed when the source was
 * emptied (or nothing in it was seen), else one "k" line per message
 * now in the source.
 */
static int
compact(struct run *r, int emptied)
{
	struct xtemp t;
	struct buf b = BUF_INIT;
	char k[33];
	size_t i;

	if (emptied || r->seen.n == 0) {
		if (unlink(r->jpath) < 0 && errno != ENOENT)
			return fail(r, "%s: %s", r->jpath, strerror(errno));
		if (xfsync_dir(r->dir) < 0)
			return fail(r, "%s: %s", r->dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < r->seen.cap; i++)
		if (r->seen.v[i].a != 0 || r->seen.v[i].b != 0) {
			key_fmt(k, r->seen.v[i]);
			buf_printf(&b, "k %s\n", k);
		}
	if (xtemp_open(&t, r->jpath, 0600) < 0) {
		buf_free(&b);
		return fail(r, "%s: %s", r->jpath, strerror(errno));
	}
	if (xwrite_all(t.fd, b.data, b.len) < 0 || xtemp_commit(&t) < 0) {
		fail(r, "%s: %s", r->jpath, strerror(errno));
		xtemp_abort(&t);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* Open and lock the journal, then recover from an earlier run. */
static int
open_journal(struct run *r)
{
	const char *slash;

	r->jpath = inc_journal_path(r->dir, r->source);
	slash = strrchr(r->jpath, '/');
	r->id = xstrdup(slash + strlen("/.minc-"));
	if ((r->jfd = open(r->jpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return fail(r, "%s: %s", r->jpath, strerror(errno));
	if (lock_acquire(&r->jlock, r->jfd, r->jpath, MKLOCK_FCNTL,
	    r->o->locktimeout > 0 ? r->o->locktimeout : 60) < 0)
		return fail(r, "%s: lock: %s", r->jpath, strerror(errno));
	if (clean_temps(r) < 0)
		return -1;
	return recover(r);
}

/* An mbox source: locked (dot-lock, shared fcntl) while read. */
static int
run_mbox(struct run *r)
{
	struct mklock dl = MKLOCK_INIT, fl = MKLOCK_INIT, xl = MKLOCK_INIT;
	struct mailbox *mb = NULL;
	struct stat st0, st1, st2;
	int fd, kinds, tmo, rc = -1, emptied = 0;

	kinds = r->o->lockkinds ? r->o->lockkinds : MKLOCK_DEFAULT;
	tmo = r->o->locktimeout > 0 ? r->o->locktimeout : 60;
	if ((fd = open(r->source, (r->o->keep ? O_RDONLY : O_RDWR) |
	    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return compact(r, 1) < 0 ? -1 : 0;
		return fail(r, "%s: %s", r->source, strerror(errno));
	}
	if (fstat(fd, &st0) < 0) {
		fail(r, "%s: %s", r->source, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st0.st_mode)) {
		errno = EINVAL;
		fail(r, "%s: not a mailbox file", r->source);
		goto out;
	}
	if ((kinds & MKLOCK_DOTLOCK) && lock_acquire(&dl, fd, r->source,
	    MKLOCK_DOTLOCK, tmo) < 0 && errno != EACCES && errno != EROFS) {
		fail(r, "%s: dot-lock: %s", r->source, strerror(errno));
		goto out;
	}
	if (((kinds & MKLOCK_FLOCK) && lock_acquire(&xl, fd, r->source,
	    MKLOCK_FLOCK, tmo) < 0) || ((kinds & MKLOCK_FCNTL) &&
	    lock_acquire(&fl, fd, r->source, MKLOCK_FCNTL | MKLOCK_SHARED,
	    tmo) < 0)) {
		fail(r, "%s: lock: %s", r->source, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st0) < 0) {
		fail(r, "%s: %s", r->source, strerror(errno));
		goto out;
	}
	if (st0.st_size == 0) {
		rc = compact(r, 1);
		goto out;
	}
	if (mailbox_open(&mb, r->source, MBF_UNKNOWN) < 0) {
		fail(r, "%s: %s: %s", r->source, mailbox_open_errwhat(),
		    strerror(errno));
		goto out;
	}
	if (stat(r->source, &st1) < 0 || st1.st_ino != st0.st_ino ||
	    st1.st_dev != st0.st_dev || !MBF_ISFILE(mailbox_fmt(mb))) {
		errno = EAGAIN;
		fail(r, "%s: replaced while opened, or not an mbox", r->source);
		goto out;
	}
	r->dotlock = &dl;
	if (incorporate(r, mb) < 0)
		goto out;
	(void)mailbox_close(mb);
	mb = NULL;
	if (!r->o->keep) {
		/* empty it only if nobody changed it meanwhile */
		if ((kinds & MKLOCK_FCNTL) && lock_acquire(&fl, fd, r->source,
		    MKLOCK_FCNTL, tmo) < 0) {
			fail(r, "%s: lock: %s", r->source, strerror(errno));
			goto out;
		}
		if (fstat(fd, &st1) < 0 || stat(r->source, &st2) < 0) {
			fail(r, "%s: %s", r->source, strerror(errno));
			goto out;
		}
		if (st1.st_size != st0.st_size ||
		    st1.st_mtime != st0.st_mtime || st2.st_ino != st0.st_ino ||
		    st2.st_dev != st0.st_dev) {
			errno = EAGAIN;
			fail(r, "%s: changed while read: not emptied "
			    "(run again)", r->source);
			(void)compact(r, 0);
			goto out;
		}
		if (ftruncate(fd, 0) < 0 || fsync(fd) < 0) {
			fail(r, "%s: truncate: %s", r->source,
			    strerror(errno));
			(void)compact(r, 0);
			goto out;
		}
		emptied = 1;
		r->res->emptied = 1;
	}
	rc = compact(r, emptied);
out:
	if (mb != NULL)
		mailbox_close(mb);
	r->dotlock = NULL;
	(void)lock_release(&fl);
	(void)lock_release(&xl);
	(void)lock_release(&dl);
	(void)close(fd);
	return rc;
}

/* A Maildir source: each file removed once its batch is durable. */
static int
run_maildir(struct run *r)
{
	struct mailbox *mb;

	if (mailbox_open(&mb, r->source, MBF_MAILDIR) < 0)
		return fail(r, "%s: %s: %s", r->source,
		    mailbox_open_errwhat(), strerror(errno));
	if (incorporate(r, mb) < 0) {
		mailbox_close(mb);
		return -1;
	}
	(void)mailbox_close(mb);
	if (!r->o->keep && sync_maildir(r) < 0)
		return -1;
	return compact(r, !r->o->keep);
}

int
inc_run(struct mh *mh, const char *folderarg, const char *source,
    const struct inc_opts *o, struct inc_result *res)
{
	struct mh_folder *f;
	struct run r;
	struct stat st;
	char *sub;
	int rc = -1, e;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.mh = mh;
	r.o = o;
	r.res = res;
	r.jfd = -1;
	r.jlock.fd = -1;
	r.source = xstrdup(source);
	r.buf = xmalloc(CHUNK);
	r.batchmax = o->batch > 0 && o->batch < INC_BATCH ? o->batch :
	    INC_BATCH;
	r.batch = xcalloc(r.batchmax, sizeof(*r.batch));
	r.unseen = mht_unseen(mh, &r.nunseen);
	r.mode = mh_msg_protect(mh);

	if (stat(source, &st) == 0 && S_ISDIR(st.st_mode)) {
		sub = xasprintf("%s/cur", source);
		r.maildir = stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
		free(sub);
		if (!r.maildir) {
			errno = EINVAL;
			fail(&r, "%s: a directory that is not a Maildir",
			    source);
			goto out;
		}
	}
	if (mh_folder_open(mh, folderarg, MH_F_CREATE, &f) < 0) {
		fail(&r, "%s", mh_errmsg(mh));
		goto out;
	}
	r.dir = xstrdup(f->path);
	r.fname = xstrdup(f->name);
	r.last = mht_last(f);
	mh_folder_close(f);
	if (open_journal(&r) < 0)
		goto out;
	rc = r.maildir ? run_maildir(&r) : run_mbox(&r);
out:
	e = errno;
	drop_batch(&r);
	if (r.jlock.held)
		(void)lock_release(&r.jlock);
	if (r.jfd >= 0)
		(void)close(r.jfd);
	ks_free(&r.done);
	ks_free(&r.seen);
	buf_free(&r.ob);
	mh_argv_free(r.unseen);
	free(r.batch);
	free(r.buf);
	free(r.dir);
	free(r.fname);
	free(r.id);
	free(r.jpath);
	free(r.source);
	errno = e;
	return rc;
}
