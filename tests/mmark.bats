#!/usr/bin/env bats
# Tests for mmark(1), side by side with nmh's mark.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup
	local n
	for n in 1 2 3 4 6 7 9 10; do
		printf 'Subject: %s\n\nx\n' "$n" > "$NMH_MAIL/inbox/$n"
	done
	nmh folder +inbox 4 > /dev/null
}

# both ops...: run the same mark operations with nmh mark on a copy of
# +inbox and with mmark on +inbox; the sequences files must be the same.
both() {
	rm -rf "$NMH_MAIL/copy"
	cp -a "$NMH_MAIL/inbox" "$NMH_MAIL/copy"
	local op
	for op in "$@"; do
		# shellcheck disable=SC2086
		mmark +inbox $op || fail "mmark $op"
		# shellcheck disable=SC2086
		nmh mark +copy $(printf '%s' "$op" | sed 's/-s /-sequence /g;
		    s/-a\b/-add/; s/-d\b/-delete/; s/-z\b/-zero/') > /dev/null ||
		    fail "mark $op"
	done
	assert_equal "$(cat "$NMH_MAIL/inbox/.mh_sequences")" \
	    "$(cat "$NMH_MAIL/copy/.mh_sequences")"
}

@test "-V prints the version; bad usage exits 64" {
	run -0 mmark -V
	assert_output --regexp '^mailkit [0-9]'
	run -64 mmark -Z
	run -64 mmark -s all 1
	assert_output --partial 'bad sequence name'
	run -64 mmark -s 9x 1
	run -64 mmark -a
}

@test "add, delete and zero as nmh mark does" {
	both "-s a 1-3" "-s a -a 6" "-s b all" "-s b -d 2-4" "-s a -d 2"
	both "-s x 1-9" "-s x -z -a 3"
	both "-s y 1-4" "-s y -z -d 2"
	both "-s z -a" "-s w -a last:2"
	both "-s u -s v first"
}

@test "without a message, -a and -d work on cur" {
	# (with no operand at all, a list on standard input is read)
	run -0 mmark -s hot +inbox
	assert_equal "$(nmh_msgs +inbox hot)" 4
	run -0 mmark -s hot -d +inbox
	run -1 nmh_msgs +inbox hot
}

@test "-l lists the sequences as nmh mark -list, private ones too" {
	nmh mark +inbox -sequence pub 1-3 6 > /dev/null
	nmh mark +inbox -sequence priv -nopublic 9 10 > /dev/null
	run -0 mmark -l
	assert_output "$(nmh mark -list)"
	assert_line 'priv (private): 9-10'
	run -0 mmark -l -s pub -s none
	assert_output "$(nmh mark -list -sequence pub -sequence none)"
	run -0 mmark +inbox
	assert_output "$(nmh mark +inbox -list)"
}

@test "a sequence mmark writes is nmh's, and nmh's is mmark's" {
	mmark +inbox -s picked 2 6-9
	run -0 nmh scan +inbox picked -format '%(msg)'
	assert_output "2
6
7
9"
	nmh mark +inbox -sequence other 1 10 > /dev/null
	run -0 mmark +inbox -s both other
	assert_equal "$(nmh_msgs +inbox both)" '1 10'
	# a private sequence stays private
	nmh mark +inbox -sequence mine -nopublic 3 > /dev/null
	mmark +inbox -s mine 4
	assert_equal "$(nmh mark +inbox -list -sequence mine)" \
	    'mine (private): 3-4'
}

@test "-s cur sets the current message" {
	run -0 mmark -s cur 9
	assert_equal "$(nmh_msgs +inbox cur)" 9
}

@test "paths: marks go to the folders the files are in" {
	mkdir "$NMH_MAIL/other"
	cp "$NMH_MAIL/inbox/1" "$NMH_MAIL/other/5"
	run -0 mmark -s flagged "$NMH_MAIL/inbox/3" "$NMH_MAIL/other/5"
	assert_equal "$(nmh_msgs +inbox flagged)" 3
	assert_equal "$(nmh_msgs +other flagged)" 5
	run -0 sh -c "printf '%s\n' '$NMH_MAIL/inbox/6' | mmark -s flagged"
	assert_equal "$(nmh_msgs +inbox flagged)" '3 6'
	cp "$NMH_MAIL/inbox/1" "$BATS_TEST_TMPDIR/9"
	run -65 mmark -s flagged "$BATS_TEST_TMPDIR/9"
	assert_output --partial 'not a message in an MH folder'
}

@test "a spec selecting nothing is an error (exit 1)" {
	run -1 mmark -s x 5
	assert_output --partial "message 5 doesn't exist"
	run -1 mmark -s x nosuchseq
}
