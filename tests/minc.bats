#!/usr/bin/env bats
# Tests for minc(1), with nmh reading what it writes.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup
	unset MAIL MINC_BATCH
}

# same_bodies dir1 dir2: the two hold the same messages, each once
# (multisets of SHA-256 hashes of the bodies).
same_bodies() {
	"$PYTHON3" - "$1" "$2" <<'EOF'
import hashlib, os, sys
def hashes(top):
    out = []
    for root, dirs, files in os.walk(top):
        for f in files:
            if f.startswith(('.', ',')):
                continue
            if os.path.basename(root) not in ('cur', 'new') and \
               not f.isdigit():
                continue
            d = open(os.path.join(root, f), 'rb').read()
            i = d.find(b'\n\n')
            out.append(hashlib.sha256(d[i + 2:] if i >= 0 else b'')
                       .hexdigest())
    return sorted(out)
a, b = hashes(sys.argv[1]), hashes(sys.argv[2])
if a != b:
    sa, sb = set(a), set(b)
    print('%d vs %d messages; %d missing, %d extra, %d doubled' % (
        len(a), len(b), len(sa - sb), len(sb - sa), len(b) - len(sb)))
    sys.exit(1)
EOF
}

# kill_loop source rounds maxms: start minc on source and kill -9 it
# after a random time, rounds times, then let one run finish.  A process
# killed holding the dot-lock leaves it behind until it is stale (5
# minutes); the loop removes it as a stale-lock breaker would.
kill_loop() {
	local src=$1 rounds=$2 maxms=$3 i pid
	for ((i = 0; i < rounds; i++)); do
		minc -q -f "$src" > /dev/null 2>&1 &
		pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % maxms)))"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		rm -f "$src".lock*
	done
	minc -q -f "$src" > /dev/null 2>&1 || [ $? -eq 1 ]
}

@test "unknown option: usage on stderr, exit 64" {
	run -64 minc -Z
	assert_output --partial 'usage: minc'
}

@test "-V prints the version" {
	run -0 minc -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "mbox: messages in the inbox, unseen, cur, scan lines; emptied" {
	local mb=$NMH_ROOT/mbox
	corpus mboxrd 25 "$mb"
	corpus mh 25 "$NMH_ROOT/ref"
	run -0 minc -f "$mb"
	assert_equal "${#lines[@]}" 25
	assert_line --regexp '^   1\+U[0-9][0-9]/[0-9][0-9] '
	[ ! -s "$mb" ]
	run -0 nmh_seqs +inbox
	assert_line 'cur: 1'
	assert_line 'unseen: 1-25'
	run -0 nmh scan +inbox
	assert_equal "${#lines[@]}" 25
	same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/inbox"
	# nothing of the journal is left, and nothing more to take
	assert_equal "$(ls -A "$NMH_MAIL/inbox" | grep -c '^\.minc')" 0
	run -1 minc -f "$mb"
	assert_output --partial 'no mail'
}

@test "the stored message is the mbox one, From_ line gone, unquoted" {
	local mb=$NMH_ROOT/mbox
	printf '%s\n' 'From bob@example.org Mon Nov 23 12:00:00 2026' \
	    'From: bob@example.org' 'Subject: one' '' 'body' \
	    '>From the start' '>>From two' '' \
	    'From carol@example.org Mon Nov 23 12:01:00 2026' \
	    'From: carol@example.org' 'Subject: two' '' 'crlf' > "$mb"
	run -0 minc -q -f "$mb"
	cmp "$NMH_MAIL/inbox/1" <(printf '%s\n' \
	    'Return-Path: <bob@example.org>' 'From: bob@example.org' \
	    'Subject: one' '' 'body' 'From the start' '>From two')
	run -0 tail -n 1 "$NMH_MAIL/inbox/2"
	assert_output crlf
}

@test "CRLF in the source: LF in the folder" {
	local mb=$NMH_ROOT/mbox
	printf 'From a@example.org Mon Nov 23 12:00:00 2026\r\nSubject: x\r\n\r\nline\r\n' > "$mb"
	run -0 minc -q -f "$mb"
	run -1 grep -c $'\r' "$NMH_MAIL/inbox/1"
	assert_output 0
}

@test "-q prints nothing; the folder becomes current" {
	local mb=$NMH_ROOT/mbox
	corpus mboxrd 3 "$mb"
	printf 'Current-Folder: other\n' > "$MHCONTEXT"
	run -0 minc -q -f "$mb" +inbox
	assert_output ''
	run -0 cat "$MHCONTEXT"
	assert_output --partial 'Current-Folder: inbox'
}

@test "-n keeps the source; a second run takes only what is new" {
	local mb=$NMH_ROOT/mbox
	corpus mboxrd 10 "$mb"
	cp "$mb" "$NMH_ROOT/orig"
	run -0 minc -n -q -f "$mb"
	cmp "$mb" "$NMH_ROOT/orig"
	run -1 minc -n -q -f "$mb"
	run -0 nmh_msgs +inbox all
	assert_output '1 2 3 4 5 6 7 8 9 10'
	printf 'From z@example.org Mon Nov 23 13:00:00 2026\nSubject: new\n\nnew\n' >> "$mb"
	run -0 minc -f "$mb"
	assert_equal "${#lines[@]}" 1
	assert_output --partial new
	# without -n it empties the source and forgets it
	run -1 minc -f "$mb"
	[ ! -s "$mb" ]
	assert_equal "$(ls -A "$NMH_MAIL/inbox" | grep -c '^\.minc')" 0
}

@test "mbox variants: MMDF exactly, mboxcl2 and mboxo every message" {
	local fmt
	corpus mh 15 "$NMH_ROOT/ref"
	for fmt in mboxcl2 mmdf mboxo; do
		corpus "$fmt" 15 "$NMH_ROOT/$fmt"
		run -0 minc -q -f "$NMH_ROOT/$fmt" "+$fmt"
		run -0 nmh_msgs "+$fmt" all
		assert_equal "$(echo "$output" | wc -w)" 15
	done
	same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/mmdf"
	# mboxo cannot tell a quoted ">From " from a written one; an
	# mboxcl2 file is read as mboxrd (its ">From " lines unquoted)
	# because a file does not say which variant it is
	assert_equal "$(cat "$NMH_MAIL"/mboxo/* | grep -ci '^message-id:')" \
	    "$(cat "$NMH_ROOT"/ref/* | grep -ci '^message-id:')"
}

@test "Maildir: each file moves into the folder, byte for byte" {
	local md=$NMH_ROOT/md f
	corpus maildir 40 "$md"
	cp -r "$md" "$NMH_ROOT/copy"
	run -0 minc -q -f "$md"
	assert_equal "$(find "$md" -type f | wc -l)" 0
	same_bodies "$NMH_ROOT/copy" "$NMH_MAIL/inbox"
	for f in "$NMH_ROOT"/copy/new/*; do
		cmp "$f" "$(grep -lxF "Message-ID: $(grep -m1 -i '^Message-ID:' "$f" | cut -d' ' -f2-)" "$NMH_MAIL"/inbox/[0-9]*)" || return 1
	done
	run -0 nmh folder +inbox
	assert_output --regexp 'has +40 messages'
}

@test "Maildir: seen messages (cur/ with S) stay out of unseen" {
	local md=$NMH_ROOT/md
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	printf 'Subject: a\n\na\n' > "$md/new/1000.1.host"
	printf 'Subject: b\n\nb\n' > "$md/cur/1001.1.host:2,S"
	printf 'Subject: c\n\nc\n' > "$md/cur/1002.1.host:2,"
	run -0 minc -q -f "$md"
	run -0 nmh_seqs +inbox
	assert_line 'unseen: 1 3'
}

@test "Maildir with -n: files stay, nothing doubled on a rerun" {
	local md=$NMH_ROOT/md
	corpus maildir 12 "$md"
	run -0 minc -n -q -f "$md"
	assert_equal "$(find "$md" -type f | wc -l)" 12
	run -1 minc -n -q -f "$md"
	run -0 nmh_msgs +inbox all
	assert_equal "$(echo "$output" | wc -w)" 12
	# linked with -n would make one file of two: they are copies
	[ "$(find "$NMH_MAIL/inbox" -links +1 -type f | wc -l)" -eq 0 ]
}

@test "source from MAILDROP, MailDrop:, then MAIL" {
	corpus mboxrd 2 "$NMH_ROOT/a"
	corpus mboxrd 3 "$NMH_ROOT/b"
	corpus mboxrd 4 "$NMH_ROOT/c"
	MAIL=$NMH_ROOT/c run -0 minc -q
	run -0 nmh_msgs +inbox all
	assert_output '1 2 3 4'
	nmh_profile "MailDrop: $NMH_ROOT/b"
	MAIL=$NMH_ROOT/a run -0 minc -q
	run -0 nmh_msgs +inbox all
	assert_output '1 2 3 4 5 6 7'
	MAILDROP=$NMH_ROOT/a run -0 minc -q
	run -0 nmh_msgs +inbox all
	assert_equal "$(echo "$output" | wc -w)" 9
}

@test "no maildrop at all: exit 1, no mail" {
	run -1 minc -f "$NMH_ROOT/nonexistent"
	assert_output --partial 'no mail'
}

@test "after nmh inc, minc goes on numbering; nmh sees both" {
	corpus mboxrd 5 "$NMH_ROOT/a"
	corpus mboxrd 5 "$NMH_ROOT/b" --seed 7
	nmh_inc +inbox "$NMH_ROOT/a"
	run -0 minc -q -f "$NMH_ROOT/b"
	run -0 nmh_msgs +inbox all
	assert_output '1 2 3 4 5 6 7 8 9 10'
	run -0 nmh scan +inbox
	assert_equal "${#lines[@]}" 10
}

@test "a locked journal: a second run waits for the first" {
	local mb=$NMH_ROOT/mbox
	corpus mboxrd 300 "$mb"
	minc -q -f "$mb" &
	minc -q -f "$mb" || true
	wait
	run -0 nmh_msgs +inbox all
	assert_equal "$(echo "$output" | wc -w)" 300
}

@test "kill -9 at random points, 2000-message mbox: every message once" {
	local mb=$NMH_ROOT/mbox
	corpus mboxrd 2000 "$mb"
	corpus mh 2000 "$NMH_ROOT/ref"
	MINC_BATCH=16 kill_loop "$mb" 12 500
	kill_loop "$mb" 8 400
	same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/inbox"
	[ ! -s "$mb" ]
	run -0 nmh_seqs +inbox
	assert_line 'unseen: 1-2000'
	assert_equal "$(ls -A "$NMH_MAIL/inbox" | grep -c '^\.minc')" 0
}

@test "kill -9 at random points, 2000-message Maildir: every message once" {
	local md=$NMH_ROOT/md
	corpus maildir 2000 "$md"
	corpus mh 2000 "$NMH_ROOT/ref"
	MINC_BATCH=16 kill_loop "$md" 12 300
	kill_loop "$md" 8 200
	same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/inbox"
	assert_equal "$(find "$md" -type f | wc -l)" 0
	assert_equal "$(ls -A "$NMH_MAIL/inbox" | grep -c '^\.minc')" 0
}

# crash_at source syscall:n: kill minc -9 at the n-th call of syscall
# (strace fault injection), a precise crash point.
crash_at() {
	{ MINC_BATCH=100 strace -f -o /dev/null -e trace="${2%%:*}" \
	    -e inject="${2%%:*}:signal=KILL:when=${2##*:}" \
	    minc -q -f "$1" > /dev/null 2>&1; } 2> /dev/null || true
	rm -f "$1".lock*
}

@test "killed at chosen system calls (mbox): rerun, every message once" {
	need_peer strace "to kill minc at a chosen system call"
	local at mb=$NMH_ROOT/mbox
	corpus mboxrd 300 "$NMH_ROOT/orig"
	corpus mh 300 "$NMH_ROOT/ref"
	for at in link:1 link:50 unlink:30 fsync:2 fsync:3 fsync:4 \
	    rename:1 write:40 ftruncate:1; do
		rm -rf "$NMH_MAIL/inbox"
		cp "$NMH_ROOT/orig" "$mb"
		crash_at "$mb" "$at"
		minc -q -f "$mb" || [ $? -eq 1 ] || fail "rerun after $at"
		same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/inbox" ||
		    fail "killed at $at"
		run -0 nmh_seqs +inbox
		assert_line 'unseen: 1-300'
	done
}

@test "killed at chosen system calls (Maildir): rerun, every message once" {
	need_peer strace "to kill minc at a chosen system call"
	local at unseen md=$NMH_ROOT/md
	corpus maildir 300 "$NMH_ROOT/orig"
	corpus mh 300 "$NMH_ROOT/ref"
	# the unseen sequence of a run that was not interrupted
	cp -r "$NMH_ROOT/orig" "$md"
	minc -q -f "$md" +clean
	unseen=$(grep '^unseen:' "$NMH_MAIL/clean/.mh_sequences")
	for at in link:1 link:50 unlink:30 fsync:2 fsync:3 fsync:4 \
	    rename:1 write:40; do
		rm -rf "$NMH_MAIL/inbox" "$md"
		cp -r "$NMH_ROOT/orig" "$md"
		crash_at "$md" "$at"
		minc -q -f "$md" || [ $? -eq 1 ] || fail "rerun after $at"
		same_bodies "$NMH_ROOT/ref" "$NMH_MAIL/inbox" ||
		    fail "killed at $at"
		assert_equal "$(find "$md" -type f | wc -l)" 0
		assert_equal "$(grep '^unseen:' \
		    "$NMH_MAIL/inbox/.mh_sequences")" "$unseen"
	done
}
