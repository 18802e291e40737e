/* cat() and system(), carried out in user space when their event arrives:
 * the runtime's output.user_action. */
#ifndef TP_ACTIONS_H
#define TP_ACTIONS_H

#include <stdbool.h>

#include "runtime/output.h"

/* kind EV_CAT: the first BI_CAT_MAX bytes of the file at `arg`; EV_SYSTEM:
 * what the shell command `arg` writes to its standard output. Appended to
 * out; false after a warning when the file cannot be opened or the command
 * cannot be started. */
bool actions_run(struct output *o, enum ev_kind kind, const char *arg, struct sbuf *out);

#endif
