/*
 * msendconf: msend's configuration file (msend.conf(5)): accounts of
 * keyword-value lines, a "defaults" section, inheritance with
 * "account NAME : PARENT", and the default account.
 */
#ifndef MAILKIT_MSENDCONF_H
#define MAILKIT_MSENDCONF_H

#include <stddef.h>

#include "util.h"

#define MC_TLS_STARTTLS	0
#define MC_TLS_ON	1	/* implicit TLS (port 465) */
#define MC_TLS_OFF	2

#define MC_AUTH_DEFAULT	-1	/* on when a user is set, else off */
#define MC_AUTH_OFF	0
#define MC_AUTH_ON	1	/* PLAIN or LOGIN, whichever is offered */
#define MC_AUTH_PLAIN	2
#define MC_AUTH_LOGIN	3

/* Defaults of the queue's retry schedule, in seconds. */
#define MC_RETRY_MIN	(30 * 60)
#define MC_RETRY_MAX	(4 * 60 * 60)
#define MC_LIFETIME	(5 * 24 * 60 * 60)

struct account {
	char	*name;
	int	 direct;	/* relay direct: MX delivery */
	char	*host;
	char	*port;		/* NULL: 465 for tls on, 25 direct, else 587 */
	int	 tls;		/* MC_TLS_* */
	int	 tls_verify;	/* -1 default (on for a smarthost, off
				   direct), 0 off, 1 on */
	char	*tls_ca;
	int	 auth;		/* MC_AUTH_* */
	int	 auth_cleartext;	/* AUTH allowed without TLS */
	char	*user;
	char	*password;
	char	*passwordeval;	/* shell command printing the password */
	char	*from;		/* envelope sender; "*@dom" matches a domain */
	char	*domain;	/* EHLO name, Message-ID domain */
	char	*queue_dir;
	char	*logfile;
	char	*local_delivery;	/* command for bounces (sh -c) */
	char	*dsn_notify;	/* default for -N */
	int	 timeout;	/* seconds for every wait; 0: RFC 5321's */
	long	 retry_min;
	long	 retry_max;
	long	 lifetime;
};

struct msendconf {
	char		*path;		/* the file read, or NULL */
	struct account	*v;
	size_t		 n;
	char		*defname;	/* from "default NAME" */
	struct account	 defaults;	/* the "defaults" section */
};

void	 msendconf_init(struct msendconf *);
void	 msendconf_free(struct msendconf *);

/*
 * Read path into c.  Returns 0, or -1 with errno and a reason in err:
 * ENOENT no such file; EPERM the file is group- or world-writable, not
 * owned by the user (or root), or holds a password and is readable by
 * others than its owner (msend exits 77); EINVAL a syntax error, with
 * the file name and line in err (78); other errors from open or read.
 */
int	 msendconf_load(struct msendconf *, const char *path, struct buf *err);

/*
 * Pick the account: by name when name is not NULL (NULL if there is
 * none), else the first whose from matches sender (when not NULL),
 * else the default: the one named by "default", or the one named
 * "default", or the only one, or the "defaults" section itself.
 */
struct account *msendconf_account(struct msendconf *, const char *name,
	    const char *sender);

/* Does an account's from pattern match address a?  1 or 0. */
int	 msendconf_from_match(const char *pattern, const char *a);

/* Parse "90", "90s", "30m", "4h", "5d" into seconds; 0 or -1 (EINVAL). */
int	 msendconf_duration(const char *, long *);

/*
 * The password of an account: password, or the first line printed by
 * passwordeval (run with /bin/sh -c).  NULL when the account has
 * neither; NULL with errno and a reason in err when the command fails.
 */
char	*msendconf_password(const struct account *, struct buf *err);

#endif
