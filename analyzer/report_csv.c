/* CSV: one row per key (process x thread x entry point x source x level x
 * call site x rule generation), for spreadsheets and scripts. RFC 4180
 * quoting. The call site and template columns come from the symbolizer;
 * a template is written as it is in the program (its bytes, not escaped). */
#include "report.h"
#include "util.h"

int an_report_csv(FILE *o, const struct an_model *m)
{
	fputs("pid,tid,thread,entry,family,source,level,level_name,caller,action,generation,calls,timed,ns_per_call,"
	      "est_ns,basis,saved_ns,saved_basis,module,offset,function,inlined_into,file,line,site_status,call_site,"
	      "template,template_status,rule,site_named_by,thread_group,group_threads,thread_cpu_ns,group_cpu_ns,"
	      "process_cpu_ns,thread_jobs\n", o);
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *k = &m->keys[i];
		const struct an_thread *t = &m->threads[k->thread];
		fprintf(o, "%u,%u,", k->pid, t->tid);
		an_csv_field(o, t->name);
		fputc(',', o);
		an_csv_field(o, k->entry);
		fprintf(o, ",%s,", k->family_name);
		an_csv_field(o, k->name);
		fprintf(o, ",%d,%s,0x%llx,%s,%u,%llu,%llu,", k->level, k->level_name, (unsigned long long)k->caller,
			k->dropped ? "drop" : "keep", k->gen, (unsigned long long)k->calls, (unsigned long long)k->timed);
		if (k->basis == AN_UNTIMED || k->basis == AN_DROPPED)
			fputs(",,", o);
		else
			fprintf(o, "%.2f,%.0f,", k->ns_per_call, k->est_ns);
		an_csv_field(o, an_basis_name(k->basis));
		if (k->dropped && k->save_basis != AN_SAVE_NONE)
			fprintf(o, ",%.0f,", k->saved_ns);
		else
			fputs(",,", o);
		an_csv_field(o, k->dropped ? an_save_basis_name(k->save_basis) : "");
		const struct an_sym *y = k->site;
		fputc(',', o);
		an_csv_field(o, y->module);
		fputc(',', o);
		if (y->module)
			fprintf(o, "0x%llx", (unsigned long long)y->offset);
		fputc(',', o);
		an_csv_field(o, y->function);
		fputc(',', o);
		an_csv_field(o, y->inlined_into);
		fputc(',', o);
		an_csv_field(o, y->file);
		fputc(',', o);
		if (y->line)
			fprintf(o, "%d", y->line);
		fprintf(o, ",%s,", an_mod_status_name(y->status));
		an_csv_field(o, y->label);
		fputc(',', o);
		an_csv_field(o, k->tmpl->text);
		fprintf(o, ",%s,", an_tmpl_status_name(k->tmpl->status));
		an_csv_field(o, k->rule ? k->rule : "");
		fputc(',', o);
		an_csv_field(o, an_named_name(y->named_by));
		fputc(',', o);
		/* the thread's group (a pool), CPU times (empty when unknown) and jobs */
		const struct an_tgroup *g = &m->tgroups[t->tgroup];
		an_csv_field(o, g->name);
		fprintf(o, ",%u,", g->nthreads);
		if (t->cpu_ns >= 0)
			fprintf(o, "%.0f", t->cpu_ns);
		fputc(',', o);
		if (g->cpu_ns >= 0)
			fprintf(o, "%.0f", g->cpu_ns);
		fputc(',', o);
		if (m->procs[k->proc].cpu_ns >= 0)
			fprintf(o, "%.0f", m->procs[k->proc].cpu_ns);
		fprintf(o, ",%llu\n", (unsigned long long)t->jobs);
	}
	return 0;
}
