/*
 * Unit tests for libcommon/dns: the parts that need no network.  Answers
 * are DNS messages in wire format built here, byte by byte.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dns.h"
#include "util.h"
#include "tap.h"

/* A message under construction. */
struct pkt {
	unsigned char	b[4096];
	size_t		n;
};

static void
put8(struct pkt *p, unsigned int v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned int v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
putbytes(struct pkt *p, const void *v, size_t len)
{
	memcpy(p->b + p->n, v, len);
	p->n += len;
}

/* Labels separated by dots, then the root; "" is the root alone. */
static void
putlabels(struct pkt *p, const char *name)
{
	const char *dot;
	size_t len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		put8(p, (unsigned int)len);
		putbytes(p, name, len);
		name += len + (dot != NULL);
	}
}

static void
putname(struct pkt *p, const char *name)
{
	putlabels(p, name);
	put8(p, 0);
}

/* A compression pointer to offset off. */
static void
putptr(struct pkt *p, unsigned int off)
{
	put16(p, 0xc000 | off);
}

/* Header of a response (QR, RD, RA) with the given counts. */
static void
header(struct pkt *p, int rcode, unsigned int an, unsigned int ns,
    unsigned int ar)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode);
	put16(p, 1);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

#define QNAME_OFF 12	/* where the question's name starts */

static void
question(struct pkt *p, const char *name, int type)
{
	putname(p, name);
	put16(p, (unsigned int)type);
	put16(p, ns_c_in);
}

/* Owner, type, class, TTL; returns the offset of RDLENGTH. */
static size_t
rr_begin(struct pkt *p, int type, int class)
{
	size_t off;

	put16(p, (unsigned int)type);
	put16(p, (unsigned int)class);
	put32(p, 300);
	off = p->n;
	put16(p, 0);
	return off;
}

static void
rr_end(struct pkt *p, size_t off)
{
	size_t len = p->n - off - 2;

	p->b[off] = (unsigned char)(len >> 8);
	p->b[off + 1] = (unsigned char)(len & 0xff);
}

/* An MX record owned by the question's name (compressed). */
static void
rr_mx_q(struct pkt *p, unsigned int pref, const char *target)
{
	size_t off;

	putptr(p, QNAME_OFF);
	off = rr_begin(p, ns_t_mx, ns_c_in);
	put16(p, pref);
	putname(p, target);
	rr_end(p, off);
}

static void
rr_mx(struct pkt *p, const char *owner, unsigned int pref, const char *target)
{
	size_t off;

	putname(p, owner);
	off = rr_begin(p, ns_t_mx, ns_c_in);
	put16(p, pref);
	putname(p, target);
	rr_end(p, off);
}

static void
rr_cname(struct pkt *p, const char *owner, const char *target)
{
	size_t off;

	putname(p, owner);
	off = rr_begin(p, ns_t_cname, ns_c_in);
	putname(p, target);
	rr_end(p, off);
}

static void
rr_a(struct pkt *p, const char *owner, const char *addr)
{
	struct in_addr in;
	size_t off;

	inet_pton(AF_INET, addr, &in);
	putname(p, owner);
	off = rr_begin(p, ns_t_a, ns_c_in);
	putbytes(p, &in, sizeof(in));
	rr_end(p, off);
}

static void
rr_aaaa(struct pkt *p, const char *owner, const char *addr)
{
	struct in6_addr in6;
	size_t off;

	inet_pton(AF_INET6, addr, &in6);
	putname(p, owner);
	off = rr_begin(p, ns_t_aaaa, ns_c_in);
	putbytes(p, &in6, sizeof(in6));
	rr_end(p, off);
}

static const char *
ntop(const struct sockaddr_storage *ss)
{
	static char a[INET6_ADDRSTRLEN];
	const void *p;

	if (ss->ss_family == AF_INET)
		p = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		return "?";
	return inet_ntop(ss->ss_family, p, a, sizeof(a));
}

static int
parse(struct pkt *p, const char *qname, int qtype, struct dns_rrset *rs)
{
	return dns_parse(p->b, p->n, qname, qtype, rs, NULL, NULL);
}

static void
test_hostname_ok(void)
{
	char big[300];

	ok(dns_hostname_ok("example.org"), "hostname: plain");
	ok(dns_hostname_ok("Mx-1.Example.ORG."), "hostname: case, digits, "
	    "hyphen, trailing dot");
	ok(dns_hostname_ok("_25._tcp.example.org"), "hostname: underscores");
	ok(dns_hostname_ok("localhost"), "hostname: one label");
	ok(!dns_hostname_ok(""), "hostname: empty");
	ok(!dns_hostname_ok("."), "hostname: the root alone");
	ok(!dns_hostname_ok(".example.org"), "hostname: leading dot");
	ok(!dns_hostname_ok("a..b"), "hostname: empty label");
	ok(!dns_hostname_ok("example.org.."), "hostname: two trailing dots");
	ok(!dns_hostname_ok("bad\\032name.org"), "hostname: escape");
	ok(!dns_hostname_ok("bad name.org"), "hostname: space");
	ok(!dns_hostname_ok("bad\nname.org"), "hostname: newline");
	ok(!dns_hostname_ok("bad\033[0m.org"), "hostname: escape sequence");
	ok(!dns_hostname_ok("caf\xc3\xa9.org"), "hostname: 8-bit");
	memset(big, 'a', 63);
	strlcpy(big + 63, ".org", sizeof(big) - 63);
	ok(dns_hostname_ok(big), "hostname: 63-octet label");
	memset(big, 'a', 64);
	strlcpy(big + 64, ".org", sizeof(big) - 64);
	ok(!dns_hostname_ok(big), "hostname: 64-octet label");
	/* 4 labels of 61 + 3 dots + "abcdef" = 253 */
	memset(big, 'a', sizeof(big));
	big[61] = big[123] = big[185] = big[247] = '.';
	big[253] = '\0';
	ok(dns_hostname_ok(big), "hostname: 253 octets");
	big[253] = '.';
	big[254] = '\0';
	ok(dns_hostname_ok(big), "hostname: 253 octets and the root dot");
	big[253] = 'a';
	ok(!dns_hostname_ok(big), "hostname: 254 octets");
}

static void
set_hosts(struct mxhost *v, const unsigned int *prefs, const char **names,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].pref = prefs[i];
		v[i].name = (char *)names[i];
	}
}

static void
test_sort(void)
{
	static const unsigned int prefs[] = { 30, 10, 20, 10, 65535, 0 };
	static const char *names[] = { "c", "b", "d", "A", "z", "i" };
	static const unsigned int eq[] = { 10, 10, 10, 20 };
	static const char *eqn[] = { "x", "y", "z", "last" };
	struct mxhost v[6];
	size_t perm[6] = { 0 }, first[3] = { 0 }, i, k, good;
	int ordered = 1, last = 1;

	set_hosts(v, prefs, names, 6);
	mx_sort(v, 6, 1);
	ok(v[0].pref == 0 && v[1].pref == 10 && v[2].pref == 10 &&
	    v[3].pref == 20 && v[4].pref == 30 && v[5].pref == 65535,
	    "sort: ascending preference");
	is_str(v[1].name, "A", "sort -n: equal preferences by name, case "
	    "ignored (A)");
	is_str(v[2].name, "b", "sort -n: equal preferences by name (b)");
	mx_sort(v, 0, 0);
	mx_sort(v, 1, 0);
	ok(1, "sort: empty and one-element lists");

	/*
	 * Shuffle: 6000 sorts of three equal hosts; each of the six orders
	 * is expected 1000 times (standard deviation about 29), each host
	 * first 2000 times.  The bounds are 7 deviations wide.
	 */
	for (i = 0; i < 6000; i++) {
		set_hosts(v, eq, eqn, 4);
		mx_sort(v, 4, 0);
		if (v[0].pref != 10 || v[1].pref != 10 || v[2].pref != 10)
			ordered = 0;
		if (strcmp(v[3].name, "last") != 0)
			last = 0;
		k = (size_t)(v[0].name[0] - 'x') * 2 +
		    (v[1].name[0] > v[2].name[0]);
		perm[k]++;
		first[v[0].name[0] - 'x']++;
	}
	ok(ordered && last, "shuffle: never moves a host across preferences");
	for (good = 1, i = 0; i < 6; i++)
		if (perm[i] < 800 || perm[i] > 1200)
			good = 0;
	ok(good, "shuffle: all six orders about equally often (%zu %zu %zu "
	    "%zu %zu %zu)", perm[0], perm[1], perm[2], perm[3], perm[4],
	    perm[5]);
	for (good = 1, i = 0; i < 3; i++)
		if (first[i] < 1800 || first[i] > 2200)
			good = 0;
	ok(good, "shuffle: each host first about a third of the time");
}

static void
test_parse_mx(void)
{
	struct pkt p;
	struct dns_rrset rs;

	header(&p, 0, 3, 0, 0);
	question(&p, "example.test", ns_t_mx);
	rr_mx_q(&p, 10, "mx1.example.test");
	rr_mx_q(&p, 20, "mx2.example.test");
	rr_mx_q(&p, 0, "");
	is_int(parse(&p, "example.test", ns_t_mx, &rs), 0, "MX: parsed");
	is_int(rs.n, 3, "MX: three records");
	is_int(rs.v[0].pref, 10, "MX: first preference");
	is_str(rs.v[0].target, "mx1.example.test", "MX: first target");
	is_int(rs.v[1].pref, 20, "MX: second preference");
	is_str(rs.v[1].target, "mx2.example.test", "MX: second target");
	is_str(rs.v[2].target, "", "MX: the root target is \"\"");
	is_str(rs.canon, "example.test", "MX: canonical name is the question");
	is_int(rs.ncname, 0, "MX: no CNAME");
	dns_rrset_free(&rs);

	is_int(parse(&p, "EXAMPLE.Test.", ns_t_mx, &rs), 0,
	    "MX: the question matches without case and trailing dot");
	is_int(rs.n, 3, "MX: three records again");
	dns_rrset_free(&rs);

	/* A compressed target pointing into the question. */
	header(&p, 0, 1, 0, 0);
	question(&p, "example.test", ns_t_mx);
	{
		size_t off;

		putptr(&p, QNAME_OFF);
		off = rr_begin(&p, ns_t_mx, ns_c_in);
		put16(&p, 5);
		putlabels(&p, "mx");
		putptr(&p, QNAME_OFF);
		rr_end(&p, off);
	}
	is_int(parse(&p, "example.test", ns_t_mx, &rs), 0,
	    "MX: compressed target");
	ok(rs.n == 1 && strcmp(rs.v[0].target, "mx.example.test") == 0,
	    "MX: compressed target expanded");
	dns_rrset_free(&rs);

	/* Records for another owner, type or class are not used. */
	header(&p, 0, 4, 0, 0);
	question(&p, "example.test", ns_t_mx);
	rr_mx(&p, "other.test", 10, "evil.test");
	rr_a(&p, "example.test", "192.0.2.1");
	{
		size_t off;

		putptr(&p, QNAME_OFF);
		off = rr_begin(&p, ns_t_mx, ns_c_chaos);
		put16(&p, 1);
		putname(&p, "chaos.test");
		rr_end(&p, off);
	}
	rr_mx_q(&p, 30, "good.example.test");
	is_int(parse(&p, "example.test", ns_t_mx, &rs), 0,
	    "MX: stray records parsed");
	ok(rs.n == 1 && strcmp(rs.v[0].target, "good.example.test") == 0,
	    "MX: only the question's own MX record kept");
	is_int(rs.nignored, 3, "MX: other owner, type and class ignored");
	dns_rrset_free(&rs);

	/* A target with control bytes comes back escaped, not raw. */
	header(&p, 0, 1, 0, 0);
	question(&p, "example.test", ns_t_mx);
	rr_mx_q(&p, 10, "b\x01\x1b[2Jad.test");
	is_int(parse(&p, "example.test", ns_t_mx, &rs), 0,
	    "MX: control bytes in a target");
	ok(rs.n == 1 && strchr(rs.v[0].target, '\x1b') == NULL &&
	    strchr(rs.v[0].target, '\x01') == NULL &&
	    !dns_hostname_ok(rs.v[0].target),
	    "MX: such a target is escaped and not a host name (%s)",
	    rs.n ? rs.v[0].target : "");
	dns_rrset_free(&rs);
}

static void
test_parse_addr(void)
{
	struct pkt p;
	struct dns_rrset rs;

	header(&p, 0, 2, 0, 0);
	question(&p, "mx.example.test", ns_t_a);
	rr_a(&p, "mx.example.test", "192.0.2.1");
	rr_a(&p, "mx.example.test", "192.0.2.2");
	is_int(parse(&p, "mx.example.test", ns_t_a, &rs), 0, "A: parsed");
	ok(rs.n == 2 && rs.v[0].addr.ss_family == AF_INET,
	    "A: two IPv4 addresses");
	is_str(ntop(&rs.v[0].addr), "192.0.2.1", "A: first address");
	is_str(rs.n > 1 ? ntop(&rs.v[1].addr) : NULL, "192.0.2.2",
	    "A: second address");
	dns_rrset_free(&rs);

	header(&p, 0, 1, 0, 0);
	question(&p, "mx.example.test", ns_t_aaaa);
	rr_aaaa(&p, "mx.example.test", "2001:db8::25");
	is_int(parse(&p, "mx.example.test", ns_t_aaaa, &rs), 0,
	    "AAAA: parsed");
	ok(rs.n == 1 && rs.v[0].addr.ss_family == AF_INET6,
	    "AAAA: one IPv6 address");
	is_str(rs.n ? ntop(&rs.v[0].addr) : NULL, "2001:db8::25",
	    "AAAA: the address");
	dns_rrset_free(&rs);

	/* An A record of the wrong length is ignored. */
	header(&p, 0, 2, 0, 0);
	question(&p, "mx.example.test", ns_t_a);
	{
		size_t off;

		putptr(&p, QNAME_OFF);
		off = rr_begin(&p, ns_t_a, ns_c_in);
		putbytes(&p, "\xc0\x00\x02\x01\x09", 5);
		rr_end(&p, off);
	}
	rr_a(&p, "mx.example.test", "192.0.2.3");
	is_int(parse(&p, "mx.example.test", ns_t_a, &rs), 0,
	    "A: long rdata parsed");
	ok(rs.n == 1 && rs.nignored == 1, "A: 5-octet A record ignored");
	dns_rrset_free(&rs);
}

static void
test_parse_cname(void)
{
	struct pkt p;
	struct dns_rrset rs;

	/* Out of order on purpose: the chain is found by owner. */
	header(&p, 0, 4, 0, 0);
	question(&p, "alias.test", ns_t_mx);
	rr_mx(&p, "real.test", 10, "mx.real.test");
	rr_cname(&p, "mid.test", "real.test");
	rr_cname(&p, "alias.test", "mid.test");
	rr_mx(&p, "alias.test", 5, "evil.test");
	is_int(parse(&p, "alias.test", ns_t_mx, &rs), 0, "CNAME: parsed");
	is_str(rs.canon, "real.test", "CNAME: chain followed to its end");
	is_int(rs.ncname, 2, "CNAME: two links");
	ok(rs.n == 1 && strcmp(rs.v[0].target, "mx.real.test") == 0,
	    "CNAME: the MX of the canonical name, not of the alias");
	is_int(rs.nignored, 1, "CNAME: MX at the alias ignored");
	dns_rrset_free(&rs);

	/* A chain that ends without data. */
	header(&p, 0, 1, 0, 0);
	question(&p, "alias.test", ns_t_mx);
	rr_cname(&p, "alias.test", "elsewhere.test");
	is_int(parse(&p, "alias.test", ns_t_mx, &rs), 0,
	    "CNAME alone: parsed");
	ok(rs.n == 0 && rs.ncname == 1 &&
	    strcmp(rs.canon, "elsewhere.test") == 0,
	    "CNAME alone: no data, canonical name known");
	dns_rrset_free(&rs);

	/* A loop ends. */
	header(&p, 0, 2, 0, 0);
	question(&p, "a.test", ns_t_mx);
	rr_cname(&p, "a.test", "b.test");
	rr_cname(&p, "b.test", "a.test");
	is_int(parse(&p, "a.test", ns_t_mx, &rs), 0, "CNAME loop: parsed");
	ok(rs.n == 0 && rs.ncname == 2, "CNAME loop: stops, no data");
	dns_rrset_free(&rs);

	/* A CNAME to a name that is no host name is not followed. */
	header(&p, 0, 2, 0, 0);
	question(&p, "a.test", ns_t_mx);
	rr_cname(&p, "a.test", "b\nc.test");
	rr_mx(&p, "b\nc.test", 1, "mx.test");
	is_int(parse(&p, "a.test", ns_t_mx, &rs), 0, "bad CNAME: parsed");
	ok(rs.n == 0 && rs.ncname == 0 && strcmp(rs.canon, "a.test") == 0,
	    "bad CNAME: not followed");
	dns_rrset_free(&rs);
}

static void
test_parse_bad(void)
{
	struct pkt p, q;
	struct dns_rrset rs;
	size_t i, fails, off;
	int r;

	header(&p, 0, 2, 0, 0);
	question(&p, "example.test", ns_t_mx);
	rr_mx_q(&p, 10, "mx1.example.test");
	rr_mx_q(&p, 20, "mx2.example.test");

	errno = 0;
	is_int(parse(&p, "other.test", ns_t_mx, &rs), -1,
	    "question for another name: refused");
	is_int(errno, EBADMSG, "question mismatch: EBADMSG");
	is_int(parse(&p, "example.test", ns_t_a, &rs), -1,
	    "question for another type: refused");
	ok(rs.v == NULL && rs.n == 0 && rs.canon == NULL,
	    "failure leaves an empty set");

	/* Every truncation of a valid message fails cleanly. */
	for (fails = 0, i = 0; i < p.n; i++) {
		q = p;
		q.n = i;
		if (parse(&q, "example.test", ns_t_mx, &rs) == 0) {
			fails++;
			dns_rrset_free(&rs);
		}
	}
	is_int(fails, 0, "every truncated message is refused");
	is_int(dns_parse(p.b, 70000, "example.test", ns_t_mx, &rs, NULL,
	    NULL), -1, "longer than any DNS message: refused");

	/* An answer count larger than the records present. */
	q = p;
	q.b[7] = 3;
	is_int(parse(&q, "example.test", ns_t_mx, &rs), -1,
	    "ANCOUNT past the end: refused");

	/* No question, two questions. */
	q = p;
	q.b[5] = 0;
	is_int(parse(&q, "example.test", ns_t_mx, &rs), -1,
	    "no question: refused");

	/* RDLENGTH past the end of the message. */
	header(&q, 0, 1, 0, 0);
	question(&q, "example.test", ns_t_mx);
	putptr(&q, QNAME_OFF);
	off = rr_begin(&q, ns_t_mx, ns_c_in);
	put16(&q, 10);
	putname(&q, "mx.test");
	q.b[off] = 0x10;
	is_int(parse(&q, "example.test", ns_t_mx, &rs), -1,
	    "RDLENGTH past the end: refused");

	/* An MX target longer than its RDLENGTH: the record is ignored. */
	header(&q, 0, 2, 0, 0);
	question(&q, "example.test", ns_t_mx);
	putptr(&q, QNAME_OFF);
	off = rr_begin(&q, ns_t_mx, ns_c_in);
	put16(&q, 10);
	putname(&q, "mx.test");
	rr_end(&q, off);
	q.b[off + 1] -= 3;		/* target runs into the next record */
	q.n -= 3;
	rr_mx_q(&q, 20, "ok.test");
	r = parse(&q, "example.test", ns_t_mx, &rs);
	ok(r == -1 || (rs.n <= 1 && (rs.n == 0 ||
	    strcmp(rs.v[0].target, "mx.test") != 0)),
	    "MX target overrunning its RDLENGTH is never used");
	if (r == 0)
		dns_rrset_free(&rs);

	/* An MX record too short for a preference and a name. */
	header(&q, 0, 1, 0, 0);
	question(&q, "example.test", ns_t_mx);
	putptr(&q, QNAME_OFF);
	off = rr_begin(&q, ns_t_mx, ns_c_in);
	put16(&q, 10);
	rr_end(&q, off);
	is_int(parse(&q, "example.test", ns_t_mx, &rs), 0,
	    "2-octet MX: message parsed");
	ok(rs.n == 0 && rs.nignored == 1, "2-octet MX: record ignored");
	dns_rrset_free(&rs);

	/* A compression pointer to itself. */
	header(&q, 0, 1, 0, 0);
	question(&q, "example.test", ns_t_mx);
	putptr(&q, QNAME_OFF);
	off = rr_begin(&q, ns_t_mx, ns_c_in);
	put16(&q, 10);
	putptr(&q, (unsigned int)q.n);
	rr_end(&q, off);
	is_int(parse(&q, "example.test", ns_t_mx, &rs), 0,
	    "pointer loop: message parsed");
	ok(rs.n == 0 && rs.nignored == 1, "pointer loop: record ignored");
	dns_rrset_free(&rs);

	/* A forward pointer past the end. */
	header(&q, 0, 1, 0, 0);
	question(&q, "example.test", ns_t_mx);
	putptr(&q, QNAME_OFF);
	off = rr_begin(&q, ns_t_mx, ns_c_in);
	put16(&q, 10);
	putptr(&q, 0x3ff);
	rr_end(&q, off);
	is_int(parse(&q, "example.test", ns_t_mx, &rs), 0,
	    "pointer past the end: message parsed");
	ok(rs.n == 0, "pointer past the end: record ignored");
	dns_rrset_free(&rs);

	/* Random corruption: never a crash (run under ASan in CI). */
	srandom(42);
	for (i = 0; i < 20000; i++) {
		q = p;
		q.b[random() % q.n] = (unsigned char)random();
		if (random() % 2)
			q.b[random() % q.n] = (unsigned char)random();
		if (parse(&q, "example.test", ns_t_mx, &rs) == 0)
			dns_rrset_free(&rs);
	}
	ok(1, "20000 corrupted messages parsed or refused without harm");
}

/* Collect trace lines, one per line, into the buffer arg. */
static void
collect(void *arg, const char *line)
{
	buf_adds(arg, line);
	buf_addc(arg, '\n');
}

static void
test_trace(void)
{
	struct pkt p;
	struct dns_rrset rs;
	struct buf t = BUF_INIT;
	size_t i;
	int clean = 1;

	header(&p, 0, 3, 0, 0);
	question(&p, "example.test", ns_t_mx);
	rr_mx(&p, "evil\x1b]0;pwned\x07.test", 10, "mx.test");
	rr_cname(&p, "example.test", "x\ry.test");
	rr_mx_q(&p, 10, "ok\x7f\xff.test");
	is_int(dns_parse(p.b, p.n, "example.test", ns_t_mx, &rs, collect, &t),
	    0, "trace: hostile names parsed");
	for (i = 0; i < t.len; i++)
		if (t.data[i] != '\n' && (t.data[i] < 0x20 || t.data[i] >= 0x7f))
			clean = 0;
	ok(clean && t.len > 0, "trace: every line printable");
	ok(strstr(buf_cstr(&t), "ignored (owner is not example.test)") != NULL,
	    "trace: says why a record was ignored");
	dns_rrset_free(&rs);
	buf_free(&t);
}

static void
test_status(void)
{
	struct dns_ctx *ctx;

	is_int(dns_status_exit(DNS_OK), 0, "exit: ok 0");
	is_int(dns_status_exit(DNS_NXDOMAIN), EX_NOHOST, "exit: NXDOMAIN 68");
	is_int(dns_status_exit(DNS_NULLMX), EX_NOHOST, "exit: null MX 68");
	is_int(dns_status_exit(DNS_NOHOST), EX_NOHOST, "exit: no host 68");
	is_int(dns_status_exit(DNS_BADNAME), EX_NOHOST, "exit: bad name 68");
	is_int(dns_status_exit(DNS_TEMPFAIL), EX_TEMPFAIL,
	    "exit: temporary 75");
	ok(dns_open("not-an-address", 0, 0) == NULL && errno == EINVAL,
	    "dns_open: a server that is not numeric is EINVAL");
	ok(dns_open("127.0.0.1:0", 0, 0) == NULL && errno == EINVAL,
	    "dns_open: port 0 is EINVAL");
	ok(dns_open("[::1]x", 0, 0) == NULL && errno == EINVAL,
	    "dns_open: junk after a bracketed address is EINVAL");
	ok(dns_open(NULL, -1, 0) == NULL && errno == EINVAL,
	    "dns_open: a negative timeout is EINVAL");
	ok((ctx = dns_open("192.0.2.1:5353", 3, 0)) != NULL,
	    "dns_open: IPv4 address and port");
	dns_close(ctx);
	ok((ctx = dns_open("[2001:db8::1]:5353", 0, DNS_NOSHUFFLE)) != NULL,
	    "dns_open: bracketed IPv6 address and port");
	dns_close(ctx);
	ok((ctx = dns_open("2001:db8::1", 0, 0)) != NULL,
	    "dns_open: bare IPv6 address");
	dns_close(ctx);
	dns_close(NULL);
}

int
main(void)
{
	test_hostname_ok();
	test_sort();
	test_parse_mx();
	test_parse_addr();
	test_parse_cname();
	test_parse_bad();
	test_trace();
	test_status();
	return done_testing();
}
