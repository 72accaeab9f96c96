#!/usr/bin/env bats
# Tests for newaliases(8): the aliases(5) parser (Postfix's reading),
# compiling into cdb, lookups checked against Postfix postalias -q, and
# the expansion mdeliver does (aliases, .forward, :include:) with real
# test users.

load 'lib/common'

bats_require_minimum_version 1.5.0

USERS="mkal_alice mkal_bob mkal_carol"

setup_file() {
	D=$(mktemp -d /tmp/newaliases.XXXXXX)
	chmod 755 "$D"
	export D
	[ "$(id -u)" -eq 0 ] || return 0
	command -v useradd >/dev/null || return 0
	mkdir -p "$D/home"
	chmod 755 "$D/home"
	for u in $USERS; do
		userdel "$u" >/dev/null 2>&1 || true
		useradd -M -d "$D/home/$u" -s /bin/sh "$u"
		mkdir "$D/home/$u"
		chown "$u:$(id -g "$u")" "$D/home/$u"
		chmod 755 "$D/home/$u"
	done
}

teardown_file() {
	if [ "$(id -u)" -eq 0 ]; then
		for u in $USERS; do
			userdel "$u" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$D"
}

setup() {
	T=$(mk_tmp na)
	chmod 755 "$T"
}

teardown() {
	local u
	for u in $USERS; do
		rm -f "$D/home/$u/.forward" "$D/home/$u/.forward+ext" 2>/dev/null || true
		[ -d "$D/home/$u" ] && chmod 755 "$D/home/$u" || true
	done
}

# need_users: the expansion tests need the test users (root in CI).
need_users() {
	need_root "useradd for the expansion tests"
	id mkal_alice >/dev/null 2>&1 || fail "test users were not created"
}

# check_n file status expected-stderr: newaliases -n output and exit code.
check_n() {
	run --separate-stderr newaliases -n -f "$1"
	[ "$status" -eq "$2" ] || { echo "status $status, want $2"; echo "$stderr"; false; }
	[ "$stderr" = "$3" ] || { printf 'got:\n%s\nwant:\n%s\n' "$stderr" "$3"; false; }
	[ -z "$output" ]
}

forward() {	# forward user mode text: write user's .forward
	printf '%s\n' "$3" > "$D/home/$1/.forward"
	chown "$1" "$D/home/$1/.forward"
	chmod "$2" "$D/home/$1/.forward"
}

# ---------------------------------------------------------------- parser

@test "parser: continuation lines, comments and blank lines inside them" {
	cat > "$T/a" <<'EOF'
# a comment
postmaster: root
MAILER-DAEMON: postmaster
list: a,
  b,
# a comment inside the logical line

	c
hash: x#y, z # w
EOF
	check_n "$T/a" 0 ""
	run newaliases -f "$T/a" -o "$T/a.db"
	assert_success
	run newaliases -o "$T/a.db" -q list
	assert_success
	assert_output "$(printf 'a\nb\nc')"
	run newaliases -o "$T/a.db" -q hash
	assert_output "$(printf 'x#y\nz # w')"
}

@test "parser: case folding and quoted names" {
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
Big.Name: one
"Name With Space": two
"q:colon" : three
"A"b: four
multi word: five
EOF
	check_n "$T/a" 0 ""
	newaliases -f "$T/a" -o "$T/a.db"
	run newaliases -o "$T/a.db" -q BIG.NAME
	assert_output "one"
	run newaliases -o "$T/a.db" -q "name with SPACE"
	assert_output "two"
	run newaliases -o "$T/a.db" -q "q:colon"
	assert_output "three"
	run newaliases -o "$T/a.db" -q "a b"
	assert_output "four"
	run newaliases -o "$T/a.db" -q "multi word"
	assert_output "five"
	run newaliases -o "$T/a.db" -q nothere
	assert_failure 1
	assert_output ""
}

@test "parser: every kind of value, in internal form" {
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
v: user, \user, /var/log/file, "|/usr/bin/prog -x \"a b\"", |/bin/cat -u,
   :include:/etc/list, "john doe"@example.org, Joe <joe@example.org>,
   bob (a comment)@example.org, "/file with space"
EOF
	check_n "$T/a" 0 ""
	newaliases -f "$T/a" -o "$T/a.db"
	run newaliases -o "$T/a.db" -q v
	assert_success
	assert_output - <<'EOF'
user
\user
/var/log/file
|/usr/bin/prog -x "a b"
|/bin/cat -u
:include:/etc/list
john doe@example.org
joe@example.org
bob@example.org
/file with space
EOF
}

@test "parser: every error with its line number, and exit 65" {
	printf '  lead: x\npostmaster: root\nmailer-daemon: root\nempty:\n: novalue\nx, y: z\nu@h: a\np%%h: a\n"": a\nk: ""\nq: "open\nc: (open\nd: [open\ni: :include:relative\np: |\nn: \\\nnul: a\0b\nok: fine\n' > "$T/a"
	check_n "$T/a" 65 "$(cat <<EOF
newaliases: $T/a, line 1: logical line must not start with whitespace
newaliases: $T/a, line 4: need name:value pair
newaliases: $T/a, line 5: need name:value pair
newaliases: $T/a, line 6: need name:value pair
newaliases: $T/a, line 7: name must be local
newaliases: $T/a, line 8: name must be local
newaliases: $T/a, line 9: empty name
newaliases: $T/a, line 10: k: empty address
newaliases: $T/a, line 11: unterminated quoted string
newaliases: $T/a, line 12: unterminated comment
newaliases: $T/a, line 13: unterminated domain literal
newaliases: $T/a, line 14: i: include file name is not absolute: :include:relative
newaliases: $T/a, line 15: p: empty command
newaliases: $T/a, line 16: n: empty address
newaliases: $T/a, line 17: NUL character in line
newaliases: $T/a: 15 errors
EOF
)"
}

@test "parser: the first physical line of a logical line is the one named" {
	printf 'postmaster: root\nmailer-daemon: root\nbad: a,\n  "b,\n\n  c\n' > "$T/a"
	check_n "$T/a" 65 "$(printf 'newaliases: %s, line 3: unterminated quoted string\nnewaliases: %s: 1 error' "$T/a" "$T/a")"
}

@test "parser: duplicates warn naming both lines, the first wins" {
	printf 'postmaster: root\nmailer-daemon: root\nfoo: first\n# x\nFOO: second\n"foo": third\n' > "$T/a"
	check_n "$T/a" 0 "$(cat <<EOF
newaliases: $T/a, line 5: warning: duplicate name "foo" ignored: first defined on line 3
newaliases: $T/a, line 6: warning: duplicate name "foo" ignored: first defined on line 3
EOF
)"
	newaliases -f "$T/a" -o "$T/a.db" 2>/dev/null
	run newaliases -o "$T/a.db" -q foo
	assert_output "first"
}

@test "parser: missing postmaster and MAILER-DAEMON are warned about" {
	printf 'root: admin\n' > "$T/a"
	check_n "$T/a" 0 "$(printf 'newaliases: %s: warning: no alias for postmaster\nnewaliases: %s: warning: no alias for MAILER-DAEMON' "$T/a" "$T/a")"
}

@test "parser: CRLF line ends and a last line without newline" {
	printf 'postmaster: root\r\nmailer-daemon: root\r\nx: a,\r\n  b \r\nlast: z' > "$T/a"
	check_n "$T/a" 0 ""
	newaliases -f "$T/a" -o "$T/a.db"
	run newaliases -o "$T/a.db" -q x
	assert_output "$(printf 'a\nb')"
	run newaliases -o "$T/a.db" -q last
	assert_output "z"
}

@test "Debian's default /etc/aliases compiles (and the system one, if any)" {
	cat > "$T/aliases" <<'EOF'
# /etc/aliases
mailer-daemon: postmaster
postmaster: root
nobody: root
hostmaster: root
usenet: root
news: root
webmaster: root
www: root
ftp: root
abuse: root
noc: root
security: root
root: admin
EOF
	run newaliases -v -f "$T/aliases" -o "$T/aliases.db"
	assert_success
	assert_output --partial "13 aliases, 0 warnings"
	run newaliases -o "$T/aliases.db" -q MAILER-DAEMON
	assert_output "postmaster"
	if [ -r /etc/aliases ]; then
		run newaliases -f /etc/aliases -o "$T/system.db"
		assert_success
	fi
}

@test "-s dumps a database that compiles back to the same" {
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
"Odd Name": "john doe"@example.org, "|/bin/prog a, b", \user, /f,
  :include:/etc/x, plain, "#hash"
EOF
	newaliases -f "$T/a" -o "$T/a.db"
	run newaliases -s -o "$T/a.db"
	assert_success
	assert_line --index 2 '"odd name": "john doe"@example.org, "|/bin/prog a, b", \user, /f, :include:/etc/x, plain, "#hash"'
	printf '%s\n' "$output" > "$T/b"
	newaliases -f "$T/b" -o "$T/b.db"
	run newaliases -s -o "$T/b.db"
	[ "$output" = "$(newaliases -s -o "$T/a.db")" ]
}

@test "compile: atomic replacement; errors and I/O failures keep the old database" {
	printf 'postmaster: root\nmailer-daemon: root\nx: old\n' > "$T/a"
	newaliases -f "$T/a"
	[ -f "$T/a.db" ]
	cp "$T/a.db" "$T/keep"
	printf 'postmaster: root\nmailer-daemon: root\nx: new\nbroken\n' > "$T/a"
	run newaliases -f "$T/a"
	assert_failure 65
	assert_output --partial "database not replaced"
	cmp "$T/a.db" "$T/keep"
	run newaliases -q x -o "$T/a.db"
	assert_output "old"
	[ -z "$(ls "$T" | grep tmp)" ]
	run newaliases -f "$T/nonexistent"
	assert_failure 74
	run newaliases -f "$T/keep" -o "$T/nodir/x.db"
	assert_failure 73
	run newaliases -q x -o "$T/missing.db"
	assert_failure
	run newaliases -q x -o "$T/a"
	assert_failure 65
	assert_output --partial "not a cdb database"
}

@test "usage errors exit 64" {
	run newaliases -r
	assert_failure 64
	run newaliases -n -s
	assert_failure 64
	run newaliases extra
	assert_failure 64
	run newaliases -Z
	assert_failure 64
}

@test "stale database is warned about on lookups" {
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	touch -d '+1 hour' "$T/a"
	run --separate-stderr newaliases -f "$T/a" -q postmaster
	assert_success
	[[ $stderr == *"older than"* ]]
}

# ---------------------------------------------------------------- oracle

# gen_aliases file count: a few hundred aliases with mixed case, quoted
# names and values, continuation lines, comments and duplicates.
gen_aliases() {
	"$PYTHON3" - "$1" "$2" <<'EOF'
import random, sys
random.seed(5)
out, n = sys.argv[1], int(sys.argv[2])
names = []
lines = ["postmaster: root", "MAILER-DAEMON: postmaster"]
def name():
    k = random.choice(["plain", "case", "quoted", "dotted", "dup"])
    base = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(2, 9)))
    if k == "case":
        return "".join(c.upper() if random.random() < .5 else c for c in base)
    if k == "quoted":
        return '"%s %s"' % (base.capitalize(), random.choice(["list", "Team", "x y"]))
    if k == "dotted":
        return base + "." + random.choice(["admin", "Owner", "x-y_z"])
    if k == "dup" and names:
        return random.choice(names).swapcase()
    return base
def value():
    k = random.randrange(9)
    u = "".join(random.choice("abcdefghijklmnop") for _ in range(random.randint(1, 8)))
    return [u, u + "@example.org", '"%s %s"@example.net' % (u, u), '"|/usr/bin/prog --to %s x"' % u,
            "|/usr/bin/filter", "/var/spool/mail/%s.box" % u, ":include:/etc/mail/%s.list" % u,
            u.upper(), '"' + u + '.x"'][k]
for i in range(n):
    nm = name()
    names.append(nm)
    vals = [value() for _ in range(random.randint(1, 4))]
    if random.random() < .2:
        lines.append("%s: %s," % (nm, ", ".join(vals[:1])))
        if random.random() < .5:
            lines.append("# a comment inside")
        lines.append("\t%s" % ", ".join(vals[1:] or ["tail"]))
    else:
        lines.append("%s%s: %s" % (nm, " " * random.randint(0, 2), ",  ".join(vals)))
    if random.random() < .1:
        lines.append("# comment %d" % i)
open(out, "w").write("\n".join(lines) + "\n")
EOF
}

# internal: Postfix's stored value list into one internal value per line.
internal() {
	"$PYTHON3" -c '
import sys
for line in sys.stdin:
    key, _, val = line.rstrip("\n").partition("\t")
    key = key[:-1] if key.endswith(":") else key
    items, cur, q, esc = [], "", False, False
    for c in val:
        if esc:
            cur += c; esc = False
        elif c == "\\":
            esc = True
        elif c == "\"":
            q = not q
        elif c == "," and not q:
            items.append(cur.strip()); cur = ""
        else:
            cur += c
    items.append(cur.strip())
    print(key + "\t" + "\x01".join(items))
'
}

@test "oracle: newaliases -q agrees with Postfix postalias -q on every key" {
	need_peer postalias "Postfix's postalias is the oracle"
	gen_aliases "$T/aliases" 300
	mkdir "$T/pf"
	printf 'compatibility_level = 3.6\n' > "$T/pf/main.cf"
	if postconf -c "$T/pf" -m | grep -qx cdb; then type=cdb; else type=hash; fi
	run postalias -c "$T/pf" "$type:$T/aliases"
	newaliases -f "$T/aliases" -o "$T/mk.db" 2>/dev/null
	# Every key as written, in another case, and some that do not exist.
	"$PYTHON3" - "$T/aliases" > "$T/keys" <<'EOF'
import sys
seen = set()
for line in open(sys.argv[1]):
    if not line.strip() or line[0] in " \t#":
        continue
    k = line.split(":", 1)[0].strip()
    if k.startswith('"'):
        k = k.strip('"')
    for v in (k, k.upper(), k.lower() + "-none"):
        if v not in seen:
            seen.add(v); print(v)
EOF
	[ "$(wc -l < "$T/keys")" -gt 600 ]
	postalias -c "$T/pf" -q - "$type:$T/aliases" < "$T/keys" | internal | sort > "$T/want"
	: > "$T/got"
	while IFS= read -r k; do
		if v=$(newaliases -o "$T/mk.db" -q "$k"); then
			printf '%s\t%s\n' "$k" "$(printf '%s' "$v" | tr '\n' '\001')" >> "$T/got"
		fi
	done < "$T/keys"
	sort -o "$T/got" "$T/got"
	[ "$(wc -l < "$T/want")" -gt 400 ]
	diff "$T/want" "$T/got"
}

# ---------------------------------------------------------------- expansion

@test "expansion: an alias list, owner- sets the sender, duplicates once" {
	need_users
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
staff: mkal_alice, MKAL_BOB, mkal_alice, sub, remote@example.org
sub: mkal_bob, mkal_carol
owner-staff: mkal_carol
EOF
	newaliases -f "$T/a"
	run newaliases -f "$T/a" -q staff -r
	assert_success
	assert_output - <<'EOF'
mailbox mkal_alice (sender owner-staff)
mailbox mkal_bob (sender owner-staff)
mailbox mkal_carol (sender owner-staff)
forward remote@example.org (sender owner-staff)
EOF
	run newaliases -f "$T/a" -q sub -r
	assert_output "$(printf 'mailbox mkal_bob\nmailbox mkal_carol')"
}

@test "expansion: loops are detected, self-reference goes to the mailbox" {
	need_users
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
loop1: loop2
loop2: loop3
loop3: loop1
mkal_alice: mkal_alice, mkal_bob
EOF
	newaliases -f "$T/a"
	run newaliases -f "$T/a" -q loop1 -r
	assert_failure 65
	assert_output "error 65 mail forwarding loop: loop1 -> loop2 -> loop3 -> loop1"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_success
	assert_output "$(printf 'mailbox mkal_alice\nmailbox mkal_bob')"
	run newaliases -f "$T/a" -q nosuchuser -r
	assert_failure 1
	assert_output "error 67 nosuchuser: unknown user"
}

@test "expansion: \\user skips aliases and .forward" {
	need_users
	cat > "$T/a" <<'EOF'
postmaster: root
mailer-daemon: root
direct: \mkal_alice
via: mkal_alice
EOF
	newaliases -f "$T/a"
	forward mkal_alice 644 "mkal_bob"
	run newaliases -f "$T/a" -q direct -r
	assert_success
	assert_output "mailbox mkal_alice"
	run newaliases -f "$T/a" -q via -r
	assert_output "mailbox mkal_bob"
}

@test "expansion: .forward entries, self-reference, commands and files as the user" {
	need_users
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	forward mkal_alice 600 "$(printf '# keep a copy\n\\mkal_alice, mkal_bob\n"|/usr/bin/vacation mkal_alice"\n/tmp/alice.log\nfar@example.org')"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_success
	assert_output - <<'EOF'
mailbox mkal_alice
mailbox mkal_bob
command mkal_alice |/usr/bin/vacation mkal_alice
file mkal_alice /tmp/alice.log
forward far@example.org
EOF
	forward mkal_bob 644 "mkal_bob"
	run newaliases -f "$T/a" -q mkal_bob -r
	assert_output "mailbox mkal_bob"
}

@test "expansion: an empty .forward means no forwarding" {
	need_users
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	forward mkal_alice 644 ""
	: > "$D/home/mkal_alice/.forward"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_success
	assert_output "mailbox mkal_alice"
	[ -z "$stderr" ]
	forward mkal_alice 644 "# only a comment"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_alice"
}

@test "expansion: an unsafe .forward is ignored with a warning" {
	need_users
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	f=$D/home/mkal_alice/.forward
	forward mkal_alice 664 "mkal_bob"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_success
	assert_output "mailbox mkal_alice"
	[ "$stderr" = "newaliases: $f: writable by group or others: ignored" ]
	forward mkal_alice 644 "mkal_bob"
	chown mkal_carol "$f"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_alice"
	[ "$stderr" = "newaliases: $f: not owned by the user or root: ignored" ]
	chown root "$f"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_bob"
	chmod 777 "$D/home/mkal_alice"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_alice"
	[ "$stderr" = "newaliases: $f: home directory writable by others: ignored" ]
	chmod 755 "$D/home/mkal_alice"
	rm "$f"
	mkdir "$f"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_alice"
	[ "$stderr" = "newaliases: $f: not a regular file: ignored" ]
	rmdir "$f"
	ln -s /etc/passwd "$f"
	run --separate-stderr newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_alice"
	[ "$stderr" = "newaliases: $f: a symbolic link: ignored" ]
}

@test "expansion: .forward is read as the user" {
	need_users
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	forward mkal_alice 644 "mkal_bob"
	chmod 700 "$D/home/mkal_alice"
	chown mkal_alice "$D/home/mkal_alice"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_output "mailbox mkal_bob"
	# A home the user cannot enter: the .forward cannot be read; retry.
	chown root "$D/home/mkal_alice"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_failure 75
	assert_output --partial "Permission denied"
}

@test "expansion: include files, their depth limit, commands refused in them" {
	need_users
	# Include files are read as nobody: under $D, which nobody can enter.
	I=$D/inc.$BATS_TEST_NUMBER
	mkdir -m 755 "$I"
	for i in $(seq 1 120); do
		printf ':include:%s/%d\n' "$I" $((i + 1)) > "$I/$i"
	done
	printf 'mkal_carol\n' > "$I/121"
	printf 'mkal_bob\n"|/bin/cat"\n/tmp/file\n' > "$I/cmd"
	cat > "$T/a" <<EOF
postmaster: root
mailer-daemon: root
shallow: :include:$I/90
deep: :include:$I/1
cmds: :include:$I/cmd
EOF
	newaliases -f "$T/a"
	run newaliases -f "$T/a" -q shallow -r
	assert_success
	assert_output "mailbox mkal_carol"
	run newaliases -f "$T/a" -q deep -r
	assert_failure 65
	assert_output --partial "nested deeper than 100"
	run newaliases -f "$T/a" -q cmds -r
	assert_failure 77
	assert_output - <<'EOF'
mailbox mkal_bob
error 77 |/bin/cat: mail to commands is not allowed from include files
error 77 /tmp/file: mail to files is not allowed from include files
EOF
}

@test "expansion: commands from aliases run as nobody, not root" {
	need_users
	printf 'postmaster: root\nmailer-daemon: root\nprog: "|/bin/cat > /dev/null", /dev/null\n' > "$T/a"
	newaliases -f "$T/a"
	run newaliases -f "$T/a" -q prog -r
	assert_success
	assert_output "$(printf 'command nobody |/bin/cat > /dev/null\nfile nobody /dev/null')"
}

@test "contrib samples: aliases compiles, dot-forward reads as documented" {
	run --separate-stderr newaliases -n -f "$MAILKIT_SRC/contrib/aliases"
	assert_success
	[ -z "$stderr" ]
	need_users
	printf 'postmaster: root\nmailer-daemon: root\n' > "$T/a"
	newaliases -f "$T/a"
	forward mkal_alice 644 "$(sed 's/alice/mkal_alice/g' "$MAILKIT_SRC/contrib/dot-forward")"
	run newaliases -f "$T/a" -q mkal_alice -r
	assert_success
	assert_output "$(printf 'mailbox mkal_alice\nforward mkal_alice@home.example.net')"
}
