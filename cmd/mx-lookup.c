/*
 * mx-lookup: print the mail exchangers of domains in the order a sender
 * must try them (RFC 5321 §5.1), as msend's direct mode does.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dns.h"
#include "util.h"

static int	 aflag;

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mx-lookup [-anVv] [-s server[:port]] "
	    "[-t secs] domain ...\n");
	exit(EX_USAGE);
}

/* -v: the resolver's account of each query, on standard error. */
static void
verbose(void *arg, const char *line)
{
	mk_warnx("%s", line);
}

/* A printable copy of a command-line domain for diagnostics. */
static char *
printable(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++)
		buf_addc(&b, *s >= 0x20 && *s < 0x7f ? *s : '?');
	return buf_release(&b);
}

static void
print_addr(const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN];
	const void *p;

	if (ss->ss_family == AF_INET)
		p = &((const struct sockaddr_in *)ss)->sin_addr;
	else
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (inet_ntop(ss->ss_family, p, a, sizeof(a)) != NULL)
		printf(" %s", a);
}

/* Look up one domain; print its hosts, prefixed by it when several. */
static int
lookup(struct dns_ctx *ctx, const char *domain, int prefix)
{
	struct mxlist mx = MXLIST_INIT;
	enum dns_status st;
	struct mxhost *h;
	char *name = printable(domain);
	size_t i, j;

	st = dns_mx(ctx, domain, &mx);
	for (i = 0; i < mx.n; i++) {
		h = &mx.v[i];
		if (h->implicit)
			;	/* the status says it all */
		else if (h->state == MXH_NOADDR)
			mk_warnx("%s: MX host %s has no address, skipped",
			    name, h->name);
		else if (h->state == MXH_TEMPFAIL)
			mk_warnx("%s: address lookup of MX host %s failed "
			    "temporarily, skipped", name, h->name);
		if (st != DNS_OK || h->state != MXH_OK)
			continue;
		if (prefix)
			printf("%s ", name);
		printf("%u %s", h->pref, h->name);
		if (aflag)
			for (j = 0; j < h->naddrs; j++)
				print_addr(&h->addrs[j]);
		putchar('\n');
	}
	if (st != DNS_OK)
		mk_warnx("%s: %s", name, dns_errmsg(ctx));
	mxlist_free(&mx);
	free(name);
	if (fflush(stdout) == EOF || ferror(stdout))
		mk_err(EX_IOERR, "standard output");
	return dns_status_exit(st);
}

int
main(int argc, char *argv[])
{
	struct dns_ctx *ctx;
	const char *server = NULL, *errstr;
	int ch, flags = 0, rc, worst = 0, timeout = 0, vflag = 0, prefix;

	while ((ch = getopt(argc, argv, "ans:t:Vv")) != -1) {
		switch (ch) {
		case 'a':
			aflag = 1;
			break;
		case 'n':
			flags |= DNS_NOSHUFFLE;
			break;
		case 's':
			server = optarg;
			break;
		case 't':
			timeout = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL) {
				mk_warnx("-t %s: timeout is %s", optarg,
				    errstr);
				usage();
			}
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();

	if ((ctx = dns_open(server, timeout, flags)) == NULL) {
		if (errno == EINVAL) {
			mk_warnx("-s %s: not a numeric address[:port]",
			    server);
			usage();
		}
		mk_err(EX_TEMPFAIL, "resolver initialisation");
	}
	if (vflag)
		dns_set_trace(ctx, verbose, NULL);
	prefix = argc > 1;
	for (; argc > 0; argc--, argv++) {
		rc = lookup(ctx, *argv, prefix);
		/* A temporary failure outranks a permanent one. */
		if (rc == EX_TEMPFAIL || (rc != 0 && worst == 0))
			worst = rc;
	}
	dns_close(ctx);
	return worst;
}
