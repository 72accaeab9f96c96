#!/usr/bin/env bats
# Tests for mhdr(1).

load 'lib/common'

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/mhdr.XXXXXX")
	cat > "$T/m1" <<'MSG'
From sender@example.org Mon Nov 23 12:13:25 2026
Received: from a.example.org
	by b.example.org; Mon, 23 Nov 2026 12:13:25 +0000
Received: from c.example.org by a.example.org
From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>
To: Alice <alice@example.com>, "Bob, Jr." <bob@example.com>,
 carol@example.com (Carol C)
Cc: team: dave@example.net, eve@example.net;, undisclosed-recipients:;
Subject: =?iso-8859-1?q?caf=E9?= and
 =?utf-8?b?5pyD6K2w?= today
Date: Mon, 23 Nov 2026 12:13:25 +0100
Message-ID: <1@example.org>

Body line
Subject: not a header
MSG
	printf 'Subject: crlf\r\nX-Folded: a\r\n b\r\n\r\nbody\r\n' > "$T/crlf"
	printf 'From: x@example.org\nSubject: second\n\nhi\n' > "$T/m2"
}

teardown() {
	rm -rf "$T"
}

@test "unknown option: usage on stderr, exit 64" {
	run -64 mhdr -Z "$T/m1"
	assert_output --partial 'usage: mhdr'
}

@test "-V prints the version" {
	run -0 mhdr -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "no -h: every field unfolded, one per line, no From_ line" {
	run -0 mhdr "$T/m1"
	assert_line --index 0 'Received: from a.example.org by b.example.org; Mon, 23 Nov 2026 12:13:25 +0000'
	assert_line --index 1 'Received: from c.example.org by a.example.org'
	assert_line --index 6 'Date: Mon, 23 Nov 2026 12:13:25 +0100'
	assert_equal "${#lines[@]}" 8
	refute_output --partial 'sender@example.org Mon'
	refute_output --partial 'not a header'
}

@test "-h prints values only, first occurrence, in list order" {
	run -0 mhdr -h message-id:received "$T/m1"
	assert_output "<1@example.org>
from a.example.org by b.example.org; Mon, 23 Nov 2026 12:13:25 +0000"
}

@test "-M prints every occurrence" {
	run -0 mhdr -M -h Received "$T/m1"
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 'from c.example.org by a.example.org'
}

@test "a missing field prints nothing and exits 1" {
	run -1 mhdr -h x-nothing "$T/m1"
	assert_output ''
}

@test "-d decodes encoded words, joining adjacent ones" {
	run -0 mhdr -d -h subject:from "$T/m1"
	assert_line --index 0 'café and 會議 today'
	assert_line --index 1 'Jürgen Müller <jm@example.org>'
}

@test "without -d encoded words stay as written" {
	run -0 mhdr -h subject "$T/m1"
	assert_output '=?iso-8859-1?q?caf=E9?= and =?utf-8?b?5pyD6K2w?= today'
}

@test "-A prints one address per line, groups as members" {
	run -0 mhdr -A -h to:cc "$T/m1"
	assert_output 'Alice <alice@example.com>
"Bob, Jr." <bob@example.com>
Carol C <carol@example.com>
dave@example.net
eve@example.net'
}

@test "-A -n prints bare addresses" {
	run -0 mhdr -A -n -h from:to "$T/m1"
	assert_output 'jm@example.org
alice@example.com
bob@example.com
carol@example.com'
}

@test "-A without -h applies to address fields only" {
	run -0 mhdr -A -n "$T/m2"
	assert_output 'From: x@example.org
Subject: second'
}

@test "-D prints dates as seconds since the epoch" {
	run -0 mhdr -D -h date "$T/m1"
	assert_output '1795432405'
}

@test "-D skips a value that is not a date" {
	printf 'Date: tomorrow-ish\n\n' > "$T/bad"
	run -1 mhdr -D -h date "$T/bad"
	assert_output ''
}

@test "-H prefixes the path and a tab" {
	run -0 mhdr -H -h subject "$T/m2" "$T/crlf"
	assert_output "$T/m2	second
$T/crlf	crlf"
}

@test "CRLF messages: no CR in the output, folding removed" {
	run -0 mhdr -h x-folded "$T/crlf"
	assert_output 'a b'
}

@test "paths from standard input, one per line" {
	run -0 sh -c "printf '%s\n' '$T/m2' '$T/crlf' | mhdr -h subject"
	assert_output 'second
crlf'
}

@test "-0 reads NUL-separated paths" {
	mkdir "$T/dir with
newline"
	cp "$T/m2" "$T/dir with
newline/m"
	run -0 sh -c "find '$T' -name m -print0 | mhdr -0 -h subject"
	assert_output 'second'
}

@test "- reads the message from standard input" {
	run -0 sh -c "mhdr -h subject - < '$T/m2'"
	assert_output 'second'
}

@test "an unreadable file: warning, others still done, exit 66" {
	run -66 --separate-stderr mhdr -h subject "$T/m2" "$T/missing" "$T/crlf"
	assert_output 'second
crlf'
	[[ "$stderr" == *"$T/missing"* ]]
}

@test "a terminal on stdin and no operands is a usage error" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "mhdr -h subject" /dev/null
	assert_output --partial 'usage: mhdr'
}

@test "no truncation: a 1 MB field and 10,000 fields" {
	{
		printf 'X-Big: '
		head -c 1000000 /dev/zero | tr '\0' a
		printf '\n'
		for i in $(seq 10000); do printf 'X-N: %d\n' "$i"; done
		printf 'Subject: end\n\nbody\n'
	} > "$T/big"
	run -0 mhdr -h x-big "$T/big"
	assert_equal "${#output}" 1000000
	run -0 mhdr -M -h x-n "$T/big"
	assert_equal "${#lines[@]}" 10000
	run -0 mhdr -h subject "$T/big"
	assert_output 'end'
}

@test "NUL bytes and raw 8-bit in headers do not stop mhdr" {
	printf 'Subject: caf\351 \303\251t\303\251\nX-Nul: a\000b\n\n' > "$T/8bit"
	run -0 mhdr -d -h subject "$T/8bit"
	assert_output 'café été'
	run -0 mhdr -h x-nul "$T/8bit"
}

@test "write error on standard output exits 74" {
	[ -e /dev/full ] || skip "no /dev/full"
	run -74 sh -c "mhdr '$T/m1' > /dev/full"
}

# Oracle: Python's email.header and email.utils on 400 generated messages,
# a tenth of them malformed.  tests/lib/oracle_hdr.py lists every
# deliberate difference with its reason and checks what mailkit does there.
oracle() {
	need_peer "$PYTHON3" "Python 3 is the oracle"
	corpus mh 400 "$T/corpus" --messy-fraction 0.1 --seed 7
	run "$PYTHON3" "$MAILKIT_SRC/tests/lib/oracle_hdr.py" \
	    "$(command -v mhdr)" "$1" "$2" $(ls -d "$T"/corpus/* | sort -n)
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output --regexp "0 differ; equal [0-9]{3}"
}

@test "oracle: Subject decoded as Python's email.header does" {
	oracle subject text
}

@test "oracle: From addresses as Python's email.utils parses them" {
	oracle from addr
}

@test "oracle: To addresses as Python's email.utils parses them" {
	oracle to addr
}

@test "mblaze's mhdr agrees on plain fields and addresses" {
	need_peer /usr/bin/mhdr "mblaze is the peer"
	corpus mh 200 "$T/corpus" --seed 3
	ls -d "$T"/corpus/* | sort -n > "$T/list"
	mhdr -h message-id:date < "$T/list" > "$T/ours"
	/usr/bin/mhdr -h message-id:date $(cat "$T/list") > "$T/theirs"
	cmp "$T/ours" "$T/theirs"
	mhdr -A -n -h from < "$T/list" > "$T/ours"
	/usr/bin/mhdr -A -h from $(cat "$T/list") | sed 's/.*<\(.*\)>$/\1/' > "$T/theirs"
	cmp "$T/ours" "$T/theirs"
}
