/* logtax-analyze dump FILE...: every record of a data file as one plain
 * line, addresses in hex, for tests and for looking inside a file. Not a
 * report: no estimates, nothing symbolized. Names are made safe for a
 * terminal. */
#include "dump.h"
#include "util.h"

static void keys(FILE *o, const struct ltx_file *f)
{
	char name[1100];
	for (size_t i = 0; i < f->nkeys; i++) {
		const struct ltx_key *k = &f->keys[i].k;
		fprintf(o, "key %zu thread=%u entry=%u level=%d action=%s caller=0x%llx fmt=0x%llx calls=%llu timed=%llu ticks=%llu name=%s\n",
			i, k->thread, k->entry, k->level, k->action == LTX_ACT_DROP ? "drop" : "keep",
			(unsigned long long)k->caller, (unsigned long long)k->fmt, (unsigned long long)k->calls,
			(unsigned long long)k->timed, (unsigned long long)k->ticks,
			an_safe(f->keys[i].name, name, sizeof name));
	}
	for (size_t i = 0; i < f->nkeys; i++) {
		const struct ltx_r_key *k = &f->keys[i];
		char fn[600], fl[600];
		if (k->has_site)
			fprintf(o, "site %zu func=%s file=%s line=%u flags=%u\n", i,
				k->site_func ? an_safe(k->site_func, fn, sizeof fn) : "-",
				k->site_file ? an_safe(k->site_file, fl, sizeof fl) : "-", k->site_line, k->site_flags);
	}
	for (size_t i = 0; i < f->nhists; i++) {
		fprintf(o, "hist %u", f->hists[i].h.key);
		for (uint32_t b = 0; b < f->hists[i].h.nbuckets; b++)
			fprintf(o, " %llu", (unsigned long long)f->hists[i].counts[b]);
		fputc('\n', o);
	}
	static const char *const act[] = { "keep", "drop", "limit", "sample" };
	for (size_t i = 0; i < f->nkey_rules; i++) {
		const struct ltx_key_rule *r = &f->key_rules[i];
		fprintf(o, "rule %u index=%u action=%s\n", r->key, r->rule, r->action <= 3 ? act[r->action] : "?");
	}
	for (size_t i = 0; i < f->nkey_pres; i++)
		fprintf(o, "pre %u calls=%llu\n", f->key_pres[i].key, (unsigned long long)f->key_pres[i].calls);
	for (size_t i = 0; i < f->nkey_onces; i++) {
		const struct ltx_key_once *t = &f->key_onces[i];
		fprintf(o, "once %u shift=%u tail_timed=%llu tail_ticks=%llu first=%s%llu\n", t->key, t->shift,
			(unsigned long long)t->tail_timed, (unsigned long long)t->tail_ticks,
			(t->flags & LTX_ONCE_FIRST) ? "" : "none:", (unsigned long long)t->first_ticks);
	}
}

static void stacks(FILE *o, const struct ltx_file *f)
{
	for (size_t i = 0; i < f->nstacks; i++) {
		const struct ltx_stack *s = &f->stacks[i].s;
		fprintf(o, "stack %zu thread=%u flags=%u max_depth=%u every=%u frames=", i, s->thread, s->flags,
			s->max_depth, s->every);
		for (uint32_t j = 0; j < s->nframes; j++)
			fprintf(o, "%s0x%llx", j ? "," : "", (unsigned long long)f->stacks[i].frames[j]);
		fputc('\n', o);
	}
	for (size_t i = 0; i < f->nkey_stacks; i++) {
		const struct ltx_key_stack *ks = &f->key_stacks[i];
		char id[16];
		if (ks->stack == LTX_STACK_LOST_FULL)
			snprintf(id, sizeof id, "full");
		else if (ks->stack == LTX_STACK_LOST_BUSY)
			snprintf(id, sizeof id, "busy");
		else if (ks->stack == LTX_STACK_LOST_FAILED)
			snprintf(id, sizeof id, "failed");
		else
			snprintf(id, sizeof id, "%u", ks->stack);
		fprintf(o, "keystack %u %s count=%llu ticks=%llu\n", ks->key, id, (unsigned long long)ks->count,
			(unsigned long long)ks->ticks);
	}
}

static void traces(FILE *o, const struct ltx_file *f)
{
	for (size_t i = 0; i < f->ntraces; i++) {
		const struct ltx_r_trace *t = &f->traces[i];
		fprintf(o, "trace thread=%u chunk=%u capacity=%u recorded=%llu overwritten=%llu events=%u\n", t->t.thread,
			t->t.chunk, t->t.capacity, (unsigned long long)t->t.recorded,
			(unsigned long long)t->t.overwritten, t->t.nevents);
		for (uint32_t j = 0; j < t->t.nevents; j++) {
			const struct ltx_trace_event *e = &t->events[j];
			fprintf(o, "event thread=%u start=%llu ticks=%llu kind=%s key=%d flags=%u\n", t->t.thread,
				(unsigned long long)e->start, (unsigned long long)e->ticks,
				e->kind == LTX_TEV_WAIT ? "wait" : e->kind == LTX_TEV_CALL ? "call" : "other",
				e->key == LTX_NO_KEY ? -1 : (int)e->key, e->flags);
		}
	}
}

int an_dump(FILE *o, const struct ltx_file *f)
{
	char path[4200];
	fprintf(o, "file version=%u.%u features=0x%llx pid=%u time_mode=%u sample_every=%u records_skipped=%zu\n",
		f->hdr.version_major, f->hdr.version_minor, (unsigned long long)f->hdr.features, f->proc.pid,
		f->proc.time_mode, f->proc.sample_every, f->skipped_records);
	fprintf(o, "process pid=%u ppid=%u reason=%u flags=0x%x late_calls=%llu\n", f->proc.pid, f->proc.ppid,
		f->proc.reason, f->hdr.flags, (unsigned long long)f->proc.late_calls);
	if (f->has_output)
		fprintf(o, "output signal=%u snapshot_every=%u flags=0x%x writes=%u failed=%u last_errno=%u last_reason=%u\n",
			f->output.signal, f->output.snapshot_every, f->output.flags, f->output.writes, f->output.failed,
			f->output.last_errno, f->output.last_reason);
	for (size_t i = 0; i < f->nmodules; i++) {
		const struct ltx_module *m = &f->modules[i].m;
		fprintf(o, "module %u bias=0x%llx lo=0x%llx hi=0x%llx%s path=%s\n", m->id, (unsigned long long)m->bias,
			(unsigned long long)m->lo, (unsigned long long)m->hi,
			(m->flags & LTX_MODULE_UNLOADED) ? " unloaded" : "", an_safe(f->modules[i].path, path, sizeof path));
	}
	for (size_t i = 0; i < f->nthreads; i++)
		fprintf(o, "thread %zu tid=%u waits=%llu reentered=%llu\n", i, f->threads[i].tid,
			(unsigned long long)f->threads[i].waits, (unsigned long long)f->threads[i].reentered);
	for (size_t i = 0; i < f->nthread_cpus; i++) {
		const struct ltx_thread_cpu *c = &f->thread_cpus[i];
		fprintf(o, "threadcpu %u samples=%llu sampled_ticks=%llu cpu_ns=%llu\n", c->thread,
			(unsigned long long)c->samples, (unsigned long long)c->sampled_ticks, (unsigned long long)c->cpu_ns);
	}
	for (size_t i = 0; i < f->nthread_times; i++) {
		const struct ltx_thread_time *c = &f->thread_times[i];
		fprintf(o, "threadtime %u flags=0x%x cpu_ns=%llu jobs=%llu job_wait_ticks=%llu job_busy_ticks=%llu\n",
			c->thread, c->flags, (unsigned long long)c->cpu_ns, (unsigned long long)c->jobs,
			(unsigned long long)c->job_wait_ticks, (unsigned long long)c->job_busy_ticks);
	}
	if (f->has_process_cpu)
		fprintf(o, "processcpu cpu_ns=%llu flags=0x%x\n", (unsigned long long)f->process_cpu.cpu_ns,
			f->process_cpu.flags);
	keys(o, f);
	stacks(o, f);
	traces(o, f);
	return 0;
}
