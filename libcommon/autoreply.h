/*
 * autoreply: the rules of RFC 3834 (automatic responses to electronic
 * mail) and long practice for deciding whether a message may be
 * answered automatically, and the building of the answer.  Used by
 * vacation(1); nothing here touches a file or the network.
 */
#ifndef MAILKIT_AUTOREPLY_H
#define MAILKIT_AUTOREPLY_H

#include <stddef.h>
#include <time.h>

#include "hdr.h"
#include "msg.h"
#include "util.h"

/*
 * The address an automatic reply goes to (RFC 3834 §4): the first
 * Return-Path field, else the address of a From_ line, else fallback
 * (which may be NULL).  Never From, Sender or Reply-To.  Returns a
 * malloc'd address, "" for the null sender ("<>", an empty Return-Path,
 * "From MAILER-DAEMON" is not null but is refused later), or NULL when
 * nothing names a sender.
 */
char	*autoreply_sender(const struct msg *, const char *fallback);

/* Whom the user is, for the rules below. */
struct arme {
	const char *const *names;	/* the login and -a aliases: "alice",
					   "alice@example.org", "a.b" */
	size_t		   n;
};

/*
 * Is addr (as addr_parse() writes it) one of the user's?  An entry with
 * an "@" must name the same mailbox (addr_same(), with a "+detail" of
 * addr's local part ignored); an entry without one must equal the local
 * part of addr, with or without its "+detail", in any case.  1 or 0.
 */
int	 autoreply_is_me(const struct arme *, const char *addr);

/*
 * Why the sender must not get a reply, judging by the address alone:
 * the null sender, MAILER-DAEMON, postmaster, mailer, nobody, uucp,
 * noreply and its spellings, owner-*, *-owner, *-request, *-relay,
 * *-bounce(s) and bounce(s)-*.  A static reason, or NULL.
 */
const char *autoreply_bad_sender(const char *sender);

/*
 * Why the message must not be answered, judging by its header block
 * (RFC 3834 §2, §3.1.7, §5 and practice): Auto-Submitted other than "no",
 * Precedence bulk, list, junk or auto_reply, a List-* or Mailing-List
 * field, X-Auto-Response-Suppress with OOF or All, X-Spam-Flag yes,
 * X-Autoreply or X-Autorespond.  A static reason, or NULL.
 */
const char *autoreply_bad_header(const struct hdr *);

/*
 * The full decision before the database is asked: autoreply_bad_sender,
 * autoreply_bad_header, a sender or From address that is the user's own,
 * and (unless anyrcpt) none of To, Cc, Resent-To, Resent-Cc naming the
 * user.  A static reason, or NULL to answer.  When myaddr is not NULL,
 * *myaddr is set to a malloc'd copy of the first recipient address that
 * is the user's, or NULL.
 */
const char *autoreply_refuse(const struct hdr *, const char *sender,
	    const struct arme *, int anyrcpt, char **myaddr);

/*
 * The Subject of the reply: in tmpl (a raw or unfolded field value)
 * every "$SUBJECT" becomes the original subject osub (raw value, may be
 * NULL).  Folding is joined and every CR and LF is taken out (so nothing
 * can start a new field), other control characters become white space,
 * runs of white space shrink to one space; encoded words are left as
 * they are, runs of words with 8-bit bytes become UTF-8 encoded words, a
 * word longer than AUTOREPLY_WORDMAX octets is cut, and the result is
 * folded for a line that starts with "Subject: ".  Returns a malloc'd
 * value.
 */
#define AUTOREPLY_WORDMAX	900
char	*autoreply_subject(const char *tmpl, size_t tmpllen,
	    const char *osub, size_t osublen);

/*
 * The msg-ids "<...>" found in a field value, appended to out joined by
 * "\n " (a folded list); ids holding white space, controls or more than
 * AUTOREPLY_WORDMAX octets are skipped.  With first, only the first one.
 * Returns how many were appended.
 */
size_t	 autoreply_msgids(struct buf *out, const char *s, size_t len,
	    int first);

/* What goes into a reply. */
struct arreply {
	const struct hdr *orig;		/* the message answered */
	const char	*to;		/* the sender */
	const char	*from;		/* From value when the message file
					   has none: "Name <addr>" */
	const char	*msgid;		/* Message-ID value "<...>" */
	time_t		 date;
	int		 tzoff;		/* minutes east of UTC */
	const char	*file;		/* the message file */
	size_t		 filelen;
};

/*
 * Write the reply into out (LF line ends): From (the file's, else
 * r->from), To (the sender alone), Subject (the file's Subject field as
 * template, default "Auto: $SUBJECT"), Date, Message-ID, In-Reply-To
 * and References (RFC 5322 §3.6.4), Auto-Submitted: auto-replied and
 * Precedence: bulk (RFC 3834 §3.1.7, §5), then the file's other fields
 * except those the reply sets or that would send it elsewhere (To, Cc,
 * Bcc, Resent-*, Sender, Return-Path, Received...), a MIME header for
 * 8-bit text when the file has none, the blank line and the file's body.
 * The file may start with a header block (lines up to the first empty
 * line, the first line being a "Name:" field); otherwise it is all body.
 */
void	 autoreply_compose(struct buf *out, const struct arreply *);

/*
 * A From value "Name <addr>": the name quoted when it needs quotes, or
 * made UTF-8 encoded words when it holds 8-bit bytes; the bare address
 * when name is NULL or empty.
 */
void	 autoreply_from(struct buf *out, const char *name, const char *addr);

#endif
