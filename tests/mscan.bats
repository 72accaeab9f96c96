#!/usr/bin/env bats
# Tests for mscan(1), side by side with nmh.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup "" 'Unseen-Sequence: unseen' 'Local-Mailbox: Me Myself <me@example.org>'
	local i=$NMH_MAIL/inbox
	printf 'From: Alice Smith <alice@example.org>\nTo: me@example.org\nSubject: Lunch\nDate: Tue, 3 Mar 2026 12:00:00 +0100\n\nShall we\n  meet at noon?\n' > "$i/1"
	printf 'From: =?utf-8?B?5bGx55SwIOWkqumDjg==?= <yamada@example.jp>\nSubject: =?iso-8859-1?q?caf=E9?= =?utf-8?b?5pyD6K2w?=\nDate: Wed, 4 Mar 2026 09:30:00 +0900\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\npreamble\n--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nD=E9j=E0 vu\n--b--\n' > "$i/2"
	printf 'From: me@example.org\nTo: Bob Builder <bob@example.org>\nSubject: my own\nReplied: Thu, 5 Mar 2026 10:00:00 +0000\nDate: Thu, 5 Mar 2026 10:00:00 +0000\n\nmine\n' > "$i/4"
	printf 'From: carol@example.org\nSubject: no date\n\nx\n' > "$i/7"
	nmh folder +inbox 2 > /dev/null
	nmh mark +inbox -sequence unseen 4 > /dev/null
}

@test "-V prints the version; an unknown option is a usage error" {
	run -0 mscan -V
	assert_output --regexp '^mailkit [0-9]'
	run -64 mscan -Z
	assert_output --partial 'usage: mscan'
	run -64 mscan -f '%q' +inbox
	assert_output --partial 'bad escape'
}

@test "default line: number, cur, marks, date, sender, subject, body" {
	run -0 mscan +inbox
	assert_line --index 0 '   1  03/03 Alice Smith        Lunch<<Shall we meet at noon?'
	assert_line --index 1 '   2+ 03/04 山田 太郎          café會議<<Déjà vu'
	# from me: the recipient; in the unseen sequence: U
	assert_line --index 2 '   4 U03/05 To:Bob Builder     my own<<mine'
	assert_line --index 3 --regexp '^   7  [0-9]{2}/[0-9]{2}\*carol@example.org  no date<<x$'
	assert_equal "${#lines[@]}" 4
}

@test "'-' marks a message replied to" {
	nmh mark +inbox -sequence unseen -delete 4 > /dev/null
	run -0 mscan +inbox 4
	assert_output '   4 -03/05 To:Bob Builder     my own<<mine'
}

@test "-n prints the paths of the same messages nmh selects" {
	local spec
	for spec in all first last cur prev next 2-4 last:2 first:2 \
	    cur:-2 unseen; do
		run -0 mscan -n +inbox "$spec"
		assert_equal "$(printf '%s\n' "$output" | sed 's|.*/||' |
		    paste -sd ' ' -)" "$(nmh_msgs +inbox "$spec")"
	done
	assert_equal "$(mscan -n +inbox 1 | head -n 1)" "$NMH_MAIL/inbox/1"
}

@test "a spec selecting nothing is an error (exit 1) naming it" {
	run -1 mscan +inbox 3
	assert_output --partial "message 3 doesn't exist"
	run -1 mscan +inbox 20-30
	assert_output --partial '20-30'
	run -66 mscan +nosuch
}

@test "-r reverses, -w cuts at a width, -f formats" {
	run -0 mscan -r +inbox
	assert_line --index 0 --partial '   7 '
	run -0 mscan -w 20 +inbox 2
	assert_output '   2+ 03/04 山田 太'
	run -0 mscan -f '%n|%{%Y-%m-%d %H:%M}d|%a|%t|%z|%{message-id}h|%-6s|%%' +inbox 1
	assert_output "1|2026-03-03 12:00|alice@example.org|me@example.org|$(wc -c < "$NMH_MAIL/inbox/1")||Lunch |%"
	run -0 mscan -f '%p' +inbox 4
	assert_output "$NMH_MAIL/inbox/4"
	run -0 mscan -w 0 -f '%s\t%f' +inbox 1
	assert_output "$(printf 'Lunch\tAlice Smith')"
}

@test "+folder becomes the current folder, as in nmh" {
	mkdir "$NMH_MAIL/other"
	cp "$NMH_MAIL/inbox/1" "$NMH_MAIL/other/5"
	run -0 mscan +other
	assert_output --partial '   5  03/03 Alice'
	assert_equal "$(nmh folder -fast)" other
}

@test "paths, a path list on standard input, and standard input" {
	cp "$NMH_MAIL/inbox/1" "$BATS_TEST_TMPDIR/loose"
	run -0 mscan "$BATS_TEST_TMPDIR/loose" "$NMH_MAIL/inbox/2"
	assert_line --index 0 '      03/03 Alice Smith        Lunch<<Shall we meet at noon?'
	assert_line --index 1 --partial '   2+ 03/04'
	run -0 sh -c "printf '%s\n' '$NMH_MAIL/inbox/4' '$BATS_TEST_TMPDIR/loose' | mscan"
	assert_line --index 0 --partial '   4 U03/05'
	assert_equal "${#lines[@]}" 2
	run -0 sh -c "mscan - < '$NMH_MAIL/inbox/1'"
	assert_output --partial 'Alice Smith        Lunch'
	run -1 sh -c 'mscan < /dev/null'
	assert_output ''
}

@test "messages incorporated by nmh inc are scanned" {
	corpus mboxo 40 "$BATS_TEST_TMPDIR/c.mbox"
	mkdir "$NMH_MAIL/incd"
	nmh_inc +incd "$BATS_TEST_TMPDIR/c.mbox"
	run -0 mscan +incd
	assert_equal "${#lines[@]}" "$(nmh scan +incd | wc -l)"
	assert_equal "${#lines[@]}" 40
	# the same numbers, the same dates
	assert_equal "$(mscan -f '%4n %d' +incd)" \
	    "$(nmh scan +incd -format '%4(msg) %02(mon{date})/%02(mday{date})')"
}

@test "Previous-Sequence is set to the messages scanned, as nmh scan" {
	nmh_profile 'Previous-Sequence: pseq'
	run -0 mscan +inbox 2-4
	assert_equal "$(nmh_msgs +inbox pseq)" '2 4'
}

# check-lines width: every line of stdin is valid UTF-8 without control
# characters, no wider than width columns, and the subject starts at
# column 31 (the number is below 10000), measured with Python's Unicode
# data: East Asian W and F count 2, marks and format characters 0.
check_lines() {
	"$PYTHON3" -c '
import sys, unicodedata
width = int(sys.argv[1])
def w(s):
    n = 0
    for c in s:
        if unicodedata.category(c) in ("Mn", "Me", "Cf") and c != "\u00ad":
            continue
        n += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return n
data = sys.stdin.buffer.read()
text = data.decode("utf-8")          # strict: fails on invalid UTF-8
bad = 0
for no, line in enumerate(text.split("\n")[:-1], 1):
    if any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in line):
        print("control character in line", no, repr(line)); bad = 1
    if w(line) > width:
        print("line", no, "is", w(line), "columns:", line); bad = 1
    # the prefix "%4n%c%m%d%*%-17f  " is 31 columns wide
    col, i = 0, 0
    while col < 31 and i < len(line):
        col += w(line[i]); i += 1
    while i < len(line) and w(line[i]) == 0:
        i += 1
    if col != 31 or line[29:31] != "  " and w(line[:i]) != 31:
        print("line", no, "misaligned:", line); bad = 1
sys.exit(bad)
' "$1"
}

@test "every charset of mkcorpus, messy too: valid UTF-8, aligned, cut at the width" {
	corpus mh 400 "$NMH_MAIL/corp" --messy-fraction 0.3
	run -0 sh -c 'mscan -w 80 +corp > "$BATS_TEST_TMPDIR/out"'
	check_lines 80 < "$BATS_TEST_TMPDIR/out"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/out")" 400
	! grep -q "$(printf '\033')" "$BATS_TEST_TMPDIR/out"
	# encoded words are decoded: none is left that nmh would show raw
	! grep -q '=?utf-8?[bBqQ]?' "$BATS_TEST_TMPDIR/out"
	run -0 sh -c 'mscan -w 57 +corp > "$BATS_TEST_TMPDIR/out57"'
	check_lines 57 < "$BATS_TEST_TMPDIR/out57"
	run -0 sh -c 'mscan -w 33 +corp > "$BATS_TEST_TMPDIR/out33"'
	check_lines 33 < "$BATS_TEST_TMPDIR/out33"
}

@test "double-width and combining characters are never cut" {
	printf 'From: =?utf-8?B?5bGx55Sw5bGx55Sw5bGx55Sw5bGx55Sw5bGx55Sw?= <y@example.jp>\nSubject: =?utf-8?B?ZcyBZcyBZcyBZcyB5pyD6K2w5pyD6K2w?=\nDate: Wed, 4 Mar 2026 09:30:00 +0900\n\n\n' > "$NMH_MAIL/inbox/9"
	local e
	e=$(printf 'e\314\201')	# e and a combining acute accent
	run -0 mscan -w 80 +inbox 9
	# 10 ideographs = 20 columns, cut to 17: 8 of them and a space
	assert_output "   9  03/04 山田山田山田山田   $e$e$e$e會議會議"
	run -0 mscan -w 34 +inbox 9
	assert_output "   9  03/04 山田山田山田山田   $e$e$e"
	run -0 mscan -w 36 +inbox 9
	assert_output "   9  03/04 山田山田山田山田   $e$e$e$e"
	run -0 mscan -w 30 +inbox 9
	assert_output '   9  03/04 山田山田山田山田  '
}
