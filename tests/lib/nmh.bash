# tests/lib/nmh.bash: a private nmh environment for the MH-suite tests.
#
#	load 'lib/common'
#	load 'lib/nmh'
#
#	setup() { nmh_setup; }		# skips (fails under CI) without nmh
#
# nmh_setup makes a directory holding a profile and a Path, and exports
# MH and MHCONTEXT, which both nmh and mailkit read: the programs of both
# then work on the same folders, sequences and context, and on nothing
# of the user's.
#
#	nmh_setup [dir] [profile line...]
#				new environment in dir (default: a new mk_tmp
#				directory); extra profile lines as given
#				("Unseen-Sequence: unseen").  Sets NMH_ROOT,
#				NMH_MAIL (the Path) and creates +inbox, with
#				Current-Folder: inbox in the context.
#	nmh_profile line...	append lines to the profile
#	nmh prog [arg...]	run /usr/bin/mh/prog (nmh's, never ours)
#	nmh_path +folder	print the folder's directory
#	nmh_msgs +folder [msgs...]
#				print the message numbers nmh's mhpath
#				selects, on one line ("1 2 5"); the exit
#				status of mhpath
#	nmh_seqs +folder	print the folder's sequences file (or nothing)
#	nmh_add +folder file...	copy files into the folder as the next
#				messages, as nmh refile -link -src would but
#				without touching sequences (fixtures)
#	nmh_inc +folder mbox	incorporate an mbox with nmh inc (-notruncate)
#
# MH programs of the two suites share names with mblaze (mscan...); nmh's
# are called here by full path only.

NMH_BIN=${NMH_BIN:-/usr/bin/mh}

if ! declare -F mk_tmp >/dev/null; then
	load 'common'
fi

nmh_setup() {
	local dir=${1:-}
	[ $# -gt 0 ] && shift
	need_peer "$NMH_BIN/mhpath" "nmh, to read and write MH folders"
	[ -n "$dir" ] || dir=$(mk_tmp nmh)
	mkdir -p "$dir/Mail/inbox" || fail "nmh_setup: cannot create $dir"
	NMH_ROOT=$(cd "$dir" && pwd)
	NMH_MAIL=$NMH_ROOT/Mail
	MH=$NMH_ROOT/profile
	MHCONTEXT=$NMH_MAIL/context
	export NMH_ROOT NMH_MAIL MH MHCONTEXT
	{
		printf 'Path: %s\n' "$NMH_MAIL"
		printf 'Welcome: disable\n'
		local line
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$MH" || fail "nmh_setup: cannot write $MH"
	printf 'Current-Folder: inbox\n' >"$MHCONTEXT"
	unset MAILDROP
}

nmh_profile() {
	local line
	for line in "$@"; do
		printf '%s\n' "$line" >>"$MH" || fail "cannot write $MH"
	done
}

nmh() {
	local prog=$1
	shift
	"$NMH_BIN/$prog" "$@"
}

nmh_path() {
	"$NMH_BIN/mhpath" "$1"
}

nmh_msgs() {
	local out
	out=$("$NMH_BIN/mhpath" "$@") || return
	printf '%s\n' "$out" | sed 's|.*/||' | paste -sd ' ' -
}

nmh_seqs() {
	local f
	f=$("$NMH_BIN/mhpath" "$1") || return
	[ -f "$f/.mh_sequences" ] && cat "$f/.mh_sequences"
	return 0
}

nmh_add() {
	local folder=$1 dir n f
	shift
	dir=$("$NMH_BIN/mhpath" "$folder") || return
	mkdir -p "$dir"
	for f in "$@"; do
		n=$("$NMH_BIN/mhpath" "$folder" new) || return
		cp "$f" "$n" || return
	done
}

nmh_inc() {
	"$NMH_BIN/inc" "$1" -file "$2" -notruncate -silent
}
