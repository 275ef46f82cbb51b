# Live metrics read by the real thing: Debian's prometheus-node-exporter
# (textfile collector only) and prometheus scraping it every second, both
# started here on 127.0.0.1 and stopped by pid. After evloop-demo ran under
# --metrics, a PromQL query over the HTTP API returns exactly the calls per
# source the program printed. names-demo's sources (quotes, backslashes,
# newlines, control bytes, bytes that are not UTF-8) go through the
# collector without a scrape error and come back as the label values
# (a byte that is not UTF-8 as '?'). `logtax report --format openmetrics`
# of the same run, served with OpenMetrics' content type to a third
# scrape job, is parsed by Prometheus' OpenMetrics parser into the same
# calls. The recording rule and alert of docs/FLEET.md pass promtool and
# evaluate.
. "$(dirname "$0")/../lib.sh"

for p in prometheus prometheus-node-exporter promtool curl jq perl; do
	command -v "$p" >/dev/null || skip "$p is not installed (scripts/install-deps.sh test installs it)"
done

free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)
			or die "no free port: $!\n";
		print $s->sockport, "\n";'
}

tf=$T/textfile
mkdir -p "$tf" "$T/data"
pids=()
stop_servers() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
}
trap 'stop_servers; rm -rf "$T"' EXIT

# The docs' rules, as an operator would copy them.
sed -n '/^```yaml logtax-rules/,/^```$/p' "$ROOT/docs/FLEET.md" | sed '1d;$d' >"$T/rules.yml"
[ -s "$T/rules.yml" ] || fail "no 'yaml logtax-rules' block in docs/FLEET.md"
promtool check rules "$T/rules.yml" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"

# The OpenMetrics report, served as a scrape target: one file for every
# request, with OpenMetrics' content type.
om=$T/report.om
: >"$om"
op=$(free_port) || fail "no free port"
perl -MIO::Socket::INET -e '
	my ($port, $file) = @ARGV;
	my $l = IO::Socket::INET->new(Listen => 8, LocalAddr => "127.0.0.1", LocalPort => $port, ReuseAddr => 1)
		or die "listen: $!\n";
	while (my $c = $l->accept) {
		while (my $line = <$c>) { last if $line =~ /^\r?\n$/ }
		open(my $f, "<", $file) or die "$file: $!\n";
		my $body = do { local $/; <$f> };
		print $c "HTTP/1.0 200 OK\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n",
			"Content-Length: ", length($body), "\r\n\r\n", $body;
		close $c;
	}' "$op" "$om" >"$T/om-server.log" 2>&1 &
pids+=($!)

np=$(free_port) || fail "no free port"
prometheus-node-exporter --web.listen-address="127.0.0.1:$np" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$tf" >"$T/node.log" 2>&1 &
pids+=($!)
pp=$(free_port) || fail "no free port"
cat >"$T/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $T/rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$np']
  - job_name: om
    static_configs:
      - targets: ['127.0.0.1:$op']
CONF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" --web.listen-address="127.0.0.1:$pp" \
	--log.level=warn >"$T/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$pp/api/v1"
ready() { curl -sf "http://127.0.0.1:$pp/-/ready" >/dev/null && curl -sf "http://127.0.0.1:$np/metrics" >/dev/null; }
wait_until "the servers ready ($(tail -n 3 "$T/prometheus.log" "$T/node.log" | tr '\n' ' '))" ready

# query PROMQL: the result vector, as JSON
query() { curl -sf --data-urlencode "query=$1" "$api/query" | jq -c '.data.result'; }

"$LOGTAX" run -o "$T/out" --metrics "$tf" -- "$TP/evloop-demo" 300 50 >"$T/stdout" 2>"$T/stderr" ||
	fail "evloop-demo failed: $(cat "$T/stderr")"
f=$(one_file "$T/out")
pid=${f##*logtax.}
pid=${pid%.ltx}
want=$(program_calls_by_source "$T/stdout")
nsrc=$(wc -l <<<"$want")
q="sum by (source) (logtax_calls_total{job=\"node\",pid=\"$pid\"})"
scraped() { [ "$(query "$q" | jq length)" = "$nsrc" ]; }
wait_until "prometheus has the calls of process $pid" scraped
got=$(query "$q" | jq -r '.[] | "\(.metric.source) \(.value[1])"' | sort)
expect_eq "$got" "$want" "PromQL: calls per source"
expect_eq "$(query "logtax_process_ended{job=\"node\",pid=\"$pid\"}" | jq -r '.[0].value[1]')" 1 "PromQL: the process ended"

# The same run's data file as OpenMetrics, through Prometheus' own parser.
"$LOGTAX" report --format openmetrics "$f" >"$om.tmp" && mv "$om.tmp" "$om" || fail "report --format openmetrics failed"
qo="sum by (source) (logtax_calls_total{job=\"om\",pid=\"$pid\"})"
om_scraped() { [ "$(query "$qo" | jq length)" = "$nsrc" ]; }
om_up() { [ "$(query 'up{job="om"}' | jq -r '.[0].value[1]')" = 1 ]; }
wait_until "the OpenMetrics target scraped" om_up
wait_until "prometheus has the OpenMetrics calls of process $pid" om_scraped
expect_eq "$(query "$qo" | jq -r '.[] | "\(.metric.source) \(.value[1])"' | sort)" "$want" "OpenMetrics: calls per source"
expect_eq "$(query "logtax_process_ended{job=\"om\",pid=\"$pid\"}" | jq -r '.[0].value[1]')" 1 "OpenMetrics: the process ended"

# Label values that need escaping, and bytes that are not UTF-8.
names=($'q"uote\\back' $'line\nbreak\ttab\x01ctl' $'na\xc3\xafve.\xe2\x82\xac' $'bad.\xff.x')
backs=($'q"uote\\back' $'line\nbreak\ttab\x01ctl' $'na\xc3\xafve.\xe2\x82\xac' 'bad.?.x')
"$LOGTAX" run -o "$T/out2" --metrics "$tf" -- "$TP/names-demo" 3 names-thr "${names[@]}" >"$T/stdout2" 2>"$T/stderr2" ||
	fail "names-demo failed: $(cat "$T/stderr2")"
f2=$(one_file "$T/out2" 2>/dev/null || find "$T/out2" -name 'logtax.*.ltx' | head -1)
npid=${f2##*logtax.}
npid=${npid%.ltx}
want2=$(for k in "${!backs[@]}"; do
	printf '%s %s\n' "$(printf '%s' "${backs[$k]}" | base64 -w0)" \
		"$(sed -n "s/^names-demo: calls index=$k count=\([0-9]*\)$/\1/p" "$T/stdout2")"
done | sort)
q2="sum by (source) (logtax_calls_total{job=\"node\",pid=\"$npid\"})"
scraped2() { [ "$(query "$q2" | jq length)" = "${#names[@]}" ]; }
wait_until "prometheus has the calls of process $npid" scraped2
got2=$(query "$q2" | jq -r '.[] | "\(.metric.source | @base64) \(.value[1])"' | sort)
expect_eq "$got2" "$want2" "PromQL: calls per escaped source (base64)"
expect_eq "$(query 'max(node_textfile_scrape_error)' | jq -r '.[0].value[1]')" 0 "no textfile scrape error"

# The docs' recording rule has evaluated into a series for evloop-demo.
rule=$(sed -n 's/^ *- record: \(.*\)$/\1/p' "$T/rules.yml" | head -1)
[ -n "$rule" ] || fail "no recording rule in the docs' block"
recorded() { [ "$(query "$rule{program=\"evloop-demo\"}" | jq length)" -ge 1 ]; }
wait_until "the recording rule $rule evaluated" recorded
stop_servers
