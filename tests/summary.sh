#!/bin/sh
# summary.sh: print "N passed, N failed" over every test result that the
# automake harness recorded (.trs files of the TAP driver), so that the
# last line of "make check" counts bats cases and unit assertions alike.
passed=0 failed=0 skipped=0
for t in "$@"; do
	trs="${t%.bats}.trs"
	[ -f "$trs" ] || trs="$t.trs"
	if [ ! -f "$trs" ]; then
		failed=$((failed + 1))	# the test did not run at all
		continue
	fi
	p=$(grep -c '^:test-result: \(PASS\|XFAIL\)' "$trs")
	f=$(grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
