/* The canned scripts (the .tp files of scripts/), built into the binary. */
#ifndef TP_SCRIPTS_H
#define TP_SCRIPTS_H

#include <stddef.h>
#include <stdio.h>

struct rt_script {
    const char *name;
    const char *text;
    size_t len;
};

extern const struct rt_script rt_scripts[]; /* generated; ends with a NULL name */

const struct rt_script *scripts_find(const char *name);
/* -L: each script's name and the first comment line after its #! line. */
void scripts_list(FILE *out);

#endif
