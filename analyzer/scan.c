/* logtax scan [--json] BINARY: for the binary and each library it needs,
 * the logging entry points it defines or imports, how many call sites
 * reach each through a PLT/GOT entry (logtax sees those) and how many bind
 * directly (it cannot), and the functions named *log* a --hook could take.
 * Exit status: 0 done, 2 bad usage or a BINARY that is not a readable
 * x86-64 ELF file. */
#include "json.h"
#include "scan.h"
#include "util.h"

#include "../common/ltx_levels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const scan_usage =
	"usage: logtax scan [--json] BINARY\n"
	"Reads BINARY and every library it needs (found as the dynamic loader would,\n"
	"without running anything) and lists, per object, the logging functions it\n"
	"defines or imports with their call sites:\n"
	"  via PLT/GOT  calls through a PLT or GOT entry: logtax sees them (the known\n"
	"               entry points always, other functions with --hook)\n"
	"  direct       calls bound inside the object that defines the function:\n"
	"               no preloaded library sees them\n"
	"  --json       the same as one JSON document\n";

static const char *obj_label(const struct scan_obj *o)
{
	if (o->soname)
		return o->soname;
	const char *s = strrchr(o->name, '/');
	return s ? s + 1 : o->name;
}

static const char *sites(const struct scan_sites *s, char *buf, size_t cap)
{
	char a[32], b[32];
	if (s->jumps)
		snprintf(buf, cap, "%s +%s tail", an_count(s->calls, a, sizeof a), an_count(s->jumps, b, sizeof b));
	else
		snprintf(buf, cap, "%s", an_count(s->calls, a, sizeof a));
	return buf;
}

static int by_kind_name(const void *a, const void *b)
{
	const struct scan_fn *x = a, *y = b;
	if ((x->entry_id > 0) != (y->entry_id > 0))
		return x->entry_id > 0 ? -1 : 1;
	if (x->entry_id != y->entry_id)
		return x->entry_id - y->entry_id;
	return strcmp(x->name, y->name);
}

static void table(FILE *o, const struct scan_obj *objs, size_t n, int known)
{
	char a[64], b[64], name[300];
	int rows = 0, wo = 6, wf = 8;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < objs[i].nfns; k++)
			if ((objs[i].fns[k].entry_id > 0) == known) {
				int lo = (int)strlen(obj_label(&objs[i])), lf = (int)strlen(objs[i].fns[k].name);
				wo = lo > wo ? (lo < 32 ? lo : 32) : wo;
				wf = lf > wf ? (lf < 48 ? lf : 48) : wf;
			}
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		for (size_t k = 0; k < ob->nfns; k++) {
			const struct scan_fn *f = &ob->fns[k];
			if ((f->entry_id > 0) != known)
				continue;
			if (!rows++)
				fprintf(o, "  %-*s  %-*s  %-8s %-9s %14s %14s\n", wo, "object", wf, "function", "family", "here",
					"via PLT/GOT", "direct");
			fprintf(o, "  %-*s  %-*s  %-8s %-9s %14s %14s\n", wo, obj_label(ob), wf, an_safe(f->name, name, sizeof name),
				f->entry_id ? ltx_family_name((uint32_t)f->family) : "-",
				f->defined && f->imported ? "both" : f->defined ? "defined" : "imported",
				ob->counted ? sites(&f->via_got, a, sizeof a) : "?",
				!f->defined ? "-" : ob->counted ? sites(&f->direct, b, sizeof b) : "?");
		}
	}
	if (!rows)
		fprintf(o, "  (none)\n");
}

static void text(FILE *o, const char *file, const struct scan_obj *objs, size_t n)
{
	char path[4200];
	fprintf(o, "logtax scan: %s and the %zu libraries it needs\n", an_safe(file, path, sizeof path), n - 1);
	fprintf(o, "\nObjects\n");
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		fprintf(o, "  %-26s %s", obj_label(ob), ob->path ? an_safe(ob->path, path, sizeof path) : "-");
		if (ob->needed_by >= 0)
			fprintf(o, "  (needed by %s)", obj_label(&objs[ob->needed_by]));
		if (ob->error)
			fprintf(o, "  %s", ob->error);
		else if (!ob->counted)
			fprintf(o, "  (no section headers: call sites not counted)");
		fputc('\n', o);
	}
	fprintf(o, "\nLogging entry points logtax intercepts\n");
	table(o, objs, n, 1);
	fprintf(o, "\nOther functions named *log* (logtax run --hook 'NAME:name=ARG:level=ARG' counts their "
		   "PLT/GOT call sites)\n");
	table(o, objs, n, 0);
	/* What stays invisible, said plainly. */
	int said = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < objs[i].nfns; k++) {
			const struct scan_fn *f = &objs[i].fns[k];
			if (!f->entry_id || !f->defined || !(f->direct.calls + f->direct.jumps))
				continue;
			if (!said++)
				fputc('\n', o);
			fprintf(o, "%s: %u call site%s inside %s bind%s to its own %s directly: logtax cannot count them.\n",
				f->name, f->direct.calls + f->direct.jumps, f->direct.calls + f->direct.jumps == 1 ? "" : "s",
				obj_label(&objs[i]), f->direct.calls + f->direct.jumps == 1 ? "s" : "", f->name);
		}
	fprintf(o, "\n(via PLT/GOT: call and tail-jump sites that reach the function through a PLT stub or a GOT\n"
		   " entry, resolved at run time, so logtax sees them; direct: sites in the object that defines\n"
		   " the function, bound to it at link time, which no preloaded library sees)\n");
}

static void sites_json(struct jw *w, const char *key, const struct scan_sites *s)
{
	jw_obj(w, key);
	jw_u64(w, "calls", s->calls);
	jw_u64(w, "jumps", s->jumps);
	jw_end(w);
}

/* One object per line: each with its functions, one per line. */
static void json(FILE *o, const char *file, const struct scan_obj *objs, size_t n)
{
	struct jw w;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "file", file);
	jw_arr(&w, "objects");
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		jw_obj(&w, NULL);
		jw_str(&w, "name", ob->name);
		jw_str(&w, "path", ob->path);
		jw_str(&w, "soname", ob->soname);
		jw_str(&w, "needed_by", ob->needed_by >= 0 ? obj_label(&objs[ob->needed_by]) : NULL);
		jw_str(&w, "error", ob->error);
		jw_bool(&w, "sites_counted", ob->counted);
		jw_arr(&w, "functions");
		for (size_t k = 0; k < ob->nfns; k++) {
			const struct scan_fn *f = &ob->fns[k];
			jw_obj_line(&w, NULL);
			jw_str(&w, "name", f->name);
			jw_bool(&w, "known", f->entry_id != 0);
			jw_str(&w, "family", f->entry_id ? ltx_family_name((uint32_t)f->family) : NULL);
			jw_bool(&w, "defined", f->defined);
			jw_bool(&w, "imported", f->imported);
			sites_json(&w, "via_plt_got", &f->via_got);
			sites_json(&w, "direct", &f->direct);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
}

int an_cmd_scan(int argc, char **argv);
int an_cmd_scan(int argc, char **argv)
{
	int as_json = 0, i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(scan_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			as_json = 1;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "logtax scan: unknown option '%s'\n%s", argv[i], scan_usage);
			return 2;
		} else {
			break;
		}
	}
	if (i + 1 != argc) {
		fprintf(stderr, "logtax scan: %s\n%s", i >= argc ? "no file given" : "one file at a time", scan_usage);
		return 2;
	}
	struct scan_obj *objs = NULL;
	size_t n = 0;
	int rc = 0;
	if (scan_deps(argv[i], &objs, &n) < 0) {
		fprintf(stderr, "logtax scan: %s\n", objs && objs[0].error ? objs[0].error : "out of memory");
		rc = 2;
	} else {
		for (size_t k = 0; k < n; k++)
			if (objs[k].nfns) /* (an object without any: fns may be NULL, which qsort must not get) */
				qsort(objs[k].fns, objs[k].nfns, sizeof *objs[k].fns, by_kind_name);
		if (as_json)
			json(stdout, argv[i], objs, n);
		else
			text(stdout, argv[i], objs, n);
		if (fflush(stdout) != 0)
			rc = 1;
	}
	for (size_t k = 0; k < n; k++)
		scan_obj_free(&objs[k]);
	free(objs);
	return rc;
}
