/* A/B prediction (logtax ab): what a rule set would save on the run a
 * model describes, its rules applied to the keys with the shim's matcher. */
#include "model_impl.h"
#include "symbols.h"

#include <string.h>

/* The caller of a key as the shim's dladdr would name it. */
struct caller_ctx {
	const struct ltx_file *f;
	uint64_t ret;
};

static int resolve_caller(void *ctx, const char **sym, const char **mod)
{
	const struct caller_ctx *c = ctx;
	const struct ltx_r_module *m = ltx_find_module(c->f, c->ret - 1);
	if (!m)
		return -1;
	*mod = m->path;
	*sym = an_dynsym_at(m->path, c->ret - 1 - m->m.bias);
	return 0;
}

/* How many of a key's `calls` in one thread a limit or sample rule keeps.
 * sample: exactly ceil(calls / N), its state being per key and thread as
 * the files' keys are. limit: at most N per window over the run, as if the
 * calls were spread evenly over it (bursts keep fewer: the saving is then
 * underestimated). */
static uint64_t rule_keeps(const struct ltx_rule *r, uint64_t calls, double run_ns)
{
	if (r->action == LTX_ACT_SAMPLE)
		return calls / r->n + (calls % r->n != 0);
	double windows = run_ns > 0 ? run_ns / (r->per * 1e9) : 1;
	uint64_t w = (uint64_t)windows + ((double)(uint64_t)windows < windows);
	double cap = (double)r->n * (double)(w ? w : 1);
	return cap < (double)calls ? (uint64_t)cap : calls;
}

void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p)
{
	an_predict_gen(m, rs, -1, 0, p);
}

void an_predict_gen(const struct an_model *m, const struct ltx_ruleset *rs, long gen, double span_ns,
		    struct an_prediction *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *ak = &m->keys[i];
		const struct an_proc *pr = &m->procs[ak->proc];
		if (gen >= 0 && ak->gen != (uint32_t)gen)
			continue;
		const struct ltx_key *k = &ak->k->k;
		struct caller_ctx c = { pr->f, k->caller };
		const struct ltx_r_entry *e = ltx_find_entry(pr->f, k->entry);
		struct ltx_rule_subject s = { ak->entry, ak->family, (k->flags & LTX_KEY_NO_NAME) ? NULL : ak->k->name,
					      k->level, resolve_caller, &c, e ? e->levels : NULL, e ? e->nlevels : 0 };
		int which = -1;
		int act = ltx_rules_match(rs, &s, &which);
		uint64_t keeps = act == LTX_ACT_DROP ? 0 : act == LTX_ACT_KEEP ? k->calls :
			rule_keeps(&rs->rules[which], k->calls, span_ns > 0 ? span_ns : pr->run_ns);
		if (k->action == LTX_ACT_DROP) {
			p->newly_kept += keeps;
			continue;
		}
		uint64_t drops = k->calls - keeps;
		if (!drops)
			continue;
		p->calls += drops;
		if (ak->basis == AN_UNTIMED) {
			p->calls_no_cost += drops;
			continue;
		}
		/* The key's calls are alike: the dropped ones save their share. */
		uint64_t untimed = k->calls > k->timed ? k->calls - k->timed : 0;
		double all = ak->est_ns + (double)untimed * pr->cost_count_ns + (double)k->timed * pr->cost_timed_ns -
			     (double)k->calls * pr->cost_drop_ns;
		p->saved_ns += all * (double)drops / (double)k->calls;
	}
}
