#!/usr/bin/env bash
# Byte-for-byte check that a change to the analyzer changed no output:
#   tests/compare-reports.sh [-f] REV
# builds the analyzer of git revision REV (cached in build/compare/REV-HASH)
# and the work tree's (make), makes a few data files with the test programs
# (once, in build/compare/data; -f makes them again), then runs every
# report format (`logtax report --format ...`, --diff in each format it
# has, --baseline, --top 0) and `logtax ab`'s prediction on them with both
# analyzers, and compares the outputs with cmp.
# Ends with "N reports the same" (exit 0) or lists those that differ (exit 1).
# The data files come from the work tree's shim: both analyzers read the
# same files, so only the analyzer is compared.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
fresh=
[ "${1:-}" = -f ] && { fresh=1; shift; }
[ $# -eq 1 ] || { echo "usage: tests/compare-reports.sh [-f] REV" >&2; exit 2; }
rev=$(git rev-parse --verify -q "$1^{commit}") || { echo "compare-reports: no such revision '$1'" >&2; exit 2; }
export LC_ALL=C
unset DEBUGINFOD_URLS
cache=$root/build/compare
mkdir -p "$cache"

# REV's analyzer, built from a clean export of REV.
old=$cache/$rev
if [ ! -x "$old/build/libexec/logtax/logtax-analyze" ]; then
	echo "# building $1 (${rev:0:12}) in $old"
	rm -rf "$old" && mkdir -p "$old" || exit 2
	git archive "$rev" | tar -x -C "$old" || exit 2
	make -C "$old" -s -j2 build/libexec/logtax/logtax-analyze >"$old.log" 2>&1 ||
		{ tail -n 20 "$old.log"; echo "compare-reports: building $1 failed" >&2; exit 2; }
fi
echo "# building the work tree"
make -s -j2 >"$cache/worktree.log" 2>&1 || { tail -n 20 "$cache/worktree.log"; exit 2; }
OLD=$old/build/libexec/logtax/logtax-analyze
NEW=$root/build/libexec/logtax/logtax-analyze
LOGTAX=$root/build/bin/logtax
SHIM=$root/build/lib/logtax/liblogtax.so
TP=$root/build/test-programs

# The data sets: one directory each, holding the data files of one run.
data=$cache/data
mk() { # NAME logtax-run-options... -- CMD...
	local name=$1
	shift
	rm -rf "${data:?}/$name"
	mkdir -p "$data/$name"
	"$LOGTAX" run -o "$data/$name" "$@" >"$data/$name.out" 2>&1 ||
		{ cat "$data/$name.out"; echo "compare-reports: making data set $name failed" >&2; exit 2; }
}
if [ -n "$fresh" ] || [ ! -f "$data/done" ]; then
	echo "# making data files in $data"
	rm -rf "$data"
	mkdir -p "$data"
	mk trace --trace 5000 -- "$TP/evloop-demo" 50 10
	mk stacks --stacks 8:1 --filter 'drop:util.event@debug' -- "$TP/rules-demo" 20
	mk rules --trace 20000 --filter 'drop:util.event@debug' -- "$TP/rules-demo" 20
	mk hist --time all --stacks 8:2 -- "$TP/threads-demo" 3 2000
	mk sampled --time sample:3 -- "$TP/threads-demo" 3 2000
	mk multi -- sh -c "'$TP/callsites-demo' 2 none; '$TP/callsites-demo' 3 none"
	mk sites-a -- "$TP/callsites-demo" 3 none
	mk sites-b -- "$TP/callsites-demo" 6
	mk tail --time sample:4 -- "$TP/tail-demo" 2000 4
	touch "$data/done"
fi

out=$cache/out
rm -rf "$out"
mkdir -p "$out/old" "$out/new"
n=0 differ=()
# compare NAME analyze-arguments...: runs both analyzers, compares stdout,
# stderr and exit status.
compare() {
	local name=$1 rc_o rc_n
	shift
	"$OLD" "$@" >"$out/old/$name" 2>"$out/old/$name.err"
	rc_o=$?
	"$NEW" "$@" >"$out/new/$name" 2>"$out/new/$name.err"
	rc_n=$?
	n=$((n + 1))
	if [ $rc_o -ne $rc_n ] || ! cmp -s "$out/old/$name" "$out/new/$name" ||
		! cmp -s "$out/old/$name.err" "$out/new/$name.err"; then
		differ+=("$name")
		echo "DIFFERS: $name (exit $rc_o, $rc_n): diff $out/old/$name $out/new/$name"
	fi
}
files() { ls "$data/$1"/logtax.*.ltx; }

formats=$("$NEW" report --help | sed -n 's/^  --format \([a-z]*\).*/\1/p')
for set in trace stacks rules hist sampled multi sites-a sites-b tail; do
	for fmt in $formats; do
		# shellcheck disable=SC2046
		compare "$set.$fmt" report --format "$fmt" $(files "$set")
	done
	# shellcheck disable=SC2046
	compare "$set.top0" report --top 0 $(files "$set")
done
for fmt in text csv json; do
	compare "diff.$fmt" report --diff --format "$fmt" "$(files sites-a)" "$(files sites-b)"
	compare "diff-rev.$fmt" report --diff --format "$fmt" "$(files rules)" "$(files stacks)"
	compare "baseline.$fmt" report --format "$fmt" --baseline "$(files sampled)" $(files hist)
	compare "baseline-rules.$fmt" report --format "$fmt" --baseline "$(files trace)" $(files rules)
done
# ab: each run only copies a data set's files into its directory (no shim
# loaded), so the runs' times differ but their data, and what A's data
# predicts the other arms' rules save, do not; the JSON is compared with
# the times taken out.
if command -v jq >/dev/null; then
	for set in rules trace; do
		for which in old new; do
			an=$OLD
			[ $which = new ] && an=$NEW
			rm -rf "$out/ab-$which-$set"
			"$an" ab --shim "$SHIM" -n 3 --warmup 0 -o "$out/ab-$which-$set" --json "$out/ab-$which-$set.json" \
				--a-env LD_PRELOAD= --b-env LD_PRELOAD= --c-env LD_PRELOAD= \
				--b-filter 'drop:*@debug' --c-filter 'drop:*' \
				-- sh -c 'cp "$0"/logtax.*.ltx "$LOGTAX_OUTPUT"/' "$data/$set" >"$out/$which/ab-$set.txt" 2>&1
			echo "exit $?" >>"$out/$which/ab-$set.txt"
			# times, and the figures made of them, vary from run to run
			jq -S '{arms: [.arms[] | {name, rules, env}],
				runs: [.runs[] | {arm, index, data_files, calls_kept, calls_dropped, predicted_saving_ns}],
				comparisons: [.comparisons[] | {arm, predicted_dropped_calls_per_run, predicted_calls_without_estimate}]}' \
				"$out/ab-$which-$set.json" >"$out/$which/ab-$set.json" 2>&1
		done
		n=$((n + 1))
		if ! cmp -s "$out/old/ab-$set.json" "$out/new/ab-$set.json"; then
			differ+=("ab-$set.json")
			echo "DIFFERS: ab-$set.json: diff $out/old/ab-$set.json $out/new/ab-$set.json"
		fi
	done
else
	echo "# jq missing: ab's JSON not compared"
fi

if [ ${#differ[@]} -gt 0 ]; then
	echo "$((n - ${#differ[@]})) reports the same, ${#differ[@]} differ: ${differ[*]}"
	exit 1
fi
echo "$n reports the same"
