# The HTML report in headless Chromium (Debian's chromium): it renders its
# charts (a screenshot, kept in build/test-logs/html-report.png; the DOM as
# Chromium built it has every chart's <svg> with its bars), it is
# self-contained (no script, no external resource: its Content-Security-Policy
# would turn any load into a console error), and the console stays silent.
# A canary page with a console error shows that such errors are seen.
. "$(dirname "$0")/../lib.sh"

command -v chromium >/dev/null || skip "chromium is not installed (scripts/install-deps.sh test installs it)"
LEGACYLOG_MODE=ringbuffer "$LOGTAX" run -o "$T" -- "$TP/evloop-demo" 200 50 >"$T/out" 2>"$T/err" ||
	fail "evloop-demo failed: $(cat "$T/err")"
f=$(one_file "$T")
"$LOGTAX" report --format html "$f" >"$T/report.html" || fail "html report failed"

# Self-contained: nothing to fetch, nothing to run.
grep -Eio '(src|href)=|<script|<link|url\(|@import|https?://' "$T/report.html" >"$T/ext" &&
	fail "the page refers to something outside it: $(sort -u "$T/ext" | tr '\n' ' ')"

chromium_headless --enable-logging=stderr --v=0 --dump-dom "file://$T/report.html" >"$T/dom" 2>"$T/console" ||
	fail "chromium --dump-dom failed: $(tail -3 "$T/console")"
if grep -E 'CONSOLE|Refused to|Uncaught' "$T/console" >"$T/errors"; then
	cat "$T/errors"
	fail "console messages while loading the report"
fi
for id in chart-share chart-sources chart-sites chart-iter; do
	grep -q "<svg class=\"chart\" id=\"$id\"" "$T/dom" || fail "the rendered page has no <svg id=\"$id\">"
done
# Per-key latency histograms (sampled calls have them), with p50 and p99 marks.
grep -q '<svg class="chart" id="chart-latency-' "$T/dom" || fail "no per-key latency chart"
grep -q '>p99 ' "$T/dom" || fail "no p99 mark"
# Bars: one per thread, source and call site at least.
expect_ge "$(grep -o '<rect ' "$T/dom" | wc -l)" 8 "bars (<rect>) in the charts"
grep -q 'util.eventpoll' "$T/dom" || fail "the source util.eventpoll is not on the page"
grep -Eq 'event_dispatch_handles' "$T/dom" || fail "the call site event_dispatch_handles is not on the page"

chromium_headless --window-size=1280,2000 --screenshot="$T/shot.png" "file://$T/report.html" >/dev/null 2>&1 ||
	fail "chromium --screenshot failed"
[ "$(head -c 4 "$T/shot.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "the screenshot is not a PNG"
expect_ge "$(stat -c %s "$T/shot.png")" 20000 "screenshot size (an empty page is smaller)"
mkdir -p "$B/test-logs"
cp "$T/shot.png" "$B/test-logs/html-report.png"
note "screenshot: $B/test-logs/html-report.png"

# With a trace: a histogram of log time per iteration.
mkdir -p "$T/trace"
"$LOGTAX" run -o "$T/trace" --trace 5000 -- "$TP/evloop-demo" 50 10 >/dev/null 2>"$T/err" || fail "traced run: $(cat "$T/err")"
"$LOGTAX" report --format html "$(one_file "$T/trace")" >"$T/trace.html" || fail "html report of a traced run failed"
chromium_headless --enable-logging=stderr --v=0 --dump-dom "file://$T/trace.html" >"$T/trace.dom" 2>"$T/console" ||
	fail "chromium --dump-dom failed"
grep -E 'CONSOLE|Refused to|Uncaught' "$T/console" && fail "console messages while loading the traced report"
grep -q '<svg class="chart" id="chart-iter-0"' "$T/trace.dom" || fail "no per-iteration histogram from the trace"
grep -Eq 'log time in [0-9]+ traced iterations' "$T/trace.dom" || fail "the histogram does not say what it counts"

# The canary: a console error is caught by the check above.
printf '<!DOCTYPE html><html><body><script>console.error("canary")</script></body></html>\n' >"$T/canary.html"
chromium_headless --enable-logging=stderr --v=0 --dump-dom "file://$T/canary.html" >/dev/null 2>"$T/canary.err"
grep -q 'CONSOLE.*canary' "$T/canary.err" || fail "a console error on a canary page was not seen: the check is blind"
