/* The man page against the tables it documents: every builtin and function
 * of lang/builtin.c's table and every probe kind of the registry, with its
 * alias, is in docs/tinyprobe.1.scd in bold (scdoc's *name*), so that the
 * page cannot fall behind them. The options and the built-in scripts are
 * checked by tests/man.sh, against --help and -L. Usage: man_test PAGE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/probe.h"
#include "lang/builtin.h"

static int failures;

static void need(const char *page, const char *what, const char *name)
{
    char bold[128];
    snprintf(bold, sizeof(bold), "*%s*", name);
    if (!strstr(page, bold)) {
        printf("FAIL the man page does not name %s %s (as %s)\n", what, name, bold);
        failures++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: man_test docs/tinyprobe.1.scd\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "re");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char page[1 << 20];
    size_t n = fread(page, 1, sizeof(page) - 1, f);
    fclose(f);
    page[n] = 0;
    for (int i = 1; i < BI__COUNT; i++) {
        const struct builtin *b = builtin_get((enum bi_id)i);
        if (i == BI_ARG) /* arg1..argN: the row's name is the first */
            continue;
        need(page, b->kind == BK_VAR ? "the builtin" : "the function", b->name);
    }
    int nk;
    const struct probe_kind *const *kinds = probe_kinds(&nk);
    for (int i = 0; i < nk; i++) {
        need(page, "the probe kind", kinds[i]->name);
        if (kinds[i]->alias)
            need(page, "the probe kind's alias", kinds[i]->alias);
    }
    if (failures)
        return 1;
    printf("the man page names every builtin, function and probe kind\n");
    return 0;
}
