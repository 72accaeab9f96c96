#!/usr/bin/env bats
# mboxconv: every pair of the seven formats, read back by the real peers
# (Python's mailbox, mblaze, nmh, Dovecot), the edge cases of each format,
# locking and a full disk.

load 'lib/common'

FORMATS="mboxo mboxrd mboxcl mboxcl2 mmdf mh maildir"

setup_file() {
	export TMPW="$BATS_FILE_TMPDIR"
	: "${PYTHON3:=/usr/bin/python3}"
	export PYTHON3
	# The oracle: each format read by Python's mailbox module (mboxcl2,
	# which Python does not know, by its Content-Length), messages
	# written one per file to a directory in store order.
	cat > "$TMPW/oracle.py" <<'EOF'
import mailbox, os, re, sys

def unquote_rd(b):
    return re.sub(rb'(?m)^>(>*From )', rb'\1', b)

def unquote_o(b):
    return re.sub(rb'(?m)^>From ', b'From ', b)

def cl2(path):
    data = open(path, 'rb').read()
    out, pos = [], 0
    while pos < len(data):
        assert data.startswith(b'From ', pos), pos
        pos = data.index(b'\n', pos) + 1
        hend = data.index(b'\n\n', pos) + 2
        m = re.search(rb'(?mi)^Content-Length: *(\d+)\n', data[pos:hend])
        n = int(m.group(1))
        out.append(data[pos:hend + n])
        pos = hend + n
        assert data[pos:pos + 1] == b'\n', pos
        pos += 1
    return out

def mdkey(k):
    t, _, rest = k.partition('.')
    m = re.match(r'M(\d+)', rest)
    return (int(t) if t.isdigit() else 0, int(m.group(1)) if m else 0, k)

def read(fmt, path):
    if fmt in ('mboxrd', 'mboxo', 'mboxcl'):
        box = mailbox.mbox(path, create=False)
        un = unquote_rd if fmt == 'mboxrd' else unquote_o
        return [un(box.get_bytes(k)) for k in box.keys()]
    if fmt == 'mboxcl2':
        return cl2(path)
    if fmt == 'mmdf':
        # Python drops the newline before the closing ^A^A^A^A (its own
        # writer puts an extra one there); mutt's and mailkit's do not.
        box = mailbox.MMDF(path, create=False)
        return [box.get_bytes(k) + b'\n' for k in box.keys()]
    if fmt == 'mh':
        box = mailbox.MH(path, create=False)
        return [box.get_bytes(k) for k in sorted(box.keys(), key=int)]
    if fmt == 'maildir':
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = sorted(box.keys(), key=lambda k: mdkey(os.path.basename(box._lookup(k))))
        return [box.get_bytes(k) for k in keys]
    raise SystemExit('unknown format ' + fmt)

def norm(b, lossy, strip):
    """The format's own rules: flag and length fields may be added,
    mboxo/mboxcl cannot keep >From apart from From."""
    head, sep, body = b.partition(b'\n\n')
    names = [b'status', b'x-status', b'content-length'] + strip
    lines = [l for l in head.split(b'\n')
             if l.split(b':', 1)[0].strip().lower() not in names]
    b = b'\n'.join(lines) + sep + body
    if b'rstrip' in strip:
        b = b.rstrip(b'\n')
    return unquote_o(b) if lossy else b

cmd = sys.argv[1]
if cmd == 'dump':               # dump FMT PATH OUTDIR
    fmt, path, out = sys.argv[2:5]
    os.makedirs(out, exist_ok=True)
    for i, b in enumerate(read(fmt, path), 1):
        open(os.path.join(out, '%05d' % i), 'wb').write(b)
    print(len(os.listdir(out)))
elif cmd == 'same':             # same FMT PATH REFDIR [lossy] [strip=a,b] [sorted]
    fmt, path, ref = sys.argv[2:5]
    opts = sys.argv[5:]
    lossy = 'lossy' in opts
    strip = [o[6:].encode().lower().split(b',') for o in opts if o.startswith('strip=')]
    strip = strip[0] if strip else []
    got = [norm(b, lossy, strip) for b in read(fmt, path)]
    want = [norm(open(os.path.join(ref, f), 'rb').read(), lossy, strip)
            for f in sorted(os.listdir(ref), key=int)]
    if 'sorted' in opts:
        got.sort()
        want.sort()
    if len(got) != len(want):
        sys.exit('%s: %d messages, want %d' % (path, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want), 1):
        if g != w:
            sys.exit('%s: message %d differs (%d bytes, want %d)' % (path, i, len(g), len(w)))
elif cmd == 'mbox-write':       # mbox-write mbox|mmdf REFDIR OUT: Python writes
    kind, ref, out = sys.argv[2:5]
    box = (mailbox.mbox if kind == 'mbox' else mailbox.MMDF)(out)
    for f in sorted(os.listdir(ref), key=int):
        box.add(open(os.path.join(ref, f), 'rb').read())
    box.flush()
    box.close()
EOF
	corpus mh 120 "$TMPW/ref" --seed 7
	corpus mboxrd 120 "$TMPW/c.mboxrd" --seed 7
	corpus mboxcl2 120 "$TMPW/c.mboxcl2" --seed 7
}

setup() {
	T=$(mk_tmp)
	cd "$T"
}

oracle() {
	"$PYTHON3" "$TMPW/oracle.py" "$@"
}

# unseen DIR: put every message of a hand-made MH folder in "unseen"
# (without .mh_sequences MH says all are seen, and an mbox gets Status).
unseen() {
	printf 'unseen: 1-99\n' > "$1/.mh_sequences"
}

# same_msg FMT WANT GOT: GOT is WANT, but for the Content-Length field
# that mboxcl and mboxcl2 add.
same_msg() {
	case "$1" in
	mboxcl|mboxcl2) grep -av '^Content-Length: ' "$3" | cmp - "$2" ;;
	*) cmp "$2" "$3" ;;
	esac
}

lossy() {
	case "$1" in mboxo|mboxcl) echo lossy ;; esac
}

# ------------------------------------------------------------ usage

@test "usage: no operands, unknown option and unknown format exit 64" {
	run mboxconv
	assert_failure 64
	assert_output --partial usage
	run mboxconv -x a b
	assert_failure 64
	run mboxconv -t mbx "$TMPW/c.mboxrd" out
	assert_failure 64
	run mboxconv -V
	assert_success
	assert_output --partial mailkit
}

@test "a missing source exits 66 and creates nothing" {
	run mboxconv -t maildir "$TMPW/c.mboxrd" nosuch out
	assert_failure 66
	[ ! -e out ]
}

@test "a new destination needs -t; a non-empty one needs -a" {
	run mboxconv "$TMPW/c.mboxrd" out
	assert_failure 64
	run mboxconv -t mboxrd "$TMPW/c.mboxrd" out
	assert_success
	cp out before
	run mboxconv -t mboxrd "$TMPW/c.mboxrd" out
	assert_failure 73
	cmp out before
	run mboxconv -a "$TMPW/c.mboxrd" out
	assert_success
	cat before before | cmp - out
	: > empty
	run mboxconv -t mmdf "$TMPW/c.mboxrd" empty
	assert_success
	oracle same mmdf empty "$TMPW/ref"
}

@test "several sources append in order; - is stdin and stdout" {
	mboxconv -t mh "$TMPW/c.mboxrd" half
	mboxconv -t mboxrd half "$TMPW/c.mboxrd" - > two
	cat "$TMPW/c.mboxrd" "$TMPW/c.mboxrd" | cmp - two
	mboxconv -f mboxrd -t mboxrd - - < "$TMPW/c.mboxrd" > three
	cmp "$TMPW/c.mboxrd" three
	cat "$TMPW/c.mboxcl2" | mboxconv -f mboxcl2 -t maildir - md
	oracle same maildir md "$TMPW/ref"
}

# ------------------------------------------------------------ all pairs

# pair SRCFMT: the corpus as SRCFMT, then to every format, each result
# read by Python with the same messages.
pair() {
	local a=$1 b
	mboxconv -q -t "$a" "$TMPW/c.mboxrd" "src.$a"
	oracle same "$a" "src.$a" "$TMPW/ref" $(lossy "$a")
	for b in $FORMATS; do
		mboxconv -q -f "$a" -t "$b" "src.$a" "dst.$b" ||
		    fail "$a -> $b: exit $?"
		oracle same "$b" "dst.$b" "$TMPW/ref" $(lossy "$a") \
		    $(lossy "$b") || fail "$a -> $b read back wrong"
	done
}

@test "pairs: mboxo to every format" { pair mboxo; }
@test "pairs: mboxrd to every format" { pair mboxrd; }
@test "pairs: mboxcl to every format" { pair mboxcl; }
@test "pairs: mboxcl2 to every format" { pair mboxcl2; }
@test "pairs: mmdf to every format" { pair mmdf; }
@test "pairs: mh to every format" { pair mh; }
@test "pairs: maildir to every format" { pair maildir; }

# ------------------------------------------------------------ round trips

@test "round trip mboxrd -> Maildir -> mboxrd is byte-exact" {
	mboxconv -t maildir "$TMPW/c.mboxrd" md
	mboxconv -t mboxrd md back
	cmp "$TMPW/c.mboxrd" back
}

@test "round trip mboxrd -> MH -> mboxrd is byte-exact" {
	mboxconv -t mh "$TMPW/c.mboxrd" mh
	mboxconv -t mboxrd mh back
	cmp "$TMPW/c.mboxrd" back
}

@test "round trip MMDF -> Maildir -> MMDF and MH is byte-exact" {
	mboxconv -t mmdf "$TMPW/c.mboxrd" orig
	mboxconv -t maildir orig md
	mboxconv -t mmdf md back
	cmp orig back
	mboxconv -t mh orig mh
	mboxconv -t mmdf mh back2
	cmp orig back2
}

@test "round trip mboxcl2 -> Maildir -> mboxcl2 is byte-exact" {
	mboxconv -f mboxcl2 -t maildir "$TMPW/c.mboxcl2" md
	mboxconv -t mboxcl2 md back
	cmp "$TMPW/c.mboxcl2" back
}

# ------------------------------------------------------------ peers write

@test "mbox and MMDF written by Python's mailbox are read" {
	oracle mbox-write mbox "$TMPW/ref" py.mbox
	mboxconv -f mboxo -t mh py.mbox mh
	oracle same mh mh "$TMPW/ref" lossy
	oracle mbox-write mmdf "$TMPW/ref" py.mmdf
	# Python quotes From in MMDF too, and adds a newline before ^A^A^A^A
	mboxconv -t mh py.mmdf mh2
	oracle same mh mh2 "$TMPW/ref" lossy strip=rstrip
}

@test "an mbox written by mblaze mexport is read" {
	need_peer /usr/bin/mexport "mblaze writes the mbox"
	mboxconv -t maildir "$TMPW/c.mboxrd" md
	mkdir mblaze && : > mblaze/seq
	MBLAZE=$T/mblaze /usr/bin/mlist md | MBLAZE=$T/mblaze /usr/bin/mexport > exp.mbox
	mboxconv -t maildir exp.mbox md2
	# mexport does not keep a blank line that ends a message
	oracle same maildir md2 "$TMPW/ref" sorted strip=rstrip
}

@test "an mbox written by nmh packf is read" {
	need_peer /usr/bin/mh/packf "nmh writes the mbox"
	mkdir -p nmh/Mail
	printf 'Path: %s/nmh/Mail\n' "$T" > nmh/profile
	cp -r "$TMPW/ref" nmh/Mail/inbox
	MH=$T/nmh/profile MHCONTEXT=$T/nmh/Mail/context \
	    /usr/bin/mh/packf +inbox -file "$T/packed" all
	mboxconv -f mboxo -t mh packed mh
	oracle same mh mh "$TMPW/ref" lossy strip=return-path
}

@test "a Maildir written by mblaze mdeliver is read" {
	need_peer /usr/bin/mdeliver "mblaze writes the Maildir"
	mkdir -p md/cur md/new md/tmp
	/usr/bin/mdeliver -M md < "$TMPW/c.mboxrd"
	mboxconv -t mh md mh
	# mdeliver -M keeps the blank separator line in each message
	oracle same mh mh "$TMPW/ref" sorted strip=rstrip
}

# dovecot_conf DIR LOCATION: a private Dovecot configuration.
dovecot_conf() {
	cat > "$1/dovecot.conf" <<EOF
mail_location = $2
base_dir = $1/run
state_dir = $1/state
log_path = /dev/stderr
ssl = no
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
EOF
}

# dovecot_dir: a directory that user nobody can reach (the bats tree is
# private), removed by teardown.
dovecot_dir() {
	local d
	d=$(mktemp -d /tmp/mboxconv-dovecot.XXXXXX)
	chmod 755 "$d"
	echo "$d" > "$T/.dovecot_dir"
	echo "$d"
}

teardown() {
	if [ -f "$T/.dovecot_dir" ]; then
		rm -rf "$(cat "$T/.dovecot_dir")"
	fi
}

doveadm_nobody() {
	HOME=$DV USER=nobody doveadm -c "$DV/dovecot.conf" "$@"
}

@test "a Maildir written by Dovecot is read" {
	need_peer doveadm "Dovecot writes the Maildir"
	need_root "Dovecot runs as nobody"
	DV=$(dovecot_dir)
	dovecot_conf "$DV" "maildir:$DV/Maildir"
	chown -R nobody:nogroup "$DV"
	for f in $(ls "$TMPW/ref" | sort -n | head -30); do
		doveadm_nobody save < "$TMPW/ref/$f"
	done
	mkdir ref30
	for f in $(ls "$TMPW/ref" | sort -n | head -30); do
		cp "$TMPW/ref/$f" ref30/
	done
	mboxconv -t mh "$DV/Maildir" mh
	oracle same mh mh ref30 sorted
}

@test "Dovecot reads mailkit's Maildir and mbox" {
	need_peer doveadm "Dovecot reads the stores"
	need_root "Dovecot runs as nobody"
	DV=$(dovecot_dir)
	mkdir -p "$DV/mail"
	mboxconv -t maildir "$TMPW/c.mboxrd" "$DV/Maildir"
	mboxconv -t mboxrd "$TMPW/c.mboxrd" "$DV/inbox"
	chown -R nobody:nogroup "$DV"
	for loc in "maildir:$DV/Maildir" "mbox:$DV/mail:INBOX=$DV/inbox"; do
		dovecot_conf "$DV" "$loc"
		run doveadm_nobody search all
		assert_success
		[ "${#lines[@]}" -eq 120 ] || fail "$loc: ${#lines[@]} messages"
		doveadm_nobody -f json fetch text all > "$DV/out.json"
		"$PYTHON3" - "$DV/out.json" "$TMPW/ref" <<'EOF'
import json, os, re, sys
got = sorted(re.sub(rb'(?m)^>+From ', b'From ',
                    x['text'].encode('utf-8', 'surrogateescape').replace(b'\r\n', b'\n'))
             for x in json.load(open(sys.argv[1])))
want = sorted(re.sub(rb'(?m)^>+From ', b'From ', open(os.path.join(sys.argv[2], f), 'rb').read())
              for f in os.listdir(sys.argv[2]))
sys.exit(0 if got == want else 'bodies differ')
EOF
	done
}

@test "nmh scan reads mailkit's MH folder and its unseen sequence" {
	need_peer /usr/bin/mh/scan "nmh reads the folder"
	mkdir -p nmh/Mail
	printf 'Path: %s/nmh/Mail\nUnseen-Sequence: unseen\n' "$T" > nmh/profile
	mboxconv -t mh "$TMPW/c.mboxrd" nmh/Mail/inbox
	export MH=$T/nmh/profile MHCONTEXT=$T/nmh/Mail/context
	run /usr/bin/mh/scan +inbox
	assert_success
	[ "${#lines[@]}" -eq 120 ]
	run /usr/bin/mh/mhpath +inbox unseen
	assert_success
	[ "${#lines[@]}" -eq 120 ]
}

@test "mblaze mlist and mscan read mailkit's Maildir" {
	need_peer /usr/bin/mscan "mblaze reads the Maildir"
	mboxconv -t maildir "$TMPW/c.mboxrd" md
	mkdir mblaze && : > mblaze/seq
	export MBLAZE=$T/mblaze
	run /usr/bin/mlist md
	assert_success
	[ "${#lines[@]}" -eq 120 ]
	run sh -c '/usr/bin/mlist md | /usr/bin/mscan'
	assert_success
	[ "${#lines[@]}" -eq 120 ]
}

# ------------------------------------------------------------ edge cases

# The message with every kind of From line in its body.
from_lines_msg() {
	printf 'From: a@example.org\nSubject: from lines\n\n'
	printf 'From the start\n>From one\n>>From two\n>>>From three\n'
	printf ' From indented\nFrom\n>From\nx From y\n\nFrom me Mon Jan  1 00:00:00 2024\nend\n'
}

@test "From, >From and >>From body lines survive every format" {
	mkdir ref mh
	from_lines_msg > ref/1
	printf 'Subject: second\n\n>From x\n' > ref/2
	cp ref/1 ref/2 mh/
	unseen mh
	for f in $FORMATS; do
		mboxconv -q -t "$f" mh "s.$f"
		oracle same "$f" "s.$f" ref $(lossy "$f") ||
		    fail "$f: Python reads it differently"
		mboxconv -q -f "$f" -t mh "s.$f" "back.$f"
		if [ -z "$(lossy "$f")" ]; then
			same_msg "$f" ref/1 "back.$f/1" &&
			    same_msg "$f" ref/2 "back.$f/2" || fail "$f: not exact"
		else
			oracle same mh "back.$f" ref lossy
		fi
	done
	grep -q '^>>From one' s.mboxrd
	grep -q '^>>>>From three' s.mboxrd
	grep -q '^>From the start' s.mboxo
	grep -q '^From the start' s.mboxcl2
}

@test "CRLF input is stored with LF" {
	printf 'From a@b Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nline\r\n\r\nFrom b@c Mon Jan  1 00:00:01 2024\r\nSubject: y\r\n\r\nbody\r\n' > crlf.mbox
	mboxconv -t mh crlf.mbox mh
	printf 'Subject: x\n\nline\n' | cmp - mh/1
	printf 'Subject: y\n\nbody\n' | cmp - mh/2
	mkdir m2
	printf 'Subject: z\r\n\r\na\rb\r\n' > m2/1
	unseen m2
	mboxconv -t mboxrd m2 out
	printf 'From MAILER-DAEMON ' | cmp -n 19 - out
	tail -n +2 out | cmp - <(printf 'Subject: z\n\na\rb\n\n')
}

@test "a message without a final newline gets one in an mbox" {
	mkdir mh
	printf 'Subject: a\n\nno newline' > mh/1
	printf 'Subject: b\n\nlast' > mh/2
	unseen mh
	for f in mboxrd mboxcl2 mmdf; do
		mboxconv -t "$f" mh "o.$f"
		mboxconv -t mh "o.$f" "back.$f"
		printf 'Subject: a\n\nno newline\n' > want1
		printf 'Subject: b\n\nlast\n' > want2
		same_msg "$f" want1 "back.$f/1"
		same_msg "$f" want2 "back.$f/2"
	done
	mboxconv -t maildir mh md
	mboxconv -t mh md back.md
	cmp mh/1 back.md/1
}

@test "empty messages survive every format" {
	mkdir mh ref
	: > mh/1
	printf 'Subject: between\n\nx\n' > mh/2
	: > mh/3
	cp mh/* ref/
	unseen mh
	for f in $FORMATS; do
		mboxconv -q -t "$f" mh "e.$f"
		mboxconv -q -t mh "e.$f" "back.$f"
		for n in 1 2 3; do
			same_msg "$f" ref/$n "back.$f/$n" ||
			    fail "$f: message $n"
		done
	done
}

@test "a 50 MB message round-trips through Maildir, MH and mboxcl2" {
	"$PYTHON3" -c '
import sys
w = sys.stdout.buffer.write
w(b"From big@example.org Mon Jan  1 00:00:00 2024\nReturn-Path: <big@example.org>\nSubject: big\n\n")
line = b"0123456789" * 7 + b"abcd\n"
for i in range(700000):
    w(b">From here\n" if i % 99999 == 0 else line)
w(b"\n")' > big.mbox
	mboxconv -t maildir big.mbox md
	mboxconv -t mboxrd md back
	cmp big.mbox back
	mboxconv -t mh md mh
	mboxconv -t mboxcl2 mh big.cl2
	mboxconv -t mh big.cl2 mh2
	grep -v '^Content-Length: ' mh2/1 | cmp - mh/1
	cmp mh/1 md/new/*
}

@test "NUL bytes and 8-bit bytes are kept" {
	mkdir mh
	printf 'Subject: nul\n\na\000b\377\nFrom \000\n' > mh/1
	unseen mh
	for f in mboxrd mboxcl2 mmdf maildir; do
		mboxconv -t "$f" mh "n.$f"
		mboxconv -t mh "n.$f" "back.$f"
		same_msg "$f" mh/1 "back.$f/1"
	done
}

@test "a truncated mbox gives its messages, the last one cut" {
	head -c -500 "$TMPW/c.mboxrd" > cut.mbox
	mboxconv -t mh cut.mbox mh
	[ "$(ls mh | wc -l)" -eq 120 ]
	cmp mh/119 "$TMPW/ref/119"
	cmp -s mh/120 "$TMPW/ref/120" && fail "last message not cut"
	cmp -n "$(stat -c %s mh/120)" mh/120 "$TMPW/ref/120"
}

@test "Content-Length is trusted only where it lands on a From_ line" {
	body3='From x@y Mon Jan  1 00:00:00 2024\nthree\n'
	n3=$(printf "$body3" | wc -c)
	{
		printf 'From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 5000\n\none\nFrom x\n\n'
		printf 'From b@c Mon Jan  1 00:00:01 2024\nContent-Length: 2\n\ntwo\nlines\n\n'
		printf "From c@d Mon Jan  1 00:00:02 2024\nContent-Length: $n3\n\n$body3\n"
		printf 'From d@e Mon Jan  1 00:00:03 2024\nContent-Length: 900\n\nfour\n\n'
		printf 'From e@f Mon Jan  1 00:00:04 2024\nContent-Length: 5\n\nfive\n\n'
	} > wrong.cl2
	mboxconv -f mboxcl2 -t mh wrong.cl2 mh
	[ "$(ls mh | wc -l)" -eq 5 ]
	printf 'Content-Length: 5000\n\none\nFrom x\n' | cmp - mh/1
	printf 'Content-Length: 2\n\ntwo\nlines\n' | cmp - mh/2
	printf "Content-Length: $n3\n\n$body3" | cmp - mh/3
	printf 'Content-Length: 900\n\nfour\n' | cmp - mh/4
	printf 'Content-Length: 5\n\nfive\n' | cmp - mh/5
	mboxconv -t mboxcl2 mh again.cl2
	mboxconv -f mboxcl2 -t mh again.cl2 mh2
	diff -r mh mh2 | grep -v '^[<>] Content-Length' | grep -v '^[0-9]' | grep -v '^---' | grep -v 'diff -r' && fail "changed"
	grep -qx "Content-Length: 10" mh2/2
}

@test "a Maildir with files in tmp/ and names without info" {
	mkdir -p md/tmp md/new md/cur
	printf 'Subject: tmp\n\nhalf' > md/tmp/1.M1P1.h
	printf 'Subject: one\n\n1\n' > md/new/100.M1P1.h
	printf 'Subject: two\n\n2\n' > md/cur/200.M1P1.h
	printf 'Subject: three\n\n3\n' > md/cur/300.M1P1.h:2,FS
	mboxconv -t mh md mh
	[ "$(ls mh | wc -l)" -eq 3 ]
	grep -q one mh/1 && grep -q two mh/2 && grep -q three mh/3
	grep -q 'flagged: 3' mh/.mh_sequences
	grep -q 'unseen: 1-2' mh/.mh_sequences
}

@test "a source not in the named format exits 65 with the offset" {
	run mboxconv -f mmdf -t mh "$TMPW/c.mboxrd" mh
	assert_failure 65
	assert_output --partial 'byte 0'
	mboxconv -t mmdf "$TMPW/c.mboxrd" ok.mmdf
	size=$(stat -c %s ok.mmdf)
	{ cat ok.mmdf; echo junk; cat ok.mmdf; } > bad.mmdf
	run mboxconv -f mmdf -t mboxrd bad.mmdf out
	assert_failure 65
	assert_output --partial "byte $size"
	[ ! -e out ]
	echo 'not a mailbox' > junk
	run mboxconv -t mh junk mh2
	assert_failure 65
}

# ------------------------------------------------------------ flags, envelope

@test "flags carry between Maildir, mbox and MH" {
	mkdir -p md/tmp md/new md/cur
	for fl in S RS FS T D P Sa; do
		printf 'Subject: %s\n\nx\n' "$fl" > "md/cur/1$((n += 1)).M1P1.h:2,$fl"
	done
	printf 'Subject: new\n\nx\n' > md/new/200.M1P1.h
	mboxconv -t mboxrd md out.mbox
	run grep -E '^(Subject|Status|X-Status):' out.mbox
	assert_line --index 0 'Subject: S'
	assert_line --index 1 'Status: RO'
	assert_line --index 3 'Status: RO'
	assert_line --index 4 'X-Status: A'
	assert_line --index 7 'X-Status: F'
	assert_line --index 10 'X-Status: D'
	assert_line --index 13 'X-Status: T'
	mboxconv -t maildir out.mbox md2
	run ls md2/cur md2/new
	assert_output --partial ':2,S'
	assert_output --partial ':2,RS'
	assert_output --partial ':2,FS'
	assert_output --partial ':2,T'
	assert_output --partial ':2,D'
	[ "$(ls md2/new | wc -l)" -eq 2 ]	# P and new
	mboxconv -t maildir md md3
	ls md3/cur | grep -q ':2,Sa$'
	ls md3/cur | grep -q ':2,P$'
	mboxconv -t mh md mh
	grep -qx 'flagged: 3' mh/.mh_sequences
	grep -qx 'replied: 2' mh/.mh_sequences
	grep -qx 'unseen: 4-6 8' mh/.mh_sequences
	mboxconv -t maildir mh md4
	[ "$(ls md4/new | wc -l)" -eq 4 ]
}

@test "envelope sender and date carry: From_ line, Return-Path, mtime" {
	printf 'From sender@example.org Tue Feb  3 04:05:06 2009\nReturn-Path: <sender@example.org>\nSubject: e\n\nx\n\n' > e.mbox
	mboxconv -t maildir e.mbox md
	f=$(ls md/new/*)
	[ "$(stat -c %Y "$f")" -eq 1233633906 ]
	mboxconv -t mboxrd md back
	cmp e.mbox back
	mboxconv -t mh md mh
	[ "$(stat -c %Y mh/1)" -eq 1233633906 ]
	mboxconv -t mmdf mh back.mmdf
	mboxconv -t mboxrd back.mmdf back2
	cmp e.mbox back2
	# no Return-Path: the sender is not invented, the date still carries
	printf 'From other@example.org Tue Feb  3 04:05:06 2009\nSubject: f\n\ny\n' > f.mbox
	mboxconv -t mh f.mbox mh2
	printf 'Subject: f\n\ny\n' | cmp - mh2/1
	[ "$(stat -c %Y mh2/1)" -eq 1233633906 ]
}

@test "Maildir++ subfolders are stores" {
	mboxconv -t maildir "$TMPW/c.mboxrd" md
	mboxconv -t maildir "$TMPW/c.mboxrd" md/.Lists.Dev
	[ -f md/.Lists.Dev/maildirfolder ]
	oracle same maildir md/.Lists.Dev "$TMPW/ref"
	mboxconv -t mboxrd md/.Lists.Dev back
	cmp "$TMPW/c.mboxrd" back
}

@test "-v logs each message; -q and a pipe print nothing" {
	run mboxconv -v -t mh "$TMPW/c.mboxrd" mh
	assert_success
	[ "${#lines[@]}" -eq 120 ]
	assert_line --index 0 --partial 'message at byte 0'
	run mboxconv -q -t mh "$TMPW/c.mboxrd" mh2
	assert_success
	assert_output ''
}

# ------------------------------------------------------------ locking

@test "two concurrent appends into one mbox never interleave" {
	corpus mboxrd 300 a.mbox --seed 11
	corpus mboxrd 300 b.mbox --seed 12
	: > dst
	mboxconv -q -a -t mboxrd a.mbox dst & pa=$!
	mboxconv -q -a -t mboxrd b.mbox dst & pb=$!
	wait $pa
	wait $pb
	if cmp -s <(cat a.mbox b.mbox) dst; then :
	else cat b.mbox a.mbox | cmp - dst; fi
}

@test "a held dot-lock makes mboxconv wait; a stale one is broken" {
	mboxconv -t mboxrd "$TMPW/c.mboxrd" dst
	cp dst before
	echo 1 > dst.lock
	mboxconv -a "$TMPW/c.mboxrd" dst & pid=$!
	sleep 1.5
	kill -0 "$pid"			# still waiting
	cmp dst before
	rm dst.lock
	wait "$pid"
	cat before "$TMPW/c.mboxrd" | cmp - dst
	[ ! -e dst.lock ]
	echo 1 > dst.lock
	touch -d '10 minutes ago' dst.lock
	timeout 20 mboxconv -a "$TMPW/c.mboxrd" dst
	[ ! -e dst.lock ]
}

@test "a held fcntl lock makes mboxconv wait" {
	mboxconv -t mboxrd "$TMPW/c.mboxrd" dst
	"$PYTHON3" -c '
import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(2)' dst ready & holder=$!
	while [ ! -e ready ]; do sleep 0.05; done
	start=$(date +%s%N)
	mboxconv -a "$TMPW/c.mboxrd" dst
	end=$(date +%s%N)
	wait $holder
	[ $(( (end - start) / 1000000 )) -ge 1000 ]
}

# ------------------------------------------------------------ disk full

@test "appending into an mbox on a full file system exits 75, mbox unchanged" {
	if [ "$(id -u)" -eq 0 ] && mkdir mnt &&
	    mount -t tmpfs -o size=1m tmpfs mnt 2>/dev/null; then
		head -c 600000 "$TMPW/c.mboxrd" | mboxconv -f mboxrd -t mboxrd - mnt/mbox ||
		    { umount mnt; fail "setup"; }
		cp mnt/mbox before
		run mboxconv -a "$TMPW/c.mboxrd" mnt/mbox
		cmp before mnt/mbox; same=$?
		umount mnt
	else
		cc -shared -fPIC -o enospc.so "$MAILKIT_SRC/tests/lib/enospc.c" -ldl ||
		    skip "no compiler for the LD_PRELOAD shim"
		mboxconv -t mboxrd "$TMPW/c.mboxrd" mnt.mbox
		cp mnt.mbox before
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		    ENOSPC_AFTER=100000 LD_PRELOAD=$T/enospc.so \
		    run mboxconv -a "$TMPW/c.mboxrd" mnt.mbox
		cmp before mnt.mbox; same=$?
	fi
	assert_failure 75
	assert_output --partial 'No space left'
	[ "$same" -eq 0 ]
}

@test "a full file system during Maildir and MH writes exits 75" {
	cc -shared -fPIC -o enospc.so "$MAILKIT_SRC/tests/lib/enospc.c" -ldl ||
	    skip "no compiler for the LD_PRELOAD shim"
	# a build with --enable-sanitizers: ASan need not come first
	for f in maildir mh; do
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		    ENOSPC_AFTER=300000 LD_PRELOAD=$T/enospc.so \
		    run mboxconv -t "$f" "$TMPW/c.mboxrd" "out.$f"
		assert_failure 75
		# only whole messages, none half written
		[ -z "$(ls -A out.$f/tmp 2>/dev/null)" ]
		[ -z "$(ls -A out.$f | grep '^\.mailkit-tmp')" ]
	done
}
