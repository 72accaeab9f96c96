#!/usr/bin/env bats
# Tests for mshow(1), with nmh working on the same folders.

bats_require_minimum_version 1.5.0

load 'lib/common'
load 'lib/nmh'

setup() {
	nmh_setup "" 'Unseen-Sequence: unseen'
	F=$NMH_MAIL/inbox
	# 1: encoded words, a quoted-printable latin-1 body, an escape
	printf '%s\n' \
	    'From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>' \
	    'To: a@example.org' \
	    'Subject: =?iso-8859-1?q?caf=E9?= =?utf-8?b?5pyD6K2w?=' \
	    'Date: Mon, 23 Nov 2026 12:00:00 +0000' \
	    'X-Other: not shown by default' \
	    'MIME-Version: 1.0' \
	    'Content-Type: text/plain; charset=iso-8859-1' \
	    'Content-Transfer-Encoding: quoted-printable' \
	    '' \
	    'd=E9j=E0 vu =1B[31mred' > "$F/1"
	# 2: alternative plain/html, and a PNG attachment
	cat > "$F/2" <<'MSG'
From: b@example.org
Subject: alternative
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUT"

--OUT
Content-Type: multipart/alternative; boundary="ALT"

--ALT
Content-Type: text/plain; charset=utf-8

plain text version
--ALT
Content-Type: text/html; charset=utf-8

<html><body><p>html <b>version</b></p></body></html>
--ALT--
--OUT
Content-Type: image/png; name="pic.png"
Content-Disposition: attachment; filename="pic.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--OUT--
MSG
	# 3: HTML only
	cat > "$F/3" <<'MSG'
From: c@example.org
Subject: html only
Content-Type: text/html; charset=utf-8

<html><head><title>T</title><style>p { x: y }</style></head>
<body><p>Hello &amp; welcome</p><ul><li>one</li><li>two</li></ul>
<script>alert("x")</script>bye&nbsp;now</body></html>
MSG
	# 4: hostile attachment names
	cat > "$F/4" <<'MSG'
From: d@example.org
Subject: hostile
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

see attached
--B
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="../../x"

one
--B
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="/etc/passwd"

two
--B
Content-Type: application/octet-stream
Content-Disposition: attachment; filename=".bashrc"

three
--B
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fevil

four
--B
Content-Type: application/octet-stream; name="=?utf-8?q?a=2F..=2Fb?="

five
--B--
MSG
	printf 'From: e@example.org\nSubject: five\n\nfive\n' > "$F/5"
	printf 'cur: 1\nunseen: 1-5\n' > "$F/.mh_sequences"
}

@test "unknown option: usage on stderr, exit 64" {
	run -64 mshow -Z 1
	assert_output --partial 'usage: mshow'
}

@test "-V prints the version" {
	run -0 mshow -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "chosen headers decoded, body decoded and converted, no escape" {
	run -0 mshow -n 1
	assert_line 'From: Jürgen <j@example.org>'
	assert_line 'Subject: café會議'
	assert_line --partial 'déjà vu'
	refute_output --partial 'X-Other'
	refute_output --partial $'\e'
}

@test "-H shows every header field" {
	run -0 mshow -n -H 1
	assert_line 'X-Other: not shown by default'
	assert_line 'MIME-Version: 1.0'
}

@test "mshow-headers in the profile chooses the fields" {
	nmh_profile 'mshow-headers: Subject X-Other'
	run -0 mshow -n 1
	assert_equal "${lines[0]}" 'Subject: café會議'
	assert_equal "${lines[1]}" 'X-Other: not shown by default'
	refute_output --partial 'From:'
}

@test "cur is set and the message leaves unseen, as nmh sees it" {
	run -0 mshow -n 3
	run -0 nmh_msgs +inbox cur
	assert_output '3'
	run -0 nmh_msgs +inbox unseen
	assert_output '1 2 4 5'
	run -0 nmh show -noshowproc next
	run -0 nmh_msgs +inbox cur
	assert_output '4'
}

@test "mshow next and prev" {
	run -0 mshow -n next
	assert_output --partial 'Subject: alternative'
	run -0 mshow -n next
	assert_output --partial 'Subject: html only'
	run -0 mshow -n prev
	assert_output --partial 'Subject: alternative'
	run -0 nmh_msgs +inbox cur
	assert_output '2'
}

@test "-t and -x do not take the message out of unseen" {
	run -0 mshow -t 5
	run -0 nmh_msgs +inbox unseen
	assert_output '1 2 3 4 5'
	run -0 nmh_msgs +inbox cur
	assert_output '5'
}

@test "alternative: the plain part; attachments listed" {
	run -0 mshow -n 2
	assert_line 'plain text version'
	refute_output --partial 'html'
	assert_output --regexp '2 +image/png +8  pic\.png'
}

@test "HTML without a converter: tags and scripts dropped" {
	run -0 mshow -n 3
	assert_line 'Hello & welcome'
	assert_line '* one'
	assert_line 'bye now'
	refute_output --partial 'alert'
	refute_output --partial '<'
}

@test "HTML through the mshow-html converter, without a shell" {
	nmh_profile 'mshow-html: tr a-z A-Z'
	run -0 mshow -n 3
	assert_output --partial '<P>HELLO &AMP; WELCOME</P>'
}

@test "a converter that fails: tags dropped, with a warning" {
	nmh_profile 'mshow-html: /nonexistent/conv -x'
	run -0 mshow -n 3
	assert_line 'Hello & welcome'
	assert_output --partial 'tags dropped'
}

@test "HTML through w3m" {
	need_peer w3m "an HTML converter"
	nmh_profile 'mshow-html: w3m -dump -T text/html -O UTF-8'
	run -0 mshow -n 3
	assert_output --partial 'Hello & welcome'
	refute_output --partial 'alert'
}

@test "-t: the MIME tree with numbers, types, sizes and names" {
	run -0 mshow -t 2
	assert_line --regexp '^- +multipart/mixed'
	assert_line --regexp '^  1 +multipart/alternative'
	assert_line --regexp '^    1\.1 +text/plain +18  utf-8$'
	assert_line --regexp '^    1\.2 +text/html '
	assert_line --regexp '^  2 +image/png +8  pic\.png  \(attachment\)$'
}

@test "-p shows one part" {
	run -0 mshow -n -p 1.2 2
	assert_line 'html version'
	refute_output --partial 'plain text'
}

@test "-p on a binary part writes its bytes to a pipe" {
	mshow -p 2 2 > "$BATS_TEST_TMPDIR/out"
	printf '\x89PNG\r\n\x1a\n' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "-r: the message as it is" {
	mshow -r 1 > "$BATS_TEST_TMPDIR/out"
	cmp "$F/1" "$BATS_TEST_TMPDIR/out"
}

@test "-x: hostile file names land safely in the directory" {
	local d
	d=$(mk_tmp x)
	cd "$d"
	run -0 mshow -x 2 -x 3 -x 4 -x 5 -x 6 4
	assert_equal "$(ls -A | sort | tr '\n' ' ')" 'b bashrc evil passwd x '
	assert_equal "$(cat x)" one
	assert_equal "$(cat passwd)" two
	[ ! -e "$d/../../x" ] || [ "$(cat "$d/../../x")" != one ]
	[ ! -e "$d/.bashrc" ]
	grep -q '^root:' /etc/passwd || true
}

@test "-O dir: every attachment; no clobbering without -f" {
	local d
	d=$(mk_tmp o)
	run -0 mshow -O "$d" 4
	assert_line "$d/x"
	assert_line "$d/passwd"
	assert_equal "$(ls -A "$d" | wc -l)" 5
	echo keep > "$d/x"
	run -73 mshow -O "$d" -x 2 4
	assert_output --partial 'exists'
	assert_equal "$(cat "$d/x")" keep
	run -0 mshow -f -O "$d" -x 2 4
	assert_equal "$(cat "$d/x")" one
}

@test "-f never writes through a symbolic link" {
	local d t
	d=$(mk_tmp o)
	t=$(mk_tmp target)
	echo precious > "$t/file"
	ln -s "$t/file" "$d/passwd"
	run -73 mshow -O "$d" -x 3 4
	assert_equal "$(cat "$t/file")" precious
	run -0 mshow -f -O "$d" -x 3 4
	assert_equal "$(cat "$t/file")" precious
	[ ! -L "$d/passwd" ]
	assert_equal "$(cat "$d/passwd")" two
}

@test "paths on standard input; messages outside folders" {
	local d
	d=$(mk_tmp plain)
	cp "$F/5" "$d/m"
	run -0 bash -c "printf '%s\n' '$d/m' '$F/3' | mshow -n"
	assert_output --partial '(Message '"$d/m"')'
	assert_output --partial '(Message inbox:3)'
	run -0 nmh_msgs +inbox unseen
	assert_output '1 2 4 5'
}

@test "a folder made by nmh inc reads back" {
	local mb
	mb=$NMH_ROOT/mbox
	corpus mboxrd 20 "$mb"
	mkdir -p "$NMH_MAIL/fromnmh"
	nmh_inc +fromnmh "$mb"
	run -0 mshow -n +fromnmh 7
	assert_line --regexp '^Subject: '
	run -0 nmh_msgs +fromnmh cur
	assert_output '7'
}

@test "every charset of the corpus comes out as valid UTF-8" {
	local d
	d=$(mk_tmp corpus)
	corpus mh 400 "$d/c" --messy-fraction 0.4
	printf '%s\n' "$d"/c/[0-9]* | mshow -n > "$d/out"
	"$PYTHON3" - "$d/out" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
text = data.decode('utf-8')          # raises on invalid UTF-8
bad = [c for c in text if (ord(c) < 32 and c not in '\t\n') or
       0x7f <= ord(c) < 0xa0]
assert not bad, bad[:5]
assert text.count('(Message ') == 400
EOF
}
