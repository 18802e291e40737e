#include "runtime/scripts.h"

#include <string.h>

const struct rt_script *scripts_find(const char *name)
{
    for (const struct rt_script *s = rt_scripts; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

void scripts_list(FILE *out)
{
    int width = 0; /* the names in a column as wide as the longest */
    for (const struct rt_script *s = rt_scripts; s->name; s++)
        if ((int)strlen(s->name) > width)
            width = (int)strlen(s->name);
    for (const struct rt_script *s = rt_scripts; s->name; s++) {
        const char *p = s->text;
        if (strncmp(p, "#!", 2) == 0)
            p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "";
        const char *desc = "";
        int len = 0;
        if (strncmp(p, "//", 2) == 0) {
            desc = p + 2 + strspn(p + 2, " ");
            len = (int)strcspn(desc, "\n");
        }
        fprintf(out, "%-*s %.*s\n", width, s->name, len, desc);
    }
}
