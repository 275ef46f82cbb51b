/* libFuzzer harness for the data-file reader and everything the analyzer
 * does with what it read: bytes -> ltx_read_buf -> model -> every report
 * writer. A damaged or hostile file must give an error or a report, never
 * a crash, a hang or an allocation out of proportion to its size.
 *   make fuzz [FUZZ_SECONDS=600]   (seeds: data files of the test programs) */
#include "../analyzer/dump.h"
#include "../analyzer/model.h"
#include "../analyzer/report.h"
#include "../common/ltx_read.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	struct ltx_file f;
	char err[512];
	if (ltx_read_buf(data, size, &f, err, sizeof err) < 0)
		return 0;
	an_dump(null, &f);
	struct an_model m;
	/* the file as its own --baseline: the savings' cross-run matching too */
	struct an_opts o = { NULL, 20, &f, 1 }; /* call sites as labels: the longer path */
	if (an_model_build(&m, &f, 1, &o) == 0) {
		an_report_text(null, &m);
		an_report_csv(null, &m);
		an_report_json(null, &m);
		an_report_folded(null, &m);
		an_report_chrome(null, &m);
		an_report_html(null, &m);
		an_report_openmetrics(null, &m);
		an_report_prometheus(null, &m);
		an_report_pprof(null, &m);
		struct an_diff d;
		if (an_diff_build(&d, &m, &m) == 0) {
			an_diff_text(null, &d);
			an_diff_csv(null, &d);
			an_diff_json(null, &d);
		}
		an_diff_free(&d);
	}
	an_model_free(&m);
	ltx_file_free(&f);
	return 0;
}
