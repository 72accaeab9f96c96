/*
 * aliasrun: delivery to the programs and files that aliases and .forward
 * name, with Postfix local(8)'s environment, privileges, time limit and
 * exit status mapping.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
#include "mailbox.h"
#include "util.h"
#include "xio.h"

#define CHUNK	65536

/* Replace what does not belong in a header or the environment. */
static void
add_clean(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '_' : *s);
}

/* The recipient address: rcpt, with @domain when known. */
static void
add_rcpt(struct buf *b, const struct alias_dest *d, const struct alias_msg *m)
{
	add_clean(b, d->rcpt ? d->rcpt : d->user ? d->user : "");
	if (m->domain != NULL && *m->domain != '\0') {
		buf_addc(b, '@');
		add_clean(b, m->domain);
	}
}

/*
 * Return-Path (unless resubmitting: the MTA adds its own), Delivered-To,
 * then the header block and the empty line that ends it.
 */
static void
message_head(struct buf *b, const struct alias_dest *d,
    const struct alias_msg *m, int retpath)
{
	const char *s, *h = m->head;
	size_t n = m->headlen;

	if (retpath) {
		buf_adds(b, "Return-Path: <");
		for (s = d->sender ? d->sender : m->sender ? m->sender : "";
		    *s; s++)
			buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ||
			    *s == '<' || *s == '>' ? '_' : *s);
		buf_adds(b, ">\n");
	}
	buf_adds(b, "Delivered-To: ");
	add_rcpt(b, d, m);
	buf_addc(b, '\n');
	if (n == 1 && h[0] == '\n')
		n = 0;
	buf_add(b, h, n);
	if (n > 0 && h[n - 1] != '\n')
		buf_addc(b, '\n');
	if (n < 2 || h[n - 1] != '\n' || h[n - 2] != '\n')
		buf_addc(b, '\n');
}

/* The user to become: d's, or defuser instead of root. */
static int
run_as(const struct alias_dest *d, const char *defuser, uid_t *uid,
    gid_t *gid, const char **name)
{
	struct passwd *pw;

	*uid = d->uid;
	*gid = d->gid;
	*name = d->user;
	if (d->user != NULL && d->uid != 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(defuser ? defuser : "nobody")) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	*name = defuser ? defuser : "nobody";
	return 0;
}

static void
env_add(char ***envp, size_t *n, const char *name, const char *value)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, name);
	buf_addc(&b, '=');
	add_clean(&b, value ? value : "");
	*envp = xreallocarray(*envp, *n + 2, sizeof(**envp));
	(*envp)[(*n)++] = buf_release(&b);
	(*envp)[*n] = NULL;
}

/* The clean environment of a command (Postfix local(8), "EXTERNAL
 * COMMAND DELIVERY"). */
static char **
command_env(const struct alias_dest *d, const struct alias_msg *m,
    const char *user, const char *home)
{
	struct buf b = BUF_INIT;
	char **env = NULL;
	size_t n = 0;

	env_add(&env, &n, "HOME", home);
	env_add(&env, &n, "USER", user);
	env_add(&env, &n, "LOGNAME", user);
	env_add(&env, &n, "SHELL", d->shell ? d->shell : "/bin/sh");
	env_add(&env, &n, "PATH", "/usr/bin:/bin");
	env_add(&env, &n, "SENDER", d->sender ? d->sender :
	    m->sender ? m->sender : "");
	add_rcpt(&b, d, m);
	env_add(&env, &n, "RECIPIENT", buf_cstr(&b));
	env_add(&env, &n, "ORIGINAL_RECIPIENT", m->orig ? m->orig :
	    buf_cstr(&b));
	env_add(&env, &n, "LOCAL", d->rcpt ? d->rcpt : user);
	env_add(&env, &n, "EXTENSION", d->ext ? d->ext : "");
	env_add(&env, &n, "DOMAIN", m->domain ? m->domain : "");
	buf_free(&b);
	return env;
}

/* In the child: become the user, go home, run argv.  Never returns. */
static MK_NORETURN void
child(char *const argv[], char **env, uid_t uid, gid_t gid,
    const char *user, const char *home, int in, int out)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	(void)setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(EX_OSERR);
	if (in > 2)
		close(in);
	if (out > 2)
		close(out);
	if (geteuid() == 0 && xdrop_privs(uid, gid, user) < 0) {
		(void)dprintf(2, "cannot switch to user %s: %s\n", user,
		    strerror(errno));
		_exit(EX_TEMPFAIL);
	}
	if (geteuid() == 0) {		/* never as root */
		(void)dprintf(2, "refusing to run a command as root\n");
		_exit(EX_SOFTWARE);
	}
	if (home == NULL || chdir(home) < 0)
		(void)chdir("/");
	execve(argv[0], argv, env);
	(void)dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(EX_OSERR);
}

/* Does the output start with an RFC 3463 status "4.X.Y" or "5.X.Y"? */
static int
dsn_class(const struct buf *b)
{
	const char *p = b->data;
	int part, digits;

	if (b->len < 5 || (p[0] != '4' && p[0] != '5') || p[1] != '.')
		return 0;
	for (part = 0, p += 2; part < 2; part++) {
		for (digits = 0; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (digits < 1 || digits > 3)
			return 0;
		if (part == 0 && *p++ != '.')
			return 0;
	}
	if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
		return 0;
	return b->data[0] - '0';
}

/* The reason text: what (why holds it), then the command's output on
 * one line. */
static void
reason(struct buf *why, const struct buf *outb)
{
	size_t i;

	if (outb->len == 0)
		return;
	buf_adds(why, ": ");
	for (i = 0; i < outb->len; i++) {
		if (outb->data[i] == '\n' && i + 1 == outb->len)
			break;
		buf_addc(why, (unsigned char)outb->data[i] < 0x20 ||
		    outb->data[i] == 0x7f ? ' ' : outb->data[i]);
	}
}

/*
 * The parent's side: feed the message, collect the output, wait for the
 * child within the deadline.  Returns 0, or -1 with errno (ETIMEDOUT when
 * the time limit struck).  *status is the wait status.
 */
static int
pump(pid_t pid, int in, int out, const struct buf *head,
    const struct alias_msg *m, time_t deadline, struct buf *outb, int *status)
{
	char *chunk = xmalloc(CHUNK), rbuf[4096];
	size_t hoff = 0, have = 0, coff = 0;
	off_t boff = 0;
	struct pollfd pf[2];
	ssize_t n;
	int done = 0, e = 0, left;
	pid_t w;

	(void)fcntl(in, F_SETFL, O_NONBLOCK);
	(void)fcntl(out, F_SETFL, O_NONBLOCK);
	for (;;) {
		if (!done && (w = waitpid(pid, status, WNOHANG)) == pid)
			done = 1;
		if (done && out < 0)
			break;
		left = (int)(deadline - time(NULL));
		if (left <= 0) {
			e = ETIMEDOUT;
			break;
		}
		/* Refill the chunk from the header block, then the body. */
		if (in >= 0 && coff == have) {
			coff = have = 0;
			if (hoff < head->len) {
				have = head->len - hoff < CHUNK ?
				    head->len - hoff : CHUNK;
				memcpy(chunk, head->data + hoff, have);
				hoff += have;
			} else if ((n = m->body(m->arg, chunk, CHUNK, boff)) > 0) {
				have = (size_t)n;
				boff += n;
			} else if (n == 0) {
				close(in);
				in = -1;
			} else {
				e = errno;
				break;
			}
		}
		pf[0].fd = in;
		pf[0].events = POLLOUT;
		pf[1].fd = out;
		pf[1].events = POLLIN;
		if (poll(pf, 2, done ? 0 : in < 0 && out < 0 ? 10 : 200) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		if (in >= 0 && (pf[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(in, chunk + coff, have - coff);
			if (n > 0)
				coff += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				close(in);	/* reads no more: fine */
				in = -1;
			}
		}
		if (out >= 0 && (pf[1].revents & (POLLIN | POLLERR | POLLHUP))) {
			n = read(out, rbuf, sizeof(rbuf));
			if (n > 0 && outb->len < ALIAS_OUTMAX)
				buf_add(outb, rbuf, (size_t)n >
				    ALIAS_OUTMAX - outb->len ?
				    ALIAS_OUTMAX - outb->len : (size_t)n);
			if (n == 0 || (n < 0 && errno != EAGAIN &&
			    errno != EINTR)) {
				close(out);
				out = -1;
			}
		} else if (done && out >= 0) {
			/* Exited; a background child may hold the pipe. */
			close(out);
			out = -1;
		}
	}
	free(chunk);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (e != 0) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		if (!done)
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
		errno = e;
		return -1;
	}
	return 0;
}

/* Who runs a command, and where. */
struct runner {
	char *const	*argv;
	char		**env;
	uid_t		 uid;
	gid_t		 gid;
	const char	*user;
	const char	*home;
	int		 timeout;
};

/*
 * Run r->argv with head and the body of m on its standard input.
 * Returns a sysexits status mapped as Postfix maps a command's, with the
 * reason in why.
 */
static int
run(const struct runner *rn, const struct buf *head,
    const struct alias_msg *m, struct buf *why)
{
	struct buf outb = BUF_INIT;
	struct sigaction ign, oldpipe;
	int inp[2], outp[2], status = 0, r, cls, code;
	pid_t pid;

	if (pipe2(inp, O_CLOEXEC) < 0) {
		buf_printf(why, "pipe: %s", strerror(errno));
		return EX_TEMPFAIL;
	}
	if (pipe2(outp, O_CLOEXEC) < 0) {
		buf_printf(why, "pipe: %s", strerror(errno));
		close(inp[0]);
		close(inp[1]);
		return EX_TEMPFAIL;
	}
	if ((pid = fork()) < 0) {
		buf_printf(why, "fork: %s", strerror(errno));
		close(inp[0]);
		close(inp[1]);
		close(outp[0]);
		close(outp[1]);
		return EX_TEMPFAIL;
	}
	if (pid == 0) {
		close(inp[1]);
		close(outp[0]);
		child(rn->argv, rn->env, rn->uid, rn->gid, rn->user, rn->home,
		    inp[0], outp[1]);
	}
	close(inp[0]);
	close(outp[1]);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &ign, &oldpipe);
	r = pump(pid, inp[1], outp[0], head, m, time(NULL) + rn->timeout,
	    &outb, &status);
	(void)sigaction(SIGPIPE, &oldpipe, NULL);
	if (r < 0) {
		code = errno;
		if (code == ETIMEDOUT)
			buf_printf(why, "command time limit (%d s) exceeded",
			    rn->timeout);
		else
			buf_printf(why, "cannot deliver to command: %s",
			    strerror(code));
		r = code == ETIMEDOUT ? EX_UNAVAILABLE : EX_TEMPFAIL;
		reason(why, &outb);
	} else if (WIFSIGNALED(status)) {
		buf_printf(why, "command died with signal %d",
		    WTERMSIG(status));
		reason(why, &outb);
		r = EX_TEMPFAIL;
	} else if ((code = WEXITSTATUS(status)) == 0)
		r = 0;
	else {
		buf_printf(why, "command failed with exit status %d", code);
		reason(why, &outb);
		cls = dsn_class(&outb);
		if (cls == 4 || (cls == 0 && (code == EX_TEMPFAIL ||
		    code == EX_OSERR)))
			r = EX_TEMPFAIL;
		else if (cls == 0 && code >= EX__BASE && code <= EX__MAX)
			r = code;
		else
			r = EX_UNAVAILABLE;
	}
	buf_free(&outb);
	return r;
}

static void
free_env(char **env)
{
	char **e;

	for (e = env; *e; e++)
		free(*e);
	free(env);
}

int
alias_run_program(const struct alias_dest *d, const struct alias_msg *m,
    int timeout, const char *defuser, struct buf *why)
{
	struct buf head = BUF_INIT;
	struct runner rn;
	char *argv[4];
	int r;

	buf_reset(why);
	if (d->kind != ADEST_PROGRAM) {
		buf_adds(why, "not a command");
		return EX_SOFTWARE;
	}
	memset(&rn, 0, sizeof(rn));
	if (run_as(d, defuser, &rn.uid, &rn.gid, &rn.user) < 0) {
		buf_printf(why, "no user %s to run commands as",
		    defuser ? defuser : "nobody");
		return EX_CONFIG;
	}
	rn.home = rn.uid == d->uid && d->home ? d->home : "/";
	rn.timeout = timeout > 0 ? timeout : ALIAS_TIMEOUT;
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)"-c";
	argv[2] = d->value;
	argv[3] = NULL;
	rn.argv = argv;
	rn.env = command_env(d, m, rn.user, rn.home);
	message_head(&head, d, m, 1);
	r = run(&rn, &head, m, why);
	free_env(rn.env);
	buf_free(&head);
	return r;
}

int
alias_forward(const struct alias_dest *d, const struct alias_msg *m,
    const char *sendmail, int timeout, const char *defuser, struct buf *why)
{
	struct alias_dest nobody;
	struct buf head = BUF_INIT;
	struct runner rn;
	char *argv[8];
	const char *sender;
	int r;

	buf_reset(why);
	if (d->kind != ADEST_REMOTE || d->value[0] == '-') {
		buf_adds(why, "not an address");
		return EX_SOFTWARE;
	}
	memset(&rn, 0, sizeof(rn));
	memset(&nobody, 0, sizeof(nobody));
	if (geteuid() != 0) {
		rn.uid = geteuid();
		rn.gid = getegid();
	} else if (run_as(&nobody, defuser, &rn.uid, &rn.gid, &rn.user) < 0) {
		buf_printf(why, "no user %s to run sendmail as",
		    defuser ? defuser : "nobody");
		return EX_CONFIG;
	}
	sender = d->sender ? d->sender : m->sender ? m->sender : "";
	rn.home = "/";
	rn.timeout = timeout > 0 ? timeout : ALIAS_TIMEOUT;
	argv[0] = (char *)(sendmail ? sendmail : ALIAS_SENDMAIL);
	argv[1] = (char *)"-oi";
	argv[2] = (char *)"-f";
	argv[3] = (char *)sender;
	argv[4] = (char *)"--";
	argv[5] = d->value;
	argv[6] = NULL;
	rn.argv = argv;
	rn.env = xcalloc(2, sizeof(*rn.env));
	rn.env[0] = xstrdup("PATH=/usr/bin:/bin:/usr/sbin:/sbin");
	message_head(&head, d, m, 0);
	r = run(&rn, &head, m, why);
	free_env(rn.env);
	buf_free(&head);
	return r;
}

/* ------------------------------------------------------------ files */

/* Write the message to path as we are now.  A sysexits status. */
static int
append_file(const char *path, const struct alias_dest *d,
    const struct alias_msg *m, int lockkinds, int locktimeout,
    struct buf *why)
{
	struct buf head = BUF_INIT;
	struct mailbox *mb;
	struct mbopts mo;
	struct mbattr a;
	char *chunk;
	size_t plen = strlen(path);
	off_t off = 0;
	ssize_t n;
	int fmt, r;

	fmt = plen > 1 && path[plen - 1] == '/' ? MBF_MAILDIR : MBF_MBOXRD;
	mailbox_opts_init(&mo);
	mo.flags = MBO_CREATE | MBO_SYNC_EACH;
	mo.lockkinds = lockkinds;
	mo.locktimeout = locktimeout;
	mo.mode = 0600;
	if (mailbox_append_open(&mb, path, fmt, &mo) < 0) {
		buf_printf(why, "%s: %s: %s", path, mailbox_open_errwhat() ?
		    mailbox_open_errwhat() : "open", strerror(errno));
		return errno == EAGAIN || errno == ENOSPC || errno == EIO ?
		    EX_TEMPFAIL : EX_CANTCREAT;
	}
	memset(&a, 0, sizeof(a));
	a.sender = (char *)(d->sender ? d->sender : m->sender ? m->sender : "");
	a.date = time(NULL);
	a.size = -1;
	a.offset = -1;
	message_head(&head, d, m, 1);
	chunk = xmalloc(CHUNK);
	r = mailbox_append_begin(mb, &a);
	if (r == 0)
		r = mailbox_append_write(mb, head.data, head.len);
	while (r == 0 && (n = m->body(m->arg, chunk, CHUNK, off)) != 0) {
		if (n < 0) {
			r = -1;
			break;
		}
		off += n;
		r = mailbox_append_write(mb, chunk, (size_t)n);
	}
	if (r == 0)
		r = mailbox_append_end(mb);
	free(chunk);
	buf_free(&head);
	if (r < 0) {
		buf_printf(why, "%s: %s: %s", path, mailbox_errwhat(mb) ?
		    mailbox_errwhat(mb) : "write", strerror(errno));
		r = errno == EDQUOT || errno == EFBIG ? EX_CANTCREAT :
		    EX_TEMPFAIL;
		mailbox_append_abort(mb);
		mailbox_discard(mb);
		return r;
	}
	if (mailbox_close(mb) < 0) {
		buf_printf(why, "%s: close: %s", path, strerror(errno));
		return EX_TEMPFAIL;
	}
	return 0;
}

int
alias_deliver_file(const struct alias_dest *d, const struct alias_msg *m,
    int lockkinds, int locktimeout, const char *defuser, struct buf *why)
{
	struct buf in = BUF_INIT;
	const char *user;
	int pfd[2], status, r;
	uid_t uid;
	gid_t gid;
	pid_t pid, w;

	buf_reset(why);
	if (d->kind != ADEST_FILE || d->value[0] != '/') {
		buf_adds(why, "not an absolute file name");
		return EX_SOFTWARE;
	}
	if (strcmp(d->value, "/dev/null") == 0)
		return 0;
	if (geteuid() != 0)
		return append_file(d->value, d, m, lockkinds, locktimeout,
		    why);
	if (run_as(d, defuser, &uid, &gid, &user) < 0) {
		buf_printf(why, "no user %s to write files as",
		    defuser ? defuser : "nobody");
		return EX_CONFIG;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		buf_printf(why, "pipe: %s", strerror(errno));
		return EX_TEMPFAIL;
	}
	if ((pid = fork()) < 0) {
		buf_printf(why, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return EX_TEMPFAIL;
	}
	if (pid == 0) {
		close(pfd[0]);
		(void)signal(SIGPIPE, SIG_DFL);
		if (xdrop_privs(uid, gid, user) < 0) {
			buf_printf(&in, "cannot switch to user %s: %s", user,
			    strerror(errno));
			r = EX_TEMPFAIL;
		} else
			r = append_file(d->value, d, m, lockkinds,
			    locktimeout, &in);
		(void)xwrite_all(pfd[1], in.data, in.len);
		_exit(r);
	}
	close(pfd[1]);
	r = read_fd_all(pfd[0], &in);
	close(pfd[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0 || !WIFEXITED(status)) {
		buf_printf(why, "%s: delivery process failed", d->value);
		r = EX_TEMPFAIL;
	} else {
		r = WEXITSTATUS(status);
		if (r != 0)
			buf_add(why, in.data, in.len);
	}
	buf_free(&in);
	return r;
}
