#!/usr/bin/env bats
# Tests for mrefile(1), with nmh working on the same folders.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup
	local i
	mkdir -p "$NMH_MAIL/src"
	for i in 1 2 3 4 5 6; do
		printf 'From: a%s@example.org\nSubject: m%s\n\nbody %s\n' \
		    "$i" "$i" "$i" > "$NMH_MAIL/src/$i"
	done
	printf 'cur: 2\nunseen: 1-6\nflagged: 2 4\nreplied: 4\n' \
	    > "$NMH_MAIL/src/.mh_sequences"
	printf 'Current-Folder: src\n' > "$MHCONTEXT"
}

inode() {
	stat -c %i "$1"
}

@test "unknown option: usage on stderr, exit 64" {
	run -64 mrefile -Z 1 +dst
	assert_output --partial 'usage: mrefile'
}

@test "no destination folder: usage, exit 64" {
	run -64 mrefile 1
	assert_output --partial 'no folder'
}

@test "-V prints the version" {
	run -0 mrefile -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "move: the message leaves the source, sequences come along" {
	run -0 mrefile 2 4 +dst
	run -0 nmh_msgs +src all
	assert_output '1 3 5 6'
	run -0 nmh_msgs +dst all
	assert_output '1 2'
	cmp "$NMH_MAIL/dst/2" <(printf 'From: a4@example.org\nSubject: m4\n\nbody 4\n')
	run -0 nmh_seqs +dst
	assert_line 'unseen: 1-2'
	assert_line 'flagged: 1-2'
	assert_line 'replied: 2'
	run -0 nmh_seqs +src
	assert_line 'unseen: 1 3 5-6'
	refute_output --partial flagged
	# no ,N backups of moved messages
	[ ! -e "$NMH_MAIL/src/,2" ]
}

@test "cur becomes the last message refiled, as in nmh" {
	run -0 mrefile 3 5 +dst
	run -0 nmh_msgs +src cur
	assert_output '5'
}

@test "-l links: the same file in both folders" {
	run -0 mrefile -l 1 +dst
	[ "$(inode "$NMH_MAIL/src/1")" = "$(inode "$NMH_MAIL/dst/1")" ]
}

@test "-c copies: two files, the source stays" {
	run -0 mrefile -c 1 +dst
	[ -f "$NMH_MAIL/src/1" ]
	[ "$(inode "$NMH_MAIL/src/1")" != "$(inode "$NMH_MAIL/dst/1")" ]
	cmp "$NMH_MAIL/src/1" "$NMH_MAIL/dst/1"
}

@test "-k keeps numbers when free, else takes the next" {
	mkdir -p "$NMH_MAIL/dst"
	printf 'Subject: old\n\nx\n' > "$NMH_MAIL/dst/4"
	run -0 mrefile -k 3 4 6 +dst
	run -0 nmh_msgs +dst all
	assert_output '3 4 5 6'
	run -0 grep -l 'Subject: old' "$NMH_MAIL/dst/4"
	run -0 grep -l 'Subject: m4' "$NMH_MAIL/dst/5"
	run -0 grep -l 'Subject: m6' "$NMH_MAIL/dst/6"
}

@test "several folders at once" {
	run -0 mrefile 1-2 +x +y
	run -0 nmh_msgs +x all
	assert_output '1 2'
	run -0 nmh_msgs +y all
	assert_output '1 2'
	run -0 nmh_msgs +src all
	assert_output '3 4 5 6'
	cmp "$NMH_MAIL/x/2" "$NMH_MAIL/y/2"
}

@test "-s names the source folder" {
	printf 'Current-Folder: inbox\n' > "$MHCONTEXT"
	run -0 mrefile -s +src last +dst
	run -0 nmh_msgs +dst all
	assert_output '1'
	run -0 nmh_msgs +src all
	assert_output '1 2 3 4 5'
}

@test "paths on standard input" {
	printf '%s\n' "$NMH_MAIL/src/5" "$NMH_MAIL/src/6" | mrefile +dst
	run -0 nmh_msgs +dst all
	assert_output '1 2'
	run -0 nmh_seqs +src
	assert_line 'unseen: 1-4'
}

@test "a plain file goes in and its source is removed" {
	local d
	d=$(mk_tmp plain)
	printf 'Subject: plain\n\nx\n' > "$d/msg"
	run -0 mrefile "$d/msg" +dst
	[ ! -e "$d/msg" ]
	run -0 grep -c plain "$NMH_MAIL/dst/1"
}

@test "mixed session: nmh inc, mrefile, nmh folders keep counts right" {
	local mb
	mb=$NMH_ROOT/mbox
	corpus mboxrd 30 "$mb"
	printf 'Current-Folder: inbox\n' > "$MHCONTEXT"
	nmh_inc +inbox "$mb"
	run -0 nmh_msgs +inbox all
	[ "$(echo "$output" | wc -w)" -eq 30 ]
	run -0 mrefile -s +inbox 1-10 +archive
	run -0 mrefile -s inbox 11-12 +archive +other
	run -0 nmh folders -fast -recurse
	run -0 nmh folder +inbox
	assert_output --regexp 'has +18 messages'
	run -0 nmh folder +archive
	assert_output --regexp 'has +12 messages'
	run -0 nmh folder +other
	assert_output --regexp 'has +2 messages'
	# nmh adds to a folder mrefile wrote, and the numbers continue
	nmh refile -src +inbox 13 +archive
	run -0 nmh_msgs +archive last
	assert_output '13'
	run -0 nmh scan +archive
	assert_equal "${#lines[@]}" 13
}

@test "source and destination the same folder: refused" {
	run -1 mrefile 1 +src
	assert_output --partial 'same folder'
	run -0 nmh_msgs +src all
	assert_output '1 2 3 4 5 6'
}

@test "a missing message: exit 1, nothing moved" {
	run -1 mrefile 9 +dst
	run -0 nmh_msgs +src all
	assert_output '1 2 3 4 5 6'
}
