/* The output interface: every line tinyprobe prints at run time is one of
 * these records, and a backend renders it: text (output_text.c, what a
 * person reads) or JSON lines (output_json.c, bpftrace's -f json shapes).
 * What a record holds is decided once, here; how it looks, there. A new
 * output format is a new struct output_ops. */
#ifndef TP_OUTPUT_H
#define TP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/diag.h"
#include "lang/event.h"
#include "lang/plan.h"
#include "runtime/sbuf.h"
#include "runtime/sink.h"
#include "runtime/value.h"

/* One entry of a map, its value merged over the CPUs (printmap.c). */
struct out_entry {
    const unsigned char *key;
    const unsigned char *value; /* AGG_NONE: the value as the map holds it */
    int64_t n, total;           /* aggregations: count (or min, max, sum) and total */
    uint64_t bucket;            /* hist, lhist: the bucket's index */
    bool any;                   /* some CPU has a value (an array's entries always exist) */
};

/* One key's histogram: its buckets' entries, by bucket. */
struct out_group {
    const unsigned char *key;
    const struct out_entry *es;
    size_t n;
    int64_t total;
};

/* A map to print: its entries sorted as they are printed (the top N of them
 * when print asked for that), or for hist and lhist one group a key, the
 * smallest total first. */
struct out_map {
    const struct plan_map *m;
    const struct out_entry *es;
    size_t n;
    const struct out_group *gs;
    size_t ng;
};

/* Events that were not printed, counted by program. */
struct out_lost {
    uint64_t total;
    uint64_t unprinted; /* of them, still in the buffer at the stop */
    const uint64_t *by; /* by program */
    const char *const *probes;
    int nprogs;
    int stop_drain_ms; /* how long the stop waited for them */
};

struct output;
struct output_ops {
    const char *name;
    /* A print, printf or time() event: d's layout over the bytes at ev,
     * sent by the probe called `probe`. */
    void (*event)(struct output *o, const struct ev_desc *d, const void *ev, const char *probe);
    /* A map, at exit or as a probe asked, with at least one entry. */
    void (*map)(struct output *o, const struct out_map *m);
    /* The maps at exit follow (text: after a blank line). */
    void (*maps_begin)(struct output *o);
    void (*attached)(struct output *o, int nprobes);
    void (*lost)(struct output *o, const struct out_lost *l);
    /* Something that went wrong at run time, said in the output's way; an
     * error ends the run, a warning does not. */
    void (*runtime_error)(struct output *o, bool is_error, const char *msg);
};

/* How output is buffered (-B): full writes what a drain gathered at once;
 * line and none write each record as it is made (tinyprobe makes whole
 * records, so the two are the same). */
enum output_buffering { OUT_BUF_FULL, OUT_BUF_LINE, OUT_BUF_NONE };

struct output {
    const struct output_ops *ops;
    struct sink *sink;
    struct diag_src *src;
    struct value_env env;
    enum output_buffering buffering;
    struct sbuf rec;     /* the record being made */
    struct sbuf scratch; /* a printf's text, for a backend that needs it apart */
    bool blank_owed;     /* text: a blank line before the next map */
    struct sbuf end;     /* JSON: an event record's end, with its probe's name */
    /* JSON: where output_printf_json left each of the first 64 arguments'
     * escaped string (a bit in `escaped` for each), for "args" to copy */
    uint64_t escaped;
    uint32_t escaped_at[64], escaped_len[64];
    const char *probe_of_end; /* the name it was made for */
    /* What cat() and system() ask of user space (kind EV_CAT or EV_SYSTEM,
     * `arg` the path or the command): what it prints appended to out; false
     * when there is nothing to print (said as a warning). Set by the runtime
     * (runtime/actions.c); NULL where nothing may touch the system (unit
     * tests, fuzzing), and then nothing is printed. */
    bool (*user_action)(struct output *o, enum ev_kind kind, const char *arg, struct sbuf *out);
};

extern const struct output_ops output_text, output_json, output_folded;
/* The backend called `name` ("text", "json"), or NULL. */
const struct output_ops *output_find(const char *name);
struct cg_output;
/* Prints one event as its print/printf said; bytes that do not fit the
 * layouts are dropped. */
void output_event(struct output *o, const struct cg_output *cg, const void *data, size_t size);
/* A print or printf event's text, as the text backend prints it, into b. */
void output_event_text(struct sbuf *b, struct output *o, const struct ev_desc *d, const void *ev,
                       const char *probe);
/* Writes the record made in o->rec to the sink, and starts the next. */
void output_commit(struct output *o);
void output_free(struct output *o);

/* printf's text for event ev of layout d: what both backends
 * print, text as it is and JSON as the record's data. */
void output_printf_text(struct sbuf *b, const struct output *o, const struct ev_desc *d,
                        const void *ev, const char *probe);
/* The same text as a JSON string, quotes and all, escaped as it is made
 * (o->scratch for the conversions that need their text first). */
void output_printf_json(struct sbuf *b, struct output *o, const struct ev_desc *d, const void *ev,
                        const char *probe);
/* cat()'s or system()'s event: the path or command (printf's text) acted on
 * by o->user_action, what it prints into out; false when there is nothing
 * to print. */
bool output_action(struct output *o, const struct ev_desc *d, const void *ev, const char *probe,
                   struct sbuf *out);
/* Argument i of event ev as the value *v; `probe` is the name its header
 * names, `ival` room for a constant's bytes. */
void output_arg(struct value *v, const struct ev_desc *d, int i, const void *ev, const char *probe,
                int64_t *ival);
/* Part k of a map key as a value, and the value of a plain map's entry. */
struct value output_key_part(const struct plan_map *m, int k, const unsigned char *key);
struct value output_map_value(const struct plan_map *m, const struct out_entry *e);
/* Entry e of map m as a folded stack line without its count ("comm;root;
 * ...;leaf"), appended to b, and the count: false when m is no map a
 * folded line is made of (no stack in its key, or no count). */
bool output_folded_line(struct output *o, const struct plan_map *m, const struct out_entry *e,
                        struct sbuf *b, int64_t *count);
/* An aggregation's merged value: what sorting and printing use. */
int64_t output_merged(const struct plan_map *m, const struct out_entry *e);

#endif
