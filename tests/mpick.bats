#!/usr/bin/env bats
# Tests for mpick(1), side by side with nmh's pick.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

# put n from to cc subject date [body]: message n of +inbox, plain ASCII
# so that nmh's pick (which does not decode) sees what mpick sees.
put() {
	printf 'From: %s\nTo: %s\nCc: %s\nSubject: %s\nDate: %s\nX-Tag: tag%s\n\n%s\n' \
	    "$2" "$3" "$4" "$5" "$6" "$1" "${7:-body of $1}" \
	    > "$NMH_MAIL/inbox/$1"
}

setup() {
	nmh_setup
	put 1 'Alice <alice@example.org>' bob@example.org '' 'Lunch today' \
	    'Mon, 2 Mar 2026 10:00:00 +0000' 'where shall we eat'
	put 2 bob@example.org alice@example.org carol@example.org \
	    'Re: Lunch today' 'Tue, 3 Mar 2026 11:00:00 +0000'
	put 3 carol@example.org team@example.org alice@example.org \
	    'Budget report' 'Wed, 4 Mar 2026 12:00:00 +0000' 'numbers inside'
	put 5 'Dave <dave@example.net>' bob@example.org '' 'MEETING notes' \
	    'Thu, 5 Mar 2026 13:00:00 -0500'
	put 8 alice@example.org dave@example.net bob@example.org \
	    'budget meeting' 'Fri, 6 Mar 2026 14:00:00 +0100' 'see the report'
}

# same expression...: mpick -l and nmh pick select the same numbers.
same() {
	local ours theirs
	ours=$(mpick +inbox all -l "$@" | paste -sd ' ' -)
	theirs=$(nmh pick +inbox all "$@" 2>/dev/null | paste -sd ' ' -)
	assert_equal "$ours" "$theirs"
	[ -n "$ours" ] || fail "nothing matched: $*"
}

@test "-V prints the version; unknown or ambiguous words are usage errors" {
	run -0 mpick -V
	assert_output --regexp '^mailkit [0-9]'
	run -64 mpick -frobnicate x
	run -64 mpick -se x
	assert_output --partial 'ambiguous'
	run -64 mpick +inbox all -subject
	run -64 mpick +inbox all -lbrace -subject a
	run -64 mpick +inbox all -after 'not a date'
	run -64 mpick +inbox all -subject '\('
}

@test "field tests select what nmh pick selects" {
	same -subject lunch
	# nmh matches upper case in a pattern only as upper case
	run -0 mpick +inbox all -l -subject BUDGET
	assert_output "3
8"
	same -from alice
	same -to bob
	same -cc alice
	same -date 'Mar 2026 1[34]'
	same --x-tag 'tag[35]'
	same -search report
}

@test "-and -or -not -lbrace -rbrace as in nmh pick" {
	same -from alice -and -subject budget
	same -from alice -or -subject budget
	same -not -from alice
	same -lbrace -from alice -or -from bob -rbrace -and -not -subject re:
	same -subject lunch -or -subject budget -and -from carol
	same -not -lbrace -subject lunch -or -subject budget -rbrace
	# an implicit -and between primaries
	run -0 mpick +inbox all -l -from alice -subject budget
	assert_output 8
}

@test "-after and -before compare dates, as nmh" {
	same -after 'Wed, 4 Mar 2026 00:00:00 +0000'
	same -before 'Wed, 4 Mar 2026 00:00:00 +0000'
	same -after 'Tue, 3 Mar 2026 00:00:00 +0000' -and -before 'Thu, 5 Mar 2026 17:00:00 +0000'
	run -0 mpick +inbox all -l -after 2026-03-05
	assert_output "5
8"
	run -0 mpick +inbox all -l -datefield x-nodate -after 2000-01-01 -or -subject notes
	assert_output 5
	run -1 mpick +inbox all -after tomorrow
}

@test "no match: exit 1 and nothing printed" {
	run -1 mpick +inbox all -subject nosuchthing
	assert_output ''
	run -1 mpick +inbox all -s none -subject nosuchthing
	assert_output ''
	[ ! -e "$NMH_MAIL/inbox/.mh_sequences" ] ||
	    ! grep -q '^none:' "$NMH_MAIL/inbox/.mh_sequences"
}

@test "paths by default, numbers with -l, NUL-terminated with -0" {
	run -0 mpick +inbox -subject meeting
	assert_output "$NMH_MAIL/inbox/5
$NMH_MAIL/inbox/8"
	run -0 mpick +inbox -l -subject meeting
	assert_output "5
8"
	run -0 sh -c 'mpick -0 +inbox -subject meeting | tr "\0" ,'
	assert_output "$NMH_MAIL/inbox/5,$NMH_MAIL/inbox/8,"
}

@test "decoded headers and bodies, matched without regard to case" {
	printf 'From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>\nSubject: =?utf-8?B?w5xiZXJzaWNodCDmnIPorbA=?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nRMOpasOgIHZ1LCDkvJrorbDjga7ku7Y=\n' > "$NMH_MAIL/inbox/9"
	printf 'Subject: qp\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 cr=E8me\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nY2Fmw6kgc2VjcmV0\n--b--\n' > "$NMH_MAIL/inbox/10"
	run -0 mpick +inbox -l -subject 'übersicht'
	assert_output 9
	run -0 mpick +inbox -l -subject '會議'
	assert_output 9
	run -0 mpick +inbox -l -from 'jürgen müller'
	assert_output 9
	run -0 mpick +inbox -l -search 'DÉJÀ VU'
	assert_output 9
	run -0 mpick +inbox -l -search 'café crème'
	assert_output 10
	# an attachment that is not text is not searched
	run -1 mpick +inbox -l -search 'secret'
	run -0 mpick +inbox -l -search '^numbers'
	assert_output 3
}

@test "-s stores in a sequence nmh reads; -z zeroes it first" {
	run -0 mpick +inbox -s picked -subject lunch
	assert_output ''
	assert_equal "$(nmh_msgs +inbox picked)" '1 2'
	run -0 mpick +inbox -s picked -subject budget
	assert_equal "$(nmh_msgs +inbox picked)" '1 2 3 8'
	run -0 mpick +inbox -z -s picked -subject notes
	assert_equal "$(nmh_msgs +inbox picked)" '5'
	run -0 mpick +inbox -s picked -l -subject budget
	assert_output "3
8"
	run -0 mpick +inbox -nopublic -sequence priv -from dave
	assert_equal "$(nmh mark +inbox -list -sequence priv)" 'priv (private): 5'
}

@test "a sequence set by nmh pick selects for mpick, and the reverse" {
	nmh pick +inbox -subject budget -sequence nb > /dev/null 2>&1
	run -0 mpick +inbox nb -l -from alice
	assert_output 8
	mpick +inbox -s mine -from alice
	run -0 nmh pick +inbox mine -subject lunch
	assert_output 1
	run -0 nmh scan +inbox mine -format '%(msg)'
	assert_output "1
8"
}

@test "a list of paths on standard input; paths outside folders" {
	mkdir "$BATS_TEST_TMPDIR/loose"
	cp "$NMH_MAIL/inbox/3" "$BATS_TEST_TMPDIR/loose/x"
	run -0 sh -c "printf '%s\n' '$NMH_MAIL/inbox/1' '$NMH_MAIL/inbox/3' '$BATS_TEST_TMPDIR/loose/x' | mpick -subject budget"
	assert_output "$NMH_MAIL/inbox/3
$BATS_TEST_TMPDIR/loose/x"
	# -s on paths: the folder's sequence gets the folder's messages
	run -0 sh -c "printf '%s\n' '$NMH_MAIL/inbox/3' '$NMH_MAIL/inbox/8' | mpick -s fromlist -subject budget"
	assert_equal "$(nmh_msgs +inbox fromlist)" '3 8'
	run -0 sh -c "mpick -subject 'Budget report' - < '$NMH_MAIL/inbox/3'"
	[ "$output" = - ]
}

@test "message specs select as in nmh; a bad one is an error (exit 1)" {
	run -0 mpick +inbox -l 2-5 -from bob -or -from dave
	assert_output "2
5"
	run -0 mpick +inbox -l last:2
	assert_output "5
8"
	run -1 mpick +inbox 4 -subject x
	assert_output --partial "message 4 doesn't exist"
}
