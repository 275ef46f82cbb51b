# The JSON report against its schema (docs/JSON.md), with jq: every
# documented field present with its type, references between objects valid,
# totals consistent with the keys, and the counts equal to what the program
# itself counted.
. "$(dirname "$0")/../lib.sh"

LEGACYLOG_MODE=ringbuffer "$LOGTAX" run -o "$T" --time all -- "$TP/evloop-demo" 50 20 >"$T/ev.out" 2>"$T/err" ||
	fail "evloop-demo failed: $(cat "$T/err")"
"$LOGTAX" run -o "$T" -- "$TP/callsites-demo" 2 >"$T/cs.out" 2>"$T/err" || fail "callsites-demo failed: $(cat "$T/err")"
files=$(find "$T" -maxdepth 1 -name 'logtax.*.ltx' | sort)
[ "$(echo "$files" | wc -l)" -eq 2 ] || fail "expected two data files"
# shellcheck disable=SC2086
"$ANALYZE" report --format json $files >"$T/j" || fail "json report failed"
jq empty "$T/j" || fail "not valid JSON"

# One jq program: each check yields "ok" or a message naming what failed.
cat >"$T/schema.jq" <<'JQ'
def t($v; $ty): ($v | type) as $a | if ($ty | split("|") | index($a)) then empty else "\($v) is \($a), not \($ty)" end;
def fields($o; $spec): $spec | to_entries[] | . as $e |
	if ($o | has($e.key)) then t($o[$e.key]; $e.value) | "\($e.key): \(.)" else "missing \($e.key)" end;
def addr: type == "string" and test("^0x[0-9a-f]+$");
def site($s): fields($s; {addr: "string", label: "string", function: "string|null", inlined_into: "string|null",
		file: "string|null", line: "number|null", module: "string|null", offset: "string|null", status: "string"}),
	(if ($s.addr | addr) then empty else "bad address \($s.addr)" end),
	(if ($s.label | length) > 0 then empty else "empty label" end),
	(if ["ok","unverified","no module","no file","file gone","file changed","not ELF"] | index($s.status) then empty
	 else "bad site status \($s.status)" end);
def tmpl($t): fields($t; {addr: "string|null", text: "string|null", cut: "boolean", status: "string"}),
	(if ["ok","none","writable","runtime","no section","module"] | index($t.status) then empty
	 else "bad template status \($t.status)" end);
def group($g): fields($g; {entry: "string", keys: "number", calls: "number", kept: "number", dropped: "number",
		timed: "number", est_ns: "number|null", ns_per_call: "number|null", share: "number|null"}),
	(if $g.calls == $g.kept + $g.dropped then empty else "group calls != kept + dropped" end);
. as $d |
[
  (if .schema == "logtax-report" then empty else "schema \(.schema)" end),
  (if .schema_version == 1 then empty else "schema_version \(.schema_version)" end),
  fields(.; {processes: "array", threads: "array", keys: "array", entries: "array", sources: "array",
	call_sites: "array", templates: "array", stacks: "array", key_stacks: "array", trace: "array", totals: "object"}),
  (.processes[] | fields(.; {pid: "number", ppid: "number", uid: "number", file: "string", exe: "string",
	cmdline: "string", format_version: "string", reason: "string", snapshot: "boolean",
	start_realtime_ns: "number", end_realtime_ns: "number", start_mono_ns: "number", end_mono_ns: "number",
	run_ns: "number", t0_ns: "number", clock: "object", timing: "object", calibration: "object|null",
	late_calls: "number", lost_calls: "number", output: "object|null", skipped_records: "number", entries: "array", modules: "array",
	rules: "array", stacks: "object|null", trace: "object|null", totals: "object"}),
	(.modules[] | fields(.; {id: "number", path: "string", build_id: "string|null", bias: "string", lo: "string",
		hi: "string", status: "string"})),
	(.entries[] | fields(.; {id: "number", name: "string", family: "string", resolved: "boolean"})),
	fields(.timing; {mode: "string", sample_every: "number"}),
	fields(.clock; {usable: "boolean", tick_hz: "number", invariant_tsc: "boolean"})),
  (.threads[] | fields(.; {id: "number", pid: "number", index: "number", tid: "number", name: "string",
	main: "boolean", exited: "boolean", folded: "boolean", nthreads: "number", in_loop: "boolean",
	waits: "number", wait_ticks: "number", busy_ticks: "number", pre_loop: "object", untimed_full: "number",
	reentered: "number", kept: "number", dropped: "number", timed: "number", est_ns: "number",
	loop_kept: "number", loop_dropped: "number", wait_ns: "number", busy_ns: "number", shim_ns: "number",
	loop_log_ns: "number|null", log_share: "number|null", log_per_iteration_ns: "number|null",
	busy_per_iteration_ns: "number|null", trace: "object|null"})),
  (.keys[] | fields(.; {id: "number", pid: "number", thread: "number", tid: "number", entry: "string",
	family: "string", source: "string|null", source_cut: "boolean", level: "number", level_name: "string",
	generation: "number", action: "string", calls: "number", timed: "number", ticks: "number",
	ns_per_call: "number|null", est_ns: "number|null", basis: "string", name_ptr: "string", caller: "object",
	template: "object", latency: "object|null"}),
	site(.caller), tmpl(.template),
	(. as $k | $d.threads[$k.thread] | if .tid == $k.tid and .pid == $k.pid then empty
	 else "key \($k.id) refers to thread \($k.thread), which is not its tid/pid" end),
	(if .action == "keep" or .action == "drop" then empty else "bad action \(.action)" end)),
  (.keys | to_entries[] | if .key == .value.id then empty else "key id \(.value.id) at position \(.key)" end),
  (.threads | to_entries[] | if .key == .value.id then empty else "thread id \(.value.id) at position \(.key)" end),
  (.entries[] | group(.)), (.sources[] | group(.)),
  (.call_sites[] | group(.), site(.call_site)), (.templates[] | group(.), tmpl(.template)),
  (if ([.keys[].calls] | add) == .totals.calls then empty else "totals.calls != sum of key calls" end),
  (if ([.entries[].calls] | add) == .totals.calls then empty else "entries do not add up to the total" end),
  (if ([.call_sites[].calls] | add) == .totals.calls then empty else "call sites do not add up to the total" end),
  (if ([.templates[].calls] | add) == .totals.calls then empty else "templates do not add up to the total" end),
  (if .totals.processes == (.processes | length) then empty else "totals.processes" end),
  (.call_sites | [.[].est_ns // 0] | if . == (sort | reverse) then empty else "call sites not sorted by time" end)
] | if length == 0 then "ok" else .[] end
JQ
jq -r -f "$T/schema.jq" "$T/j" >"$T/checks" || fail "the schema check did not run"
[ "$(cat "$T/checks")" = ok ] || { head -20 "$T/checks" >&2; fail "schema: $(wc -l <"$T/checks") problems"; }

# Two processes, each with its pid; counts as each program printed them.
expect_eq "$(jq '.processes | length' "$T/j")" 2 "processes"
for out in ev:evloop-demo cs:callsites-demo; do
	pid=$(jq -r --arg c "${out#*:}" '.processes[] | select(.exe | endswith($c)) | .pid' "$T/j")
	out=${out%%:*}
	got=$(jq -r --argjson p "$pid" '[.keys[] | select(.pid == $p)] | group_by(.source) | .[] | "\(.[0].source) \(map(.calls) | add)"' "$T/j" | sort)
	expect_eq "$got" "$(program_calls_by_source "$T/$out.out")" "$out: calls per source"
done
# --time all: every evloop-demo key has a cost measured on itself.
expect_eq "$(jq '[.keys[] | select(.source | test("^util|^rpc")) | select(.basis != "every call timed")] | length' "$T/j")" 0 \
	"evloop-demo keys all timed"
expect_eq "$(jq '[.threads[] | select(.in_loop) | .log_share | select(. != null and . > 0)] | length' "$T/j")" 1 \
	"one thread with a log share"
