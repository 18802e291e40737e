/* The maps of the plan, read and printed as bpftrace prints them: at exit,
 * and when a probe asks (print, clear, zero through the requests map). */
#ifndef TP_PRINTMAP_H
#define TP_PRINTMAP_H

#include <stddef.h>

struct rt;

/* Carries out what probes asked since the last call; 0, or -1 on an error
 * (said). */
int printmap_requests(struct rt *rt);
/* A request's place among the events (struct ev_request): carries it out
 * there, unless that was done already. */
void printmap_request_event(struct rt *rt, const void *data, size_t size);
/* Every map with entries, in name order; then the maps that were full. */
void printmap_all(struct rt *rt);

#endif
