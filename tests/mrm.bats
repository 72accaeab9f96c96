#!/usr/bin/env bats
# Tests for mrm(1), against nmh's rmm on the same folders.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup
	local i
	for i in 1 2 3 4 5 6; do
		printf 'From: a%s@example.org\nSubject: m%s\n\nbody %s\n' \
		    "$i" "$i" "$i" > "$NMH_ROOT/m$i"
	done
	mkfolder a
	mkfolder b
}

# mkfolder name: messages 1-6 with sequences, as in every test.
mkfolder() {
	mkdir -p "$NMH_MAIL/$1"
	cp "$NMH_ROOT"/m[1-6] "$NMH_MAIL/$1/"
	(cd "$NMH_MAIL/$1" && for i in 1 2 3 4 5 6; do mv "m$i" "$i"; done)
	printf 'cur: 4\nunseen: 1-6\nflagged: 2 4 6\n' \
	    > "$NMH_MAIL/$1/.mh_sequences"
}

# state folder: its files (dot files too) and its sequences file.
state() {
	(cd "$NMH_MAIL/$1" && ls -A | sort && cat .mh_sequences 2>/dev/null)
}

@test "unknown option: usage on stderr, exit 64" {
	run -64 mrm -Z +a 1
	assert_output --partial 'usage: mrm'
}

@test "-V prints the version" {
	run -0 mrm -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "rename to ,N and sequences as nmh rmm does" {
	nmh rmm +a 2 4-5
	run -0 mrm +b 2 4-5
	assert_equal "$(state b)" "$(state a)"
	[ -f "$NMH_MAIL/b/,2" ] && [ -f "$NMH_MAIL/b/,4" ]
	cmp "$NMH_MAIL/b/,2" "$NMH_ROOT/m2"
}

@test "-u unlinks as nmh rmm -unlink does" {
	nmh rmm +a -unlink 1 last
	run -0 mrm -u +b 1 last
	assert_equal "$(state b)" "$(state a)"
	[ ! -e "$NMH_MAIL/b/,1" ]
}

@test "a sequence name selects, and the folder becomes current" {
	run -0 mrm +b flagged
	run -0 nmh_msgs +b all
	assert_output '1 3 5'
	run -0 cat "$MHCONTEXT"
	assert_output --partial 'Current-Folder: b'
	run -0 nmh_seqs +b
	refute_output --partial flagged
}

@test "nmh reads the folder afterwards" {
	run -0 mrm +b 3
	run -0 nmh folder +b
	assert_output --partial 'has 5 messages'
	run -0 nmh scan +b unseen
	assert_equal "${#lines[@]}" 5
}

@test "a message that does not exist: exit 1, nothing removed" {
	run -1 mrm +b 9
	assert_output --partial '9'
	assert_equal "$(state b)" "$(state a)"
}

@test "paths on standard input; their folder's sequences follow" {
	printf '%s\n' "$NMH_MAIL/b/2" "$NMH_MAIL/b/6" | mrm
	run -0 nmh_msgs +b all
	assert_output '1 3 4 5'
	run -0 nmh_seqs +b
	assert_output --partial 'flagged: 4'
}

@test "-0: NUL-separated paths" {
	printf '%s\0' "$NMH_MAIL/b/1" "$NMH_MAIL/b/3" | mrm -0
	run -0 nmh_msgs +b all
	assert_output '2 4 5 6'
}

@test "a path operand outside any folder is unlinked" {
	local d
	d=$(mk_tmp plain)
	cp "$NMH_ROOT/m1" "$d/x"
	run -0 mrm "$d/x"
	[ ! -e "$d/x" ] && [ ! -e "$d/,x" ]
}

@test "the profile's mrm entry gives default options" {
	nmh_profile 'mrm: -u'
	run -0 mrm +b 5
	[ ! -e "$NMH_MAIL/b/,5" ] && [ ! -e "$NMH_MAIL/b/5" ]
}
