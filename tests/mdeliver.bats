#!/usr/bin/env bats
# mdeliver: delivery into every format read back by the real peers
# (Python's mailbox, Dovecot, nmh, mblaze), concurrency, a full disk,
# kill -9, locks, the security checks, LMTP through swaks, and a private
# Postfix delivering through mdeliver.

load 'lib/common'
load 'lib/postfix'

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
	# Test users (as root): homes under a directory they can reach.
	if [ "$(id -u)" -eq 0 ]; then
		USERS_HOME=$(mktemp -d /tmp/mdeliver-users.XXXXXX)
		chmod 755 "$USERS_HOME"
		export USERS_HOME
		for u in mdtest1 mdtest2 mdtest3; do
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
		for u in mdtest1 mdtest2 mdtest3; do
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
	assert_output --partial "no-such-user-here: user unknown"
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
