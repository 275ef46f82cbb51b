/* Building the model (view.h) from data files, and what else is computed
 * from it: --diff between two models, A/B prediction. For the model's own
 * files and main.c and ab.c; reports include view.h only. */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include "view.h"
#include "../common/ltx_read.h"
#include "../common/ltx_rules.h"

#include <stdint.h>

struct an_opts {
	const char *debuginfo_path; /* extra directories for separate debug files, or NULL */
	size_t top;                 /* rows in the writers' "top" tables; 0: all */
	/* an earlier run's data file (--baseline): what dropped calls cost there
	 * estimates what they saved here; or NULL */
	const struct ltx_file *baseline;
	int metrics_sites; /* --metrics-sites: call sites as metric labels */
};

/* 0, or -1 when out of memory. The files must outlive the model. */
int an_model_build(struct an_model *m, const struct ltx_file *files, size_t nfiles, const struct an_opts *o);
void an_model_free(struct an_model *m);

/* What a rule set would save on the run this model describes: its rules
 * applied to the files' keys with the shim's matcher. */
struct an_prediction {
	double saved_ns;        /* estimated time of the kept calls it drops, plus the shim's
				 * cost of keeping them less its cost of dropping them */
	uint64_t calls;         /* kept calls it would drop */
	uint64_t calls_no_cost; /* ... of which without a time estimate (not in saved_ns) */
	uint64_t newly_kept;    /* calls dropped in the files that it would keep (cost unknown) */
};
void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p);
/* The same on the keys of one rule generation (gen < 0: all), a limit
 * rule's windows counted over span_ns (<= 0: each process's run). */
void an_predict_gen(const struct an_model *m, const struct ltx_ruleset *rs, long gen, double span_ns,
		    struct an_prediction *p);
/* The module holding addr and addr's offset in it; NULL if none. */
const char *an_module_of(const struct ltx_file *f, uint64_t addr, uint64_t *offset);

/* --diff (struct an_diff in view.h): 0, or -1 when out of memory. */
int an_diff_build(struct an_diff *d, const struct an_model *a, const struct an_model *b);
void an_diff_free(struct an_diff *d);

#endif
