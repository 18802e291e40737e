#include "bpf/feature.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool feature_kprobes(void)
{
    return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
           access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
           access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

bool feature_ksym(const char *func)
{
    FILE *f = fopen("/proc/kallsyms", "re");
    if (!f)
        return true; /* cannot tell: let the kernel say */
    char line[512];
    size_t n = strlen(func);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        /* "ffffffff81234567 T name [module]" */
        char *name = strchr(line, ' ');
        name = name ? strchr(name + 1, ' ') : NULL;
        if (!name)
            continue;
        name++;
        found = strncmp(name, func, n) == 0 &&
                (name[n] == '\n' || name[n] == '\t' || name[n] == ' ' || name[n] == 0);
    }
    fclose(f);
    return found;
}
