/* -d verifier: the kernel verifier's log of a program (log level 2: every
 * instruction it walked, with the registers' states) printed under the
 * script lines the instructions came from, then a summary by script line
 * (instructions, how often the verifier walked them, the paths it took
 * into the line, the paths it cut short there as already seen); for a
 * refused program, the one path that led to the refusal, step by step,
 * ending at its script line and the reason. */
#ifndef TP_VLOG_H
#define TP_VLOG_H

#include <stdbool.h>

#include "bpf/bpfobj.h"
#include "runtime/listing.h"

/* Program `prog` of the listing's cg (bp: its instructions and lines, as
 * the verifier numbers them; NULL when not known), its log `log`, which
 * ends with the reason when the program was refused. */
void vlog_print(struct listing *l, int prog, const struct bpfobj_prog *bp, const char *log,
                bool refused);

/* Whether a line of a log (len bytes) is of what the verifier writes after
 * its verdict: statistics, the states an infinite loop compared, blank. */
bool vlog_trailer(const char *line, size_t len);

#endif
