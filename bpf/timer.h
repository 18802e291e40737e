/* Timed probes: interval:UNIT:N fires on one CPU every N units; profile:UNIT:N
 * on every CPU, N times a second (hz) or every N units. Both are perf events
 * of the software CPU clock with a BPF program attached. */
#ifndef TP_TIMER_H
#define TP_TIMER_H

#include "bpf/probe.h"

struct probe_point *timer_resolve(const struct probe_kind *k, const char *target,
                                  struct diag_src *src, struct tp_loc loc);
void timer_section(const struct probe_point *pt, char *buf, size_t n);
int timer_attach(const struct probe_point *pt, struct bpf_program *prog, struct probe_links *links,
                 char *why, size_t whylen, char *hint, size_t hintlen);

#endif
