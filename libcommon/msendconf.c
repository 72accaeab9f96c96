/*
 * msendconf: msend's configuration file.  Lines are "keyword value";
 * "#" starts a comment line; a value may be in double quotes with \"
 * and \\ escapes.  "defaults" opens the section every account starts
 * from; "account NAME [: PARENT]" opens an account (a copy of the
 * defaults, or of PARENT); "default NAME" names the default account.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msendconf.h"
#include "xio.h"

enum kind { K_STR, K_PATH, K_BOOL, K_TLS, K_AUTH, K_RELAY, K_SECS, K_INT,
	K_PASS };

static const struct keyword {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
} keywords[] = {
	{ "auth", K_AUTH, offsetof(struct account, auth) },
	{ "auth_without_tls", K_BOOL,
	    offsetof(struct account, auth_cleartext) },
	{ "domain", K_STR, offsetof(struct account, domain) },
	{ "dsn_notify", K_STR, offsetof(struct account, dsn_notify) },
	{ "from", K_STR, offsetof(struct account, from) },
	{ "host", K_STR, offsetof(struct account, host) },
	{ "local_delivery", K_STR, offsetof(struct account, local_delivery) },
	{ "logfile", K_PATH, offsetof(struct account, logfile) },
	{ "password", K_PASS, offsetof(struct account, password) },
	{ "passwordeval", K_STR, offsetof(struct account, passwordeval) },
	{ "port", K_STR, offsetof(struct account, port) },
	{ "queue_dir", K_PATH, offsetof(struct account, queue_dir) },
	{ "queue_lifetime", K_SECS, offsetof(struct account, lifetime) },
	{ "queue_retry", K_SECS, offsetof(struct account, retry_min) },
	{ "queue_retry_max", K_SECS, offsetof(struct account, retry_max) },
	{ "relay", K_RELAY, offsetof(struct account, direct) },
	{ "timeout", K_INT, offsetof(struct account, timeout) },
	{ "tls", K_TLS, offsetof(struct account, tls) },
	{ "tls_ca", K_PATH, offsetof(struct account, tls_ca) },
	{ "tls_verify", K_BOOL, offsetof(struct account, tls_verify) },
	{ "user", K_STR, offsetof(struct account, user) },
};

#define STRFIELDS(a) { &(a)->name, &(a)->host, &(a)->port, &(a)->tls_ca, \
	&(a)->user, &(a)->password, &(a)->passwordeval, &(a)->from, \
	&(a)->domain, &(a)->queue_dir, &(a)->logfile, &(a)->local_delivery, \
	&(a)->dsn_notify }

static void
account_init(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->tls = MC_TLS_STARTTLS;
	a->tls_verify = -1;
	a->auth = MC_AUTH_DEFAULT;
	a->retry_min = MC_RETRY_MIN;
	a->retry_max = MC_RETRY_MAX;
	a->lifetime = MC_LIFETIME;
}

static void
account_free(struct account *a)
{
	char **f[] = STRFIELDS(a);
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (*f[i] != NULL)
			explicit_bzero(*f[i], strlen(*f[i]));
		free(*f[i]);
	}
	account_init(a);
}

/* dst becomes a deep copy of src with a new name. */
static void
account_copy(struct account *dst, const struct account *src,
    const char *name)
{
	char **f[] = STRFIELDS(dst);
	size_t i;

	*dst = *src;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL)
			*f[i] = xstrdup(*f[i]);
	free(dst->name);
	dst->name = name == NULL ? NULL : xstrdup(name);
}

void
msendconf_init(struct msendconf *c)
{
	memset(c, 0, sizeof(*c));
	account_init(&c->defaults);
}

void
msendconf_free(struct msendconf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		account_free(&c->v[i]);
	free(c->v);
	account_free(&c->defaults);
	free(c->path);
	free(c->defname);
	msendconf_init(c);
}

int
msendconf_duration(const char *s, long *out)
{
	char *end;
	long v, mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtol(s, &end, 10);
	if (errno != 0)
		goto bad;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' && end[1] != '\0')
		goto bad;
	if (v > 100L * 365 * 86400 / mul)
		goto bad;
	*out = v * mul;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Expand a leading "~/" to $HOME. */
static char *
expand_path(const char *v)
{
	const char *home = getenv("HOME");

	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0') && home != NULL)
		return xasprintf("%s%s", home, v + 1);
	return xstrdup(v);
}

/* The value after the keyword: trimmed, or unquoted.  NULL if bad. */
static char *
value(const char *p)
{
	struct buf b = BUF_INIT;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"') {
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		return xstrndup(p, n);
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\0') {
			buf_free(&b);
			return NULL;
		}
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		buf_addc(&b, *p);
	}
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '\0') {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b);
}

static int
onoff(const char *v, int *out)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* Set keyword kw of account a to v.  0, or -1 with a reason in why. */
static int
set(struct account *a, const struct keyword *kw, const char *v,
    const char **why)
{
	void *field = (char *)a + kw->off;
	char **sp = field, *end;
	int *ip = field;
	long l;

	switch (kw->kind) {
	case K_STR:
	case K_PASS:
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case K_PATH:
		free(*sp);
		*sp = expand_path(v);
		return 0;
	case K_BOOL:
		*why = "on or off expected";
		return onoff(v, ip);
	case K_TLS:
		*why = "starttls, on or off expected";
		if (strcmp(v, "starttls") == 0)
			*ip = MC_TLS_STARTTLS;
		else if (strcmp(v, "on") == 0)
			*ip = MC_TLS_ON;
		else if (strcmp(v, "off") == 0)
			*ip = MC_TLS_OFF;
		else
			return -1;
		return 0;
	case K_AUTH:
		*why = "plain, login, on or off expected";
		if (strcmp(v, "plain") == 0)
			*ip = MC_AUTH_PLAIN;
		else if (strcmp(v, "login") == 0)
			*ip = MC_AUTH_LOGIN;
		else if (strcmp(v, "on") == 0)
			*ip = MC_AUTH_ON;
		else if (strcmp(v, "off") == 0)
			*ip = MC_AUTH_OFF;
		else
			return -1;
		return 0;
	case K_RELAY:
		*why = "direct or smarthost expected";
		if (strcmp(v, "direct") == 0)
			*ip = 1;
		else if (strcmp(v, "smarthost") == 0)
			*ip = 0;
		else
			return -1;
		return 0;
	case K_SECS:
		*why = "a duration expected (90s, 30m, 4h, 5d)";
		return msendconf_duration(v, field);
	case K_INT:
		*why = "a number of seconds expected";
		errno = 0;
		l = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || l < 0 ||
		    l > 86400)
			return -1;
		*ip = (int)l;
		return 0;
	}
	return -1;
}

static struct account *
find(struct msendconf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

/* "account NAME [: PARENT]": a new account; NULL with why on error. */
static struct account *
new_account(struct msendconf *c, char *arg, const char **why)
{
	const struct account *from = &c->defaults;
	struct account *a;
	char *colon, *name, *parent = NULL;

	if ((colon = strchr(arg, ':')) != NULL) {
		*colon = '\0';
		parent = value(colon + 1);
	}
	name = value(arg);
	*why = "account name expected";
	if (name == NULL || *name == '\0' || strpbrk(name, " \t") != NULL ||
	    (parent != NULL && *parent == '\0'))
		goto bad;
	*why = "account defined twice";
	if (find(c, name) != NULL)
		goto bad;
	*why = "no such parent account";
	if (parent != NULL && (from = find(c, parent)) == NULL)
		goto bad;
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	a = &c->v[c->n];
	account_copy(a, from, name);
	c->n++;
	free(name);
	free(parent);
	return a;
bad:
	free(name);
	free(parent);
	return NULL;
}

/* One line; 0 or -1 with why. */
static int
parse_line(struct msendconf *c, char *line, struct account **cur,
    int *haspass, const char **why)
{
	char *kw, *v;
	size_t i, n;
	int r;

	for (kw = line; *kw == ' ' || *kw == '\t'; kw++)
		;
	if (*kw == '\0' || *kw == '#')
		return 0;
	n = strcspn(kw, " \t");
	if (n == 8 && strncmp(kw, "defaults", 8) == 0 && kw[n] == '\0') {
		*cur = &c->defaults;
		return 0;
	}
	if (n == 7 && strncmp(kw, "account", 7) == 0)
		return (*cur = new_account(c, kw + n, why)) == NULL ? -1 : 0;
	if (n == 7 && strncmp(kw, "default", 7) == 0) {
		free(c->defname);
		c->defname = value(kw + n);
		*why = "account name expected";
		return c->defname == NULL || *c->defname == '\0' ? -1 : 0;
	}
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == n &&
		    strncmp(kw, keywords[i].name, n) == 0)
			break;
	*why = "unknown keyword";
	if (i == sizeof(keywords) / sizeof(keywords[0]))
		return -1;
	*why = "bad quoting";
	if ((v = value(kw + n)) == NULL)
		return -1;
	*why = "value expected";
	if (*v == '\0' && keywords[i].kind != K_PASS) {
		free(v);
		return -1;
	}
	if (keywords[i].kind == K_PASS)
		*haspass = 1;
	r = set(*cur, &keywords[i], v, why);
	explicit_bzero(v, strlen(v));
	free(v);
	return r;
}

/* Owner and mode rules of msend.conf(5). */
static int
check_mode(const struct stat *st, int haspass, const char *path,
    struct buf *err)
{
	if (st->st_uid != getuid() && st->st_uid != 0) {
		buf_printf(err, "%s: not owned by you or root", path);
		goto bad;
	}
	if (st->st_mode & 022) {
		buf_printf(err, "%s: writable by others (mode %03o)", path,
		    (unsigned)st->st_mode & 0777);
		goto bad;
	}
	if (haspass && (st->st_mode & 077)) {
		buf_printf(err, "%s: holds a password but its mode is %03o, "
		    "not 600", path, (unsigned)st->st_mode & 0777);
		goto bad;
	}
	return 0;
bad:
	errno = EPERM;
	return -1;
}

int
msendconf_load(struct msendconf *c, const char *path, struct buf *err)
{
	struct account *cur = &c->defaults;
	struct buf text = BUF_INIT;
	struct stat st;
	const char *why = NULL;
	char *line, *next;
	size_t lineno = 0;
	int fd, e, haspass = 0, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		e = errno;
		buf_printf(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1 || read_fd_all(fd, &text) == -1) {
		e = errno;
		close(fd);
		buf_printf(err, "%s: %s", path, strerror(e));
		buf_free(&text);
		errno = e;
		return -1;
	}
	close(fd);
	free(c->path);
	c->path = xstrdup(path);
	for (line = buf_cstr(&text); line != NULL && r == 0; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		r = parse_line(c, line, &cur, &haspass, &why);
	}
	explicit_bzero(text.data, text.len);
	buf_free(&text);
	if (r == -1) {
		buf_printf(err, "%s:%zu: %s", path, lineno, why);
		errno = EINVAL;
		return -1;
	}
	if (c->defname != NULL && find(c, c->defname) == NULL) {
		buf_printf(err, "%s: default account %s is not defined",
		    path, c->defname);
		errno = EINVAL;
		return -1;
	}
	return check_mode(&st, haspass, path, err);
}

int
msendconf_from_match(const char *pattern, const char *a)
{
	if (strpbrk(pattern, "*?[") == NULL)
		return ascii_strncasecmp(pattern, a, strlen(pattern) + 1) == 0;
	return fnmatch(pattern, a, FNM_CASEFOLD) == 0;
}

struct account *
msendconf_account(struct msendconf *c, const char *name, const char *sender)
{
	struct account *a;
	size_t i;

	if (name != NULL)
		return find(c, name);
	if (sender != NULL)
		for (i = 0; i < c->n; i++)
			if (c->v[i].from != NULL &&
			    msendconf_from_match(c->v[i].from, sender))
				return &c->v[i];
	if (c->defname != NULL)
		return find(c, c->defname);
	if ((a = find(c, "default")) != NULL)
		return a;
	if (c->n == 1)
		return &c->v[0];
	return &c->defaults;
}

char *
msendconf_password(const struct account *a, struct buf *err)
{
	struct buf out = BUF_INIT;
	int p[2], status, e;
	pid_t pid;
	size_t n;

	if (a->password != NULL)
		return xstrdup(a->password);
	if (a->passwordeval == NULL)
		return NULL;
	if (pipe(p) == -1)
		goto syserr;
	if ((pid = fork()) == -1) {
		e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		goto syserr;
	}
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) == -1)
			_exit(127);
		execl("/bin/sh", "sh", "-c", a->passwordeval, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	e = read_fd_all(p[0], &out) == -1 ? errno : 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;
	if (e != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf_printf(err, "passwordeval failed");
		explicit_bzero(out.data, out.len);
		buf_free(&out);
		errno = e != 0 ? e : EIO;
		return NULL;
	}
	n = strcspn(buf_cstr(&out), "\r\n");
	buf_truncate(&out, n);
	return buf_release(&out);
syserr:
	buf_printf(err, "passwordeval: %s", strerror(errno));
	return NULL;
}
