/*
 * relay: one message to its recipients, by smarthost or by MX.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <tls.h>

#include "addr.h"
#include "dns.h"
#include "relay.h"
#include "smtp.h"
#include "xio.h"

/* What a session ended with. */
enum { S_DONE, S_NEXT };

void
relay_job_init(struct relay_job *j)
{
	memset(j, 0, sizeof(*j));
	j->from = "";
	strlcpy(j->tls, "none", sizeof(j->tls));
}

void
relay_job_free(struct relay_job *j)
{
	size_t i;

	for (i = 0; i < j->nrcpt; i++) {
		free(j->rcpt[i].addr);
		free(j->rcpt[i].reason);
	}
	free(j->rcpt);
	buf_free(&j->servers);
	relay_job_init(j);
}

void
relay_add_rcpt(struct relay_job *j, const char *a)
{
	j->rcpt = xreallocarray(j->rcpt, j->nrcpt + 1, sizeof(*j->rcpt));
	memset(&j->rcpt[j->nrcpt], 0, sizeof(j->rcpt[0]));
	j->rcpt[j->nrcpt++].addr = xstrdup(a);
}

static void
outcome(struct relay_rcpt *r, enum relay_status st, int ex, const char *why)
{
	r->status = st;
	r->exit = ex;
	free(r->reason);
	r->reason = xstrdup(why);
}

/* The same outcome for every recipient of a group. */
static void
outcome_all(struct relay_job *j, const size_t *idx, size_t n,
    enum relay_status st, int ex, const char *why)
{
	size_t i;

	for (i = 0; i < n; i++)
		outcome(&j->rcpt[idx[i]], st, ex, why);
}

static void
trace(void *arg, int dir, const char *line, size_t len)
{
	struct smtp *s = arg;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++)
		buf_addc(&b, (unsigned char)line[i] < 0x20 ? '?' : line[i]);
	mk_warnx("%s %c %s", s->host, dir == '>' ? '>' : '<', b.data);
	buf_free(&b);
}

/* Where a session failed. */
enum { AT_START, AT_AUTH, AT_TXN };

/*
 * Map a failed session step to an outcome for the group.  In direct
 * mode a failure of the host rather than of the message (network, 4xx,
 * anything before MAIL) lets the caller try the next host: S_NEXT.
 */
static int
failed(struct smtp *s, int direct, struct relay_job *j, const size_t *idx,
    size_t n, int at)
{
	enum relay_status st = R_TEMP;
	int ex = EX_TEMPFAIL, code = s->reply.code;

	switch (s->fail) {
	case SMTP_F_NOHOST:
		st = direct ? R_TEMP : R_LOCAL;
		ex = EX_NOHOST;
		break;
	case SMTP_F_REPLY:
		if (code / 100 != 5)
			break;
		if (direct && at == AT_START)
			break;
		if (at == AT_AUTH || code == 530 ||
		    strncmp(s->reply.enh, "5.7.0", 6) == 0)
			st = R_LOCAL, ex = EX_NOPERM;
		else if (at == AT_START)
			st = R_LOCAL, ex = EX_UNAVAILABLE;
		else
			st = R_PERM, ex = EX_DATAERR;
		break;
	case SMTP_F_TLS:
	case SMTP_F_NOEXT:
		if (direct && at == AT_START)
			break;
		st = direct ? R_PERM : R_LOCAL;
		ex = EX_UNAVAILABLE;
		break;
	case SMTP_F_INSECURE:
		st = R_LOCAL;
		ex = EX_NOPERM;
		break;
	case SMTP_F_SIZE:
		st = R_PERM;
		ex = EX_DATAERR;
		break;
	default:
		break;
	}
	outcome_all(j, idx, n, st, ex, s->err.data);
	return direct && st == R_TEMP ? S_NEXT : S_DONE;
}

/* AUTH as the account asks: 0, or -1 with s->fail set. */
static int
authenticate(struct smtp *s, const struct account *a, struct relay_job *j)
{
	int mode = a->auth, mech, flags;

	if (mode == MC_AUTH_DEFAULT)
		mode = a->user != NULL ? MC_AUTH_ON : MC_AUTH_OFF;
	if (mode == MC_AUTH_OFF)
		return 0;
	if (mode == MC_AUTH_PLAIN)
		mech = SMTP_AUTH_PLAIN;
	else if (mode == MC_AUTH_LOGIN)
		mech = SMTP_AUTH_LOGIN;
	else
		mech = (s->auth & SMTP_AUTH_PLAIN) ? SMTP_AUTH_PLAIN :
		    SMTP_AUTH_LOGIN;
	flags = a->auth_cleartext ? SMTP_AUTH_CLEARTEXT_OK : 0;
	return smtp_auth(s, mech, a->user != NULL ? a->user : "",
	    j->password != NULL ? j->password : "", flags);
}

/* One transaction for the recipients idx[0..n) on an open session. */
static int
transaction(struct smtp *s, int direct, struct relay_job *j,
    const size_t *idx, size_t n)
{
	struct buf final = BUF_INIT;
	struct smtp_rcpt *rc;
	struct smtp_txn t;
	size_t i;
	int r, utf8 = smtp_is8bit(j->from);

	rc = xcalloc(n, sizeof(*rc));
	for (i = 0; i < n; i++) {
		rc[i].addr = j->rcpt[idx[i]].addr;
		utf8 |= smtp_is8bit(rc[i].addr);
	}
	memset(&t, 0, sizeof(t));
	t.from = j->from;
	t.rcpt = rc;
	t.nrcpt = n;
	t.data = j->wire;
	t.len = j->wirelen;
	t.body8 = j->body8;
	t.utf8 = utf8;
	t.notify = j->notify;
	if (smtp_send(s, &t) == -1) {
		r = failed(s, direct, j, idx, n, AT_TXN);
		/* recipients refused at RCPT keep their own reply */
		for (i = 0; i < n; i++)
			if (rc[i].code / 100 == 5 && rc[i].text != NULL)
				outcome(&j->rcpt[idx[i]], R_PERM, EX_NOUSER,
				    rc[i].text);
	} else {
		smtp_reply_format(&final, &s->reply);
		for (i = 0; i < n; i++) {
			const char *why = rc[i].text != NULL ? rc[i].text :
			    "no reply";

			if (rc[i].code / 100 == 2)
				outcome(&j->rcpt[idx[i]], R_SENT, 0,
				    final.data);
			else if (rc[i].code / 100 == 5)
				outcome(&j->rcpt[idx[i]], R_PERM, EX_NOUSER,
				    why);
			else
				outcome(&j->rcpt[idx[i]], R_TEMP, EX_TEMPFAIL,
				    why);
		}
		buf_free(&final);
		r = S_DONE;
	}
	smtp_txn_clear(&t);
	free(rc);
	return r;
}

/*
 * After connecting: greeting, EHLO, TLS, AUTH, the transaction.
 * tlsmode: MC_TLS_* for a smarthost; for direct mode MC_TLS_STARTTLS
 * means "when offered".
 */
static int
session(struct smtp *s, const struct account *a, int direct, int tlsmode,
    struct tls_config *cfg, const char *servername, struct relay_job *j,
    const size_t *idx, size_t n)
{
	if (j->verbose) {
		s->trace = trace;
		s->tracearg = s;
	}
	if (tlsmode == MC_TLS_ON && smtp_tls(s, cfg, servername) == -1)
		return failed(s, direct, j, idx, n, AT_START);
	if (smtp_greeting(s) == -1 || smtp_ehlo(s, j->helo) == -1)
		return failed(s, direct, j, idx, n, AT_START);
	if (tlsmode == MC_TLS_STARTTLS &&
	    (!direct || (s->ext & SMTP_EXT_STARTTLS)) &&
	    smtp_starttls(s, cfg, servername, j->helo) == -1)
		return failed(s, direct, j, idx, n, AT_START);
	strlcpy(j->tls, smtp_tls_version(s), sizeof(j->tls));
	if (!direct && authenticate(s, a, j) == -1)
		return failed(s, direct, j, idx, n, AT_AUTH);
	return transaction(s, direct, j, idx, n);
}

static void
add_server(struct relay_job *j, const char *name)
{
	if (j->servers.len > 0)
		buf_addc(&j->servers, ',');
	buf_adds(&j->servers, name);
}

static struct tls_config *
tls_setup(const struct account *a, int verify, struct relay_job *j,
    const size_t *idx, size_t n)
{
	struct tls_config *cfg;
	const char *why;
	char *msg;

	if ((cfg = smtp_tls_config(a->tls_ca, verify, &why)) == NULL) {
		msg = xasprintf("TLS setup: %s", why);
		outcome_all(j, idx, n, R_LOCAL, EX_CONFIG, msg);
		free(msg);
	}
	return cfg;
}

static void
smarthost(const struct account *a, struct relay_job *j, size_t *idx,
    size_t n)
{
	struct tls_config *cfg = NULL;
	struct smtp s;
	const char *port = a->port;

	if (port == NULL)
		port = a->tls == MC_TLS_ON ? "465" : "587";
	if (a->tls != MC_TLS_OFF && (cfg = tls_setup(a,
	    a->tls_verify != 0, j, idx, n)) == NULL)
		return;
	smtp_init(&s, 0);
	s.timeout = a->timeout;
	if (smtp_connect(&s, a->host, port, a->timeout) == -1)
		(void)failed(&s, 0, j, idx, n, AT_START);
	else {
		add_server(j, s.host);
		(void)session(&s, a, 0, a->tls, cfg, a->host, j, idx, n);
		smtp_quit(&s);
	}
	smtp_close(&s);
	if (cfg != NULL)
		tls_config_free(cfg);
}

/* "host[address]" for messages. */
static char *
host_name(const struct mxhost *h, const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const void *p;

	if (ss->ss_family == AF_INET)
		p = &((const struct sockaddr_in *)ss)->sin_addr;
	else
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	(void)inet_ntop(ss->ss_family, p, a, sizeof(a));
	return xasprintf("%s[%s]", h->name, a);
}

/* Try the hosts of one domain in order until one takes the message. */
static void
mx_domain(const struct account *a, struct relay_job *j, struct mxlist *mx,
    struct tls_config *cfg, size_t *idx, size_t n)
{
	struct sockaddr_storage ss;
	struct smtp s;
	unsigned long port = a->port != NULL ? strtoul(a->port, NULL, 10) : 25;
	size_t h, k;
	socklen_t len;
	char *name;
	int r = S_NEXT, tlsmode, tries = 0;

	outcome_all(j, idx, n, R_TEMP, EX_TEMPFAIL, "no MX host answered");
	for (h = 0; h < mx->n && r == S_NEXT; h++) {
		if (mx->v[h].state != MXH_OK)
			continue;
		for (k = 0; k < mx->v[h].naddrs && r == S_NEXT; k++) {
			ss = mx->v[h].addrs[k];
			if (ss.ss_family == AF_INET) {
				((struct sockaddr_in *)&ss)->sin_port =
				    htons((uint16_t)port);
				len = sizeof(struct sockaddr_in);
			} else {
				((struct sockaddr_in6 *)&ss)->sin6_port =
				    htons((uint16_t)port);
				len = sizeof(struct sockaddr_in6);
			}
			name = host_name(&mx->v[h], &ss);
			tlsmode = a->tls == MC_TLS_OFF ? MC_TLS_OFF :
			    MC_TLS_STARTTLS;
again:
			smtp_init(&s, 0);
			s.timeout = a->timeout;
			tries++;
			if (smtp_connect_addr(&s, (struct sockaddr *)&ss, len,
			    name, a->timeout) == -1)
				r = failed(&s, 1, j, idx, n, AT_START);
			else {
				add_server(j, name);
				r = session(&s, a, 1, tlsmode, cfg,
				    mx->v[h].name, j, idx, n);
				smtp_quit(&s);
			}
			/* opportunistic TLS that fails: once more in clear */
			if (s.fail == SMTP_F_TLS && a->tls_verify != 1 &&
			    tlsmode != MC_TLS_OFF) {
				smtp_close(&s);
				tlsmode = MC_TLS_OFF;
				r = S_NEXT;
				goto again;
			}
			smtp_close(&s);
			free(name);
		}
	}
}

static void
direct(const struct account *a, struct relay_job *j)
{
	struct tls_config *cfg = NULL;
	struct mxlist mx = MXLIST_INIT;
	struct dns_ctx *ctx;
	enum dns_status st;
	const char *dom, *d2;
	size_t *idx, i, k, n;
	char *msg;

	idx = xcalloc(j->nrcpt, sizeof(*idx));
	for (i = 0; i < j->nrcpt; i++)
		idx[i] = i;
	if (a->tls != MC_TLS_OFF &&
	    (cfg = tls_setup(a, a->tls_verify == 1, j, idx, 0)) == NULL) {
		for (i = 0; i < j->nrcpt; i++)
			if (j->rcpt[i].status == R_PENDING)
				outcome(&j->rcpt[i], R_LOCAL, EX_CONFIG,
				    "TLS setup failed");
		free(idx);
		return;
	}
	if ((ctx = dns_open(NULL, a->timeout, 0)) == NULL) {
		msg = xasprintf("resolver: %s", strerror(errno));
		for (i = 0; i < j->nrcpt; i++)
			if (j->rcpt[i].status == R_PENDING)
				outcome(&j->rcpt[i], R_TEMP, EX_TEMPFAIL, msg);
		free(msg);
		goto out;
	}
	for (i = 0; i < j->nrcpt; i++) {
		if (j->rcpt[i].status != R_PENDING)
			continue;
		if ((dom = addr_domain(j->rcpt[i].addr)) == NULL) {
			outcome(&j->rcpt[i], R_PERM, EX_NOHOST,
			    "no domain in the address");
			continue;
		}
		/* this domain's pending recipients, case-insensitively */
		for (n = 0, k = i; k < j->nrcpt; k++)
			if (j->rcpt[k].status == R_PENDING &&
			    (d2 = addr_domain(j->rcpt[k].addr)) != NULL &&
			    ascii_strncasecmp(d2, dom, strlen(dom) + 1) == 0)
				idx[n++] = k;
		st = dns_mx(ctx, dom, &mx);
		if (st == DNS_OK)
			mx_domain(a, j, &mx, cfg, idx, n);
		else {
			msg = xasprintf("%s: %s", dom, dns_errmsg(ctx)[0] ?
			    dns_errmsg(ctx) : dns_strstatus(st));
			outcome_all(j, idx, n, st == DNS_TEMPFAIL ? R_TEMP :
			    R_PERM, dns_status_exit(st), msg);
			free(msg);
		}
		mxlist_free(&mx);
	}
	dns_close(ctx);
out:
	if (cfg != NULL)
		tls_config_free(cfg);
	free(idx);
}

void
relay_send(const struct account *a, struct relay_job *j)
{
	size_t *idx, i, n = 0;

	if (a->direct) {
		direct(a, j);
		return;
	}
	idx = xcalloc(j->nrcpt + 1, sizeof(*idx));
	for (i = 0; i < j->nrcpt; i++)
		if (j->rcpt[i].status == R_PENDING)
			idx[n++] = i;
	if (n > 0)
		smarthost(a, j, idx, n);
	free(idx);
}

char *
relay_domain(const struct account *a)
{
	char h[256];

	if (a->domain != NULL)
		return xstrdup(a->domain);
	if (gethostname(h, sizeof(h)) == 0 && memchr(h, '\0', sizeof(h)) &&
	    strchr(h, '.') != NULL && dns_hostname_ok(h))
		return xstrdup(h);
	return xstrdup("localhost");
}

static void
tally(struct relay_job *j, struct relay_tally *t)
{
	struct relay_rcpt *r;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < j->nrcpt; i++) {
		r = &j->rcpt[i];
		if (r->status == R_SENT) {
			if (t->sent++ == 0)
				t->reply = r->reason;
			continue;
		}
		if (t->why == NULL)
			t->why = r->reason;
		if (r->status == R_TEMP || r->status == R_PENDING)
			t->temp++;
		else if (r->status == R_LOCAL) {
			t->local++;
			t->localexit = r->exit;
		} else {
			t->perm++;
			if (t->permexit == 0 || t->permexit == EX_NOUSER)
				t->permexit = r->exit;
		}
	}
}

int
relay_message(const struct account *a, const char *from, char *const *rcpt,
    size_t nrcpt, const struct buf *msg, const char *notify, int verbose,
    struct relay_job *j, struct relay_tally *t, size_t *badline)
{
	struct buf wire = BUF_INIT, err = BUF_INIT;
	char *domain, *pw = NULL;
	size_t i;
	int e8;

	relay_job_init(j);
	for (i = 0; i < nrcpt; i++)
		relay_add_rcpt(j, rcpt[i]);
	if (smtp_wire(&wire, msg->data, msg->len, &e8, badline) == -1) {
		buf_free(&wire);
		memset(t, 0, sizeof(*t));
		errno = E2BIG;
		return -1;
	}
	domain = relay_domain(a);
	if (!a->direct && (pw = msendconf_password(a, &err)) == NULL &&
	    err.len > 0)
		for (i = 0; i < j->nrcpt; i++)
			outcome(&j->rcpt[i], R_TEMP, EX_TEMPFAIL, err.data);
	j->from = from;
	j->wire = wire.data;
	j->wirelen = wire.len;
	j->body8 = e8;
	j->notify = notify;
	j->helo = domain;
	j->password = pw;
	j->verbose = verbose;
	relay_send(a, j);
	j->wire = NULL;
	j->helo = NULL;
	j->password = NULL;
	tally(j, t);
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	buf_free(&wire);
	buf_free(&err);
	free(domain);
	return 0;
}

void
relay_log(const struct account *a, const char *id, const struct relay_job *j,
    size_t size, const char *status, const char *why)
{
	struct buf b = BUF_INIT, line = BUF_INIT;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int fd;

	buf_printf(&b, "id=%s account=%s server=%s tls=%s from=<%s> to=",
	    id != NULL ? id : "-", a->name != NULL ? a->name : "defaults",
	    j->servers.len > 0 ? j->servers.data : "-", j->tls, j->from);
	for (i = 0; i < j->nrcpt; i++)
		buf_printf(&b, "%s<%s>", i > 0 ? "," : "", j->rcpt[i].addr);
	buf_printf(&b, " size=%zu status=%s", size, status);
	if (why != NULL && *why != '\0')
		buf_printf(&b, " %s=\"%s\"", strcmp(status, "sent") == 0 ?
		    "reply" : "reason", why);
	if (a->logfile == NULL) {
		openlog("msend", LOG_PID, LOG_MAIL);
		syslog(LOG_INFO, "%s", b.data);
	} else {
		localtime_r(&now, &tm);
		buf_printf(&line, "%04d-%02d-%02dT%02d:%02d:%02d msend[%ld]: "
		    "%s\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid(), b.data);
		fd = open(a->logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
		if (fd == -1 || xwrite_all(fd, line.data, line.len) == -1 ||
		    xclose(&fd) == -1)
			mk_warn("%s", a->logfile);
		if (fd != -1)
			close(fd);
	}
	buf_free(&b);
	buf_free(&line);
}
