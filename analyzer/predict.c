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

void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *ak = &m->keys[i];
		const struct an_proc *pr = &m->procs[ak->proc];
		const struct ltx_key *k = &ak->k->k;
		struct caller_ctx c = { pr->f, k->caller };
		const struct ltx_r_entry *e = ltx_find_entry(pr->f, k->entry);
		struct ltx_rule_subject s = { ak->entry, ak->family, (k->flags & LTX_KEY_NO_NAME) ? NULL : ak->k->name,
					      k->level, resolve_caller, &c, e ? e->levels : NULL, e ? e->nlevels : 0 };
		int act = ltx_rules_match(rs, &s, NULL);
		if (k->action == LTX_ACT_DROP) {
			if (act == LTX_ACT_KEEP)
				p->newly_kept += k->calls;
			continue;
		}
		if (act != LTX_ACT_DROP)
			continue;
		p->calls += k->calls;
		if (ak->basis == AN_UNTIMED) {
			p->calls_no_cost += k->calls;
			continue;
		}
		uint64_t untimed = k->calls > k->timed ? k->calls - k->timed : 0;
		p->saved_ns += ak->est_ns + (double)untimed * pr->cost_count_ns + (double)k->timed * pr->cost_timed_ns -
			       (double)k->calls * pr->cost_drop_ns;
	}
}
