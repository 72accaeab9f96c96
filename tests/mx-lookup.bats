#!/usr/bin/env bats
# Tests for mx-lookup(1) against a real NSD serving test zones on loopback.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load 'lib/nsd'

bats_require_minimum_version 1.5.0

setup_file() {
	nsd_available || return 0
	D=$(mktemp -d "${BATS_TMPDIR:-/tmp}/mx-lookup.XXXXXX")
	export D
	cat > "$D/example.test" <<'ZONE'
$ORIGIN example.test.
$TTL 300
@		SOA	ns hostmaster 1 3600 600 86400 300
@		NS	ns
ns		A	127.0.0.1
; several MX, equal and different preferences
@		MX	20 mx3
@		MX	10 mx1
@		MX	10 mx2
mx1		A	127.0.0.2
mx1		AAAA	::1
mx2		A	127.0.0.3
mx3		AAAA	2001:db8::3
; two hosts at the same preference, one behind them
shuf		MX	10 s1
shuf		MX	10 s2
shuf		MX	30 mx3
s1		A	127.0.1.1
s2		A	127.0.1.2
; no MX: implicit MX
aonly		A	127.0.0.4
aaaaonly	AAAA	2001:db8::4
both		A	127.0.0.5
both		AAAA	2001:db8::5
; RFC 7505 null MX, alone and next to a real MX
nullmx		MX	0 .
mixed		MX	0 .
mixed		MX	10 mx2
; CNAME owners
alias		CNAME	example.test.
aliasimp	CNAME	aonly
aliasnx		CNAME	nothere
aliasext	CNAME	host.other.test.
chain1		CNAME	chain2
chain2		CNAME	alias
; MX targets without addresses
partial		MX	10 noaddr
partial		MX	20 mx2
partial		MX	30 dangling
onlynoaddr	MX	10 noaddr
noaddr		TXT	"no address here"
; an MX target that is no host name
badname		MX	10 bad\032name
badname		MX	20 mx2
; NOERROR, but neither MX nor address
txtonly		TXT	"nothing for mail"
UPPER		MX	5 MX1
ZONE
	# 70 MX records: too big for UDP without EDNS (TCP), more than 64
	for i in $(seq 70); do
		printf 'big\tMX\t%d m%d.big\nm%d.big\tA\t127.0.2.%d\n' \
		    "$i" "$i" "$i" "$i"
	done >> "$D/example.test"
	cat > "$D/other.test" <<'ZONE'
$ORIGIN other.test.
$TTL 300
@		SOA	ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@		NS	ns.example.test.
host		MX	10 mx1.example.test.
ZONE
	# broken.test has no zone file: NSD answers SERVFAIL for it.
	NSD_ADDRS="127.0.0.1"
	if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1'; then
		NSD_ADDRS="127.0.0.1 ::1"
		echo yes > "$D/have-ipv6"
	fi
	export NSD_ADDRS
	nsd_start "$D" example.test other.test broken.test
	blackhole_start "$D"
}

teardown_file() {
	[ -n "${D:-}" ] || return 0
	blackhole_stop "$D"
	nsd_stop "$D"
	rm -rf "$D"
}

# The usage tests need no DNS server; every other one does.
setup() {
	case $BATS_TEST_DESCRIPTION in
	usage:*) ;;
	*) nsd_require ;;
	esac
}

mxl() {
	mx-lookup -s "127.0.0.1:$NSD_PORT" -t 2 "$@"
}

@test "usage: no operand: usage on stderr, exit 64" {
	run -64 mx-lookup
	assert_output --partial 'usage: mx-lookup'
}

@test "usage: unknown option, exit 64" {
	run -64 mx-lookup -Z example.test
	assert_output --partial 'usage: mx-lookup'
}

@test "usage: bad -t and -s values, exit 64" {
	run -64 mx-lookup -t 0 example.test
	run -64 mx-lookup -t soon example.test
	run -64 mx-lookup -s ns.example.test example.test
	run -64 mx-lookup -s 127.0.0.1:99999 example.test
	run -64 mx-lookup -s '[::1' example.test
	assert_output --partial 'usage: mx-lookup'
}

@test "usage: -V prints the version" {
	run -0 mx-lookup -V
	assert_output --regexp '^mailkit [0-9]'
}

@test "-n: preference order, equal ones by name" {
	run -0 mxl -n example.test
	assert_output "10 mx1.example.test
10 mx2.example.test
20 mx3.example.test"
}

@test "-a prints every address of each host, A first" {
	run -0 mxl -an example.test
	assert_output "10 mx1.example.test 127.0.0.2 ::1
10 mx2.example.test 127.0.0.3
20 mx3.example.test 2001:db8::3"
}

@test "different preferences are always in order" {
	local i
	for i in $(seq 30); do
		run -0 mxl example.test
		assert_equal "${#lines[@]}" 3
		assert_line --index 2 '20 mx3.example.test'
		assert_regex "${lines[0]}" '^10 mx[12]\.example\.test$'
		assert_regex "${lines[1]}" '^10 mx[12]\.example\.test$'
		assert [ "${lines[0]}" != "${lines[1]}" ]
	done
}

@test "equal preferences are shuffled: each host first 30-70% of 200 runs" {
	local i s1=0 s2=0 out
	for i in $(seq 200); do
		out=$(mxl shuf.example.test) || fail "run $i failed"
		case $out in
		"10 s1.example.test
10 s2.example.test
30 mx3.example.test") s1=$((s1 + 1)) ;;
		"10 s2.example.test
10 s1.example.test
30 mx3.example.test") s2=$((s2 + 1)) ;;
		*) fail "unexpected order: $out" ;;
		esac
	done
	echo "# s1 first $s1 times, s2 first $s2 times" >&3
	assert [ "$s1" -ge 60 ] && assert [ "$s1" -le 140 ]
	assert [ "$s2" -ge 60 ] && assert [ "$s2" -le 140 ]
}

@test "-n never shuffles" {
	local i
	for i in $(seq 20); do
		run -0 mxl -n shuf.example.test
		assert_line --index 0 '10 s1.example.test'
	done
}

@test "no MX, A only: implicit MX, preference 0" {
	run -0 mxl -a aonly.example.test
	assert_output '0 aonly.example.test 127.0.0.4'
}

@test "no MX, AAAA only: implicit MX" {
	run -0 mxl -a aaaaonly.example.test
	assert_output '0 aaaaonly.example.test 2001:db8::4'
}

@test "no MX, A and AAAA: implicit MX with both" {
	run -0 mxl -a both.example.test
	assert_output '0 both.example.test 127.0.0.5 2001:db8::5'
}

@test "null MX: exit 68, reason on stderr, nothing on stdout" {
	run --separate-stderr -68 mxl nullmx.example.test
	assert_output ''
	assert_equal "$stderr" 'mx-lookup: nullmx.example.test: domain accepts no mail (null MX, RFC 7505)'
}

@test "a null MX next to a real MX is ignored" {
	run --separate-stderr -0 mxl -v mixed.example.test
	assert_output '10 mx2.example.test'
	assert_regex "$stderr" 'null MX next to other MX records, ignored'
}

@test "CNAME owner: the MX of the canonical name" {
	run -0 mxl -n alias.example.test
	assert_output "10 mx1.example.test
10 mx2.example.test
20 mx3.example.test"
	run --separate-stderr -0 mxl -nv alias.example.test
	assert_regex "$stderr" 'alias\.example\.test CNAME example\.test: followed'
}

@test "a chain of CNAMEs is followed" {
	run -0 mxl -n chain1.example.test
	assert_line --index 0 '10 mx1.example.test'
	assert_equal "${#lines[@]}" 3
}

@test "CNAME to a name without MX: implicit MX on the canonical name" {
	run -0 mxl -a aliasimp.example.test
	assert_output '0 aonly.example.test 127.0.0.4'
}

@test "CNAME to another zone: the end of the chain is asked in turn" {
	run -0 mxl aliasext.example.test
	assert_output '10 mx1.example.test'
}

@test "CNAME to a name that does not exist: exit 68" {
	run --separate-stderr -68 mxl aliasnx.example.test
	assert_output ''
	assert_regex "$stderr" 'no such domain'
}

@test "a large answer (TCP): the 64 lowest preferences are resolved" {
	run --separate-stderr -0 mxl -a big.example.test
	assert_equal "${#lines[@]}" 64
	assert_line --index 0 '1 m1.big.example.test 127.0.2.1'
	assert_line --index 63 '64 m64.big.example.test 127.0.2.64'
}

@test "an MX host without address is skipped with a warning" {
	run --separate-stderr -0 mxl partial.example.test
	assert_output '20 mx2.example.test'
	assert_regex "$stderr" 'MX host noaddr\.example\.test has no address, skipped'
	assert_regex "$stderr" 'MX host dangling\.example\.test has no address, skipped'
}

@test "-v lists the skipped host and every query" {
	run --separate-stderr -0 mxl -v partial.example.test
	assert_output '20 mx2.example.test'
	assert_regex "$stderr" "query partial\.example\.test MX @127\.0\.0\.1:$NSD_PORT"
	assert_regex "$stderr" 'partial\.example\.test MX 10 noaddr\.example\.test: used'
	assert_regex "$stderr" 'host noaddr\.example\.test: no address, skipped'
	assert_regex "$stderr" 'query dangling\.example\.test A'
	assert_regex "$stderr" 'answer: NXDOMAIN'
}

@test "no MX host has an address: exit 68" {
	run --separate-stderr -68 mxl onlynoaddr.example.test
	assert_output ''
	assert_regex "$stderr" 'no such host \(no mail exchanger has an address\)'
}

@test "an MX target that is no host name is ignored" {
	run --separate-stderr -0 mxl -v badname.example.test
	assert_output '20 mx2.example.test'
	assert_regex "$stderr" 'MX 10 bad\\032name\.example\.test: not a host name, ignored'
}

@test "NOERROR without MX or address: no such host, exit 68" {
	run --separate-stderr -68 mxl txtonly.example.test
	assert_output ''
	assert_equal "$stderr" 'mx-lookup: txtonly.example.test: no such host (no MX and no address record)'
}

@test "NXDOMAIN: exit 68" {
	run --separate-stderr -68 mxl nx.example.test
	assert_output ''
	assert_equal "$stderr" 'mx-lookup: nx.example.test: no such domain (nx.example.test MX: NXDOMAIN)'
}

@test "names are matched without regard to case; a trailing dot is fine" {
	run -0 mxl upper.EXAMPLE.test
	assert_output '5 mx1.example.test'
	run -0 mxl -n example.test.
	assert_line --index 0 '10 mx1.example.test'
}

@test "an invalid domain name: exit 68, printed safely" {
	run --separate-stderr -68 mxl "$(printf 'bad\033name.test')"
	assert_equal "$stderr" 'mx-lookup: bad?name.test: not a valid domain name'
	run -68 mxl 'a..b.test'
}

@test "SERVFAIL: temporary, exit 75" {
	run --separate-stderr -75 mxl broken.test
	assert_output ''
	assert_regex "$stderr" 'temporary DNS failure \(broken\.test MX: SERVFAIL'
}

@test "REFUSED (a zone the server does not serve): temporary, exit 75" {
	run --separate-stderr -75 mxl elsewhere.invalid
	assert_regex "$stderr" 'temporary DNS failure \(elsewhere\.invalid MX: REFUSED'
}

@test "nothing listens on the server's port: exit 75" {
	local port
	port=$(nsd_free_port)
	run --separate-stderr -75 mx-lookup -s "127.0.0.1:$port" -t 1 example.test
	assert_output ''
	assert_regex "$stderr" 'temporary DNS failure'
}

@test "a server that never answers: exit 75 after -t" {
	local t0 t1
	t0=$(date +%s)
	run --separate-stderr -75 mx-lookup -s "127.0.0.1:$BLACKHOLE_PORT" -t 1 example.test
	t1=$(date +%s)
	assert_regex "$stderr" 'timed out'
	# Not a performance check: only that -t, not resolv.conf, applied.
	assert [ $((t1 - t0)) -lt 10 ]
}

@test "several domains: each line starts with its domain" {
	run -0 mxl -n example.test aonly.example.test
	assert_output "example.test 10 mx1.example.test
example.test 10 mx2.example.test
example.test 20 mx3.example.test
aonly.example.test 0 aonly.example.test"
}

@test "several domains: the exit status is the worst" {
	run --separate-stderr -68 mxl -n example.test nx.example.test
	assert_equal "${#lines[@]}" 3
	run -75 mxl nullmx.example.test broken.test example.test
	run -75 mxl broken.test nullmx.example.test
}

@test "-s with an IPv6 server address" {
	[ -f "$D/have-ipv6" ] || skip "no ::1 on lo"
	run -0 mx-lookup -s "[::1]:$NSD_PORT" -t 2 -n example.test
	assert_line --index 0 '10 mx1.example.test'
}
