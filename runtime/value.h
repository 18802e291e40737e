/* Values printed by their type (lang/type.h): each kind has one printer
 * for text and one for JSON, used for events, map keys, map values and
 * print alike. A new printed type is a kind there and its two printers in
 * the table in value.c. */
#ifndef TP_VALUE_H
#define TP_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/plan.h"
#include "lang/type.h"
#include "runtime/sbuf.h"

/* A value as it is kept: in an event, a map's key or value. */
struct value {
    struct ty ty;
    const void *data; /* ty_store_size(ty) bytes; integers in 8 */
    const char *text; /* TY_JOIN: the separator; TY_TIME: the strftime format */
    size_t textlen;
};

/* What stacks and symbols are (runtime/stacks.c): the frames the kernel
 * kept for a stack, and the symbol of an address. */
struct value_syms {
    /* The frames of stack `hash` of the plan's table `rec`: their count,
     * with *frames pointing at them until the next call; 0 for none known. */
    int (*frames)(void *ctx, int rec, uint64_t hash, const uint64_t **frames);
    /* The symbol of addr, in the kernel or in process tgid, as `how` says
     * (runtime/syms.h's SYMS_*), written into buf: buf. */
    const char *(*symbol)(void *ctx, bool user, uint32_t tgid, uint64_t addr, unsigned how,
                          char *buf, size_t len);
    /* --unwind dwarf: the stack a copy (TY_STACK_CAPTURE bytes) holds,
     * unwound and kept in table rec: its hash (0: none), and its tgid. */
    uint64_t (*unwind)(void *ctx, int rec, const void *capture, uint32_t *tgid);
    void *ctx;
};

/* What printing a value may need beyond its bytes. */
struct value_env {
    int64_t realtime_offset;           /* CLOCK_REALTIME - CLOCK_MONOTONIC, for TY_TIME */
    const struct plan_record *records; /* the plan's, for TY_RECORD */
    int nrecords;
    const struct plan_enum *enums; /* the plan's, for %s of an enum */
    int nenums;
    /* The path of a cgroup id, for TY_CGPATH, written into buf (bpf/cgroup.h's
     * cgroup_path); NULL where nothing may look at the system (unit tests,
     * fuzzing): the id is printed as a number. */
    const char *(*cgroup_path)(uint64_t id, char *buf, size_t len);
    /* Stacks' frames and symbols; NULL where nothing may look at the system:
     * a stack is printed as its hash, a symbol as its address. */
    const struct value_syms *syms;
};

void value_text(struct sbuf *b, const struct value *v, const struct value_env *env);
void value_json(struct sbuf *b, const struct value *v, const struct value_env *env);

/* A value as part of a folded stack line (-f folded, flame graphs): a
 * stack's frames root first, by name, joined by ';'; another value its
 * text. What would split the line (';', a space, a newline) is written '_'. */
void value_folded(struct sbuf *b, const struct value *v, const struct value_env *env);

/* The name of an enum's value, for printf's %s; NULL for a value the enum
 * does not name, or an integer of no enum. */
const char *value_enum_name(const struct value *v, const struct value_env *env);
/* An integer value, read at its width and sign. */
int64_t value_int(const struct value *v);
/* An integer as JSON: a number, or a string where a double cannot hold it
 * exactly (as bpftrace does). */
void value_json_int(struct sbuf *b, int64_t v, bool is_signed);
/* Bytes as a JSON string that parses whatever they are: control characters
 * escaped, and each byte that is not part of valid UTF-8 as \udcXX (as
 * Python's surrogateescape, so that s.encode('utf-8', 'surrogateescape')
 * gives the bytes back). */
void value_json_str(struct sbuf *b, const char *s, size_t n);
/* The same without the quotes: a piece of a JSON string. */
void value_json_chars(struct sbuf *b, const char *s, size_t n);

#endif
