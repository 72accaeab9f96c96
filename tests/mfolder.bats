#!/usr/bin/env bats
# Tests for mfolder(1), side by side with nmh's folder and folders.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

# msg n: a small message numbered n.
msg() {
	printf 'From: a%s@example.org\nSubject: message %s\nDate: Mon, 2 Mar 2026 10:%02d:00 +0000\n\nbody %s\n' \
	    "$1" "$1" "$1" "$1"
}

setup() {
	nmh_setup
	local n
	for n in 1 2 3 5 8 9 12; do
		msg "$n" > "$NMH_MAIL/inbox/$n"
	done
	mkdir -p "$NMH_MAIL/work/sub/deep" "$NMH_MAIL/empty"
	msg 1 > "$NMH_MAIL/work/4"
	msg 2 > "$NMH_MAIL/work/sub/100"
	msg 3 > "$NMH_MAIL/work/sub/1000"
	nmh folder +inbox 5 > /dev/null
	nmh mark +inbox -sequence seen 2-8 > /dev/null
}

@test "-V prints the version; an unknown option is a usage error" {
	run -0 mfolder -V
	assert_output --regexp '^mailkit [0-9]'
	run -64 mfolder -Z
	assert_output --partial 'usage: mfolder'
}

@test "no operand: the current folder's line, as nmh folder prints it" {
	run -0 mfolder
	assert_output "$(nmh folder)"
	assert_output 'inbox+ has 7 messages  (1-12); cur=5.'
}

@test "+folder: that folder's line, and it becomes the current folder" {
	run -0 mfolder +work
	assert_output 'work+ has 1 message   (4-4);        (others).'
	run -0 nmh folder
	assert_output 'work+ has 1 message   (4-4);        (others).'
	run -0 mfolder +empty
	assert_output "$(nmh folder +empty)"
	run -0 mfolder +work/sub
	assert_output "$(nmh folder +work/sub)"
}

@test "-a: the table of folders is nmh's folders output" {
	nmh folder +work/sub last > /dev/null
	nmh folder +inbox > /dev/null
	run -0 mfolder -a
	assert_output "$(nmh folders)"
	assert_line --index 0 --regexp '^FOLDER +# MESSAGES  RANGE'
	assert_line --partial 'TOTAL = 8 messages in 3 folders.'
}

@test "-a -r recurses and -f prints names only, as nmh" {
	run -0 mfolder -a -r
	assert_output "$(nmh folders -recurse)"
	assert_line --partial 'work/sub/deep'
	run -0 mfolder -a -f
	assert_output "$(nmh folder -all -fast)"
	run -0 mfolder -a -r -f
	assert_output "$(nmh folder -all -fast -recurse)"
	run -0 mfolder -f
	assert_output inbox
}

@test "msg sets cur, which nmh reads back" {
	run -0 mfolder +inbox last
	assert_output 'inbox+ has 7 messages  (1-12); cur=12.'
	assert_equal "$(nmh_msgs +inbox cur)" 12
	run -0 mfolder prev
	assert_equal "$(nmh_msgs +inbox cur)" 9
	run -1 mfolder 7
	assert_output --partial "message 7 doesn't exist"
	assert_equal "$(nmh_msgs +inbox cur)" 9
}

@test "-p packs as nmh folder -pack does: numbers, sequences, cur" {
	nmh mark +inbox -sequence priv -nopublic 8-12 > /dev/null
	cp -a "$NMH_MAIL/inbox" "$NMH_MAIL/copy"
	# the private sequence of the copy, as nmh keeps it in the context
	printf 'atr-priv-%s: 8-12\n' "$NMH_MAIL/copy" >> "$MHCONTEXT"
	nmh folder +copy 5 > /dev/null
	run -0 mfolder -p +inbox
	assert_output 'inbox+ has 7 messages  (1-7); cur=4.'
	nmh folder -pack +copy > /dev/null
	assert_equal "$(cd "$NMH_MAIL/inbox" && ls | sort -n)" \
	    "$(cd "$NMH_MAIL/copy" && ls | sort -n)"
	for f in "$NMH_MAIL"/copy/*; do
		cmp "$f" "$NMH_MAIL/inbox/${f##*/}"
	done
	cmp "$NMH_MAIL/inbox/.mh_sequences" "$NMH_MAIL/copy/.mh_sequences"
	assert_equal "$(nmh mark +inbox -list -sequence priv)" \
	    "$(nmh mark +copy -list -sequence priv)"
	assert_equal "$(nmh mark +inbox -list -sequence priv)" \
	    'priv (private): 5-7'
}

@test "-p -v tells each renaming, as nmh -verbose" {
	run -0 mfolder -p -v +work/sub
	assert_line --index 0 'message 100 becomes 1'
	assert_line --index 1 'message 1000 becomes 2'
	[ -f "$NMH_MAIL/work/sub/2" ]
	[ ! -e "$NMH_MAIL/work/sub/100" ]
}

@test "a missing folder is an error unless -c creates it" {
	run -66 mfolder +nosuch
	assert_output --partial 'no folder +nosuch'
	[ ! -e "$NMH_MAIL/nosuch" ]
	run -0 mfolder -c +nosuch/deeper
	assert_output 'nosuch/deeper+ has no messages.'
	[ -d "$NMH_MAIL/nosuch/deeper" ]
	assert_equal "$(nmh folder -fast)" nosuch/deeper
}

@test "folders that leave Path are refused" {
	run -64 mfolder -c +../escape
	assert_output --partial 'refused'
	[ ! -e "$NMH_ROOT/escape" ]
	run -64 mfolder @../../../x
	assert_output --partial 'refused'
	run -64 mfolder -a +../..
}
