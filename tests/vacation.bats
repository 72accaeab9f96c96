#!/usr/bin/env bats
# vacation: RFC 3834 automatic replies.
#
# The decision table (every no-reply rule, subjects, header injection)
# uses a recording sending command (-S "$T/send": it stores its arguments
# and standard input), since the decision is vacation's own logic.  The
# sending side end to end goes through the real msend to an aiosmtpd
# capture server (tests/lib/smtpd.py), and the .forward end to end runs
# vacation behind mdeliver's program delivery.  Every reply is checked
# by Python's email parser: the exact set of fields, To the sender only,
# no line over 998 octets, no field gained.

load 'lib/common'
load 'lib/smtp'

setup_file() {
	export CHECK_PY=$BATS_FILE_TMPDIR/check.py
	cat > "$CHECK_PY" <<'EOF'
# check.py REPLY_DIR RCPT FROM [extra allowed field...]: check one
# reply stored by the recording sending command; print its Subject,
# decoded, on standard output.
import email.header, email.parser, email.policy, email.utils, sys

d, rcpt, frm = sys.argv[1:4]
extra = {n.lower() for n in sys.argv[4:]}
raw = open(d + "/eml", "rb").read()
argv = open(d + "/argv", "rb").read().decode().split("\n")[:-1]
bad = []
if argv != ["-i", "-f", frm, "--", rcpt]:
    bad.append("argv %r" % argv)
head = raw.split(b"\n\n", 1)[0]
if b"\r" in head:
    bad.append("CR in the header")
for line in raw.split(b"\n"):
    if len(line) > 998:
        bad.append("line of %d octets" % len(line))
# Every header line is a field or a continuation: nothing else.
names = []
for line in head.split(b"\n"):
    if line[:1] in (b" ", b"\t"):
        continue
    if b":" not in line:
        bad.append("not a field: %r" % line)
        continue
    names.append(line.split(b":", 1)[0].decode().lower())
once = ["from", "to", "subject", "date", "message-id", "auto-submitted",
        "precedence"]
may = {"in-reply-to", "references", "mime-version", "content-type",
       "content-transfer-encoding"} | extra
for n in once:
    if names.count(n) != 1:
        bad.append("%s %d times" % (n, names.count(n)))
for n in names:
    if n not in once and n not in may:
        bad.append("unexpected field %s" % n)
    elif n in may and names.count(n) > 1:
        bad.append("%s twice" % n)
m = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
if email.utils.getaddresses([m["To"]]) != [("", rcpt)]:
    bad.append("To %r" % m["To"])
if m["Auto-Submitted"] != "auto-replied":
    bad.append("Auto-Submitted %r" % m["Auto-Submitted"])
if m["Precedence"] != "bulk":
    bad.append("Precedence %r" % m["Precedence"])
if email.utils.parsedate_to_datetime(m["Date"]) is None:
    bad.append("Date %r" % m["Date"])
mid = m["Message-ID"]
if not (mid.startswith("<") and mid.endswith(">") and "@" in mid):
    bad.append("Message-ID %r" % mid)
subj = str(email.header.make_header(email.header.decode_header(
    m["Subject"].replace("\n", ""))))
if bad:
    print("bad reply:", "; ".join(bad), file=sys.stderr)
    sys.stdout.buffer.write(raw)
    sys.exit(1)
print(subj)
EOF
}

setup() {
	T=$(mk_tmp vac)
	mkdir -p "$T/out"
	# The recording sending command: one directory per reply taken.
	# SEND_STATUS makes it fail (storing nothing), SEND_SLEEP slow.
	cat > "$T/send" <<EOF
#!/bin/sh
if [ -n "\${SEND_SLEEP:-}" ]; then sleep "\$SEND_SLEEP"; fi
if [ "\${SEND_STATUS:-0}" != 0 ]; then
	cat >/dev/null
	[ "\$SEND_STATUS" != kill ] || kill -9 \$\$
	exit "\$SEND_STATUS"
fi
d=\$(mktemp -d "$T/out/r.XXXXXX")
printf '%s\n' "\$@" > "\$d/argv"
cat > "\$d/eml"
EOF
	chmod +x "$T/send"
	printf 'Subject: Away: $SUBJECT\n\nI am away.\n' > "$T/msg"
}

teardown() {
	[ -z "${S:-}" ] || smtpd_stop "$S"
	if [ -n "${VT_HOME:-}" ]; then
		userdel vactest >/dev/null 2>&1 || true
		rm -rf "$VT_HOME"
	fi
	return 0
}

# vac [option...] [user]: vacation on $T's database and message file.
vac() {
	vacation -d -f "$T/db" -m "$T/msg" -S "$T/send" "$@"
}

nreplies() {
	local n=0 d
	for d in "$T"/out/r.*; do
		[ -f "$d/eml" ] && n=$((n + 1))
	done
	echo "$n"
}

# the_reply: the directory of the one reply.
the_reply() {
	[ "$(nreplies)" -eq 1 ] || fail "want 1 reply, got $(nreplies)"
	echo "$T"/out/r.*
}

# msg [field...]: a message from bob to alice, with more fields.
msg() {
	printf '%s\n' 'Return-Path: <bob@example.org>' \
	    'From: Bob <bob@example.org>' 'To: Alice <alice@example.com>' \
	    'Subject: lunch' 'Message-ID: <m1@example.org>' "$@" '' 'hello'
}

# expect_skip REGEX [option...]: the message on stdin gets no reply and
# vacation says why (matching REGEX).
expect_skip() {
	local why=$1
	shift
	cat > "$T/in"
	run vac "$@" alice < "$T/in"
	assert_success
	assert_output --regexp "no reply.*$why"
	[ "$(nreplies)" -eq 0 ] || fail "a reply was sent"
}

# expect_reply [option...]: the message on stdin gets one correct reply
# to bob@example.org from alice@example.com; subj prints its Subject.
expect_reply() {
	cat > "$T/in"
	run vac "$@" alice < "$T/in"
	assert_success
	assert_output --partial "replied to <bob@example.org>"
	check bob@example.org alice@example.com
}

# check RCPT FROM [field...]: the one reply is right; subj its subject.
check() {
	local d
	d=$(the_reply)
	run "$PYTHON3" "$CHECK_PY" "$d" "$@"
	assert_success
	printf '%s\n' "$output" > "$T/subj"
}

# subj: the Subject of the last reply checked, decoded.
subj() {
	cat "$T/subj"
}

# set_time ADDR EPOCH: move the time of the last reply to ADDR (the
# database edited with tinycdb's cdb(1), as a user could).
set_time() {
	cdb -d "$T/db" | awk -v k="reply:$1" -v t="$2" '
		match($0, /^\+[0-9]+,[0-9]+:/) {
			split(substr($0, 2, RLENGTH - 2), n, ",")
			key = substr($0, RLENGTH + 1, n[1])
			if (key == k) {
				print "+" n[1] "," length(t) ":" key "->" t
				next
			}
		}
		{ print }' > "$T/dump"
	cdb -c "$T/db" < "$T/dump"
}

days_ago() {
	echo $(( $(date +%s) - $1 * 86400 ))
}

# ------------------------------------------------------------ interface

@test "usage: unknown option, two users, bad -r are 64; -V" {
	run vacation -q alice
	assert_failure 64
	assert_output --partial usage:
	run vacation alice bob
	assert_failure 64
	run vacation -r soon alice
	assert_failure 64
	run vacation -r -1 alice
	assert_failure 64
	run vacation -V
	assert_success
	assert_output --regexp '^mailkit '
}

@test "exit 78 when the message file is missing; nothing sent" {
	rm "$T/msg"
	run vac alice < <(msg)
	assert_failure 78
	assert_output --partial "$T/msg"
	[ "$(nreplies)" -eq 0 ]
}

@test "a reply: its fields, envelope and body" {
	msg 'References: <r0@example.org>' 'Cc: carol@example.org' \
	    'Reply-To: other@example.org' | expect_reply
	assert_equal "$(subj)" "Away: lunch"
	d=$(the_reply)
	run /usr/bin/python3 - "$d/eml" <<'EOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(m["From"]); print(m["In-Reply-To"]); print(" ".join(m["References"].split()))
print(m.get_payload(), end="")
EOF
	assert_success
	assert_output "alice@example.com
<m1@example.org>
<r0@example.org> <m1@example.org>
I am away."
	[ "$(cat "$d/argv")" = "-i
-f
alice@example.com
--
bob@example.org" ]
}

@test "a reply read back by mblaze's mhdr" {
	need_peer /usr/bin/mhdr "mblaze reads the reply"
	msg | sed 's/^Subject:.*/Subject: =?utf-8?q?d=C3=A9jeuner?=/' |
	    expect_reply
	d=$(the_reply)
	run /usr/bin/mhdr -h auto-submitted:precedence:to:in-reply-to "$d/eml"
	assert_success
	assert_output "auto-replied
bulk
bob@example.org
<m1@example.org>"
	run /usr/bin/mhdr -d -h subject "$d/eml"
	assert_output "Away: déjeuner"
}

@test "the message file's own header block: From kept, To/Cc/Bcc not" {
	cat > "$T/msg" <<'EOF'
From: "Alice Smith (away)" <alice@example.com>
To: everyone@example.org
Cc: boss@example.org
Bcc: spy@example.org
Reply-To: desk@example.com
Precedence: first-class
Subject: [away] $SUBJECT

Back on Monday.
EOF
	msg > "$T/in"
	run vac alice < "$T/in"
	assert_success
	check bob@example.org alice@example.com reply-to
	assert_equal "$(subj)" "[away] lunch"
	d=$(the_reply)
	run grep -c -e everyone -e boss -e spy -e first-class "$d/eml"
	assert_output 0
	grep -q '^From: "Alice Smith (away)" <alice@example.com>$' "$d/eml"
	grep -q '^Reply-To: desk@example.com$' "$d/eml"
}

@test "a message file without header block: all body, Subject Auto:" {
	printf 'I am away.\nBack soon.\n' > "$T/msg"
	msg | expect_reply
	assert_equal "$(subj)" "Auto: lunch"
	tail -n 2 "$(the_reply)/eml" | diff - "$T/msg"
}

@test "-z: the envelope sender of the reply is <>" {
	msg > "$T/in"
	run vac -z alice < "$T/in"
	assert_success
	check bob@example.org '<>'
}

@test "default files in \$HOME: .vacation.msg and .vacation.db" {
	mkdir "$T/home"
	cp "$T/msg" "$T/home/.vacation.msg"
	msg > "$T/in"
	HOME=$T/home run vacation -S "$T/send" alice < "$T/in"
	assert_success
	[ -s "$T/home/.vacation.db" ]
	HOME=$T/home run vacation -l
	assert_output --partial "bob@example.org"
	check bob@example.org alice@example.com
}

# ------------------------------------------------------------ the sender

@test "sender: Return-Path wins over the From_ line and -s" {
	{ echo 'From frombar@example.net Mon Jan  2 15:04:05 2006'; msg; } |
	    expect_reply -s other@example.net
}

@test "sender: the From_ line when there is no Return-Path" {
	{ echo 'From bob@example.org Mon Jan  2 15:04:05 2006'
	  msg | sed 1d; } | expect_reply
}

@test "sender: -s when neither Return-Path nor From_ line" {
	msg | sed 1d | expect_reply -s bob@example.org
}

@test "sender: never From or Reply-To (RFC 3834 §4)" {
	msg 'Reply-To: bob@example.org' | sed 1d |
	    expect_skip "no Return-Path, From_ line or -s"
}

@test "rule: Return-Path <> (a bounce)" {
	msg | sed 's/^Return-Path:.*/Return-Path: <>/' | expect_skip "null sender"
}

@test "rule: empty Return-Path" {
	msg | sed 's/^Return-Path:.*/Return-Path:/' | expect_skip "null sender"
}

@test "rule: -s <> is the null sender" {
	msg | sed 1d | expect_skip "null sender" -s '<>'
}

@test "rule: From_ line from MAILER-DAEMON" {
	{ echo 'From MAILER-DAEMON Mon Jan  2 15:04:05 2006'
	  msg | sed 1d; } | expect_skip "MAILER-DAEMON"
}

# sender_skip LOCAL REGEX: a message from LOCAL@example.org is not answered.
sender_skip() {
	msg | sed "s/^Return-Path:.*/Return-Path: <$1@example.org>/" |
	    expect_skip "$2"
}

@test "rule: sender MAILER-DAEMON" { sender_skip Mailer-Daemon MAILER-DAEMON; }
@test "rule: sender postmaster" { sender_skip postmaster postmaster; }
@test "rule: sender mailer" { sender_skip mailer "is mailer"; }
@test "rule: sender nobody" { sender_skip nobody nobody; }
@test "rule: sender *-request" { sender_skip list-request request; }
@test "rule: sender owner-*" { sender_skip owner-list owner; }
@test "rule: sender *-owner" { sender_skip list-owner owner; }
@test "rule: sender *-relay" { sender_skip smtp-relay relay; }
@test "rule: sender *-bounce" { sender_skip news-bounce bounce; }
@test "rule: sender *-bounces (VERP)" {
	sender_skip 'list-bounces+alice=example.com' bounce
}
@test "rule: sender bounces+* (VERP)" { sender_skip 'bounces+17-ab' bounce; }
@test "rule: sender noreply" { sender_skip noreply no-reply; }
@test "rule: sender no-reply" { sender_skip no-reply no-reply; }
@test "rule: sender do-not-reply" { sender_skip Do-Not-Reply no-reply; }
@test "rule: sender noreply-* prefix" { sender_skip noreply-alerts no-reply; }

@test "not a rule: requester@, bouncer@, owner@ get replies" {
	for u in requester bouncer owner; do
		rm -rf "$T"/out/* "$T/db"
		msg | sed "s/bob@example.org/$u@example.org/g" > "$T/in"
		run vac alice < "$T/in"
		assert_success
		check "$u@example.org" alice@example.com
	done
}

@test "rule: an unusable sender address never reaches the command line" {
	msg | sed 's/^Return-Path:.*/Return-Path: <-oQ\/tmp\/x@example.org>/' |
	    expect_skip "unusable address"
	msg | sed 's/^Return-Path:.*/Return-Path: <"a b"@example.org>/' |
	    expect_skip "unusable address"
}

# ------------------------------------------------------------ header rules

@test "rule: Auto-Submitted: auto-generated" {
	msg 'Auto-Submitted: auto-generated' | expect_skip Auto-Submitted
}

@test "rule: Auto-Submitted: auto-replied (another responder)" {
	msg 'Auto-Submitted: auto-replied (vacation)' | expect_skip Auto-Submitted
}

@test "not a rule: Auto-Submitted: no" {
	msg 'Auto-Submitted: no' | expect_reply
}

@test "rule: Precedence: bulk" { msg 'Precedence: bulk' | expect_skip Precedence; }
@test "rule: Precedence: list" { msg 'Precedence: list' | expect_skip Precedence; }
@test "rule: Precedence: junk" { msg 'Precedence: JUNK' | expect_skip Precedence; }

@test "not a rule: Precedence: first-class" {
	msg 'Precedence: first-class' | expect_reply
}

@test "rule: List-Id" { msg 'List-Id: <dev.lists.example.org>' | expect_skip "mailing list"; }
@test "rule: List-Unsubscribe" {
	msg 'List-Unsubscribe: <mailto:dev-leave@example.org>' |
	    expect_skip "mailing list"
}
@test "rule: List-Post" { msg 'List-Post: <mailto:dev@example.org>' | expect_skip "mailing list"; }
@test "rule: Mailing-List" {
	msg 'Mailing-List: contact dev-help@example.org; run by ezmlm' |
	    expect_skip "mailing list"
}

@test "rule: X-Auto-Response-Suppress: OOF" {
	msg 'X-Auto-Response-Suppress: DR, OOF, AutoReply' |
	    expect_skip X-Auto-Response-Suppress
}

@test "rule: X-Auto-Response-Suppress: All" {
	msg 'X-Auto-Response-Suppress: All' | expect_skip X-Auto-Response-Suppress
}

@test "not a rule: X-Auto-Response-Suppress: DR, RN" {
	msg 'X-Auto-Response-Suppress: DR, RN' | expect_reply
}

@test "rule: X-Spam-Flag: YES" { msg 'X-Spam-Flag: YES' | expect_skip X-Spam-Flag; }
@test "not a rule: X-Spam-Flag: NO" { msg 'X-Spam-Flag: NO' | expect_reply; }
@test "rule: X-Autoreply" { msg 'X-Autoreply: yes' | expect_skip X-Autoreply; }

# ------------------------------------------------------------ recipients

@test "rule: the user in none of To and Cc (a list, an alias, a Bcc)" {
	msg | sed 's/^To:.*/To: dev@lists.example.org/' |
	    expect_skip "user not in To"
}

@test "-j: answered even when not in To or Cc" {
	msg | sed 's/^To:.*/To: dev@lists.example.org/' |
	    expect_reply -j -a alice@example.com
}

@test "-j still refuses list mail" {
	msg 'List-Id: <dev.lists.example.org>' |
	    sed 's/^To:.*/To: dev@lists.example.org/' |
	    expect_skip "mailing list" -j
}

@test "the user in Cc: answered" {
	msg 'Cc: Alice <alice@example.com>' |
	    sed 's/^To:.*/To: carol@example.org/' | expect_reply
}

@test "the user in Resent-To: answered" {
	msg 'Resent-To: alice@example.com' |
	    sed 's/^To:.*/To: carol@example.org/' | expect_reply
}

@test "the user in Resent-Cc: answered" {
	msg 'Resent-Cc: alice@example.com' |
	    sed 's/^To:.*/To: carol@example.org/' | expect_reply
}

@test "rule: the user in Bcc only" {
	msg 'Bcc: alice@example.com' | sed 's/^To:.*/To: carol@example.org/' |
	    expect_skip "user not in To"
}

@test "-a: an alias address counts, and the reply comes from it" {
	msg | sed 's/^To:.*/To: "A. Smith" <a.smith@example.net>/' > "$T/in"
	run vac alice < "$T/in"
	assert_output --partial "user not in To"
	run vac -a a.smith@example.net -a asmith alice < "$T/in"
	assert_success
	check bob@example.org a.smith@example.net
}

@test "rule: a message from the user (envelope)" {
	msg | sed 's/^Return-Path:.*/Return-Path: <alice@example.com>/' |
	    expect_skip "sender is the user"
}

@test "rule: a message from the user (From field)" {
	msg | sed 's/^From:.*/From: Alice <alice@example.com>/' |
	    expect_skip "From is the user"
}

@test "rule: the sender excluded with -x, by address and by @domain" {
	printf '%s\n' 'bob@example.org' > "$T/x"
	run vacation -x -f "$T/db" < "$T/x"
	assert_success
	msg | expect_skip "excluded"
	rm "$T/db"
	printf '%s\n' '# whole domains' '@EXAMPLE.org  # comment' '' > "$T/x"
	run vacation -x -f "$T/db" < "$T/x"
	assert_success
	msg | expect_skip "excluded"
	msg | sed 's/bob@example.org/bob@sub.example.org/g' > "$T/in"
	run vac alice < "$T/in"
	assert_output --partial "replied to <bob@sub.example.org>"
}

# ------------------------------------------------------------ subjects

@test "subject: encoded words left intact" {
	msg | sed 's/^Subject:.*/Subject: =?iso-8859-1?q?caf=E9?= au lait/' |
	    expect_reply
	assert_equal "$(subj)" "Away: café au lait"
	grep -q '^Subject: Away: =?iso-8859-1?q?caf=E9?= au lait$' \
	    "$(the_reply)/eml"
}

@test "subject: folded lines joined" {
	msg | sed 's/^Subject:.*/Subject: a long\n\tsubject\n   folded twice/' |
	    expect_reply
	assert_equal "$(subj)" "Away: a long subject folded twice"
}

@test "subject: raw 8-bit becomes an encoded word" {
	msg | sed 's/^Subject:.*/Subject: Käse und Brot/' | expect_reply
	assert_equal "$(subj)" "Away: Käse und Brot"
	run grep -c "$(printf '[\200-\377]')" "$(the_reply)/eml"
	assert_output 0
}

@test "subject: a long subject is folded, every line short" {
	long=$(printf 'word%.0s ' $(seq 60))
	msg | sed "s/^Subject:.*/Subject: $long/" | expect_reply
	[ "$(grep -c '^ ' "$(the_reply)/eml")" -gt 2 ]
	run awk 'length($0) > 78' "$(the_reply)/eml"
	assert_output ""
}

@test "subject: none in the message" {
	msg | sed '/^Subject:/d' | expect_reply
	assert_equal "$(subj)" "Away:"
}

@test "subject: \$SUBJECT in the original is not expanded again" {
	msg | sed 's/^Subject:.*/Subject: $SUBJECT $SUBJECT/' | expect_reply
	assert_equal "$(subj)" 'Away: $SUBJECT $SUBJECT'
}

# inject: the message in $T/in gets a reply with exactly the usual fields
# (check) and "victim" appears in no field name and in no argument.
inject() {
	run vac alice < "$T/in"
	assert_success
	check bob@example.org alice@example.com
	run grep -ci '^[a-z-]*:.*victim' "$(the_reply)/eml"
	[ "$output" -le 1 ] || fail "victim in more than the Subject"
	run grep -ci '^bcc' "$(the_reply)/eml"
	assert_output 0
	run grep -c victim "$(the_reply)/argv"
	assert_output 0
}

@test "injection: bare CR in Subject" {
	msg | sed 's/^Subject:.*/Subject: x\rBcc: victim@example.net/' > "$T/in"
	inject
	assert_equal "$(subj)" "Away: xBcc: victim@example.net"
}

@test "injection: CRLF message, CR LF inside the Subject" {
	msg | sed 's/^Subject:.*/Subject: x\r\rBcc: victim@example.net/' |
	    sed 's/$/\r/' > "$T/in"
	inject
}

@test "injection: folded Bcc line inside the Subject" {
	msg | sed 's/^Subject:.*/Subject: x\n Bcc: victim@example.net/' > "$T/in"
	inject
	assert_equal "$(subj)" "Away: x Bcc: victim@example.net"
}

@test "injection: Q-encoded CR LF" {
	msg | sed 's/^Subject:.*/Subject: =?utf-8?q?x=0D=0ABcc:_victim@example.net?=/' \
	    > "$T/in"
	inject
	grep -q '^Subject: Away: =?utf-8?q?x=0D=0ABcc:_victim@example.net?=$' \
	    "$(the_reply)/eml"
}

@test "injection: B-encoded LF" {
	b=$(printf 'x\nBcc: victim@example.net' | base64 -w0)
	msg | sed "s/^Subject:.*/Subject: =?UTF-8?B?$b?=/" > "$T/in"
	inject
	grep -q "^Subject: Away: =?UTF-8?B?$b?=\$" "$(the_reply)/eml"
}

@test "injection: Latin-1 Q-encoded with a stray LF" {
	msg | sed 's/^Subject:.*/Subject: =?iso-8859-1?Q?x=0ABcc=3A_victim?=/' \
	    > "$T/in"
	inject
}

@test "injection: NUL byte and other controls in the Subject" {
	msg | sed 's/^Subject:.*/Subject: x\x00\x0bBcc: victim@example.net/' \
	    > "$T/in"
	inject
	assert_equal "$(subj)" "Away: x Bcc: victim@example.net"
}

@test "injection: through the Message-ID and References" {
	msg | sed 's/^Message-ID:.*/Message-ID: <m1@x\rBcc: victim@example.net>/' |
	    sed 's/^Subject:.*/References: <r@x\rBcc: victim@example.net>\nSubject: a/' \
	    > "$T/in"
	inject
	run grep -c -e '^In-Reply-To' -e '^References' "$(the_reply)/eml"
	assert_output 0
}

@test "injection: \$SUBJECT in the template twice" {
	printf 'Subject: $SUBJECT / $SUBJECT\n\naway\n' > "$T/msg"
	msg | sed 's/^Subject:.*/Subject: x\r\nBcc: victim@example.net/' > "$T/in"
	inject
}

# ------------------------------------------------------------ interval

@test "interval: two messages within the interval get one reply" {
	msg > "$T/in"
	run vac alice < "$T/in"
	assert_output --partial "replied"
	run vac alice < "$T/in"
	assert_success
	assert_output --partial "already answered"
	[ "$(nreplies)" -eq 1 ]
}

@test "interval: after it (database clock moved back 8 days) another reply" {
	need_peer cdb "tinycdb's cdb(1) edits the database"
	msg > "$T/in"
	run vac alice < "$T/in"
	set_time bob@example.org "$(days_ago 6)"
	run vac alice < "$T/in"
	assert_output --partial "already answered"
	set_time bob@example.org "$(days_ago 8)"
	run vac alice < "$T/in"
	assert_output --partial "replied"
	[ "$(nreplies)" -eq 2 ]
}

@test "interval: -r 2 answers after 3 days, not after 1" {
	need_peer cdb "tinycdb's cdb(1) edits the database"
	msg > "$T/in"
	run vac -r 2 alice < "$T/in"
	set_time bob@example.org "$(days_ago 1)"
	run vac -r 2 alice < "$T/in"
	assert_output --partial "already answered"
	set_time bob@example.org "$(days_ago 3)"
	run vac -r 2 alice < "$T/in"
	assert_output --partial "replied"
	[ "$(nreplies)" -eq 2 ]
}

@test "interval: -r 0 replies every time and records nothing" {
	msg > "$T/in"
	for i in 1 2 3; do
		run vac -r 0 alice < "$T/in"
		assert_success
	done
	[ "$(nreplies)" -eq 3 ]
	run vacation -l -f "$T/db"
	refute_output --partial bob@
}

@test "interval: -i -r infinite stored; once per sender, ever" {
	need_peer cdb "tinycdb's cdb(1) edits the database"
	run vacation -i -r infinite -f "$T/db"
	assert_success
	run vacation -l -f "$T/db"
	assert_line "# interval: infinite"
	msg > "$T/in"
	run vac alice < "$T/in"
	set_time bob@example.org 1000000000
	run vac alice < "$T/in"
	assert_output --partial "already answered"
	[ "$(nreplies)" -eq 1 ]
	run vacation -l -f "$T/db"
	assert_line --regexp '^bob@example.org	2001-09-'
}

@test "interval: -r on the command line overrides the stored one" {
	run vacation -i -r infinite -f "$T/db"
	msg > "$T/in"
	run vac alice < "$T/in"
	run vac -r 0 alice < "$T/in"
	assert_output --partial "replied"
	[ "$(nreplies)" -eq 2 ]
}

# ------------------------------------------------------------ concurrency

@test "concurrency: 20 simultaneous runs for one sender, one reply" {
	msg > "$T/in"
	pids=()
	for i in $(seq 20); do
		SEND_SLEEP=0.2 vacation -f "$T/db" -m "$T/msg" -S "$T/send" \
		    alice < "$T/in" > "$T/log.$i" 2>&1 &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do
		wait "$p" || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ] || { cat "$T"/log.*; fail "$fails runs failed"; }
	[ "$(nreplies)" -eq 1 ] || fail "$(nreplies) replies"
}

@test "concurrency: a busy lock is 75 after the timeout, nothing sent" {
	: > "$T/db.lock"
	"$PYTHON3" -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close(); time.sleep(20)' "$T/db.lock" "$T/held" &
	holder=$!
	for i in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.05; done
	msg > "$T/in"
	VACATION_LOCK_TIMEOUT=1 run vac alice < "$T/in"
	kill "$holder"
	wait "$holder" || true
	assert_failure 75
	assert_output --partial "locked"
	[ "$(nreplies)" -eq 0 ]
}

# ------------------------------------------------------------ failures

@test "send fails for now (75): exit 75, not recorded; the retry replies" {
	msg > "$T/in"
	SEND_STATUS=75 run vac alice < "$T/in"
	assert_failure 75
	run vacation -l -f "$T/db"
	refute_output --partial bob@
	run vac alice < "$T/in"
	assert_success
	assert_output --partial "replied"
	[ "$(nreplies)" -eq 1 ]
	run vac alice < "$T/in"
	[ "$(nreplies)" -eq 1 ]
}

@test "send killed by a signal: exit 75" {
	msg > "$T/in"
	SEND_STATUS=kill run vac alice < "$T/in"
	assert_failure 75
	[ "$(nreplies)" -eq 0 ]
}

@test "send fails for good: exit 0 (no bounce), warned, not recorded" {
	msg > "$T/in"
	SEND_STATUS=69 run vac alice < "$T/in"
	assert_success
	assert_output --partial "not sent"
	run vacation -l -f "$T/db"
	refute_output --partial bob@
}

@test "sending command not found: exit 0 with a warning" {
	msg > "$T/in"
	run vacation -f "$T/db" -m "$T/msg" -S "$T/no-such-command" alice \
	    < "$T/in"
	assert_success
	assert_output --partial "not sent"
}

@test "the recommended .forward line keeps 75 and turns 78 into 0" {
	msg > "$T/in"
	line='vacation -f "$1" -m "$2" -S "$3" alice; test $? -ne 75 || exit 75'
	run sh -c "$line" sh "$T/db" "$T/no-msg" "$T/send" < "$T/in"
	assert_success
	SEND_STATUS=75 run sh -c "$line" sh "$T/db" "$T/msg" "$T/send" < "$T/in"
	assert_failure 75
	run sh -c "$line" sh "$T/db" "$T/msg" "$T/send" < "$T/in"
	assert_success
	[ "$(nreplies)" -eq 1 ]
}

# ------------------------------------------------------------ database

@test "database: -l lists address and time, sorted" {
	for u in carol bob dave; do
		msg | sed "s/bob@example.org/$u@example.org/g" > "$T/in"
		run vac alice < "$T/in"
	done
	run vacation -l -f "$T/db"
	assert_success
	assert_line --index 0 "# interval: 7 days (default)"
	assert_line --index 1 --regexp \
	    '^bob@example.org	[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [-+][0-9]{4}$'
	assert_line --index 2 --regexp '^carol@example.org	'
	assert_line --index 3 --regexp '^dave@example.org	'
}

@test "database: -x adds exclusions, -l shows them" {
	printf '%s\n' 'Eve@Example.net' '@spam.example' 'not an address' |
	    vacation -x -f "$T/db" > "$T/out.x" 2>&1
	grep -q "not an address" "$T/out.x"
	printf '%s\n' 'mallory@example.net' | vacation -x -f "$T/db"
	run vacation -l -f "$T/db"
	assert_line "@spam.example	excluded"
	assert_line "eve@example.net	excluded"
	assert_line "mallory@example.net	excluded"
}

@test "database: -i resets replies and exclusions" {
	printf '@example.net\n' | vacation -x -f "$T/db"
	msg > "$T/in"
	run vac alice < "$T/in"
	run vacation -i -f "$T/db"
	assert_success
	run vacation -l -f "$T/db"
	assert_output "# interval: 7 days (default)"
	run vac alice < "$T/in"
	assert_output --partial "replied"
	[ "$(nreplies)" -eq 2 ]
}

@test "database: -i -r 3 stores the interval" {
	run vacation -I -r 3 -f "$T/db"
	assert_success
	run vacation -l -f "$T/db"
	assert_output "# interval: 3 days"
}

@test "database: a corrupt file is rebuilt with a warning, not a crash" {
	head -c 5000 /dev/urandom > "$T/db"
	msg > "$T/in"
	run vac alice < "$T/in"
	assert_success
	assert_output --partial "corrupt"
	assert_output --partial "replied"
	run vacation -l -f "$T/db"
	assert_success
	refute_output --partial corrupt
	assert_line --regexp '^bob@example.org	'
	if command -v cdb >/dev/null; then
		cdb -q "$T/db" version
	fi
}

@test "database: a truncated or foreign cdb is corrupt too; -l survives" {
	need_peer cdb "tinycdb's cdb(1) writes a foreign database"
	printf '+5,3:alias->x@y\n\n' | cdb -c "$T/db"
	run vacation -l -f "$T/db"
	assert_success
	assert_output --partial "corrupt"
	msg > "$T/in"
	run vac alice < "$T/in"
	assert_success
	run vac alice < "$T/in"
	assert_output --partial "already answered"
	refute_output --partial corrupt
	: > "$T/db"
	run vacation -l -f "$T/db"
	assert_success
	assert_output --partial "corrupt"
}

# ------------------------------------------------------------ end to end

# msend_conf DIR PORT: an msend configuration for the capture server.
msend_conf() {
	printf '%s\n' defaults '  domain client.test' 'account test' \
	    '  host 127.0.0.1' "  port $2" '  tls off' 'default test' > "$1"
	chmod 600 "$1"
}

@test "end to end: the default sender msend delivers to aiosmtpd" {
	smtp_require
	S=$T/s
	smtpd_start "$S"
	msend_conf "$T/msend.conf" "$(smtpd_port "$S")"
	msg | sed 's/^Subject:.*/Subject: =?utf-8?q?d=C3=A9jeuner?=/' > "$T/in"
	MSEND_CONFIG=$T/msend.conf run vacation -d -f "$T/db" -m "$T/msg" \
	    alice < "$T/in"
	assert_success
	smtpd_wait "$S" 1
	MSEND_CONFIG=$T/msend.conf run vacation -f "$T/db" -m "$T/msg" \
	    -z alice < <(msg | sed 's/bob@/carol@/g')
	assert_success
	smtpd_wait "$S" 2
	run "$PYTHON3" - "$S/mail" <<'EOF'
import email, email.header, json, sys
d = sys.argv[1]
for n in (1, 2):
    env = json.load(open("%s/%d.json" % (d, n)))
    m = email.message_from_binary_file(open("%s/%d.eml" % (d, n), "rb"))
    print(env["mail_from"], env["rcpt_tos"], m["To"], m["Auto-Submitted"],
          m["Precedence"], m["In-Reply-To"],
          str(email.header.make_header(email.header.decode_header(
              m["Subject"]))))
EOF
	assert_success
	assert_line --index 0 "alice@example.com ['bob@example.org'] bob@example.org auto-replied bulk <m1@example.org> Away: déjeuner"
	assert_line --index 1 "<> ['carol@example.org'] carol@example.org auto-replied bulk <m1@example.org> Away: lunch"
	[ "$(smtpd_count "$S")" -eq 2 ]
}

@test "end to end: 20 simultaneous runs through msend, one reply arrives" {
	smtp_require
	S=$T/s
	smtpd_start "$S"
	msend_conf "$T/msend.conf" "$(smtpd_port "$S")"
	msg > "$T/in"
	pids=()
	for i in $(seq 20); do
		MSEND_CONFIG=$T/msend.conf vacation -f "$T/db" -m "$T/msg" \
		    alice < "$T/in" > "$T/log.$i" 2>&1 &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do
		wait "$p" || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ] || { cat "$T"/log.*; fail "$fails runs failed"; }
	smtpd_wait "$S" 1
	sleep 0.5
	[ "$(smtpd_count "$S")" -eq 1 ] || fail "$(smtpd_count "$S") replies"
}

# mdeliver, as root, reads the test user's ~/.forward and runs vacation
# as that user, which answers through msend.
@test "end to end: .forward \\user, \"|vacation user\" behind mdeliver" {
	need_root "to make a test user whose .forward mdeliver reads"
	smtp_require
	S=$T/s
	smtpd_start "$S"
	VT_HOME=$(mktemp -d /tmp/vacation-users.XXXXXX)
	chmod 755 "$VT_HOME"
	h=$VT_HOME/vactest
	userdel vactest >/dev/null 2>&1 || true
	useradd -M -d "$h" -s /bin/sh vactest
	mkdir -m 755 "$h" "$VT_HOME/spool"
	chmod 1777 "$VT_HOME/spool"
	export MAILKIT_SPOOL=$VT_HOME/spool
	msg | sed 's/alice@example.com/vactest@example.com/' > "$T/in"
	chmod 644 "$T/in"

	mkdir -p "$h/.config/msend"
	msend_conf "$h/.config/msend/config" "$(smtpd_port "$S")"
	printf 'Subject: Away: $SUBJECT\n\nI am away.\n' > "$h/.vacation.msg"
	# Full paths: the build tree is not installed.
	printf '%s\n' \
	    "\\vactest, \"|$MAILKIT_BIN/vacation -S $MAILKIT_BIN/msend vactest\"" \
	    > "$h/.forward"
	chown -R vactest: "$h"
	chmod 644 "$h/.forward"
	run mdeliver -f bob@example.org -d vactest < "$T/in"
	assert_success
	box=$VT_HOME/spool/vactest
	[ -d "$h/Maildir" ] && box=$h/Maildir
	[ -e "$box" ] || fail "not delivered to the mailbox"
	grep -rq '^Subject: lunch' "$box"
	smtpd_wait "$S" 1 || fail "no reply reached the SMTP server"
	run "$PYTHON3" - "$S/mail" <<'EOF'
import email, json, sys
env = json.load(open(sys.argv[1] + "/1.json"))
m = email.message_from_binary_file(open(sys.argv[1] + "/1.eml", "rb"))
print(env["mail_from"], env["rcpt_tos"], m["To"], m["Subject"],
      m["Auto-Submitted"], m["Precedence"])
EOF
	assert_output "vactest@example.com ['bob@example.org'] bob@example.org Away: lunch auto-replied bulk"
	# A second message from bob: delivered, not answered again.
	run mdeliver -f bob@example.org -d vactest < "$T/in"
	assert_success
	sleep 0.5
	[ "$(smtpd_count "$S")" -eq 1 ]
}
