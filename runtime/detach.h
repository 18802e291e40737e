/* Taking the probes out of the kernel, without keeping the user waiting.
 *
 * The kernel lets go of a tracepoint's perf event only after an RCU Tasks
 * Trace grace period, one tracepoint at a time under its event_mutex: some
 * 23 ms each here, 16 to 20 s for the 720
 * tracepoint:syscalls:sys_{enter,exit}_*. Nothing tinyprobe can do makes
 * that shorter, so past a few links it is done by a process of its own
 * (named tinyprobe-close) that holds the last references to the links and
 * perf events, closes them and exits: tinyprobe itself returns within
 * milliseconds, and once that process is gone nothing of tinyprobe's is
 * left in the kernel.
 *
 * How run_probes calls it: once the probes are gated (or, until they can
 * be, once it means to stop), detach_start(rt); then whatever is to follow
 * (END, the maps), which needs no link; then detach_finish(rt) before
 * load_free(). On an error path, the two back to back. */
#ifndef TP_DETACH_H
#define TP_DETACH_H

struct rt;

/* Starts detaching every link of rt->links, and returns at once (within
 * 70 ms for 720 links): the programs may still run until their links are
 * closed (0.3 s for 720, in the closing process), which is why the probes
 * are to be gated first. Up to 8 links are closed by threads of this
 * process; more are handed to a process that outlives this one. */
void detach_start(struct rt *rt);

/* Waits for what detach_start left to this process (up to 8 links, about
 * 23 ms each: 0.2 s at most here), after which rt->links are empty. Once this process has exited
 * too, the last links and perf events are with the closing process, if any. */
void detach_finish(struct rt *rt);

#endif
