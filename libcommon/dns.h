/*
 * dns: MX resolution for mail transfer (RFC 5321 §5.1, RFC 7505), with
 * glibc's libresolv (res_ninit, res_nquery, ns_initparse, ns_parserr).
 *
 * Typical use (msend's direct mode, mx-lookup):
 *
 *	struct dns_ctx *ctx;
 *	struct mxlist mx;
 *	enum dns_status st;
 *
 *	if ((ctx = dns_open(NULL, 0, 0)) == NULL)
 *		mk_err(EX_TEMPFAIL, "resolver");
 *	st = dns_mx(ctx, "example.org", &mx);
 *	if (st != DNS_OK)
 *		mk_errx(dns_status_exit(st), "example.org: %s: %s",
 *		    dns_strstatus(st), dns_errmsg(ctx));
 *	for (i = 0; i < mx.n; i++)
 *		for (j = 0; j < mx.v[i].naddrs; j++)
 *			... connect to mx.v[i].addrs[j] on port 25 ...
 *	mxlist_free(&mx);
 *	dns_close(ctx);
 *
 * Everything read from the network is untrusted: answers are parsed with
 * bounds checks, records that do not belong to the question are ignored,
 * and every name handed back has been checked by dns_hostname_ok().
 */
#ifndef MAILKIT_DNS_H
#define MAILKIT_DNS_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of a lookup; dns_status_exit() maps it to sysexits. */
enum dns_status {
	DNS_OK = 0,	/* at least one host with an address */
	DNS_NXDOMAIN,	/* the name does not exist (permanent, 68) */
	DNS_NULLMX,	/* RFC 7505 null MX: accepts no mail (permanent, 68) */
	DNS_NOHOST,	/* no MX and no address, or no MX host has an
			   address (permanent, 68) */
	DNS_BADNAME,	/* not a valid domain name (permanent, 68) */
	DNS_TEMPFAIL	/* SERVFAIL, REFUSED, timeout, no server answered,
			   or an unparsable answer: try later (75) */
};

/* Flags for dns_open(). */
#define DNS_NOSHUFFLE	0x01	/* equal preferences in host name order */

/* Per-host state in an mxlist. */
enum mxh_state {
	MXH_OK = 0,	/* has at least one address */
	MXH_NOADDR,	/* the name has no A or AAAA record, or does not
			   exist: skip it */
	MXH_TEMPFAIL	/* the address lookup failed temporarily: skip it */
};

struct mxhost {
	char			*name;		/* validated host name, lower
						   case, no trailing dot */
	unsigned int		 pref;		/* MX preference, 0..65535 */
	int			 implicit;	/* implicit MX (the domain's
						   own addresses, RFC 5321
						   §5.1): pref is 0 */
	enum mxh_state		 state;
	struct sockaddr_storage	*addrs;		/* A records (sockaddr_in)
						   first, then AAAA
						   (sockaddr_in6), in answer
						   order; port 0 */
	size_t			 naddrs;
};

/*
 * The hosts in the order a sender must try them: ascending preference,
 * equal preferences shuffled (or in name order with DNS_NOSHUFFLE).
 * Host names are in lower case.  Hosts without an address stay in the
 * list with state != MXH_OK so that a caller can report them; they must
 * be skipped when sending.
 */
struct mxlist {
	struct mxhost	*v;
	size_t		 n;
};

#define MXLIST_INIT { NULL, 0 }

/*
 * Trace callback: one human-readable line (no newline) per query and per
 * record, saying how it was treated.  Every name in it is printable.
 */
typedef void dns_trace_fn(void *arg, const char *line);

struct dns_ctx;

/*
 * Open a resolver context.  server is NULL for the servers of
 * resolv.conf, or a numeric address with an optional port:
 * "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353".
 * timeout > 0 sets the time allowed for each query, in seconds, with a
 * single try per server (0 keeps resolv.conf's timeout and attempts).
 * Returns NULL with errno set: EINVAL for a bad server or timeout, or
 * the error of res_ninit.
 */
struct dns_ctx	*dns_open(const char *server, int timeout, int flags);
void		 dns_close(struct dns_ctx *);
void		 dns_set_trace(struct dns_ctx *, dns_trace_fn *, void *);

/*
 * Resolve the mail exchangers of domain into out (which dns_mx resets
 * first; free it with mxlist_free whatever the status):
 * - MX records sorted by preference, equal ones shuffled uniformly;
 *   their targets resolved with A and AAAA queries;
 * - no MX record: the implicit MX, the domain itself at preference 0
 *   with its own addresses;
 * - a CNAME on the domain is followed (the chain in the answer is
 *   checked record by record);
 * - a null MX (RFC 7505: only MX records with the root as target) gives
 *   DNS_NULLMX; a "." target next to real ones is ignored.
 * The reason for a status other than DNS_OK is in dns_errmsg().
 */
enum dns_status	 dns_mx(struct dns_ctx *, const char *domain,
		    struct mxlist *out);

/*
 * Look up the A and AAAA records of host into *addrs and *naddrs (A first).
 * Returns DNS_OK (naddrs may still be 0: no address), DNS_NXDOMAIN,
 * DNS_BADNAME or DNS_TEMPFAIL.
 */
enum dns_status	 dns_addrs(struct dns_ctx *, const char *host,
		    struct sockaddr_storage **addrs, size_t *naddrs);

/* The reason for the last failure, "" when there was none. */
const char	*dns_errmsg(struct dns_ctx *);

const char	*dns_strstatus(enum dns_status);
int		 dns_status_exit(enum dns_status);	/* 0, 68 or 75 */

void		 mxlist_free(struct mxlist *);

/*
 * Sort hosts by preference; equal preferences are shuffled with
 * arc4random_uniform (every order equally likely) unless noshuffle,
 * which orders them by host name (case-insensitive).
 */
void		 mx_sort(struct mxhost *, size_t, int noshuffle);

/*
 * Is s a host name that may be printed and used for SMTP: labels of
 * letters, digits, '-' and '_', 1-63 octets each, 1-253 octets in all,
 * no empty label (one trailing dot allowed)?  Returns 1 or 0.
 */
int		 dns_hostname_ok(const char *s);

/*
 * Lower layer, exposed for the unit tests: parse one DNS message (wire
 * format, len octets) answering a query for qname/qtype (ns_t_mx,
 * ns_t_a or ns_t_aaaa, class IN).  The question section must match.
 * CNAME records are followed from qname through the answer section;
 * only records of qtype owned by the last name of that chain are
 * kept.  The caller's rcode handling comes first: this only reads
 * records.  Returns 0 and fills *out (free with dns_rrset_free), or -1
 * with errno EBADMSG for a message that cannot be parsed or does not
 * answer the question.
 */
struct dns_rr {
	uint16_t		 pref;		/* MX only */
	char			*target;	/* MX only; "" for "." */
	struct sockaddr_storage	 addr;		/* A and AAAA only */
};

struct dns_rrset {
	struct dns_rr	*v;
	size_t		 n;
	char		*canon;		/* the name after CNAMEs */
	size_t		 ncname;	/* CNAME records followed */
	size_t		 nignored;	/* records not used */
};

#define DNS_RRSET_INIT { NULL, 0, NULL, 0, 0 }

int	 dns_parse(const unsigned char *msg, size_t len, const char *qname,
	    int qtype, struct dns_rrset *out, dns_trace_fn *, void *arg);
void	 dns_rrset_free(struct dns_rrset *);

#endif
