/*
 * relay: msend's delivery of one message to its recipients, through the
 * account's smarthost (STARTTLS or implicit TLS, verified by default;
 * AUTH) or straight to each recipient domain's MX hosts (RFC 5321 §5.1:
 * one transaction per domain, hosts and addresses tried in order,
 * STARTTLS when offered).  Every recipient comes back with an outcome.
 */
#ifndef MAILKIT_RELAY_H
#define MAILKIT_RELAY_H

#include <stddef.h>

#include "msendconf.h"
#include "util.h"

enum relay_status {
	R_PENDING = 0,
	R_SENT,		/* the server accepted it */
	R_TEMP,		/* try again later (4xx, network, DNS) */
	R_PERM,		/* refused for good by the server or DNS: bounce */
	R_LOCAL		/* our side cannot send: TLS verification, AUTH,
			   a missing extension, configuration */
};

struct relay_rcpt {
	char		*addr;
	enum relay_status status;
	int		 exit;		/* sysexits code of the failure */
	char		*reason;	/* printable, malloc'd */
};

struct relay_job {
	const char	*from;		/* "" for <> */
	struct relay_rcpt *rcpt;
	size_t		 nrcpt;
	const char	*wire;		/* smtp_wire() form */
	size_t		 wirelen;
	int		 body8;
	const char	*notify;	/* DSN NOTIFY, or NULL */
	const char	*helo;		/* EHLO name */
	const char	*password;	/* for AUTH, or NULL */
	int		 verbose;	/* SMTP dialogue on standard error */
	struct buf	 servers;	/* out: hosts used, for the log */
	char		 tls[32];	/* out: TLS version of the last host */
};

void	 relay_job_init(struct relay_job *);
void	 relay_job_free(struct relay_job *);	/* rcpt array too */
void	 relay_add_rcpt(struct relay_job *, const char *addr);

/*
 * Deliver to every recipient whose status is R_PENDING.  Each one ends
 * with a status, an exit code (0 sent; 75 temporary; 67 recipient
 * refused; 65 message refused; 68 no such domain or host; 69 TLS or
 * extension; 77 AUTH) and a reason.
 */
void	 relay_send(const struct account *, struct relay_job *);

/* Counts of the outcomes of a job. */
struct relay_tally {
	size_t		 sent, temp, perm, local;
	int		 localexit;	/* exit code of an R_LOCAL failure */
	int		 permexit;	/* of the R_PERM ones: 67 unless one
					   says otherwise */
	const char	*why;		/* the first failure's reason (points
					   into the job) */
	const char	*reply;		/* the server's reply for the first
					   recipient sent */
};

/*
 * Send msg (lines ending in LF or CRLF) from from to rcpt[0..nrcpt)
 * through account a: its wire form, the account's password, EHLO with
 * relay_domain(a), relay_send().  j is initialised here (free it with
 * relay_job_free) and t filled.  Returns 0, or -1 with errno E2BIG and
 * *badline set when a line is longer than 998 octets (nothing sent).
 */
int	 relay_message(const struct account *, const char *from,
	    char *const *rcpt, size_t nrcpt, const struct buf *msg,
	    const char *notify, int verbose, struct relay_job *,
	    struct relay_tally *, size_t *badline);

/* The EHLO name and Message-ID domain: the account's domain, or the
 * host name when it has a dot, or "localhost".  malloc'd. */
char	*relay_domain(const struct account *);

/*
 * The one log line for a message: "id= account= server= tls= from= to=
 * size= status= [reason=]", to the account's logfile (with a time
 * stamp), or to syslog (LOG_MAIL) when it has none.
 */
void	 relay_log(const struct account *, const char *id,
	    const struct relay_job *, size_t size, const char *status,
	    const char *why);

#endif
