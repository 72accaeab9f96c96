/*
 * dns: MX resolution (RFC 5321 §5.1, RFC 7505) over glibc's libresolv.
 *
 * Queries go through res_nquery on a private resolver state, so that a
 * server given by the caller (-s) and a timeout apply to every query;
 * answers are read with ns_initparse/ns_parserr and treated as
 * untrusted: every length is checked, every record must belong to the
 * question (directly or through the CNAME chain), every name is checked
 * before it is handed back or traced.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dns.h"
#include "util.h"

#define DNS_ANSLEN	65536	/* larger than any DNS message */
#define DNS_MAXCNAME	16	/* CNAME records followed in one answer */
#define DNS_MAXREQUERY	8	/* queries for the end of a CNAME chain */
#define DNS_MAXHOSTS	64	/* MX hosts whose addresses are looked up */

struct dns_ctx {
	struct __res_state	 res;
	int			 flags;
	dns_trace_fn		*trace;
	void			*trace_arg;
	char			*server;	/* for traces */
	struct buf		 err;
	unsigned char		*ans;
};

static void	 trace(struct dns_ctx *, const char *, ...) MK_PRINTF(2, 3);
static void	 ptrace(dns_trace_fn *, void *, const char *, ...)
		    MK_PRINTF(3, 4);
static void	 seterr(struct dns_ctx *, const char *, ...) MK_PRINTF(2, 3);

/* Copy s into b with anything but printable ASCII shown as '?'. */
static void
addsafe(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_addc(b, *s >= 0x20 && *s < 0x7f ? *s : '?');
}

/* Format one trace line; %s arguments must be safe (see safe()). */
static void
ptrace(dns_trace_fn *fn, void *arg, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	fn(arg, buf_cstr(&b));
	buf_free(&b);
}

static void
trace(struct dns_ctx *ctx, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (ctx->trace == NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ctx->trace(ctx->trace_arg, buf_cstr(&b));
	buf_free(&b);
}

static void
seterr(struct dns_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&ctx->err);
	va_start(ap, fmt);
	buf_vprintf(&ctx->err, fmt, ap);
	va_end(ap);
}

/*
 * A printable copy of an untrusted name, in one of a few rotating
 * static slots so that a trace line may hold several.
 */
static const char *
safe(const char *s)
{
	static struct buf slot[4];
	static unsigned int next;
	struct buf *b = &slot[next++ % 4];

	buf_reset(b);
	addsafe(b, s);
	return buf_cstr(b);
}

static const char *
typename(int type)
{
	switch (type) {
	case ns_t_a:
		return "A";
	case ns_t_aaaa:
		return "AAAA";
	case ns_t_cname:
		return "CNAME";
	case ns_t_mx:
		return "MX";
	case ns_t_ns:
		return "NS";
	case ns_t_soa:
		return "SOA";
	case ns_t_txt:
		return "TXT";
	default:
		return "other";
	}
}

static const char *
rcodename(int rcode)
{
	switch (rcode) {
	case ns_r_noerror:
		return "NOERROR";
	case ns_r_formerr:
		return "FORMERR";
	case ns_r_servfail:
		return "SERVFAIL";
	case ns_r_nxdomain:
		return "NXDOMAIN";
	case ns_r_notimpl:
		return "NOTIMP";
	case ns_r_refused:
		return "REFUSED";
	default:
		return "unknown rcode";
	}
}

int
dns_hostname_ok(const char *s)
{
	size_t label = 0, total = 0;
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++, total++) {
		if (*p == '.') {
			if (label == 0)
				return 0;	/* empty label */
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	if (s[total - 1] == '.')
		total--;
	return total <= 253;
}

/* Length of a name without one trailing dot. */
static size_t
namelen(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* Same DNS name, ignoring ASCII case and a trailing dot? */
static int
name_eq(const char *a, const char *b)
{
	size_t n = namelen(a);

	return n == namelen(b) && ascii_strncasecmp(a, b, n) == 0;
}

/* A copy of a name without its trailing dot. */
static char *
name_dup(const char *s)
{
	return xstrndup(s, namelen(s));
}

void
dns_rrset_free(struct dns_rrset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->v[i].target);
	free(rs->v);
	free(rs->canon);
	memset(rs, 0, sizeof(*rs));
}

/* One record of the answer section, located by ns_parserr. */
struct rec {
	char		*owner;
	int		 type;
	int		 class;
	const unsigned char *rdata;
	size_t		 rdlen;
	int		 used;
};

/*
 * Expand the name at p, which must end exactly at end (the end of its
 * rdata).  Returns a copy without a trailing dot ("" for the root), or
 * NULL for a malformed name.
 */
static char *
expand(const unsigned char *msg, size_t len, const unsigned char *p,
    const unsigned char *end)
{
	char name[NS_MAXDNAME];
	int n;

	if (p >= end)
		return NULL;
	n = dn_expand(msg, msg + len, p, name, sizeof(name));
	if (n <= 0 || n != end - p)
		return NULL;
	if (strcmp(name, ".") == 0)
		name[0] = '\0';
	return name_dup(name);
}

/* Add the record r of type qtype to out; 0, or -1 if its rdata is bad. */
static int
add_rr(const unsigned char *msg, size_t len, int qtype, const struct rec *r,
    struct dns_rrset *out)
{
	struct dns_rr rr;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(&rr, 0, sizeof(rr));
	switch (qtype) {
	case ns_t_a:
		if (r->rdlen != NS_INADDRSZ)
			return -1;
		sin = (struct sockaddr_in *)&rr.addr;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, r->rdata, NS_INADDRSZ);
		break;
	case ns_t_aaaa:
		if (r->rdlen != NS_IN6ADDRSZ)
			return -1;
		sin6 = (struct sockaddr_in6 *)&rr.addr;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, r->rdata, NS_IN6ADDRSZ);
		break;
	case ns_t_mx:
		if (r->rdlen < 3)
			return -1;
		rr.pref = ns_get16(r->rdata);
		rr.target = expand(msg, len, r->rdata + 2,
		    r->rdata + r->rdlen);
		if (rr.target == NULL)
			return -1;
		break;
	default:
		return -1;
	}
	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	out->v[out->n++] = rr;
	return 0;
}

/* Describe an accepted record for the trace. */
static void
trace_rr(dns_trace_fn *fn, void *arg, const struct rec *r, int qtype,
    const struct dns_rr *rr)
{
	char a[INET6_ADDRSTRLEN];

	switch (qtype) {
	case ns_t_a:
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&rr->addr)->
		    sin_addr, a, sizeof(a));
		ptrace(fn, arg, "  %s A %s: used", safe(r->owner), a);
		break;
	case ns_t_aaaa:
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&rr->addr)->
		    sin6_addr, a, sizeof(a));
		ptrace(fn, arg, "  %s AAAA %s: used", safe(r->owner), a);
		break;
	default:
		ptrace(fn, arg, "  %s MX %u %s: used", safe(r->owner),
		    (unsigned int)rr->pref,
		    rr->target[0] == '\0' ? "." : safe(rr->target));
		break;
	}
}

/* Check the question section: one question, for qname/qtype/IN. */
static int
check_question(ns_msg *h, const char *qname, int qtype)
{
	ns_rr q;

	if (ns_msg_count(*h, ns_s_qd) != 1 ||
	    ns_parserr(h, ns_s_qd, 0, &q) == -1)
		return -1;
	if ((int)ns_rr_type(q) != qtype || ns_rr_class(q) != ns_c_in ||
	    !name_eq(ns_rr_name(q), qname))
		return -1;
	return 0;
}

/* Follow the CNAME chain from qname among recs; set out->canon. */
static void
follow_cnames(const unsigned char *msg, size_t len, struct rec *recs,
    size_t nrec, const char *qname, struct dns_rrset *out,
    dns_trace_fn *fn, void *arg)
{
	size_t i;
	char *target;

	out->canon = name_dup(qname);
	while (out->ncname < DNS_MAXCNAME) {
		for (i = 0; i < nrec; i++)
			if (!recs[i].used && recs[i].type == ns_t_cname &&
			    recs[i].class == ns_c_in &&
			    name_eq(recs[i].owner, out->canon))
				break;
		if (i == nrec)
			return;
		recs[i].used = 1;
		target = expand(msg, len, recs[i].rdata,
		    recs[i].rdata + recs[i].rdlen);
		if (target == NULL || !dns_hostname_ok(target)) {
			ptrace(fn, arg, "  %s CNAME: bad target, ignored",
			    safe(recs[i].owner));
			free(target);
			out->nignored++;
			continue;
		}
		ptrace(fn, arg, "  %s CNAME %s: followed",
		    safe(recs[i].owner), safe(target));
		free(out->canon);
		out->canon = target;
		out->ncname++;
	}
}

int
dns_parse(const unsigned char *msg, size_t len, const char *qname, int qtype,
    struct dns_rrset *out, dns_trace_fn *fn, void *arg)
{
	ns_msg h;
	ns_rr rr;
	struct rec *recs = NULL;
	size_t i, nrec = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (len > 65535 || ns_initparse(msg, (int)len, &h) == -1 ||
	    check_question(&h, qname, qtype) == -1)
		goto bad;
	nrec = ns_msg_count(h, ns_s_an);
	recs = xcalloc(nrec ? nrec : 1, sizeof(*recs));
	for (i = 0; i < nrec; i++) {
		if (ns_parserr(&h, ns_s_an, (int)i, &rr) == -1) {
			nrec = i;
			goto bad;
		}
		recs[i].owner = xstrdup(ns_rr_name(rr));
		recs[i].type = ns_rr_type(rr);
		recs[i].class = ns_rr_class(rr);
		recs[i].rdata = ns_rr_rdata(rr);
		recs[i].rdlen = ns_rr_rdlen(rr);
	}

	follow_cnames(msg, len, recs, nrec, qname, out, fn, arg);

	for (i = 0; i < nrec; i++) {
		if (recs[i].used)
			continue;
		if (recs[i].type != qtype || recs[i].class != ns_c_in) {
			ptrace(fn, arg, "  %s %s: ignored (not asked for)",
			    safe(recs[i].owner), typename(recs[i].type));
		} else if (!name_eq(recs[i].owner, out->canon)) {
			ptrace(fn, arg, "  %s %s: ignored (owner is not %s)",
			    safe(recs[i].owner), typename(recs[i].type),
			    safe(out->canon));
		} else if (add_rr(msg, len, qtype, &recs[i], out) == -1) {
			ptrace(fn, arg, "  %s %s: ignored (malformed data)",
			    safe(recs[i].owner), typename(recs[i].type));
		} else {
			trace_rr(fn, arg, &recs[i], qtype,
			    &out->v[out->n - 1]);
			continue;
		}
		out->nignored++;
	}
	ret = 0;
bad:
	for (i = 0; i < nrec; i++)
		free(recs[i].owner);
	free(recs);
	if (ret == -1) {
		dns_rrset_free(out);
		errno = EBADMSG;
	}
	return ret;
}

/* Why did the query fail temporarily?  From the answer header if any. */
static void
tempfail_reason(struct dns_ctx *ctx, const char *name, int type, int err)
{
	const HEADER *hp = (const HEADER *)ctx->ans;
	const char *pre = "temporary DNS failure";

	if (hp->qr)
		seterr(ctx, "%s (%s %s: %s from the name server)", pre,
		    safe(name), typename(type), rcodename(hp->rcode));
	else if (err == ECONNREFUSED)
		seterr(ctx, "%s (%s %s: no name server answered: %s)", pre,
		    safe(name), typename(type), strerror(err));
	else if (err == ETIMEDOUT || err == 0)
		seterr(ctx, "%s (%s %s: no answer from the name server, "
		    "timed out)", pre, safe(name), typename(type));
	else
		seterr(ctx, "%s (%s %s: %s)", pre, safe(name), typename(type),
		    strerror(err));
}

/*
 * One query through res_nquery, its answer parsed into out.
 * DNS_OK with out->n == 0 means no record of that type (NODATA).
 * When the answer ends in a CNAME without data (a server that does not
 * recurse), the end of the chain is asked in turn.
 */
static enum dns_status
query(struct dns_ctx *ctx, const char *name, int type, struct dns_rrset *out)
{
	char *qname;
	int n, hops, herr, err;

	memset(out, 0, sizeof(*out));
	qname = name_dup(name);
	for (hops = 0;; hops++) {
		trace(ctx, "query %s %s @%s", safe(qname), typename(type),
		    ctx->server);
		memset(ctx->ans, 0, NS_HFIXEDSZ);
		errno = 0;
		n = res_nquery(&ctx->res, qname, ns_c_in, type, ctx->ans,
		    DNS_ANSLEN);
		err = errno;
		herr = ctx->res.res_h_errno;
		if (n < 0) {
			switch (herr) {
			case HOST_NOT_FOUND:
				trace(ctx, "answer: NXDOMAIN");
				seterr(ctx, "no such domain (%s %s: NXDOMAIN)",
				    safe(qname), typename(type));
				free(qname);
				return DNS_NXDOMAIN;
			case NO_DATA:
				trace(ctx, "answer: NOERROR, no %s record",
				    typename(type));
				out->canon = qname;
				return DNS_OK;
			default:
				tempfail_reason(ctx, qname, type, err);
				trace(ctx, "failed: %s", buf_cstr(&ctx->err));
				free(qname);
				return DNS_TEMPFAIL;
			}
		}
		if (n > DNS_ANSLEN) {
			seterr(ctx, "temporary DNS failure (%s %s: answer "
			    "too long)", safe(qname), typename(type));
			free(qname);
			return DNS_TEMPFAIL;
		}
		trace(ctx, "answer: %s, %d octets", rcodename(
		    ((const HEADER *)ctx->ans)->rcode), n);
		if (dns_parse(ctx->ans, (size_t)n, qname, type, out,
		    ctx->trace, ctx->trace_arg) == -1) {
			trace(ctx, "answer: malformed or not for the question");
			seterr(ctx, "temporary DNS failure (%s %s: "
			    "malformed answer)", safe(qname), typename(type));
			free(qname);
			return DNS_TEMPFAIL;
		}
		if (out->n > 0 || out->ncname == 0 ||
		    name_eq(out->canon, qname) || hops >= DNS_MAXREQUERY) {
			free(qname);
			return DNS_OK;
		}
		/* A chain that stops without data: ask its end. */
		free(qname);
		qname = xstrdup(out->canon);
		dns_rrset_free(out);
	}
}

enum dns_status
dns_addrs(struct dns_ctx *ctx, const char *host,
    struct sockaddr_storage **addrs, size_t *naddrs)
{
	static const int types[] = { ns_t_a, ns_t_aaaa };
	struct dns_rrset rs;
	enum dns_status st, worst = DNS_OK;
	size_t i, t;

	*addrs = NULL;
	*naddrs = 0;
	if (!dns_hostname_ok(host)) {
		seterr(ctx, "not a valid host name");
		return DNS_BADNAME;
	}
	for (t = 0; t < 2; t++) {
		st = query(ctx, host, types[t], &rs);
		if (st == DNS_NXDOMAIN) {
			if (*naddrs == 0)
				return DNS_NXDOMAIN;
			break;	/* gone between two queries: keep the A */
		}
		if (st != DNS_OK) {
			worst = st;
			continue;
		}
		for (i = 0; i < rs.n; i++) {
			*addrs = xreallocarray(*addrs, *naddrs + 1,
			    sizeof(**addrs));
			(*addrs)[(*naddrs)++] = rs.v[i].addr;
		}
		dns_rrset_free(&rs);
	}
	/* Some addresses are enough; none, after a failure, is not. */
	if (*naddrs > 0 || worst == DNS_OK)
		return DNS_OK;
	return worst;
}

static int
mx_cmp_name(const void *a, const void *b)
{
	const struct mxhost *x = a, *y = b;
	const char *p = x->name, *q = y->name;
	int c, d;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	for (;; p++, q++) {
		c = (unsigned char)*p;
		d = (unsigned char)*q;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (d >= 'A' && d <= 'Z')
			d += 'a' - 'A';
		if (c != d || c == '\0')
			return c - d;
	}
}

/* RFC 5321 §5.1: ascending preference, equal ones in random order. */
void
mx_sort(struct mxhost *v, size_t n, int noshuffle)
{
	struct mxhost tmp;
	size_t i, j, k;

	if (n < 2)
		return;
	qsort(v, n, sizeof(*v), mx_cmp_name);
	if (noshuffle)
		return;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].pref == v[i].pref; j++)
			continue;
		/* Fisher-Yates over v[i..j). */
		for (k = j - i; k > 1; k--) {
			size_t r = arc4random_uniform((uint32_t)k);

			tmp = v[i + k - 1];
			v[i + k - 1] = v[i + r];
			v[i + r] = tmp;
		}
	}
}

void
mxlist_free(struct mxlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addrs);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Add a host, or lower the preference of one already there. */
static void
mx_add(struct dns_ctx *ctx, struct mxlist *l, const char *name,
    unsigned int pref)
{
	size_t i;
	char *p;

	for (i = 0; i < l->n; i++)
		if (name_eq(l->v[i].name, name)) {
			trace(ctx, "%s listed twice, preference %u kept",
			    safe(name), l->v[i].pref < pref ?
			    l->v[i].pref : pref);
			if (pref < l->v[i].pref)
				l->v[i].pref = pref;
			return;
		}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	l->v[l->n].name = p = name_dup(name);
	for (; *p != '\0'; p++)	/* names compare without case: show one */
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	l->v[l->n].pref = pref;
	l->n++;
}

/* Look up the addresses of every host; the list's overall status. */
static enum dns_status
mx_resolve(struct dns_ctx *ctx, struct mxlist *l)
{
	struct mxhost *h;
	struct buf why = BUF_INIT;
	enum dns_status st;
	size_t i, nok = 0, ntemp = 0;

	for (i = 0; i < l->n; i++) {
		h = &l->v[i];
		st = dns_addrs(ctx, h->name, &h->addrs, &h->naddrs);
		if (st == DNS_TEMPFAIL) {
			h->state = MXH_TEMPFAIL;
			ntemp++;
			buf_reset(&why);
			buf_adds(&why, buf_cstr(&ctx->err));
			trace(ctx, "host %s: address lookup failed, skipped",
			    h->name);
		} else if (h->naddrs == 0) {
			h->state = MXH_NOADDR;
			trace(ctx, "host %s: no address, skipped", h->name);
		} else {
			h->state = MXH_OK;
			nok++;
			trace(ctx, "host %s: %zu address%s", h->name,
			    h->naddrs, h->naddrs == 1 ? "" : "es");
		}
	}
	if (nok > 0) {
		st = DNS_OK;
		buf_reset(&ctx->err);
	} else if (ntemp > 0) {
		st = DNS_TEMPFAIL;
		seterr(ctx, "%s", buf_cstr(&why));
	} else {
		st = DNS_NOHOST;
		seterr(ctx, "no such host (no mail exchanger has an "
		    "address)");
	}
	buf_free(&why);
	return st;
}

/* RFC 5321 §5.1: no MX record, the domain is its own exchanger. */
static enum dns_status
mx_implicit(struct dns_ctx *ctx, const char *domain, const char *canon,
    struct mxlist *out)
{
	struct mxhost *h;
	enum dns_status st;

	trace(ctx, "no MX record: implicit MX %s, preference 0", canon);
	mx_add(ctx, out, canon, 0);
	h = &out->v[0];
	h->implicit = 1;
	st = dns_addrs(ctx, canon, &h->addrs, &h->naddrs);
	if (st == DNS_TEMPFAIL)
		h->state = MXH_TEMPFAIL;
	if (st != DNS_OK)
		return st;
	if (h->naddrs == 0) {
		h->state = MXH_NOADDR;
		seterr(ctx, "no such host (no MX and no address record)");
		return DNS_NOHOST;
	}
	trace(ctx, "host %s: %zu address%s", h->name, h->naddrs,
	    h->naddrs == 1 ? "" : "es");
	return DNS_OK;
}

enum dns_status
dns_mx(struct dns_ctx *ctx, const char *domain, struct mxlist *out)
{
	struct dns_rrset rs;
	enum dns_status st;
	size_t i, nnull = 0;

	out->v = NULL;
	out->n = 0;
	buf_reset(&ctx->err);
	if (!dns_hostname_ok(domain)) {
		seterr(ctx, "not a valid domain name");
		return DNS_BADNAME;
	}
	if ((st = query(ctx, domain, ns_t_mx, &rs)) != DNS_OK)
		return st;
	if (rs.n == 0) {
		st = mx_implicit(ctx, domain, rs.canon, out);
		dns_rrset_free(&rs);
		return st;
	}

	/* RFC 7505 §3: a null MX is the only MX of its domain. */
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].target[0] == '\0')
			nnull++;
	if (nnull == rs.n) {
		trace(ctx, "null MX: the domain accepts no mail");
		seterr(ctx, "domain accepts no mail (null MX, RFC 7505)");
		dns_rrset_free(&rs);
		return DNS_NULLMX;
	}
	for (i = 0; i < rs.n; i++) {
		if (rs.v[i].target[0] == '\0')
			trace(ctx, "MX %u .: null MX next to other MX "
			    "records, ignored", (unsigned int)rs.v[i].pref);
		else if (!dns_hostname_ok(rs.v[i].target))
			trace(ctx, "MX %u %s: not a host name, ignored",
			    (unsigned int)rs.v[i].pref, safe(rs.v[i].target));
		else
			mx_add(ctx, out, rs.v[i].target, rs.v[i].pref);
	}
	dns_rrset_free(&rs);
	if (out->n == 0) {
		seterr(ctx, "no such host (no usable MX record)");
		return DNS_NOHOST;
	}
	mx_sort(out->v, out->n, ctx->flags & DNS_NOSHUFFLE);
	if (out->n > DNS_MAXHOSTS) {
		trace(ctx, "%zu MX hosts: only the first %d are used", out->n,
		    DNS_MAXHOSTS);
		while (out->n > DNS_MAXHOSTS) {
			out->n--;
			free(out->v[out->n].name);
		}
	}
	return mx_resolve(ctx, out);
}

/*
 * Parse "addr", "addr:port", "[addr]" or "[addr]:port" (numeric only)
 * into ss.  Returns 0 or -1.
 */
static int
parse_server(const char *arg, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *port = NULL, *errstr;
	char *host, *p;
	long long pn = NS_DEFAULTPORT;
	int ret = -1;

	if (arg[0] == '[') {
		if ((p = strchr(arg, ']')) == NULL)
			return -1;
		host = xstrndup(arg + 1, (size_t)(p - arg - 1));
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			goto out;
	} else if ((p = strchr(arg, ':')) != NULL && strchr(p + 1, ':') ==
	    NULL) {
		host = xstrndup(arg, (size_t)(p - arg));
		port = p + 1;
	} else
		host = xstrdup(arg);
	if (port != NULL) {
		pn = strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL)
			goto out;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pn);
		ret = 0;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pn);
		ret = 0;
	}
out:
	free(host);
	return ret;
}

/*
 * Replace the servers of resolv.conf with one.  glibc keeps an IPv6
 * server in _u._ext.nsaddrs (malloc'd, freed by res_nclose) with
 * nsaddr_list's family 0; an IPv4 one goes in nsaddr_list.
 */
static void
set_server(struct __res_state *res, const struct sockaddr_storage *ss)
{
	int i;

	for (i = 0; i < MAXNS; i++) {
		if (i < res->nscount) {
			free(res->_u._ext.nsaddrs[i]);
			res->_u._ext.nsaddrs[i] = NULL;
		}
		res->_u._ext.nssocks[i] = -1;
	}
	res->_u._ext.nscount = 0;
	res->nscount = 1;
	memset(&res->nsaddr_list[0], 0, sizeof(res->nsaddr_list[0]));
	if (ss->ss_family == AF_INET)
		memcpy(&res->nsaddr_list[0], ss, sizeof(struct sockaddr_in));
	else {
		res->_u._ext.nsaddrs[0] = xmalloc(sizeof(struct sockaddr_in6));
		memcpy(res->_u._ext.nsaddrs[0], ss,
		    sizeof(struct sockaddr_in6));
	}
}

struct dns_ctx *
dns_open(const char *server, int timeout, int flags)
{
	struct dns_ctx *ctx;
	struct sockaddr_storage ss;
	int save;

	if (timeout < 0 || (server != NULL && parse_server(server, &ss) ==
	    -1)) {
		errno = EINVAL;
		return NULL;
	}
	ctx = xcalloc(1, sizeof(*ctx));
	if (res_ninit(&ctx->res) == -1) {
		save = errno ? errno : EIO;
		res_nclose(&ctx->res);
		free(ctx);
		errno = save;
		return NULL;
	}
	/* Only the name asked: no search list, no default domain. */
	ctx->res.options &= ~(RES_DEFNAMES | RES_DNSRCH);
	if (server != NULL) {
		set_server(&ctx->res, &ss);
		ctx->server = xstrdup(server);
	} else
		ctx->server = xstrdup("resolv.conf");
	if (timeout > 0) {
		ctx->res.retrans = timeout;
		ctx->res.retry = 1;
	}
	ctx->flags = flags;
	ctx->ans = xmalloc(DNS_ANSLEN);
	buf_init(&ctx->err);
	return ctx;
}

void
dns_close(struct dns_ctx *ctx)
{
	if (ctx == NULL)
		return;
	res_nclose(&ctx->res);
	free(ctx->ans);
	free(ctx->server);
	buf_free(&ctx->err);
	free(ctx);
}

void
dns_set_trace(struct dns_ctx *ctx, dns_trace_fn *fn, void *arg)
{
	ctx->trace = fn;
	ctx->trace_arg = arg;
}

const char *
dns_errmsg(struct dns_ctx *ctx)
{
	return buf_cstr(&ctx->err);
}

const char *
dns_strstatus(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "no such domain";
	case DNS_NULLMX:
		return "domain accepts no mail (null MX)";
	case DNS_NOHOST:
		return "no such host";
	case DNS_BADNAME:
		return "invalid domain name";
	case DNS_TEMPFAIL:
		return "temporary DNS failure";
	}
	return "unknown status";
}

int
dns_status_exit(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return 0;
	case DNS_TEMPFAIL:
		return EX_TEMPFAIL;
	default:
		return EX_NOHOST;
	}
}
