/*
 * smtp: an SMTP (RFC 5321) and LMTP (RFC 2033) client over a TCP or
 * Unix socket, in clear or with TLS through libtls.
 *
 *	struct smtp s;
 *
 *	smtp_init(&s, 0);
 *	if (smtp_connect(&s, "mail.example.org", "587", 30) == -1 ||
 *	    smtp_greeting(&s) == -1 ||
 *	    smtp_ehlo(&s, "client.example.org") == -1 ||
 *	    smtp_starttls(&s, cfg, "mail.example.org", "client.example.org")
 *	    == -1 ||
 *	    smtp_auth(&s, SMTP_AUTH_PLAIN, user, pass, 0) == -1 ||
 *	    smtp_send(&s, &txn) == -1)
 *		... s.fail and s.err say why, s.reply holds the reply ...
 *	smtp_quit(&s);
 *	smtp_close(&s);
 *
 * Functions return 0 or -1.  After -1, s.fail says what kind of failure
 * it was and s.err holds a printable one-line reason ("host: what: why").
 * The socket is non-blocking; every wait is bounded by the timeouts of
 * RFC 5321 §4.5.3.2 (or s.timeout when set).  The caller ignores SIGPIPE.
 *
 * Everything the server sends is untrusted: replies are parsed with
 * bounds, a reply may not exceed SMTP_REPLY_MAX octets, and every text
 * kept for messages has its control characters replaced.
 */
#ifndef MAILKIT_SMTP_H
#define MAILKIT_SMTP_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#include "util.h"

struct tls;
struct tls_config;

#define SMTP_REPLY_MAX	(1024 * 1024)	/* longest reply accepted, all lines */
#define SMTP_LINE_MAX	998		/* RFC 5321 §4.5.3.1.6, without CRLF */

/* Extensions from the EHLO reply (s.ext). */
#define SMTP_EXT_PIPELINING	0x001
#define SMTP_EXT_SIZE		0x002
#define SMTP_EXT_8BITMIME	0x004
#define SMTP_EXT_SMTPUTF8	0x008
#define SMTP_EXT_DSN		0x010
#define SMTP_EXT_STARTTLS	0x020
#define SMTP_EXT_AUTH		0x040
#define SMTP_EXT_ENHANCED	0x080

/* AUTH mechanisms (s.auth, and the mech argument of smtp_auth). */
#define SMTP_AUTH_PLAIN		0x01
#define SMTP_AUTH_LOGIN		0x02

/* smtp_auth() flags. */
#define SMTP_AUTH_CLEARTEXT_OK	0x100	/* allow AUTH without TLS */

/* What went wrong, after -1. */
enum smtp_fail {
	SMTP_F_NONE = 0,
	SMTP_F_NOHOST,		/* the host name does not resolve (permanent) */
	SMTP_F_IO,		/* connect, read, write, timeout, closed
				   connection (temporary) */
	SMTP_F_PROTO,		/* a reply that is not SMTP (temporary) */
	SMTP_F_REPLY,		/* the server refused: s.reply says 4xx or 5xx */
	SMTP_F_TLS,		/* TLS handshake or certificate verification */
	SMTP_F_NOEXT,		/* the server lacks a required extension */
	SMTP_F_INSECURE,	/* AUTH refused by us: no TLS */
	SMTP_F_SIZE,		/* the message is larger than the server's SIZE */
	SMTP_F_LINE		/* a line of the message is too long */
};

/* One reply: the code, its enhanced status (RFC 3463) and the text. */
struct smtp_reply {
	int		 code;		/* 200..599, 0 when none */
	char		 enh[12];	/* "5.1.1" or "" (at most 3.3.3 digits) */
	struct buf	 text;		/* lines after the code, joined by '\n',
					   raw (may hold any byte but NUL) */
};

typedef void smtp_trace_fn(void *arg, int dir, const char *line, size_t len);

struct smtp {
	int		 fd;
	struct tls	*tls;
	int		 lmtp;		/* LHLO, a reply per recipient after DATA */
	char		*host;		/* peer name for messages */
	int		 timeout;	/* > 0: every wait, in seconds */
	unsigned int	 ext;		/* SMTP_EXT_* */
	unsigned int	 auth;		/* SMTP_AUTH_* offered */
	unsigned long long size;	/* SIZE limit; 0 when none or unknown */
	int		 helo;		/* EHLO was refused, HELO was used */
	struct buf	 in;		/* bytes read, not yet parsed */
	size_t		 inoff;
	struct smtp_reply reply;	/* the last reply read */
	enum smtp_fail	 fail;
	struct buf	 err;		/* printable reason after -1 */
	smtp_trace_fn	*trace;		/* dir '>' sent, '<' received */
	void		*tracearg;
};

/* A recipient of a transaction and what became of it. */
struct smtp_rcpt {
	const char	*addr;		/* mailbox, without angle brackets */
	int		 code;		/* RCPT reply; for LMTP the DATA reply
					   when RCPT was accepted; 0: not tried */
	char		 enh[12];
	char		*text;		/* printable reply "550 5.1.1 text", malloc'd */
};

/* One mail transaction. */
struct smtp_txn {
	const char	*from;		/* "" for the null sender */
	const char	*params;	/* extra MAIL parameters, or NULL */
	const char	*notify;	/* DSN NOTIFY= value for each RCPT when
					   the server offers DSN, or NULL */
	struct smtp_rcpt *rcpt;
	size_t		 nrcpt;
	const char	*data;		/* wire form from smtp_wire() */
	size_t		 len;
	int		 body8;		/* BODY=8BITMIME */
	int		 utf8;		/* SMTPUTF8 */
	size_t		 naccepted;	/* recipients that got the message */
};

void	 smtp_init(struct smtp *, int lmtp);
/* Free everything and close the connection without QUIT. */
void	 smtp_close(struct smtp *);

/*
 * Connect to host (a name, a numeric address, or a Unix socket path
 * beginning with "/") at port, trying each address within timeout
 * seconds each.  SMTP_F_NOHOST when the name does not exist.
 */
int	 smtp_connect(struct smtp *, const char *host, const char *port,
	    int timeout);
/* Connect to one address; name is for messages (and is copied). */
int	 smtp_connect_addr(struct smtp *, const struct sockaddr *, socklen_t,
	    const char *name, int timeout);

/*
 * Make a TLS configuration: certificates and host names verified
 * against the system's CAs, or cafile when not NULL; verify == 0 turns
 * all verification off (only when a configuration says so, or for
 * opportunistic TLS).  NULL with the reason in *errstr (static).
 */
struct tls_config *smtp_tls_config(const char *cafile, int verify,
	    const char **errstr);

/* Start TLS on the connection now (implicit TLS, or after STARTTLS). */
int	 smtp_tls(struct smtp *, struct tls_config *, const char *servername);
/* The TLS version in use ("TLSv1.3") or "none". */
const char *smtp_tls_version(const struct smtp *);

/* Read the 220 greeting. */
int	 smtp_greeting(struct smtp *);
/* EHLO (LHLO for LMTP), falling back to HELO on a 5xx for SMTP. */
int	 smtp_ehlo(struct smtp *, const char *name);
/* STARTTLS (RFC 3207), the handshake, and EHLO again. */
int	 smtp_starttls(struct smtp *, struct tls_config *,
	    const char *servername, const char *ehloname);
/*
 * AUTH with one mechanism (RFC 4954): PLAIN or LOGIN.  Refused with
 * SMTP_F_INSECURE when the connection is not TLS, unless flags has
 * SMTP_AUTH_CLEARTEXT_OK.  A 535 is SMTP_F_REPLY.
 */
int	 smtp_auth(struct smtp *, int mech, const char *user,
	    const char *pass, int flags);

/*
 * Run one transaction: MAIL (with SIZE, BODY and SMTPUTF8 as the txn
 * asks and the server offers), RCPT for each recipient, DATA.  With
 * PIPELINING, MAIL, RCPT and DATA go in one write (RFC 2920).
 * Returns 0 when the transaction ran to its end: each rcpt has its
 * code, and txn.naccepted says how many recipients got the message (0
 * when all were refused).  -1 when MAIL, DATA or the end of data was
 * refused, or the session failed; rcpt codes set so far stay.
 * A message bigger than the server's SIZE fails early (SMTP_F_SIZE);
 * body8 or utf8 without 8BITMIME or SMTPUTF8 fails with SMTP_F_NOEXT.
 */
int	 smtp_send(struct smtp *, struct smtp_txn *);
void	 smtp_txn_clear(struct smtp_txn *);	/* frees the rcpt texts */

/* RSET, for another transaction on the same session. */
int	 smtp_rset(struct smtp *);
/* QUIT and its reply (errors ignored). */
void	 smtp_quit(struct smtp *);

/* ------------------------------------------------------------ pieces */

/*
 * Parse one reply line (without CRLF): "250-text", "250 text", "250".
 * Sets *code, *more (1 for "-"), *text and *textlen.  0, or -1 with
 * EPROTO when the line is not a reply line.
 */
int	 smtp_parse_line(const char *line, size_t len, int *code, int *more,
	    const char **text, size_t *textlen);
/*
 * Copy the RFC 3463 enhanced status code at the start of text (class
 * matching the reply code's first digit) into enh and return its length
 * with the space after it, or 0 when there is none (enh then "").
 */
size_t	 smtp_parse_enh(int code, const char *text, size_t len, char enh[12]);
/* Parse the EHLO keywords of a reply into s.ext, s.auth and s.size. */
void	 smtp_parse_ehlo(struct smtp *, const struct smtp_reply *);
/* Append a printable one-line form of a reply: "550 5.1.1 text / more". */
void	 smtp_reply_format(struct buf *, const struct smtp_reply *);

/*
 * The wire form of a message (RFC 5321 §4.5.2, §2.3.8): every line
 * ending (LF, CRLF, or a CR alone) becomes CRLF, a line starting with
 * "." gets another ".", the last line gets its CRLF; the final ".\r\n"
 * is not added.  Appends to out.  Sets *eightbit when a byte has the
 * high bit set.  Returns 0, or -1 with E2BIG when a line is longer than
 * SMTP_LINE_MAX octets; *badline then has its number (from 1).
 */
int	 smtp_wire(struct buf *out, const char *msg, size_t len,
	    int *eightbit, size_t *badline);

/* Does the string hold a byte with the high bit set?  1 or 0. */
int	 smtp_is8bit(const char *);

#endif
