/*
 * lmtp: the server side of LMTP (RFC 2033) over a pair of descriptors
 * (standard input and output under inetd, a socket-activated service or
 * "swaks --pipe").  The protocol lives here; what a recipient is and how
 * a message is delivered belong to the caller, through a handler.
 *
 * Commands: LHLO (HELO and EHLO are refused with 500, RFC 2033 §4.1),
 * MAIL, RCPT, DATA, RSET, NOOP, QUIT; VRFY and the rest get 502 or 500.
 * LHLO advertises PIPELINING (RFC 2920: replies are held until the input
 * runs dry), ENHANCEDSTATUSCODES, 8BITMIME and SIZE.  DATA is read with
 * dot-unstuffing into a spool (CRLF becomes LF there); after the final
 * dot, one reply per accepted recipient, in the order of the RCPT
 * commands (RFC 2033 §4.2).
 */
#ifndef MAILKIT_LMTP_H
#define MAILKIT_LMTP_H

#include <stddef.h>

#include "deliver.h"
#include "util.h"

#define LMTP_MAXLINE	4096	/* longest command line accepted */
#define LMTP_MAXRCPT	1000	/* recipients of one transaction */
#define LMTP_TIMEOUT	600	/* seconds of silence before giving up */

/* One accepted recipient. */
struct lmtp_rcpt {
	char	*addr;		/* the forward-path, without angle brackets */
	void	*data;		/* what the handler's rcpt() left */
};

struct lmtp_handler {
	/*
	 * RCPT TO: 0 accepts addr (and *data stays with the recipient);
	 * -1 refuses it after appending one whole reply line (without
	 * CRLF, e.g. "550 5.1.1 <a@b> user unknown") to reply.
	 */
	int	(*rcpt)(void *ctx, const char *addr, void **data,
		    struct buf *reply);
	/*
	 * The end of DATA: deliver sp for the n recipients and append one
	 * reply line (without CRLF) to each replies[i].  sender is "" for
	 * the null reverse-path.
	 */
	void	(*deliver)(void *ctx, const struct spool *sp,
		    const char *sender, struct lmtp_rcpt *r, size_t n,
		    struct buf *replies);
	/* Forget a recipient's data (may be NULL). */
	void	(*drop)(void *ctx, void *data);
};

/*
 * Serve one session on in and out until QUIT or the end of input.
 * host names this server in the greeting (NULL: gethostname()); timeout
 * is in seconds (0: LMTP_TIMEOUT); tmpdir is for spooling big messages
 * (NULL: TMPDIR or /tmp).  Returns 0 after QUIT or an end of input
 * between transactions, 75 (EX_TEMPFAIL) when the session broke off
 * (I/O error, timeout, end of input in the middle of DATA).
 */
int	lmtp_serve(int in, int out, const char *host, int timeout,
	    const char *tmpdir, const struct lmtp_handler *, void *ctx);

#endif
