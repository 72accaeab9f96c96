/*
 * alias: aliases(5) as Postfix reads it, compiled into a cdb database;
 * .forward and :include: files; recipient expansion as Postfix local(8)
 * does it (aliases, then ~user/.forward, then the mailbox); delivery to
 * programs and files (aliasrun.c).
 *
 * Values are kept in "internal form": the RFC 822 tokens of one address
 * with quotes and quoted pairs taken off, comments and phrases dropped,
 * words separated by one space ("|/usr/bin/prog -x", "/var/log/list",
 * ":include:/etc/staff", "bob@example.org", "alice").  A value given as
 * \user keeps its backslash: deliver to that user's mailbox, with no
 * further aliasing and no .forward.
 *
 * The database is a cdb file (tinycdb): key the case-folded name, value
 * the internal forms of its values, each followed by a NUL byte.
 *
 * Every function returns 0 on success and -1 with errno set on failure
 * unless its comment says otherwise.
 */
#ifndef MAILKIT_ALIAS_H
#define MAILKIT_ALIAS_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>

#include "util.h"

#define ALIAS_MAXDEPTH	100		/* nesting of aliases, includes, .forward */
#define ALIAS_TIMEOUT	1000		/* seconds for a program delivery */
#define ALIAS_PATH	"/etc/aliases"
#define ALIAS_OUTMAX	4096		/* program output kept for the reason */

/* ------------------------------------------------------------ parsing */

/* What a value is. */
#define AV_LOCAL	1	/* a local name: alias or user */
#define AV_NOALIAS	2	/* \user: the user's mailbox, nothing else */
#define AV_REMOTE	3	/* an address with a domain */
#define AV_PROGRAM	4	/* |command (the text after the bar) */
#define AV_FILE		5	/* /absolute/path (a trailing / is a Maildir) */
#define AV_INCLUDE	6	/* :include:/absolute/path */

/* Classify an internal-form value; *rest points after |, \ or :include:. */
int	 alias_value_kind(const char *v, const char **rest);

/*
 * Split text (one logical line's value part, one .forward line) into the
 * internal forms of its comma-separated values, each appended to out
 * followed by a NUL.  Returns the number of values, or -1 with a message
 * in err (unterminated quote, relative :include: name ...).
 */
int	 alias_parse_values(const char *text, size_t len, struct buf *out,
	    struct buf *err);

/* Lower-case an alias name in place (ASCII). */
void	 alias_fold(char *);

/*
 * Read an aliases(5) file and compile it.  Postfix's reading: a line
 * starting with white space continues the logical line; blank lines and
 * lines whose first non-blank character is # are skipped, also inside a
 * logical line; "name: value, value ..."; names case-folded, quoted or
 * not; names with @ or % refused; the first of duplicate names wins.
 *
 * Diagnostics go to diag (or standard error through mk_warnx when NULL)
 * as "src, line N: message" (N the first physical line of the logical
 * line).  With dbpath NULL the file is only checked.  Otherwise the
 * database is written to a temporary file beside dbpath, fsync'd and
 * renamed over dbpath, only when the file has no errors.
 *
 * Returns 0 when the file has no errors (warnings allowed), 1 when it
 * has errors (nothing was written), -1 on an I/O error with errno set
 * and *iopath naming the file concerned (src or dbpath).
 */
struct alias_stats {
	unsigned long	 entries;	/* names stored */
	unsigned long	 errors;
	unsigned long	 warnings;
	unsigned long	 lines;		/* physical lines read */
};
typedef void alias_diag_fn(void *arg, const char *msg);
int	 alias_compile(const char *src, const char *dbpath, mode_t mode,
	    alias_diag_fn *diag, void *arg, struct alias_stats *,
	    const char **iopath);

/* ------------------------------------------------------------ database */

struct alias_db;

/* Open a compiled database (cdb).  It stays valid after a rebuild. */
int	 alias_db_open(struct alias_db **, const char *path);
void	 alias_db_close(struct alias_db *);
/* Owner of the database file (commands from aliases run as this user). */
uid_t	 alias_db_owner(const struct alias_db *);
const char *alias_db_path(const struct alias_db *);
/*
 * Look name up (folded here).  1 found, with the values (each followed
 * by NUL) in val; 0 not found; -1 with errno (the file is damaged: EIO).
 */
int	 alias_db_lookup(struct alias_db *, const char *name, struct buf *val);
/*
 * Walk every record in the order they were compiled: *cursor starts at
 * 0.  1 with key and val filled, 0 at the end, -1 with errno.
 */
int	 alias_db_next(struct alias_db *, unsigned *cursor, struct buf *key,
	    struct buf *val);

/* Append the external (source) form of an internal value: quoted when
 * the text would not read back the same. */
void	 alias_quote_value(struct buf *, const char *v);
void	 alias_quote_name(struct buf *, const char *name);

/* ------------------------------------------------------------ .forward */

/*
 * Parse a .forward or :include: file: one address list per line, lines
 * whose first non-blank character is # skipped.  Values appended to out
 * NUL-terminated; returns the count, or -1 with "line N: message" in err.
 */
int	 alias_parse_forward(const char *text, size_t len, struct buf *out,
	    struct buf *err);

/* ------------------------------------------------------------ expansion */

/* A local user as the expansion needs it. */
struct alias_user {
	char	*name;
	uid_t	 uid;
	gid_t	 gid;
	char	*home;
	char	*shell;
};

void	 alias_user_free(struct alias_user *);

/*
 * Hooks.  getuser: 0 found (u filled, caller frees with
 * alias_user_free), 1 no such user, -1 lookup failed (errno).  The
 * default, alias_getuser(), is getpwnam(3), retried in lower case.
 *
 * readfile: read path as user "as" (a .forward or an include file) into
 * out, and stat(2) the file (st, after opening it without following a
 * final symlink) and the directory holding it (dirst).  0, or -1 with
 * errno (ENOENT: no such file).  The default, alias_readfile(), does it
 * in a child process that has switched to the user when running as root.
 */
typedef int alias_getuser_fn(void *arg, const char *name,
    struct alias_user *u);
typedef int alias_readfile_fn(void *arg, const struct alias_user *as,
    const char *path, struct buf *out, struct stat *st, struct stat *dirst);

int	 alias_getuser(void *arg, const char *name, struct alias_user *u);
int	 alias_readfile(void *arg, const struct alias_user *as,
	    const char *path, struct buf *out, struct stat *st,
	    struct stat *dirst);

/* Where a value came from: bits for alias_cfg.cmds and .files. */
#define ALIAS_FROM_ALIASES	0x01
#define ALIAS_FROM_FORWARD	0x02
#define ALIAS_FROM_INCLUDE	0x04

struct alias_cfg {
	struct alias_db	*db;		/* NULL: no aliases */
	int		 cmds;		/* where |command is allowed from */
	int		 files;		/* where /file is allowed from */
	const char	*delim;		/* recipient delimiters ("+"), or NULL */
	const char	*domain;	/* qualifies owner- senders and
					   RECIPIENT, or NULL */
	const char	*forward;	/* file in home: ".forward" */
	const char	*defuser;	/* instead of root: "nobody" */
	int		 maxdepth;	/* ALIAS_MAXDEPTH */
	alias_getuser_fn *getuser;
	alias_readfile_fn *readfile;
	void		*hookarg;
	alias_diag_fn	*warn;		/* warnings (bad .forward ...); NULL:
					   mk_warnx */
	void		*warnarg;
};

/* Defaults: commands and files from aliases and .forward, not includes,
 * as Postfix's allow_mail_to_commands and allow_mail_to_files. */
void	 alias_cfg_init(struct alias_cfg *);

/* Kinds of final destination. */
#define ADEST_MAILBOX	1	/* the mailbox of user */
#define ADEST_FILE	2	/* append value (a path) as user */
#define ADEST_PROGRAM	3	/* /bin/sh -c value as user, in home */
#define ADEST_REMOTE	4	/* re-submit to value (an address) */
#define ADEST_ERROR	5	/* status and value (the reason) */

struct alias_dest {
	int	 kind;
	char	*value;		/* path, command, address or reason */
	char	*user;		/* mailbox owner, or the user a file or
				   program delivery runs as (never root) */
	uid_t	 uid;
	gid_t	 gid;
	char	*home;
	char	*shell;
	char	*rcpt;		/* the local name whose expansion gave it:
				   Delivered-To, RECIPIENT, LOCAL */
	char	*ext;		/* its extension, or NULL */
	char	*sender;	/* envelope sender for it (owner-list), or
				   NULL: the message's */
	char	*origin;	/* where: "alias staff", "~bob/.forward" */
	int	 status;	/* ADEST_ERROR: sysexits */
	int	 err;		/* ADEST_ERROR: errno behind it (ELOOP) */
};

struct alias_list {
	struct alias_dest *v;
	size_t		 n;
	size_t		 cap;
};

#define ALIAS_LIST_INIT { NULL, 0, 0 }

void	 alias_list_free(struct alias_list *);

/*
 * Expand one recipient ("local" or "local@domain") into final
 * destinations appended to out, in order, each once.  Returns the worst
 * status of the ADEST_ERROR entries (75 first), 0 when there is none.
 * A name that is neither an alias nor a user gives one ADEST_ERROR with
 * EX_NOUSER.
 */
int	 alias_expand(const struct alias_cfg *, const char *rcpt,
	    struct alias_list *out);

/* One line describing d: "mailbox alice", "program bob |cmd" ... */
void	 alias_dest_print(struct buf *, const struct alias_dest *);

/* ------------------------------------------------------------ delivery */

/*
 * The message handed to a program or a file: the header block (LF line
 * ends, with or without its closing empty line, no Return-Path) and the
 * body read through a callback (a count, 0 at the end, -1 with errno).
 * Return-Path and Delivered-To are put on top here.
 */
struct alias_msg {
	const char	*head;
	size_t		 headlen;
	ssize_t		(*body)(void *arg, void *buf, size_t n, off_t off);
	void		*arg;
	const char	*sender;	/* envelope sender; "" the null sender */
	const char	*orig;		/* original recipient, or NULL */
	const char	*domain;	/* for RECIPIENT and DOMAIN, or NULL */
};

/*
 * Run d (ADEST_PROGRAM) as "/bin/sh -c command": as d's user (when root;
 * uid 0 becomes defuser, "nobody" when NULL), in its home directory, with
 * only HOME USER LOGNAME SHELL PATH SENDER RECIPIENT ORIGINAL_RECIPIENT
 * LOCAL EXTENSION DOMAIN in the environment, the message on standard
 * input and standard output and error captured (the first ALIAS_OUTMAX
 * bytes go into why).  timeout seconds (<= 0: ALIAS_TIMEOUT) then the
 * process group is killed.
 *
 * Returns a sysexits status, as Postfix maps a command's: 0; 75 for exit
 * 75 or 71, death by a signal, or output starting with a 4.X.Y status;
 * the command's own status for other sysexits codes (64-78); 69 for any
 * other non-zero exit, output starting with 5.X.Y, and the time limit.
 * why gets the reason of a failure (the command's output when it had
 * some).
 */
int	 alias_run_program(const struct alias_dest *, const struct alias_msg *,
	    int timeout, const char *defuser, struct buf *why);

/*
 * Submit the message again to d's address (ADEST_REMOTE): "sendmail -oi
 * -f sender -- address" (sendmail NULL: ALIAS_SENDMAIL), run without a
 * shell, as defuser when root, with Delivered-To on top (no
 * Return-Path).  Statuses as alias_run_program().
 */
#define ALIAS_SENDMAIL	"/usr/sbin/sendmail"
int	 alias_forward(const struct alias_dest *, const struct alias_msg *,
	    const char *sendmail, int timeout, const char *defuser,
	    struct buf *why);

/*
 * Append the message to d's file (ADEST_FILE) as mboxrd with the locks
 * (MKLOCK_* kinds, lock timeout in seconds), durably, as d's user (uid 0
 * becomes defuser) in a child process when root.  "/dev/null" takes
 * the message and does nothing; a path ending in / is a Maildir.
 * Returns a sysexits status, with the reason in why.
 */
int	 alias_deliver_file(const struct alias_dest *, const struct alias_msg *,
	    int lockkinds, int locktimeout, const char *defuser,
	    struct buf *why);

#endif
