#!/usr/bin/env bats
# mdeliver: delivery into every format read back by the real peers
# (Python's mailbox, Dovecot, nmh, mblaze), concurrency, a full disk,
# kill -9, locks, the security checks, LMTP through swaks, a private
# Postfix delivering through mdeliver, and the expansion of aliases and
# .forward files into mailboxes, programs, files and other addresses
# (re-submitted through msend to aiosmtpd).

load 'lib/common'
load 'lib/postfix'
load 'lib/smtp'

setup_file() {
	export TMPW="$BATS_FILE_TMPDIR"
	: "${PYTHON3:=/usr/bin/python3}"
	export PYTHON3
	# read.py FMT PATH: every message of the mailbox, NUL-terminated,
	# mbox quoting undone (Python leaves ">From " as it is).
	cat >"$TMPW/read.py" <<'EOF'
import mailbox, re, sys
fmt, path = sys.argv[1], sys.argv[2]
if fmt == 'mbox':
    box = mailbox.mbox(path, create=False)
    msgs = [re.sub(rb'(?m)^>(>*From )', rb'\1', box.get_bytes(k))
            for k in box.keys()]
elif fmt == 'mmdf':
    box = mailbox.MMDF(path, create=False)
    msgs = [box.get_bytes(k) for k in box.keys()]
elif fmt == 'mh':
    box = mailbox.MH(path, create=False)
    msgs = [box.get_bytes(k) for k in sorted(box.keys(), key=int)]
else:
    box = mailbox.Maildir(path, factory=None, create=False)
    msgs = [box.get_bytes(k) for k in box.keys()]
out = sys.stdout.buffer
for m in msgs:
    out.write(m + b'\0')
EOF
	# same.py FMT PATH ORIGDIR [N]: the mailbox holds exactly N (default:
	# all) whole messages of ORIGDIR, each once, in any order.  Return-Path
	# and Delivered-To fields are not compared; CRLF counts as LF and a
	# leading From_ line as nothing, as mdeliver stores them.
	cat >"$TMPW/same.py" <<'EOF'
import hashlib, os, re, subprocess, sys
fmt, path, orig = sys.argv[1:4]
def norm(b):
    b = b.replace(b'\r\n', b'\n')
    if b.startswith(b'From '):
        b = b[b.index(b'\n') + 1:]
    h, sep, body = b.partition(b'\n\n')
    lines = re.split(rb'\n(?![ \t])', h)
    lines = [l for l in lines if not re.match(rb'(?i)(return-path|delivered-to)\s*:', l)]
    return hashlib.sha256(b'\n'.join(lines).rstrip(b'\n') + b'\n\n' + body.rstrip(b'\n')).hexdigest()
want = {}
for f in os.listdir(orig):
    want[norm(open(os.path.join(orig, f), 'rb').read())] = f
got = subprocess.run([sys.executable, os.path.join(os.path.dirname(sys.argv[0]), 'read.py'), fmt, path],
                     capture_output=True, check=True).stdout.split(b'\0')[:-1]
n = int(sys.argv[4]) if len(sys.argv) > 4 else len(want)
seen = set()
bad = 0
for m in got:
    k = norm(m)
    if k not in want:
        print('not one of the originals:', m[:300]); bad = 1
    elif k in seen:
        print('twice:', want[k]); bad = 1
    seen.add(k)
if len(got) != n:
    print('count %d, want %d' % (len(got), n)); bad = 1
sys.exit(bad)
EOF
	# lmtpd.py PORTFILE CMD...: an inetd for one TCP port on 127.0.0.1,
	# running CMD with each connection as its standard input and output.
	cat >"$TMPW/lmtpd.py" <<'EOF'
import os, socket, subprocess, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
kids = []
while True:
    c, _ = s.accept()
    kids.append(subprocess.Popen(sys.argv[2:], stdin=c, stdout=c))
    c.close()
    kids = [k for k in kids if k.poll() is None]
EOF
	# Test users (as root): homes under a directory they can reach.
	# mdtest*: mailboxes; mkix*: aliases and .forward expansion.
	if [ "$(id -u)" -eq 0 ]; then
		USERS_HOME=$(mktemp -d /tmp/mdeliver-users.XXXXXX)
		chmod 755 "$USERS_HOME"
		export USERS_HOME
		for u in mdtest1 mdtest2 mdtest3 mkix1 mkix2 mkix3; do
			userdel "$u" >/dev/null 2>&1 || true
			useradd -M -d "$USERS_HOME/$u" -s /bin/sh "$u" ||
			    return 1
			mkdir -m 700 "$USERS_HOME/$u"
			chown "$u:" "$USERS_HOME/$u"
		done
	fi
}

teardown_file() {
	if [ -n "${USERS_HOME:-}" ]; then
		for u in mdtest1 mdtest2 mdtest3 mkix1 mkix2 mkix3; do
			userdel "$u" >/dev/null 2>&1 || true
		done
		rm -rf "$USERS_HOME"
	fi
}

setup() {
	T=$(mk_tmp md)
	cd "$T"
	printf 'Subject: one\nFrom: a@example.org\n\nbody one\nFrom here\n' \
	    >"$T/m1"
}

# count FMT PATH: messages as Python's mailbox sees them.
count() {
	"$PYTHON3" "$TMPW/read.py" "$1" "$2" | tr -cd '\0' | wc -c
}

# nth FMT PATH N: message N (from 0) as Python's mailbox reads it.
nth() {
	"$PYTHON3" - "$TMPW/read.py" "$@" <<'EOF'
import subprocess, sys
out = subprocess.run([sys.executable] + sys.argv[1:4], capture_output=True,
                     check=True).stdout.split(b'\0')
sys.stdout.buffer.write(out[int(sys.argv[4])])
EOF
}

# spooldir: a spool directory like Debian's /var/mail (root:mail 2775) in
# $SPOOL and $MAILKIT_SPOOL; as root, where the test users can reach it.
spooldir() {
	if [ "$(id -u)" -eq 0 ]; then
		SPOOL=$(mktemp -d "$USERS_HOME/spool.XXXXXX")
		chown root:mail "$SPOOL"
		chmod 2775 "$SPOOL"
	else
		SPOOL=$T/spool
		mkdir -p "$SPOOL"
	fi
	export SPOOL MAILKIT_SPOOL=$SPOOL
}

# ------------------------------------------------------------ interface

@test "usage errors exit 64" {
	run mdeliver
	assert_failure 64
	assert_output --partial "usage: mdeliver"
	run mdeliver -x box
	assert_failure 64
	run mdeliver -L box
	assert_failure 64
	run mdeliver -L -d root
	assert_failure 64
	run mdeliver -F nosuch box
	assert_failure 64
	run mdeliver -l nosuch box
	assert_failure 64
	run mdeliver -t -1 box
	assert_failure 64
	run mdeliver -V
	assert_success
	assert_output --regexp '^mailkit '
}

@test "mbox: From_ sender, Return-Path, body byte for byte" {
	printf 'From alice@example.org Mon Jan  1 00:00:00 2024\n' >in
	cat m1 >>in
	run mdeliver box <in
	assert_success
	assert_output ""
	run head -1 box
	assert_output --regexp '^From alice@example.org [A-Z][a-z][a-z] '
	nth mbox box 0 >got
	{ printf 'Return-Path: <alice@example.org>\n'; cat m1; } >want
	cmp got want
	# The From_ line of the body came back quoted and reads back.
	grep -q '^>From here' box
}

@test "sender: -f over From_ over SENDER over the user" {
	printf 'From x@y Mon Jan  1 00:00:00 2024\n' >in
	cat m1 >>in
	mdeliver -f '<f@example.org>' box <in
	SENDER=s@example.org mdeliver box <m1
	SENDER= mdeliver box <m1
	env -u SENDER mdeliver box <m1
	run grep '^Return-Path' box
	assert_output "Return-Path: <f@example.org>
Return-Path: <s@example.org>
Return-Path: <>
Return-Path: <$(id -un)>"
	run grep -c '^From MAILER-DAEMON ' box
	assert_output 1
}

@test "CRLF input is stored with LF" {
	printf 'Subject: crlf\r\nX: y\r\n\r\nline\r\nbare\rcr\r\n' >in
	printf 'Return-Path: <a@b>\nSubject: crlf\nX: y\n\nline\nbare\rcr\n' \
	    >want
	mdeliver -f a@b md/ box <in
	nth maildir md 0 >got
	cmp got want
	nth mbox box 0 >got
	cmp got want
}

@test "Return-Path already there is replaced, not doubled" {
	printf 'Return-Path: <old@x>\nSubject: s\n\nb\n' | mdeliver -f new@x box
	run grep -c '^Return-Path' box
	assert_output 1
	grep -q '^Return-Path: <new@x>' box
}

@test "every format read back by Python's mailbox" {
	for f in mbox mmdf mh maildir; do
		mdeliver -F "$f" "b-$f" <m1
		mdeliver -F "$f" "b-$f" <m1
		run count "$f" "b-$f"
		assert_output 2
		nth "$f" "b-$f" 1 >got
		if [ "$f" = mmdf ]; then
			printf '\n' >>got	# Python drops the final LF
		fi
		{ printf 'Return-Path: <%s>\n' "$(id -un)"; cat m1; } >want
		cmp got want
	done
	[ -d b-maildir/new ] && [ -f b-mh/1 ] && [ -f b-mh/2 ]
	run stat -c %a b-maildir b-mh b-mbox
	assert_output "700
700
600"
}

@test "existing stores are sniffed; -F only for new ones" {
	mdeliver -F maildir md <m1
	mdeliver -F mh md <m1
	run count maildir md
	assert_output 2
	: >empty
	mdeliver -F mmdf empty <m1
	head -c 4 empty | od -c | grep -q '001 001 001 001'
	mdeliver -F maildir empty <m1
	run count mmdf empty
	assert_output 2
}

@test "-c refuses to create a store: 73" {
	run mdeliver -c nothere <m1
	assert_failure 73
	[ ! -e nothere ]
	run mdeliver -c -F maildir nothere <m1
	assert_failure 73
	[ ! -e nothere ]
	mdeliver box <m1
	run mdeliver -c box <m1
	assert_success
}

@test "several destinations: each tried, worst status, none twice" {
	printf 'junk\n' >junk
	mkdir -p ro
	run mdeliver a md/ a ./a junk b md <m1
	assert_failure 75
	assert_output --partial "junk"
	run count mbox a
	assert_output 1
	run count mbox b
	assert_output 1
	run count maildir md
	assert_output 1
	run cat junk
	assert_output junk
}

@test "-v says what was delivered" {
	run mdeliver -v box md/ <m1
	assert_success
	assert_line --regexp '^mdeliver: -: box \(mboxrd, [0-9]+ bytes\)$'
	assert_line --regexp '^mdeliver: -: md/ \(maildir, [0-9]+ bytes\)$'
}

@test "-d: Delivered-To added, loop refused with 65, nothing delivered" {
	spooldir
	me=$(id -un)
	HOME=$T mdeliver -d "$me" box <m1
	[ -f "$SPOOL/$me" ] || [ -d "$(getent passwd "$me" | cut -d: -f6)/Maildir" ]
	f=$SPOOL/$me
	if [ -f "$f" ]; then
		nth mbox "$f" 0 >got
		{ printf 'Return-Path: <%s>\nDelivered-To: %s\n' "$me" "$me"
		  cat m1; } >want
		cmp got want
	fi
	cp box box.before
	printf 'Delivered-To: a@b\nDelivered-To: <%s>\n\nx\n' "$me" >loop
	run mdeliver -d "$me" box <loop
	assert_failure 65
	assert_output --partial "loop"
	cmp box box.before
	# Another recipient's Delivered-To is no loop.
	printf 'Delivered-To: someone-else\n\nx\n' | mdeliver -d "$me"
}

@test "-d unknown user: 67, the other destinations still delivered" {
	spooldir
	run mdeliver -d no-such-user-here box <m1
	assert_failure 67
	assert_output --partial "no-such-user-here: unknown user"
	run count mbox box
	assert_output 1
}

# ------------------------------------------------------------ peers

@test "Maildir read by mblaze" {
	need_peer /usr/bin/mlist "mblaze, to read the Maildir"
	need_peer /usr/bin/mscan "mblaze, to read the Maildir"
	for i in 1 2 3; do
		printf 'Subject: mblaze %s\nFrom: a@b\n\nb\n' "$i" |
		    mdeliver md/
	done
	export MBLAZE=$T/mblaze
	mkdir "$MBLAZE"
	: >"$MBLAZE/seq"
	run sh -c '/usr/bin/mlist md | /usr/bin/mscan -f "%s" | sort'
	assert_success
	assert_output "mblaze 1
mblaze 2
mblaze 3"
	run sh -c '/usr/bin/mlist md | xargs /usr/bin/mhdr -h return-path'
	assert_output --partial "<$(id -un)>"
}

@test "MH folder read by nmh scan" {
	need_peer /usr/bin/mh/scan "nmh, to read the MH folder"
	mkdir Mail
	printf 'Path: %s/Mail\n' "$T" >profile
	for i in 1 2 3; do
		printf 'Subject: nmh %s\nFrom: a@b\n\nb\n' "$i" |
		    mdeliver -F mh Mail/inbox
	done
	run env MH=$T/profile MHCONTEXT=$T/Mail/context \
	    /usr/bin/mh/scan +inbox -format '%{subject}'
	assert_success
	assert_output "nmh 1
nmh 2
nmh 3"
}

# dovecot FMT PATH: the subjects as Dovecot's doveadm reads them.  Dovecot
# refuses uid 0: as root, a copy of the store is read as nobody.
dovecot() {
	local d=$T/dove loc
	if [ "$(id -u)" -eq 0 ]; then
		d=$(mktemp -d "$USERS_HOME/dove.XXXXXX")
		chmod 755 "$d"
	fi
	mkdir -p "$d/run" "$d/state" "$d/mboxes"
	cp -a "$2" "$d/store"
	case $1 in
	maildir) loc="maildir:$d/store" ;;
	mbox) loc="mbox:$d/mboxes:INBOX=$d/store" ;;
	esac
	cat >"$d/dovecot.conf" <<EOF
mail_location = $loc
base_dir = $d/run
state_dir = $d/state
log_path = /dev/stderr
ssl = no
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
EOF
	if [ "$(id -u)" -eq 0 ]; then
		chown -R nobody:nogroup "$d"
		HOME=$d USER=nobody setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups doveadm -c "$d/dovecot.conf" \
		    fetch 'hdr.subject' all
	else
		HOME=$d USER=$(id -un) doveadm -c "$d/dovecot.conf" \
		    fetch 'hdr.subject' all
	fi
}

@test "Maildir and mbox read by Dovecot" {
	need_peer doveadm "Dovecot, to read the stores"
	for i in 1 2; do
		printf 'Subject: dove %s\n\nb\n' "$i" | mdeliver md/ box
	done
	run dovecot maildir "$T/md"
	assert_success
	assert_line "hdr.subject: dove 1"
	assert_line "hdr.subject: dove 2"
	run dovecot mbox "$T/box"
	assert_success
	assert_line "hdr.subject: dove 1"
	assert_line "hdr.subject: dove 2"
}

# ------------------------------------------------------------ concurrency

@test "64 concurrent deliveries into one mbox, Maildir and MH folder" {
	corpus mh 64 "$T/c"
	mkdir -p MH/inbox
	for f in "$T"/c/*; do
		(mdeliver -t 120 box md/ MH/inbox <"$f" || echo "$f" >>failed) &
	done
	wait
	[ ! -e failed ]
	"$PYTHON3" "$TMPW/same.py" mbox box "$T/c"
	"$PYTHON3" "$TMPW/same.py" maildir md "$T/c"
	"$PYTHON3" "$TMPW/same.py" mh MH/inbox "$T/c"
	[ ! -e box.lock ]
}

# ------------------------------------------------------------ faults

@test "disk full in the middle of an mbox append: 75, mbox unchanged" {
	corpus mh 3 "$T/c" --big-fraction 1
	cat "$T"/c/* >big	# several MB
	mkdir mnt
	mdeliver mnt/box <m1
	if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m tmpfs mnt; then
		MNT=$T/mnt
		mdeliver mnt/box <m1
		cp mnt/box before
		run mdeliver mnt/box <big
		assert_failure 75
		assert_output --partial "No space left on device"
		cmp mnt/box before
		# Room again: delivery works and the mbox reads.
		mdeliver mnt/box <m1
		run count mbox mnt/box
		assert_output 2
	else
		need_peer cc "a C compiler, for the ENOSPC shim"
		cc -shared -fPIC -o enospc.so \
		    "$MAILKIT_SRC/tests/lib/enospc.c" -ldl
		cp mnt/box before
		ENOSPC_AFTER=100000 LD_PRELOAD=$T/enospc.so run mdeliver \
		    mnt/box <big
		assert_failure 75
		cmp mnt/box before
	fi
}

teardown() {
	if [ -n "${MNT:-}" ]; then
		umount "$MNT" || true
	fi
	if [ -n "${PF_STARTED:-}" ]; then
		postfix_stop || true
	fi
	if [ -n "${S:-}" ]; then
		smtpd_stop "$S"
	fi
	if [ -n "${LMTPD_PID:-}" ]; then
		kill "$LMTPD_PID" 2>/dev/null || true
	fi
}

@test "a partial message left by a killed delivery is cut off by the next" {
	mdeliver box <m1
	read -r dev ino size < <(stat -c '%d %i %s' box)
	printf '%s %s %s\n' "$dev" "$ino" "$size" > .box.mkpend
	printf 'From x@example.org Mon Jan  1 00:00:00 2024\nSubject: half\n\n>From the middle\nbody that sto' >> box
	run --separate-stderr mdeliver box <m1
	assert_success
	[[ "$stderr" == *"removed a partial message"* ]]
	[ ! -e .box.mkpend ]
	[ "$(count mbox box)" -eq 2 ]
	! grep -q 'Subject: half' box
}

@test "mail another program appended after a partial message is kept" {
	mdeliver box <m1
	read -r dev ino size < <(stat -c '%d %i %s' box)
	printf '%s %s %s\n' "$dev" "$ino" "$size" > .box.mkpend
	printf 'From x@example.org Mon Jan  1 00:00:00 2024\nSubject: half\n\nbody that sto' >> box
	printf 'From y@example.org Mon Jan  1 00:00:00 2024\nSubject: other\n\nok\n\n' >> box
	cp box before
	run --separate-stderr mdeliver box <m1
	assert_success
	[[ "$stderr" != *"removed a partial message"* ]]
	cmp before <(head -c "$(stat -c %s before)" box)
	grep -q 'Subject: other' box
}

@test "kill -9 at random points: every message whole or absent" {
	corpus mh 20 "$T/c"
	files=("$T"/c/*)
	for i in $(seq 100); do
		f=${files[RANDOM % ${#files[@]}]}
		mdeliver -l fcntl box md/ <"$f" &
		pid=$!
		sleep "0.00$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	n=$(count mbox box)
	"$PYTHON3" "$TMPW/same.py" mbox box "$T/c" "$n" || true
	# Messages may repeat (the same file delivered twice): compare each
	# message with the originals one by one.
	"$PYTHON3" - "$TMPW/read.py" box md "$T/c" <<'EOF'
import hashlib, os, re, subprocess, sys
rd, box, md, orig = sys.argv[1:5]
def norm(b):
    b = b.replace(b'\r\n', b'\n')
    h, sep, body = b.partition(b'\n\n')
    lines = [l for l in re.split(rb'\n(?![ \t])', h)
             if not re.match(rb'(?i)return-path\s*:', l)]
    return hashlib.sha256(b'\n'.join(lines).rstrip(b'\n') + b'\n\n' + body.rstrip(b'\n')).hexdigest()
want = {norm(open(os.path.join(orig, f), 'rb').read()) for f in os.listdir(orig)}
bad = 0
for fmt, path in (('mbox', box), ('maildir', md)):
    if not os.path.exists(path):
        continue
    out = subprocess.run([sys.executable, rd, fmt, path], capture_output=True,
                         check=True).stdout.split(b'\0')[:-1]
    for m in out:
        if norm(m) not in want:
            print(fmt, 'broken message:', m[:200]); bad = 1
    print(fmt, len(out), 'messages', file=sys.stderr)
sys.exit(bad)
EOF
	# And the next delivery still works.
	mdeliver -l fcntl box md/ <m1
}

@test "a held fcntl lock: wait, then 75 after -t" {
	mdeliver box <m1
	cp box before
	"$PYTHON3" -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(30)' box locked &
	holder=$!
	while [ ! -e locked ]; do sleep 0.05; done
	start=$(date +%s)
	run mdeliver -t 2 box <m1
	end=$(date +%s)
	kill "$holder"
	wait "$holder" || true
	assert_failure 75
	assert_output --partial "busy"
	[ $((end - start)) -ge 2 ]
	cmp box before
	mdeliver -t 2 box <m1
	run count mbox box
	assert_output 2
}

@test "a fresh dotlock: 75 after -t; a stale one is broken" {
	mdeliver box <m1
	echo 999999 >box.lock
	run mdeliver -t 1 box <m1
	assert_failure 75
	run count mbox box
	assert_output 1
	touch -d '10 minutes ago' box.lock
	run mdeliver -t 5 box <m1
	assert_success
	[ ! -e box.lock ]
	run count mbox box
	assert_output 2
}

# ------------------------------------------------------------ security

@test "symlinked spool mailbox: 77 and not followed" {
	spooldir
	me=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		me=mdtest1
	fi
	printf 'precious\n' >target
	chmod 666 target
	ln -s "$T/target" "$SPOOL/$me"
	run mdeliver -d "$me" <m1
	assert_failure 77
	assert_output --partial "symbolic link"
	run cat target
	assert_output precious
}

@test "hard-linked mailbox: 77" {
	spooldir
	me=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		me=mdtest1
	fi
	: >other
	ln other "$SPOOL/$me"
	if [ "$(id -u)" -eq 0 ]; then
		chown mdtest1 other
	fi
	run mdeliver -d "$me" <m1
	assert_failure 77
	[ ! -s other ]
	run mdeliver box2 <m1
	ln box2 box3
	run mdeliver box2 <m1
	assert_failure 77
}

@test "as root: spool mailbox created user:mail 0660, written as the user" {
	need_root "to switch to the test users"
	spooldir
	run mdeliver -d mdtest1 -d mdtest2 <m1
	assert_success
	run stat -c '%U:%G %a' "$SPOOL/mdtest1" "$SPOOL/mdtest2"
	assert_output "mdtest1:mail 660
mdtest2:mail 660"
	nth mbox "$SPOOL/mdtest2" 0 >got
	{ printf 'Return-Path: <root>\nDelivered-To: mdtest2\n'; cat m1; } >want
	cmp got want
	# Owned by someone else: refused.
	chown mdtest2 "$SPOOL/mdtest1"
	run mdeliver -d mdtest1 <m1
	assert_failure 77
	assert_output --partial "not owned by mdtest1"
}

@test "as root: ~/Maildir is used when it exists, written as the user" {
	need_root "to switch to the test users"
	spooldir
	h=$USERS_HOME/mdtest3
	mkdir -p "$h/Maildir/cur" "$h/Maildir/new" "$h/Maildir/tmp"
	chown -R mdtest3: "$h/Maildir"
	mdeliver -d mdtest3 <m1
	[ ! -e "$SPOOL/mdtest3" ]
	run find "$h/Maildir/new" -type f -user mdtest3
	assert_success
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	# A Maildir the user cannot write: 73, not written by root.
	chown root: "$h/Maildir/tmp"
	chmod 755 "$h/Maildir/tmp"
	run mdeliver -d mdtest3 <m1
	assert_failure 73
	rm -rf "$h/Maildir"
}

# ------------------------------------------------------------ LMTP

@test "LMTP by hand: replies in order, loop per recipient" {
	spooldir
	me=$(id -un)
	run sh -c "printf '%s\r\n' 'LHLO x' 'MAIL FROM:<s@x>' \
	    'RCPT TO:<$me@here>' 'RCPT TO:<nobody-here-xyz@here>' \
	    'RCPT TO:<$me+ext@there>' DATA \
	    'Delivered-To: $me+ext@there' '' 'body' '..dot' . QUIT | mdeliver -L"
	assert_success
	assert_line --partial "550 5.1.1 <nobody-here-xyz@here>"
	assert_line --regexp "^250 2.0.0 <$me@here> delivered"
	assert_line --regexp "^554 5.4.6 <$me\\+ext@there> "
	f=$SPOOL/$me
	if [ -f "$f" ]; then
		run count mbox "$f"
		assert_output 1
		grep -q "^Delivered-To: $me@here" "$f"
		grep -q "^\.dot" "$f"
	fi
}

@test "LMTP through swaks: three recipients, one unknown, pipelining" {
	need_root "to deliver to several users"
	need_peer swaks "swaks, the LMTP client"
	spooldir
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L" \
	    --pipeline --from sender@example.org \
	    --to mdtest1@example.org,nosuchuser@example.org,mdtest2@example.org \
	    --header 'Subject: via swaks'
	assert_success
	assert_line --partial '<** 550 5.1.1 <nosuchuser@example.org>'
	assert_line --partial '<-  250 2.0.0 <mdtest1@example.org> delivered'
	assert_line --partial '<-  250 2.0.0 <mdtest2@example.org> delivered'
	for u in mdtest1 mdtest2; do
		run count mbox "$SPOOL/$u"
		assert_output 1
		grep -q "^Delivered-To: $u@example.org" "$SPOOL/$u"
		grep -q '^Return-Path: <sender@example.org>' "$SPOOL/$u"
		grep -q '^Subject: via swaks' "$SPOOL/$u"
		[ "$(stat -c %U "$SPOOL/$u")" = "$u" ]
	done
	[ ! -e "$SPOOL/nosuchuser" ]
}

@test "LMTP through swaks: a locked mailbox gets 451 for that recipient only" {
	need_root "to deliver to several users"
	need_peer swaks "swaks, the LMTP client"
	spooldir
	mdeliver -d mdtest1 -d mdtest2 <m1
	echo $$ >"$SPOOL/mdtest1.lock"
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -t 2" \
	    --from s@example.org --to mdtest1@example.org,mdtest2@example.org
	assert_success	# swaks: at least one recipient took it
	assert_line --partial '<** 451 4.2.0 <mdtest1@example.org>'
	assert_line --partial '<-  250 2.0.0 <mdtest2@example.org> delivered'
	run count mbox "$SPOOL/mdtest1"
	assert_output 1
	run count mbox "$SPOOL/mdtest2"
	assert_output 2
} 

# ------------------------------------------------------------ Postfix

@test "Postfix mailbox_command: delivered; a locked mailbox is deferred, then delivered" {
	need_root "to run a private Postfix"
	need_peer postfix "Postfix, the real MTA"
	need_peer swaks "swaks, to submit to Postfix"
	spooldir
	chmod 1777 "$SPOOL"	# mailbox_command runs as the user
	postfix_start "mailbox_command = /usr/bin/env MAILKIT_SPOOL=$SPOOL $MAILKIT_BIN/mdeliver -t 2 -d \"\$USER\""
	run swaks --server 127.0.0.1:"$POSTFIX_PORT" --from s@example.org \
	    --to mdtest1@"$POSTFIX_HOST" --header 'Subject: via postfix'
	assert_success
	postfix_wait_empty 30
	run count mbox "$SPOOL/mdtest1"
	assert_output 1
	grep -q '^Subject: via postfix' "$SPOOL/mdtest1"
	grep -q '^Return-Path: <s@example.org>' "$SPOOL/mdtest1"
	# Locked: Postfix keeps the message (75 is a temporary failure).
	echo $$ >"$SPOOL/mdtest1.lock"
	run swaks --server 127.0.0.1:"$POSTFIX_PORT" --from s@example.org \
	    --to mdtest1@"$POSTFIX_HOST" --header 'Subject: second'
	assert_success
	postfix_wait_deferred 30
	run postfix_queue
	assert_output --partial "mdtest1@$POSTFIX_HOST"
	run count mbox "$SPOOL/mdtest1"
	assert_output 1
	rm -f "$SPOOL/mdtest1.lock"
	postfix_flush
	postfix_wait_empty 30
	run count mbox "$SPOOL/mdtest1"
	assert_output 2
	grep -q '^Subject: second' "$SPOOL/mdtest1"
	postfix_stop
}

# ------------------------------------------------------------ aliases

# ix_setup: as root, the mkix users' homes emptied (mode 755), a spool
# directory ($SPOOL), and $AL, a directory every user can read, for the
# aliases database and the helpers.
ix_setup() {
	need_root "to deliver to test users through aliases and .forward"
	spooldir
	local u
	for u in mkix1 mkix2 mkix3; do
		rm -rf "${USERS_HOME:?}/$u"
		mkdir -m 755 "$USERS_HOME/$u"
		chown "$u:" "$USERS_HOME/$u"
	done
	AL=$(mktemp -d "$USERS_HOME/al.XXXXXX")
	chmod 755 "$AL"
	DB=$AL/aliases.db
}

# aliases: the aliases file on standard input (after postmaster and
# MAILER-DAEMON), compiled into $DB.
aliases() {
	{ printf 'postmaster: root\nMAILER-DAEMON: postmaster\n'; cat; } \
	    >"$AL/aliases"
	newaliases -f "$AL/aliases" -o "$DB"
}

# forward USER LINE...: USER's .forward, owned by USER, mode 644.
forward() {
	local u=$1 f=$USERS_HOME/$1/.forward
	shift
	printf '%s\n' "$@" >"$f"
	chown "$u:" "$f"
	chmod 644 "$f"
}

# envprog USER: ~USER/prog.sh records its environment (without PWD, which
# the shell sets itself), directory, user and arguments, and appends its
# standard input to ~USER/prog.out.
envprog() {
	local h=$USERS_HOME/$1
	cat >"$h/prog.sh" <<'EOF'
#!/bin/sh
env | grep -v '^PWD=' | LC_ALL=C sort >"$HOME/env.out"
pwd >"$HOME/pwd.out"
id -un >"$HOME/id.out"
printf '%s\n' "$@" >"$HOME/args.out"
cat >>"$HOME/prog.out"
EOF
	chmod 755 "$h/prog.sh"
	chown "$1:" "$h/prog.sh"
}

@test "aliases: an alias to two users, each delivered once, as that user" {
	ix_setup
	aliases <<'EOF'
mkixteam: mkix1, mkix2,
	mkix1, \mkix2
EOF
	run mdeliver -a "$DB" -f s@example.org -d mkixteam <m1
	assert_success
	assert_output ""
	for u in mkix1 mkix2; do
		run count mbox "$SPOOL/$u"
		assert_output 1
		nth mbox "$SPOOL/$u" 0 >got
		{ printf 'Return-Path: <s@example.org>\nDelivered-To: %s\n' \
		    "$u"; cat m1; } >want
		cmp got want
		[ "$(stat -c %U "$SPOOL/$u")" = "$u" ]
	done
	[ ! -e "$SPOOL/mkixteam" ]
	# -v says where each copy went.
	run mdeliver -v -a "$DB" -f s@example.org -d mkixteam -d mkix1 <m1
	assert_success
	assert_line --regexp "^mdeliver: mkix1: $SPOOL/mkix1 \\(mboxrd, [0-9]+ bytes\\)$"
	assert_line --regexp "^mdeliver: mkix1: $SPOOL/mkix1 \\(delivered once already\\)$"
	run count mbox "$SPOOL/mkix1"
	assert_output 2
}

@test "aliases: an owner- alias becomes the envelope sender of its list" {
	ix_setup
	aliases <<'EOF'
mkixlist: mkix1, mkix2
owner-mkixlist: mkix3
EOF
	run mdeliver -a "$DB" -f s@example.org -d mkixlist -d mkix3 <m1
	assert_success
	for u in mkix1 mkix2; do
		grep -q '^Return-Path: <owner-mkixlist>$' "$SPOOL/$u"
		grep -q '^From owner-mkixlist ' "$SPOOL/$u"
	done
	grep -q '^Return-Path: <s@example.org>$' "$SPOOL/mkix3"
	# Over LMTP the owner is qualified with the recipient's domain.
	need_peer swaks "swaks, the LMTP client"
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -a $DB" \
	    --from s@example.org --to mkixlist@example.org
	assert_success
	run count mbox "$SPOOL/mkix1"
	assert_output 2
	nth mbox "$SPOOL/mkix1" 1 >got
	grep -q '^Return-Path: <owner-mkixlist@example.org>$' got
	grep -q '^Delivered-To: mkix1@example.org$' got
}

@test ".forward: \\user keeps a copy; a program runs as the user, at home, with the documented environment" {
	ix_setup
	aliases </dev/null
	h=$USERS_HOME/mkix3
	envprog mkix3
	forward mkix3 "\\mkix3, \"|$h/prog.sh one 'two three'\""
	run mdeliver -a "$DB" -f s@example.org -d mkix3+ext <m1
	assert_success
	run count mbox "$SPOOL/mkix3"
	assert_output 1
	run cat "$h/env.out"
	assert_output "DOMAIN=
EXTENSION=ext
HOME=$h
LOCAL=mkix3+ext
LOGNAME=mkix3
ORIGINAL_RECIPIENT=mkix3+ext
PATH=/usr/bin:/bin
RECIPIENT=mkix3+ext
SENDER=s@example.org
SHELL=/bin/sh
USER=mkix3"
	[ "$(cat "$h/pwd.out")" = "$h" ]
	[ "$(cat "$h/id.out")" = mkix3 ]
	run cat "$h/args.out"
	assert_output "one
two three"
	# Return-Path and Delivered-To on top, no From_ line, body as it is.
	{ printf 'Return-Path: <s@example.org>\nDelivered-To: mkix3+ext\n'
	  cat m1; } >want
	cmp "$h/prog.out" want
	# Over LMTP: the domain and the full addresses.
	need_peer swaks "swaks, the LMTP client"
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -a $DB" \
	    --from s@example.org --to mkix3@Example.ORG
	assert_success
	run grep -E '^(DOMAIN|EXTENSION|LOCAL|ORIGINAL_RECIPIENT|RECIPIENT)=' \
	    "$h/env.out"
	assert_output "DOMAIN=Example.ORG
EXTENSION=
LOCAL=mkix3
ORIGINAL_RECIPIENT=mkix3@Example.ORG
RECIPIENT=mkix3@Example.ORG"
	grep -q '^Delivered-To: mkix3@Example.ORG$' "$h/prog.out"
	run count mbox "$SPOOL/mkix3"
	assert_output 2
}

@test ".forward: unsafe ones are ignored with a warning, an empty one forwards nothing" {
	ix_setup
	aliases </dev/null
	h=$USERS_HOME/mkix2
	envprog mkix2
	forward mkix2 "\"|$h/prog.sh\""
	chmod 664 "$h/.forward"
	run mdeliver -a "$DB" -d mkix2 <m1
	assert_success
	assert_output --partial "$h/.forward: writable by group or others: ignored"
	chmod 644 "$h/.forward"
	chown mkix1 "$h/.forward"
	run mdeliver -a "$DB" -d mkix2 <m1
	assert_success
	assert_output --partial "$h/.forward: not owned by the user or root: ignored"
	chown mkix2 "$h/.forward"
	chmod 777 "$h"
	run mdeliver -a "$DB" -d mkix2 <m1
	assert_success
	assert_output --partial "home directory writable by others"
	chmod 755 "$h"
	mv "$h/.forward" "$h/fwd"
	ln -s fwd "$h/.forward"
	run mdeliver -a "$DB" -d mkix2 <m1
	assert_success
	assert_output --partial "$h/.forward: a symbolic link: ignored"
	rm "$h/.forward"
	forward mkix2 "# nothing here" ""
	run mdeliver -a "$DB" -d mkix2 <m1
	assert_success
	assert_output ""
	run count mbox "$SPOOL/mkix2"
	assert_output 5
	[ ! -e "$h/prog.out" ]
}

@test "program delivery: 75, 71 and signals retry; other failures bounce with the output" {
	ix_setup
	aliases </dev/null
	forward mkix1 '"|echo try later; exit 75"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 75
	assert_output --partial "exit status 75: try later"
	forward mkix1 '"|exit 71"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 75
	forward mkix1 '"|kill -TERM $$"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 75
	assert_output --partial "signal 15"
	forward mkix1 '"|echo 4.2.2 mailbox full; exit 1"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 75
	forward mkix1 '"|echo no such ticket queue; exit 1"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 69
	assert_output --partial "mkix1: |echo no such ticket queue; exit 1: command failed with exit status 1: no such ticket queue"
	forward mkix1 '"|exit 67"'
	run mdeliver -a "$DB" -d mkix1 <m1
	assert_failure 67
	forward mkix1 '"|sleep 60"'
	run mdeliver -T 1 -a "$DB" -d mkix1 <m1
	assert_failure 69
	assert_output --partial "time limit (1 s) exceeded"
	[ ! -e "$SPOOL/mkix1" ]
	# Over LMTP, each recipient its own reply.
	need_peer swaks "swaks, the LMTP client"
	forward mkix1 '"|echo try later; exit 75"'
	forward mkix2 '"|echo no such ticket queue; exit 1"'
	forward mkix3 '"|cat >/dev/null"'
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -a $DB" \
	    --from s@example.org \
	    --to mkix1@example.org,mkix2@example.org,mkix3@example.org
	assert_success
	assert_line --partial '<** 451 4.3.0 <mkix1@example.org> |echo try later; exit 75: command failed with exit status 75: try later'
	assert_line --partial '<** 554 5.3.0 <mkix2@example.org> |echo no such ticket queue; exit 1: command failed with exit status 1: no such ticket queue'
	assert_line --partial '<-  250 2.0.0 <mkix3@example.org> delivered'
}

@test "program delivery: a command that reads no input gets a big message without a hang" {
	ix_setup
	aliases </dev/null
	{ cat m1; head -c 3000000 /dev/zero | tr '\0' x | fold -w 70; } >big
	forward mkix1 '"|true"'
	run timeout 60 mdeliver -a "$DB" -d mkix1 <big
	assert_success
	forward mkix1 '"|head -c 100 >/dev/null"'
	run timeout 60 mdeliver -a "$DB" -d mkix1 <big
	assert_success
	[ ! -e "$SPOOL/mkix1" ]
}

@test "file destinations: from aliases as nobody, from .forward as the user, /dev/null" {
	ix_setup
	mkdir -m 1777 "$AL/pub"
	mkdir -m 755 "$AL/ro"
	aliases <<EOF
mkixarch: $AL/pub/archive, /dev/null
mkixro: $AL/ro/file
EOF
	forward mkix2 "$USERS_HOME/mkix2/saved"
	run mdeliver -a "$DB" -f s@example.org -d mkixarch -d mkix2 <m1
	assert_success
	[ "$(stat -c %U "$AL/pub/archive")" = nobody ]
	[ "$(stat -c %U "$USERS_HOME/mkix2/saved")" = mkix2 ]
	nth mbox "$AL/pub/archive" 0 >got
	{ printf 'Return-Path: <s@example.org>\nDelivered-To: mkixarch\n'
	  cat m1; } >want
	cmp got want
	grep -q '^>From here' "$AL/pub/archive"	# mboxrd
	nth mbox "$USERS_HOME/mkix2/saved" 0 >got
	{ printf 'Return-Path: <s@example.org>\nDelivered-To: mkix2\n'
	  cat m1; } >want
	cmp got want
	[ ! -e "$SPOOL/mkix2" ]
	# A database owned by a user: its files are written as that user.
	chown mkix1 "$DB"
	rm "$AL/pub/archive"
	run mdeliver -a "$DB" -d mkixarch <m1
	assert_success
	[ "$(stat -c %U "$AL/pub/archive")" = mkix1 ]
	# A file that may not be written: 73, nothing there.
	run mdeliver -a "$DB" -d mkixro <m1
	assert_failure 73
	assert_output --partial "$AL/ro/file"
	[ ! -e "$AL/ro/file" ]
}

@test "remote addresses: submitted again through msend, the owner as sender" {
	ix_setup
	smtp_require
	S=$(mk_tmp smtpd)
	smtpd_start "$S"
	mkdir -m 755 "$AL/bin"
	ln -s "$MAILKIT_BIN/msend" "$AL/bin/sendmail"	# sendmail's options
	printf '%s\n' defaults '  domain client.test' 'account test' \
	    '  host 127.0.0.1' "  port $(smtpd_port "$S")" '  tls off' \
	    'default test' >"$AL/msend.conf"
	chown nobody "$AL/msend.conf"
	chmod 600 "$AL/msend.conf"
	printf '#!/bin/sh\nexec %s/bin/sendmail -C %s/msend.conf "$@"\n' \
	    "$AL" "$AL" >"$AL/bin/resubmit"
	chmod 755 "$AL/bin/resubmit"
	aliases <<'EOF'
mkixfwd: someone@example.net, mkix1
owner-mkixfwd: mkix2
EOF
	forward mkix3 '\mkix3, other@example.com'
	run mdeliver -S "$AL/bin/resubmit" -a "$DB" -f s@example.org \
	    -d mkixfwd -d mkix3 <m1
	assert_success
	smtpd_wait "$S" 2
	run "$PYTHON3" - "$S/mail" <<'EOF'
import email, json, sys
for n in (1, 2):
    env = json.load(open("%s/%d.json" % (sys.argv[1], n)))
    m = email.message_from_binary_file(open("%s/%d.eml" % (sys.argv[1], n), "rb"))
    print(env["mail_from"], env["rcpt_tos"], m["Delivered-To"],
          m["Return-Path"], m["Subject"])
EOF
	assert_output "owner-mkixfwd ['someone@example.net'] mkixfwd None one
s@example.org ['other@example.com'] mkix3 None one"
	grep -q '^Return-Path: <owner-mkixfwd>$' "$SPOOL/mkix1"
	grep -q '^Return-Path: <s@example.org>$' "$SPOOL/mkix3"
	# The sending command fails for now: 75, and the reason.
	printf '#!/bin/sh\necho queue full\nexit 75\n' >"$AL/bin/resubmit"
	run mdeliver -S "$AL/bin/resubmit" -a "$DB" -d mkixfwd <m1
	assert_failure 75
	assert_output --partial "someone@example.net: command failed with exit status 75: queue full"
}

@test "loops: aliases that name each other, a Delivered-To for an expanded name" {
	ix_setup
	aliases <<'EOF'
mkixloopa: mkixloopb
mkixloopb: mkixloopa
mkixteam: mkix1, mkix2
mkix3: mkix3, mkix1
EOF
	run mdeliver -a "$DB" -d mkixloopa <m1
	assert_failure 65
	assert_output --partial "mail forwarding loop: mkixloopa -> mkixloopb -> mkixloopa"
	{ printf 'Delivered-To: mkix2\n'; cat m1; } >looped
	run mdeliver -a "$DB" -d mkixteam <looped
	assert_failure 65
	assert_output --partial "mail forwarding loop for mkix2"
	run count mbox "$SPOOL/mkix1"
	assert_output 1
	[ ! -e "$SPOOL/mkix2" ]
	# An alias naming itself: the user's own mailbox.
	run mdeliver -a "$DB" -d mkix3 <m1
	assert_success
	run count mbox "$SPOOL/mkix3"
	assert_output 1
	run count mbox "$SPOOL/mkix1"
	assert_output 2
	need_peer swaks "swaks, the LMTP client"
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -a $DB" \
	    --from s@example.org --to mkixloopa@example.org,mkix2@example.org
	assert_success
	assert_line --partial '<** 554 5.4.6 <mkixloopa@example.org> mail forwarding loop'
	assert_line --partial '<-  250 2.0.0 <mkix2@example.org> delivered'
}

@test "-n: no aliases and no .forward; -a names a database that must be there" {
	ix_setup
	aliases <<'EOF'
mkix1: mkix2
EOF
	forward mkix3 mkix2
	run mdeliver -n -d mkix1 -d mkix3 <m1
	assert_success
	run count mbox "$SPOOL/mkix1"
	assert_output 1
	run count mbox "$SPOOL/mkix3"
	assert_output 1
	[ ! -e "$SPOOL/mkix2" ]
	run mdeliver -a "$DB" -d mkix1 -d mkix3 <m1
	assert_success
	run count mbox "$SPOOL/mkix2"
	assert_output 1
	# Missing, or not a cdb (a Berkeley DB from Postfix): 75, retried.
	run mdeliver -a "$AL/none.db" -d mkix1 <m1
	assert_failure 75
	assert_output --partial "$AL/none.db"
	head -c 12288 /dev/urandom >"$AL/bdb.db"
	run mdeliver -a "$AL/bdb.db" -d mkix1 <m1
	assert_failure 75
	assert_output --partial "not a cdb database"
	if command -v postalias >/dev/null 2>&1; then
		cp "$AL/aliases" "$AL/pf"
		postalias "hash:$AL/pf"
		run mdeliver -a "$AL/pf.db" -d mkix1 <m1
		assert_failure 75
		assert_output --partial "not a cdb database"
	fi
	run count mbox "$SPOOL/mkix1"
	assert_output 1
	run mdeliver -n -a "$DB" -d mkix1 <m1
	assert_failure 64
	run mdeliver -T 0 -d mkix1 <m1
	assert_failure 64
	run mdeliver -S resubmit -d mkix1 <m1
	assert_failure 64
}

@test "LMTP with aliases: unknown after expansion 550 at RCPT, each recipient's result after DATA" {
	ix_setup
	need_peer swaks "swaks, the LMTP client"
	aliases <<'EOF'
mkixteam: mkix1, mkix2
mkixghost: nosuch-mkix-user
mkixfail: "|echo unknown ticket queue; exit 1"
EOF
	run swaks --protocol LMTP --pipe "$MAILKIT_BIN/mdeliver -L -a $DB" \
	    --pipeline --from s@example.org \
	    --to mkixteam@example.org,mkixghost@example.org,nosuch-mkix@example.org,mkixfail@example.org
	assert_success
	assert_line --partial '<** 550 5.1.1 <mkixghost@example.org> nosuch-mkix-user: unknown user'
	assert_line --partial '<** 550 5.1.1 <nosuch-mkix@example.org>'
	assert_line --partial '<-  250 2.0.0 <mkixteam@example.org> delivered'
	assert_line --partial '<** 554 5.3.0 <mkixfail@example.org> |echo unknown ticket queue; exit 1: command failed with exit status 1: unknown ticket queue'
	for u in mkix1 mkix2; do
		run count mbox "$SPOOL/$u"
		assert_output 1
		grep -q "^Delivered-To: $u@example.org$" "$SPOOL/$u"
	done
}

@test "Postfix to LMTP mdeliver: an alias to two users, one forwarding to a program" {
	ix_setup
	need_peer postfix "Postfix, the real MTA"
	need_peer swaks "swaks, to submit to Postfix"
	aliases <<'EOF'
mkixteam: mkix1, mkix2
EOF
	h=$USERS_HOME/mkix2
	envprog mkix2
	forward mkix2 "\\mkix2, \"|$h/prog.sh\""
	# mdeliver -L as root, one process per connection, as inetd runs it.
	"$PYTHON3" "$TMPW/lmtpd.py" "$T/lmtp.port" /usr/bin/env \
	    MAILKIT_SPOOL="$SPOOL" "$MAILKIT_BIN/mdeliver" -L -a "$DB" \
	    </dev/null >"$T/lmtpd.log" 2>&1 3>&- &
	LMTPD_PID=$!
	for i in $(seq 100); do
		[ -s "$T/lmtp.port" ] && break
		sleep 0.1
	done
	# Postfix hands every local recipient to mdeliver, which does the
	# aliases and .forward files itself.
	postfix_start "local_transport = lmtp:inet:127.0.0.1:$(cat "$T/lmtp.port")
local_recipient_maps ="
	run swaks --server 127.0.0.1:"$POSTFIX_PORT" --from s@example.org \
	    --to mkixteam@"$POSTFIX_HOST" --header 'Subject: to the team'
	assert_success
	postfix_wait_empty 30
	for u in mkix1 mkix2; do
		run count mbox "$SPOOL/$u"
		assert_output 1
		grep -q '^Subject: to the team' "$SPOOL/$u"
		grep -q "^Delivered-To: $u@$POSTFIX_HOST$" "$SPOOL/$u"
		grep -q '^Return-Path: <s@example.org>$' "$SPOOL/$u"
	done
	grep -q '^Subject: to the team' "$h/prog.out"
	[ "$(cat "$h/id.out")" = mkix2 ]
	grep -qx "RECIPIENT=mkix2@$POSTFIX_HOST" "$h/env.out"
	grep -qx "ORIGINAL_RECIPIENT=mkixteam@$POSTFIX_HOST" "$h/env.out"
	grep -qx "SENDER=s@example.org" "$h/env.out"
	postfix_stop
}

@test "Postfix mailbox_command: mdeliver runs the user's .forward program as the user" {
	ix_setup
	need_peer postfix "Postfix, the real MTA"
	need_peer swaks "swaks, to submit to Postfix"
	chmod 1777 "$SPOOL"	# mailbox_command runs as the user
	aliases </dev/null
	h=$USERS_HOME/mkix3
	envprog mkix3
	forward mkix3 "\\mkix3, \"|$h/prog.sh\""
	# Postfix leaves .forward files to mdeliver (forward_path empty).
	postfix_start "forward_path =
mailbox_command = /usr/bin/env MAILKIT_SPOOL=$SPOOL $MAILKIT_BIN/mdeliver -a $DB -d \"\$USER\""
	run swaks --server 127.0.0.1:"$POSTFIX_PORT" --from s@example.org \
	    --to mkix3@"$POSTFIX_HOST" --header 'Subject: via postfix'
	assert_success
	postfix_wait_empty 30
	run count mbox "$SPOOL/mkix3"
	assert_output 1
	grep -q '^Subject: via postfix' "$SPOOL/mkix3"
	grep -q '^Subject: via postfix' "$h/prog.out"
	grep -q '^Return-Path: <s@example.org>$' "$h/prog.out"
	[ "$(cat "$h/id.out")" = mkix3 ]
	grep -qx "SENDER=s@example.org" "$h/env.out"
	postfix_stop
}
