/*
 * smtp: SMTP (RFC 5321) and LMTP (RFC 2033) client, with STARTTLS
 * (RFC 3207), AUTH PLAIN and LOGIN (RFC 4954, 4616), PIPELINING (RFC
 * 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
 * DSN (RFC 3461) and enhanced status codes (RFC 3463).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tls.h>

#include "mime.h"
#include "smtp.h"

/* RFC 5321 §4.5.3.2 timeouts, in seconds. */
#define T_GREETING	300
#define T_MAIL		300
#define T_RCPT		300
#define T_DATA		120
#define T_BLOCK		180
#define T_END		600
#define T_OTHER		300
#define T_QUIT		10

#define DATA_CHUNK	65536

static void	 failf(struct smtp *, enum smtp_fail, const char *, ...)
		    MK_PRINTF(3, 4);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
deadline(const struct smtp *s, int secs)
{
	if (s->timeout > 0)
		secs = s->timeout;
	return now_ms() + (long long)secs * 1000;
}

/* Record a failure: kind and "host: reason". */
static void
failf(struct smtp *s, enum smtp_fail kind, const char *fmt, ...)
{
	va_list ap;

	s->fail = kind;
	buf_reset(&s->err);
	if (s->host != NULL)
		buf_printf(&s->err, "%s: ", s->host);
	va_start(ap, fmt);
	buf_vprintf(&s->err, fmt, ap);
	va_end(ap);
}

/* The server refused what; s->reply says how. */
static int
refused(struct smtp *s, const char *what)
{
	struct buf b = BUF_INIT;

	smtp_reply_format(&b, &s->reply);
	failf(s, SMTP_F_REPLY, "%s: %s", what, b.data);
	buf_free(&b);
	errno = EPROTO;
	return -1;
}

void
smtp_init(struct smtp *s, int lmtp)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->lmtp = lmtp;
}

void
smtp_close(struct smtp *s)
{
	if (s->tls != NULL)
		tls_free(s->tls);
	s->tls = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	free(s->host);
	s->host = NULL;
	buf_free(&s->in);
	s->inoff = 0;
	buf_free(&s->reply.text);
	buf_free(&s->err);
}

/* Wait until fd is ready for ev, or the deadline passes (ETIMEDOUT). */
static int
wait_fd(int fd, short ev, long long dl)
{
	struct pollfd p;
	long long ms;
	int r;

	for (;;) {
		if ((ms = dl - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		r = poll(&p, 1, ms > 60000 ? 60000 : (int)ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0)
			return 0;
	}
}

static int
io_fail(struct smtp *s, const char *what)
{
	if (errno == ETIMEDOUT)
		failf(s, SMTP_F_IO, "%s: timed out", what);
	else
		failf(s, SMTP_F_IO, "%s: %s", what, strerror(errno));
	return -1;
}

/* Read some more bytes into s->in. */
static int
fill(struct smtp *s, long long dl)
{
	ssize_t n;

	if (s->inoff > 0) {
		memmove(s->in.data, s->in.data + s->inoff,
		    s->in.len - s->inoff);
		buf_truncate(&s->in, s->in.len - s->inoff);
		s->inoff = 0;
	}
	buf_reserve(&s->in, 4096);
	for (;;) {
		if (s->tls != NULL) {
			n = tls_read(s->tls, s->in.data + s->in.len, 4096);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				if (wait_fd(s->fd, n == TLS_WANT_POLLIN ?
				    POLLIN : POLLOUT, dl) == -1)
					return io_fail(s, "read");
				continue;
			}
			if (n == -1) {
				const char *e = tls_error(s->tls);

				/* OpenSSL's words for a TCP close */
				if (e != NULL && strstr(e, "unexpected eof"))
					n = 0;
				else {
					failf(s, SMTP_F_IO, "read: %s", e);
					errno = EIO;
					return -1;
				}
			}
		} else {
			n = read(s->fd, s->in.data + s->in.len, 4096);
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				if (wait_fd(s->fd, POLLIN, dl) == -1)
					return io_fail(s, "read");
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return io_fail(s, "read");
		}
		if (n == 0) {
			failf(s, SMTP_F_IO, "connection closed by server");
			errno = ECONNRESET;
			return -1;
		}
		s->in.len += (size_t)n;
		s->in.data[s->in.len] = '\0';
		return 0;
	}
}

/* Write all of p, each wait bounded by the deadline. */
static int
io_write(struct smtp *s, const void *p, size_t len, long long dl)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		if (s->tls != NULL) {
			n = tls_write(s->tls, c, len);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				if (wait_fd(s->fd, n == TLS_WANT_POLLIN ?
				    POLLIN : POLLOUT, dl) == -1)
					return io_fail(s, "write");
				continue;
			}
			if (n == -1) {
				failf(s, SMTP_F_IO, "write: %s",
				    tls_error(s->tls));
				errno = EIO;
				return -1;
			}
		} else {
			n = write(s->fd, c, len);
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				if (wait_fd(s->fd, POLLOUT, dl) == -1)
					return io_fail(s, "write");
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return io_fail(s, "write");
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line of the server's reply, CR LF stripped. */
static int
read_line(struct smtp *s, long long dl, const char **line, size_t *len)
{
	char *p, *nl;
	size_t n;

	for (;;) {
		p = s->in.data + s->inoff;
		n = s->in.len - s->inoff;
		if (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
			*line = p;
			*len = (size_t)(nl - p);
			if (*len > 0 && p[*len - 1] == '\r')
				(*len)--;
			s->inoff += (size_t)(nl - p) + 1;
			return 0;
		}
		if (n > SMTP_REPLY_MAX) {
			failf(s, SMTP_F_PROTO, "reply line too long");
			errno = EPROTO;
			return -1;
		}
		if (s->in.data == NULL || s->inoff == s->in.len) {
			buf_reset(&s->in);
			s->inoff = 0;
		}
		if (fill(s, dl) == -1)
			return -1;
	}
}

static void
trace(struct smtp *s, int dir, const char *p, size_t len)
{
	if (s->trace != NULL)
		s->trace(s->tracearg, dir, p, len);
}

/* Read one whole reply, all its lines, into s->reply. */
static int
read_reply(struct smtp *s, int secs)
{
	long long dl = deadline(s, secs);
	const char *line, *text;
	size_t len, tlen, total = 0;
	int code, more, first = 1;

	s->reply.code = 0;
	s->reply.enh[0] = '\0';
	buf_reset(&s->reply.text);
	do {
		if (read_line(s, dl, &line, &len) == -1)
			return -1;
		trace(s, '<', line, len);
		total += len + 1;
		if (smtp_parse_line(line, len, &code, &more, &text,
		    &tlen) == -1 || (!first && code != s->reply.code) ||
		    total > SMTP_REPLY_MAX) {
			failf(s, SMTP_F_PROTO, "not an SMTP reply");
			errno = EPROTO;
			return -1;
		}
		if (first) {
			s->reply.code = code;
			smtp_parse_enh(code, text, tlen, s->reply.enh);
		} else
			buf_addc(&s->reply.text, '\n');
		buf_add(&s->reply.text, text, tlen);
		first = 0;
	} while (more);
	return 0;
}

/* Send one command line; secret hides its argument from the trace. */
static int
command(struct smtp *s, int secret, const char *fmt, ...)
    MK_PRINTF(3, 4);

static int
command(struct smtp *s, int secret, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (secret && strncmp(b.data, "AUTH PLAIN ", 11) == 0)
		trace(s, '>', "AUTH PLAIN ********", 19);
	else if (secret)
		trace(s, '>', "********", 8);
	else
		trace(s, '>', b.data, b.len);
	buf_add(&b, "\r\n", 2);
	r = io_write(s, b.data, b.len, deadline(s, T_OTHER));
	explicit_bzero(b.data, b.len);
	buf_free(&b);
	return r;
}

/* Read a reply and check that its first digit is want. */
static int
expect(struct smtp *s, int secs, int want, const char *what)
{
	if (read_reply(s, secs) == -1)
		return -1;
	if (s->reply.code / 100 != want)
		return refused(s, what);
	return 0;
}

/* ------------------------------------------------------------ connect */

static void
set_host(struct smtp *s, const char *name)
{
	free(s->host);
	s->host = xstrdup(name);
}

int
smtp_connect_addr(struct smtp *s, const struct sockaddr *sa, socklen_t salen,
    const char *name, int timeout)
{
	long long dl;
	socklen_t el = sizeof(int);
	int fd, e = 0;

	set_host(s, name);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	if (timeout <= 0)
		timeout = 30;
	dl = now_ms() + (long long)timeout * 1000;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return io_fail(s, "socket");
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS && errno != EINTR) {
			e = errno;
			goto bad;
		}
		if (wait_fd(fd, POLLOUT, dl) == -1) {
			e = errno;
			goto bad;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1)
			e = errno;
		if (e != 0)
			goto bad;
	}
	s->fd = fd;
	s->fail = SMTP_F_NONE;
	buf_reset(&s->in);
	s->inoff = 0;
	return 0;
bad:
	close(fd);
	errno = e;
	return io_fail(s, "connect");
}

int
smtp_connect(struct smtp *s, const char *host, const char *port,
    int timeout)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_un sun;
	struct buf name = BUF_INIT;
	int r;

	if (host[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(host) >= sizeof(sun.sun_path)) {
			set_host(s, host);
			errno = ENAMETOOLONG;
			return io_fail(s, "connect");
		}
		memcpy(sun.sun_path, host, strlen(host) + 1);
		return smtp_connect_addr(s, (struct sockaddr *)&sun,
		    sizeof(sun), host, timeout);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		set_host(s, host);
		if (r == EAI_NONAME
#ifdef EAI_NODATA
		    || r == EAI_NODATA
#endif
		    ) {
			failf(s, SMTP_F_NOHOST, "no such host");
			errno = ENOENT;
		} else {
			failf(s, SMTP_F_IO, "cannot resolve: %s",
			    r == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(r));
			errno = EAGAIN;
		}
		return -1;
	}
	r = -1;
	for (ai = res; ai != NULL && r == -1; ai = ai->ai_next) {
		buf_reset(&name);
		buf_printf(&name, "%s:%s", host, port);
		r = smtp_connect_addr(s, ai->ai_addr, ai->ai_addrlen,
		    name.data, timeout);
	}
	freeaddrinfo(res);
	buf_free(&name);
	return r;
}

/* ------------------------------------------------------------ TLS */

struct tls_config *
smtp_tls_config(const char *cafile, int verify, const char **errstr)
{
	struct tls_config *cfg;

	*errstr = NULL;
	if ((cfg = tls_config_new()) == NULL) {
		*errstr = "cannot make a TLS configuration";
		return NULL;
	}
	if (cafile != NULL && tls_config_set_ca_file(cfg, cafile) == -1) {
		*errstr = tls_config_error(cfg);
		if (*errstr == NULL)
			*errstr = "cannot use the CA file";
		tls_config_free(cfg);
		return NULL;
	}
	if (!verify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	return cfg;
}

int
smtp_tls(struct smtp *s, struct tls_config *cfg, const char *servername)
{
	long long dl = deadline(s, T_OTHER);
	int r;

	if ((s->tls = tls_client()) == NULL) {
		failf(s, SMTP_F_TLS, "cannot make a TLS context");
		return -1;
	}
	if (tls_configure(s->tls, cfg) == -1 ||
	    tls_connect_socket(s->tls, s->fd, servername) == -1) {
		failf(s, SMTP_F_TLS, "TLS: %s", tls_error(s->tls));
		errno = EPROTO;
		return -1;
	}
	for (;;) {
		r = tls_handshake(s->tls);
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			if (wait_fd(s->fd, r == TLS_WANT_POLLIN ? POLLIN :
			    POLLOUT, dl) == -1)
				return io_fail(s, "TLS handshake");
			continue;
		}
		if (r == -1) {
			failf(s, SMTP_F_TLS, "TLS handshake: %s",
			    tls_error(s->tls));
			errno = EPROTO;
			return -1;
		}
		return 0;
	}
}

const char *
smtp_tls_version(const struct smtp *s)
{
	const char *v;

	if (s->tls == NULL || (v = tls_conn_version(s->tls)) == NULL)
		return "none";
	return v;
}

/* ------------------------------------------------------------ session */

int
smtp_greeting(struct smtp *s)
{
	return expect(s, T_GREETING, 2, "greeting");
}

/* Is the first word of line (ended by a space or the end) kw? */
static int
keyword(const char *line, size_t len, const char *kw, size_t *after)
{
	size_t n = strlen(kw);

	if (len < n || ascii_strncasecmp(line, kw, n) != 0 ||
	    (len > n && line[n] != ' ' && line[n] != '='))
		return 0;
	*after = n < len ? n + 1 : n;
	return 1;
}

/* AUTH mechanisms in a space-separated list. */
static unsigned int
auth_mechs(const char *p, size_t len)
{
	unsigned int m = 0;
	size_t i = 0, j;

	while (i < len) {
		while (i < len && p[i] == ' ')
			i++;
		for (j = i; j < len && p[j] != ' '; j++)
			;
		if (j - i == 5 && ascii_strncasecmp(p + i, "PLAIN", 5) == 0)
			m |= SMTP_AUTH_PLAIN;
		if (j - i == 5 && ascii_strncasecmp(p + i, "LOGIN", 5) == 0)
			m |= SMTP_AUTH_LOGIN;
		i = j;
	}
	return m;
}

void
smtp_parse_ehlo(struct smtp *s, const struct smtp_reply *r)
{
	const char *p, *end, *nl, *line;
	unsigned long long v;
	size_t len, a;
	int first = 1;

	s->ext = 0;
	s->auth = 0;
	s->size = 0;
	p = r->text.data;
	end = p + r->text.len;
	for (; p != NULL && p < end; p = nl == NULL ? NULL : nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line = p;
		len = (size_t)((nl == NULL ? end : nl) - p);
		if (first) {		/* the server's name and greeting */
			first = 0;
			continue;
		}
		if (keyword(line, len, "PIPELINING", &a))
			s->ext |= SMTP_EXT_PIPELINING;
		else if (keyword(line, len, "8BITMIME", &a))
			s->ext |= SMTP_EXT_8BITMIME;
		else if (keyword(line, len, "SMTPUTF8", &a))
			s->ext |= SMTP_EXT_SMTPUTF8;
		else if (keyword(line, len, "DSN", &a))
			s->ext |= SMTP_EXT_DSN;
		else if (keyword(line, len, "STARTTLS", &a))
			s->ext |= SMTP_EXT_STARTTLS;
		else if (keyword(line, len, "ENHANCEDSTATUSCODES", &a))
			s->ext |= SMTP_EXT_ENHANCED;
		else if (keyword(line, len, "AUTH", &a)) {
			s->ext |= SMTP_EXT_AUTH;
			s->auth |= auth_mechs(line + a, len - a);
		} else if (keyword(line, len, "SIZE", &a)) {
			s->ext |= SMTP_EXT_SIZE;
			for (v = 0; a < len && line[a] >= '0' &&
			    line[a] <= '9'; a++) {
				if (v > (~0ULL - 9) / 10)
					break;
				v = v * 10 + (unsigned)(line[a] - '0');
			}
			s->size = v;
		}
	}
}

int
smtp_ehlo(struct smtp *s, const char *name)
{
	s->ext = 0;
	s->auth = 0;
	s->size = 0;
	s->helo = 0;
	if (command(s, 0, "%s %s", s->lmtp ? "LHLO" : "EHLO", name) == -1 ||
	    read_reply(s, T_OTHER) == -1)
		return -1;
	if (s->reply.code / 100 == 2) {
		smtp_parse_ehlo(s, &s->reply);
		return 0;
	}
	if (s->lmtp || s->reply.code / 100 != 5)
		return refused(s, s->lmtp ? "LHLO" : "EHLO");
	s->helo = 1;
	if (command(s, 0, "HELO %s", name) == -1)
		return -1;
	return expect(s, T_OTHER, 2, "HELO");
}

int
smtp_starttls(struct smtp *s, struct tls_config *cfg,
    const char *servername, const char *ehloname)
{
	if (!(s->ext & SMTP_EXT_STARTTLS)) {
		failf(s, SMTP_F_NOEXT, "server does not offer STARTTLS");
		errno = EPROTO;
		return -1;
	}
	if (command(s, 0, "STARTTLS") == -1 ||
	    expect(s, T_OTHER, 2, "STARTTLS") == -1)
		return -1;
	/* RFC 3207 §4.2: nothing may follow the reply in clear. */
	if (s->inoff != s->in.len) {
		failf(s, SMTP_F_PROTO, "data sent in clear after STARTTLS");
		errno = EPROTO;
		return -1;
	}
	buf_reset(&s->in);
	s->inoff = 0;
	if (smtp_tls(s, cfg, servername) == -1)
		return -1;
	return smtp_ehlo(s, ehloname);
}

/* Send base64 of p as a line of the AUTH exchange (hidden in traces). */
static int
auth_line(struct smtp *s, const char *prefix, const void *p, size_t len)
{
	struct buf b = BUF_INIT;
	int r;

	b64_encode(&b, p, len, 0);
	if (len == 0)
		buf_adds(&b, "=");
	r = command(s, 1, "%s%s", prefix, b.data);
	explicit_bzero(b.data, b.len);
	buf_free(&b);
	return r;
}

int
smtp_auth(struct smtp *s, int mech, const char *user, const char *pass,
    int flags)
{
	struct buf b = BUF_INIT;
	int r;

	if (s->tls == NULL && !(flags & SMTP_AUTH_CLEARTEXT_OK)) {
		failf(s, SMTP_F_INSECURE,
		    "AUTH refused: the connection is not encrypted");
		errno = EPERM;
		return -1;
	}
	if (!(s->auth & mech)) {
		failf(s, SMTP_F_NOEXT, "server does not offer AUTH %s",
		    mech == SMTP_AUTH_PLAIN ? "PLAIN" : "LOGIN");
		errno = EPROTO;
		return -1;
	}
	if (mech == SMTP_AUTH_PLAIN) {
		/* RFC 4616: authzid NUL authcid NUL passwd. */
		buf_addc(&b, '\0');
		buf_adds(&b, user);
		buf_addc(&b, '\0');
		buf_adds(&b, pass);
		r = auth_line(s, "AUTH PLAIN ", b.data, b.len);
		explicit_bzero(b.data, b.len);
		buf_free(&b);
		if (r == -1 || read_reply(s, T_OTHER) == -1)
			return -1;
		if (s->reply.code == 334) {	/* wants it as a response */
			buf_addc(&b, '\0');
			buf_adds(&b, user);
			buf_addc(&b, '\0');
			buf_adds(&b, pass);
			r = auth_line(s, "", b.data, b.len);
			explicit_bzero(b.data, b.len);
			buf_free(&b);
			if (r == -1 || read_reply(s, T_OTHER) == -1)
				return -1;
		}
	} else {
		if (command(s, 0, "AUTH LOGIN") == -1 ||
		    expect(s, T_OTHER, 3, "AUTH LOGIN") == -1 ||
		    auth_line(s, "", user, strlen(user)) == -1 ||
		    expect(s, T_OTHER, 3, "AUTH LOGIN") == -1 ||
		    auth_line(s, "", pass, strlen(pass)) == -1 ||
		    read_reply(s, T_OTHER) == -1)
			return -1;
	}
	if (s->reply.code / 100 != 2)
		return refused(s, "AUTH");
	return 0;
}

int
smtp_rset(struct smtp *s)
{
	if (command(s, 0, "RSET") == -1)
		return -1;
	return expect(s, T_OTHER, 2, "RSET");
}

void
smtp_quit(struct smtp *s)
{
	long long dl;
	int r, saved = s->timeout;

	if (s->fd == -1 || s->fail == SMTP_F_IO || s->fail == SMTP_F_PROTO)
		return;
	s->timeout = T_QUIT;
	if (command(s, 0, "QUIT") == 0)
		(void)read_reply(s, T_QUIT);
	s->timeout = saved;
	if (s->tls != NULL) {
		dl = now_ms() + T_QUIT * 1000;
		while ((r = tls_close(s->tls)) == TLS_WANT_POLLIN ||
		    r == TLS_WANT_POLLOUT)
			if (wait_fd(s->fd, r == TLS_WANT_POLLIN ? POLLIN :
			    POLLOUT, dl) == -1)
				break;
	}
}

/* ------------------------------------------------------------ transaction */

/* A mailbox that may go between < > in a command: no controls, no <>. */
static int
addr_ok(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f || *a == '<' ||
		    *a == '>')
			return 0;
	return 1;
}

static void
set_rcpt(struct smtp_rcpt *r, const struct smtp_reply *rep)
{
	struct buf b = BUF_INIT;

	free(r->text);
	smtp_reply_format(&b, rep);
	r->text = buf_release(&b);
	r->code = rep->code;
	memcpy(r->enh, rep->enh, sizeof(r->enh));
}

/* The message, then "." (RFC 5321 §4.1.1.4), then the final replies. */
static int
send_data(struct smtp *s, struct smtp_txn *t)
{
	size_t off, n, i;

	for (off = 0; off < t->len; off += n) {
		n = t->len - off < DATA_CHUNK ? t->len - off : DATA_CHUNK;
		if (io_write(s, t->data + off, n, deadline(s, T_BLOCK)) == -1)
			return -1;
	}
	trace(s, '>', "(message)", 9);
	trace(s, '>', ".", 1);
	if (io_write(s, ".\r\n", 3, deadline(s, T_BLOCK)) == -1)
		return -1;
	if (!s->lmtp) {
		if (expect(s, T_END, 2, "end of data") == -1)
			return -1;
		return 0;
	}
	/* RFC 2033 §4.2: one reply per accepted recipient, in order. */
	t->naccepted = 0;
	for (i = 0; i < t->nrcpt; i++) {
		if (t->rcpt[i].code / 100 != 2)
			continue;
		if (read_reply(s, T_END) == -1)
			return -1;
		set_rcpt(&t->rcpt[i], &s->reply);
		if (s->reply.code / 100 == 2)
			t->naccepted++;
	}
	return 0;
}

/* Append the MAIL command for t to b. */
static void
mail_cmd(struct smtp *s, struct smtp_txn *t, struct buf *b)
{
	buf_printf(b, "MAIL FROM:<%s>", t->from);
	if (s->ext & SMTP_EXT_SIZE)
		buf_printf(b, " SIZE=%zu", t->len + 3);
	if (t->body8)
		buf_adds(b, " BODY=8BITMIME");
	if (t->utf8)
		buf_adds(b, " SMTPUTF8");
	if (t->params != NULL)
		buf_printf(b, " %s", t->params);
}

static void
rcpt_cmd(struct smtp *s, const struct smtp_txn *t, size_t i, struct buf *b)
{
	buf_printf(b, "RCPT TO:<%s>", t->rcpt[i].addr);
	if (t->notify != NULL && (s->ext & SMTP_EXT_DSN))
		buf_printf(b, " NOTIFY=%s", t->notify);
}

/* Checks before MAIL: addresses, SIZE, 8BITMIME, SMTPUTF8. */
static int
txn_check(struct smtp *s, struct smtp_txn *t)
{
	size_t i;

	for (i = 0; i < t->nrcpt; i++)
		if (!addr_ok(t->rcpt[i].addr))
			break;
	if (!addr_ok(t->from) || i < t->nrcpt) {
		failf(s, SMTP_F_PROTO, "address with a control character");
		errno = EINVAL;
		return -1;
	}
	if (s->size > 0 && t->len + 3 > s->size) {
		failf(s, SMTP_F_SIZE, "message of %zu octets exceeds the "
		    "server's limit of %llu", t->len + 3, s->size);
		errno = EFBIG;
		return -1;
	}
	if ((t->body8 && !(s->ext & SMTP_EXT_8BITMIME)) ||
	    (t->utf8 && !(s->ext & SMTP_EXT_SMTPUTF8))) {
		failf(s, SMTP_F_NOEXT, "server does not offer %s, which "
		    "this message needs", t->utf8 &&
		    !(s->ext & SMTP_EXT_SMTPUTF8) ? "SMTPUTF8" : "8BITMIME");
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* No recipient was accepted but the server said 354: end it empty. */
static int
abandon(struct smtp *s, int got354)
{
	if (got354) {
		if (io_write(s, ".\r\n", 3, deadline(s, T_BLOCK)) == -1 ||
		    read_reply(s, T_END) == -1)
			return -1;
	}
	return smtp_rset(s);
}

static int
send_pipelined(struct smtp *s, struct smtp_txn *t)
{
	struct smtp_reply mail = { 0, "", BUF_INIT };
	struct buf b = BUF_INIT;
	size_t i, start, nacc = 0;
	int r;

	mail_cmd(s, t, &b);
	trace(s, '>', b.data, b.len);
	buf_add(&b, "\r\n", 2);
	for (i = 0; i < t->nrcpt; i++) {
		start = b.len;
		rcpt_cmd(s, t, i, &b);
		trace(s, '>', b.data + start, b.len - start);
		buf_add(&b, "\r\n", 2);
	}
	trace(s, '>', "DATA", 4);
	buf_adds(&b, "DATA\r\n");
	r = io_write(s, b.data, b.len, deadline(s, T_MAIL));
	buf_free(&b);
	if (r == -1 || read_reply(s, T_MAIL) == -1)
		return -1;
	mail.code = s->reply.code;
	memcpy(mail.enh, s->reply.enh, sizeof(mail.enh));
	buf_add(&mail.text, s->reply.text.data, s->reply.text.len);
	for (i = 0; i < t->nrcpt; i++) {
		if (read_reply(s, T_RCPT) == -1)
			goto fail;
		if (mail.code / 100 == 2)
			set_rcpt(&t->rcpt[i], &s->reply);
		if (s->reply.code / 100 == 2)
			nacc++;
	}
	if (read_reply(s, T_DATA) == -1)
		goto fail;
	if (mail.code / 100 != 2) {
		if (s->reply.code == 354)
			(void)abandon(s, 1);
		buf_free(&s->reply.text);
		s->reply = mail;
		return refused(s, "MAIL FROM");
	}
	buf_free(&mail.text);
	if (nacc == 0) {
		t->naccepted = 0;
		return abandon(s, s->reply.code == 354);
	}
	if (s->reply.code != 354)
		return refused(s, "DATA");
	t->naccepted = nacc;
	return send_data(s, t);
fail:
	buf_free(&mail.text);
	return -1;
}

static int
send_serial(struct smtp *s, struct smtp_txn *t)
{
	struct buf b = BUF_INIT;
	size_t i, nacc = 0;
	int r;

	mail_cmd(s, t, &b);
	r = command(s, 0, "%s", b.data);
	buf_free(&b);
	if (r == -1 || expect(s, T_MAIL, 2, "MAIL FROM") == -1)
		return -1;
	for (i = 0; i < t->nrcpt; i++) {
		rcpt_cmd(s, t, i, &b);
		r = command(s, 0, "%s", b.data);
		buf_reset(&b);
		if (r == -1 || read_reply(s, T_RCPT) == -1) {
			buf_free(&b);
			return -1;
		}
		set_rcpt(&t->rcpt[i], &s->reply);
		if (s->reply.code / 100 == 2)
			nacc++;
	}
	buf_free(&b);
	if (nacc == 0) {
		t->naccepted = 0;
		return abandon(s, 0);
	}
	if (command(s, 0, "DATA") == -1 || read_reply(s, T_DATA) == -1)
		return -1;
	if (s->reply.code != 354)
		return refused(s, "DATA");
	t->naccepted = nacc;
	return send_data(s, t);
}

int
smtp_send(struct smtp *s, struct smtp_txn *t)
{
	size_t i;

	t->naccepted = 0;
	for (i = 0; i < t->nrcpt; i++) {
		t->rcpt[i].code = 0;
		t->rcpt[i].enh[0] = '\0';
	}
	if (txn_check(s, t) == -1)
		return -1;
	if (s->ext & SMTP_EXT_PIPELINING)
		return send_pipelined(s, t);
	return send_serial(s, t);
}

void
smtp_txn_clear(struct smtp_txn *t)
{
	size_t i;

	for (i = 0; i < t->nrcpt; i++) {
		free(t->rcpt[i].text);
		t->rcpt[i].text = NULL;
	}
}

/* ------------------------------------------------------------ pieces */

int
smtp_parse_line(const char *line, size_t len, int *code, int *more,
    const char **text, size_t *textlen)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		goto bad;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	*more = len > 3 && line[3] == '-';
	*text = line + (len > 3 ? 4 : 3);
	*textlen = len > 3 ? len - 4 : 0;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

/* Digits at p[i..]: 1 to max of them; returns the count, 0 if none. */
static size_t
digits(const char *p, size_t i, size_t len, size_t max)
{
	size_t n = 0;

	while (i + n < len && n <= max && p[i + n] >= '0' && p[i + n] <= '9')
		n++;
	return n >= 1 && n <= max ? n : 0;
}

size_t
smtp_parse_enh(int code, const char *text, size_t len, char enh[12])
{
	size_t a, b, c;

	enh[0] = '\0';
	/* class "." subject "." detail (RFC 3463 §2), class = code's first */
	if (len < 5 || text[0] - '0' != code / 100 || text[1] != '.')
		return 0;
	if ((b = digits(text, 2, len, 3)) == 0 || 2 + b >= len ||
	    text[2 + b] != '.' || (c = digits(text, 3 + b, len, 3)) == 0)
		return 0;
	a = 3 + b + c;
	if (a < len && text[a] != ' ')
		return 0;
	memcpy(enh, text, a);
	enh[a] = '\0';
	return a < len ? a + 1 : a;
}

void
smtp_reply_format(struct buf *out, const struct smtp_reply *r)
{
	size_t i;
	unsigned char c;

	buf_printf(out, "%03d", r->code);
	if (r->text.len > 0)
		buf_addc(out, ' ');
	for (i = 0; i < r->text.len; i++) {
		c = (unsigned char)r->text.data[i];
		if (c == '\n')
			buf_adds(out, " / ");
		else if (c < 0x20 || c == 0x7f)
			buf_addc(out, '?');
		else
			buf_addc(out, c);
	}
}

int
smtp_wire(struct buf *out, const char *msg, size_t len, int *eightbit,
    size_t *badline)
{
	size_t i, start, line = 1;
	unsigned char c;
	int e8 = 0;

	*badline = 0;
	buf_reserve(out, len + len / 32 + 2);
	i = 0;
	while (i < len) {
		/* one line: msg[start..i) then its end of line */
		start = i;
		if (msg[i] == '.')
			buf_addc(out, '.');
		for (; i < len; i++) {
			c = (unsigned char)msg[i];
			if (c == '\n' || c == '\r')
				break;
			e8 |= c & 0x80;
		}
		if (i - start > SMTP_LINE_MAX) {
			*badline = line;
			errno = E2BIG;
			return -1;
		}
		buf_add(out, msg + start, i - start);
		buf_add(out, "\r\n", 2);
		if (i < len && msg[i] == '\r' && i + 1 < len &&
		    msg[i + 1] == '\n')
			i++;
		if (i < len)
			i++;
		line++;
	}
	*eightbit = e8 != 0;
	return 0;
}

int
smtp_is8bit(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p & 0x80)
			return 1;
	return 0;
}
