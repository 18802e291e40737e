/* Codegen's own: the state shared by its files, and the IR helper layer
 * (ir.c) they build on. Nothing outside codegen/ includes this. */
#ifndef TP_CG_H
#define TP_CG_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/bpf.h>
#include <llvm-c/Core.h>

#include "codegen/codegen.h"
#include "codegen/debuginfo.h"
#include "lang/ast.h"
#include "lang/plan.h"
#include "lang/strset.h"

/* The most typed loads a program makes (mem.c): each costs its load a
 * search of the kernel's BTF. */
#define CG_TYPED_LOADS 16

/* Per-CPU scratch is one map value; the kernel caps per-CPU values at 32 KiB. */
#define SCRATCH_MAX 32768

struct cg {
    LLVMContextRef ctx;
    LLVMModuleRef m;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i8, i32, i64, ptr;
    struct di di;
    const struct cg_opts *o;
    struct cg_output *out;
    struct diag_src *src;
    LLVMValueRef map_events, map_lost, map_scratch, map_cgroup;
    LLVMValueRef map_usdt_specs, map_usdt_ips; /* libbpf's, for USDT arguments */
    LLVMValueRef map_names;                    /* `probe` in shared programs */
    const struct plan *plan;
    LLVMValueRef *map_globals; /* by plan map */
    unsigned char *map_used;   /* by plan map: used by the program being made */
    int maps_in_prog;
    LLVMValueRef map_full, map_reqs;
    LLVMValueRef map_stacks[PLAN_STACKS_MAX], map_stack_lost; /* the plan's stack tables */
    LLVMValueRef slots; /* the plan's slots, after the exit gate (plan.h) */
    LLVMValueRef run;   /* struct cg_run, in .rodata */
    int comm_off;       /* task_struct's comm: -1 unknown, -2 not to be read directly */
    int typed_loads;    /* whether chains from curtask load through typed pointers (mem.c):
                           0 not asked yet, 1 yes, -1 no */
    int typed_hops;     /* typed loads in the program being made, at most CG_TYPED_LOADS */
    unsigned scratch_max;
    /* the function being generated */
    LLVMValueRef fn, ctxv, key0, tmp64, scratch, idx32;
    LLVMMetadataRef sp;
    LLVMBasicBlockRef entry, out_bb;
    const struct ast_spec *spec;
    const struct probe_point *point; /* of the spec: the program's (the first, when shared) */
    bool shared;                     /* the program serves several points */
    LLVMValueRef entry_idx;          /* i32: the entry of the point that fired */
    const char *probe_name;          /* "kind:target", what `probe` says */
    const struct ast_probe *probe;
    LLVMValueRef *var_slots; /* by the probe's variable */
    /* the while loops around the statement being generated: where continue
     * and break go */
    LLVMBasicBlockRef loop_cond[AST_LOOPS_MAX], loop_done[AST_LOOPS_MAX];
    int loops;
    int prog;
    unsigned scratch_used;
    unsigned stack_used; /* bytes of the 512-byte BPF stack given out by ir_room */
    struct strset names; /* programs' names before any suffix */
};

/* ir.c */
LLVMValueRef ir_i64(struct cg *c, uint64_t v);
LLVMBasicBlockRef ir_block(struct cg *c, const char *name);
void ir_loc(struct cg *c, struct tp_loc loc);
/* A call of BPF helper `id`. */
LLVMValueRef ir_helper(struct cg *c, enum bpf_func_id id, LLVMTypeRef ret, LLVMValueRef *args,
                       int n);
LLVMValueRef ir_phi2(struct cg *c, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab,
                     LLVMValueRef b, LLVMBasicBlockRef bb);
/* base + off bytes */
LLVMValueRef ir_at(struct cg *c, LLVMValueRef base, uint64_t off);
LLVMValueRef ir_ptr(struct cg *c, LLVMValueRef v);
/* A value of the run (struct cg_run's member at `off`), as i64. */
LLVMValueRef ir_run(struct cg *c, size_t off);
/* A map's BTF-defined global, of nfields pointer members. */
LLVMValueRef ir_map_global(struct cg *c, const char *name, int nfields);
/* `size` bytes of per-CPU scratch for this program run. */
LLVMValueRef ir_scratch(struct cg *c, unsigned size);
/* A function's frame: its entry block (the builder left there, for what
 * else belongs in it), the block that returns (`out`), and the slots every
 * function has (key0, tmp64). */
void ir_frame(struct cg *c, const char *out, struct tp_loc loc);
/* `size` bytes of room for this run: on the stack while a budget lasts (no
 * map lookup to get it), else in scratch. */
LLVMValueRef ir_room(struct cg *c, unsigned size);
LLVMValueRef ir_bounded(struct cg *c, LLVMValueRef v, uint64_t max);
/* v, its origin hidden from LLVM by an empty asm, which then cannot prove
 * facts about its bits: so a sum stays an add, and not an or, whose bounds
 * older verifiers (6.1) lose. */
LLVMValueRef ir_opaque(struct cg *c, LLVMValueRef v);
LLVMValueRef ir_ctx_load(struct cg *c, int off, int size, bool is_signed);
/* The same load from a pointer the verifier knows the type of (a BTF one). */
LLVMValueRef ir_load_at(struct cg *c, LLVMValueRef base, int off, int size, bool is_signed);
LLVMValueRef ir_read_mem(struct cg *c, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr,
                         bool str);
LLVMValueRef ir_load_byte(struct cg *c, LLVMValueRef p, unsigned i);
/* Room for one `t` on the stack, made in the entry block (BPF has no dynamic
 * stack allocation). */
LLVMValueRef ir_alloca(struct cg *c, LLVMTypeRef t);
/* An array map's key: `idx` (an i32) in the function's one slot for it,
 * valid until the next call. */
LLVMValueRef ir_index(struct cg *c, LLVMValueRef idx);
/* The value of `key` in `map`; where there is none, a branch to `miss`. */
LLVMValueRef ir_lookup(struct cg *c, LLVMValueRef map, LLVMValueRef key, LLVMBasicBlockRef miss);
/* Adds 1 to the u64 at index idx of array `map`, atomically. */
void ir_map_bump(struct cg *c, LLVMValueRef map, LLVMValueRef idx);
/* struct ev_header as one u64: `id`, and the entry of the point that fired. */
LLVMValueRef ir_event_header(struct cg *c, uint32_t id);
/* if (cond) { ... } else { ... }, for statements and for values:
 *   ir_if_begin(c, cond, &f); then...; ir_if_else(c, &f); else...;
 *   v = ir_if_end(c, &f, then_value, else_value);   (NULLs: no value) */
struct ir_if {
    LLVMBasicBlockRef then_bb, else_bb, done, then_end;
};
void ir_if_begin(struct cg *c, LLVMValueRef cond, struct ir_if *f);
void ir_if_else(struct cg *c, struct ir_if *f);
LLVMValueRef ir_if_end(struct cg *c, struct ir_if *f, LLVMValueRef then_v, LLVMValueRef else_v);

/* expr.c: x / y and x % y as BPF defines them for y = 0 (x / 0 is 0, x % 0 is x) */
LLVMValueRef expr_divmod(struct cg *c, bool rem, bool sgn, LLVMValueRef l, LLVMValueRef r);
/* an integer expression's value, as i64 */
LLVMValueRef expr_int(struct cg *c, const struct ast_node *n);
/* and as a truth value (i1) */
LLVMValueRef expr_cond(struct cg *c, const struct ast_node *n);

/* str.c: the n bytes at s, cut to fit `size` bytes at dst with a NUL */
void str_literal(struct cg *c, const char *s, size_t n, LLVMValueRef dst, unsigned size);
/* a string expression into `size` bytes at dst, NUL-terminated */
void str_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
/* string equality, as i1 */
LLVMValueRef str_eq(struct cg *c, const struct ast_node *l, const struct ast_node *r);
/* join(): the count, then each string in its own slot of `size` bytes */
void str_join(struct cg *c, const struct ast_node *n, LLVMValueRef slot, unsigned size);

/* str.c: strncmp(a, b, n), 0 when the first n bytes are equal, else 1; and
 * strcontains(s, t), 1 when t is in s, else 0; as i64 */
LLVMValueRef str_ncmp(struct cg *c, const struct ast_node *a, const struct ast_node *b, uint64_t n);
LLVMValueRef str_contains(struct cg *c, const struct ast_node *s, const struct ast_node *t);

/* bytes.c: a buffer or an address (TY_BUF, TY_INET) into its slot at dst */
void bytes_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
void bytes_ntop(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
void bytes_buf(struct cg *c, const struct ast_node *n, LLVMValueRef dst);

/* builtins.c: an integer builtin or function call's value */
LLVMValueRef builtins_int(struct cg *c, const struct ast_node *n);
/* a string builtin or function call, into `size` bytes at dst */
void builtins_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
/* a function call whose value is bytes (ntop(), buf()), into its slot at dst */
void builtins_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
/* signal(SIG), as a statement */
void builtins_signal(struct cg *c, const struct ast_node *call);
/* The text of the point that fired, from `skip` bytes on, in a program that
 * serves several, into `size` bytes at dst. */
void builtins_probe_name(struct cg *c, LLVMValueRef dst, unsigned size, unsigned skip);

/* stmt.c: an event of `size` bytes reserved in the ring buffer, its header
 * (id, and the point that fired) written; the builder is left where it is
 * to be filled, and `next` is where it goes on (where it went at once when
 * the buffer was full: counted as lost). Submit it, and go on to next. */
LLVMValueRef stmt_event_reserve(struct cg *c, uint64_t size, uint32_t id, LLVMBasicBlockRef *next);
void stmt_event_submit(struct cg *c, LLVMValueRef ev, LLVMBasicBlockRef next);

/* stack.c: kstack and ustack into their 16 bytes at dst; usym() likewise;
 * func into a string slot; the tables of stacks (before and after the
 * programs) */
void stack_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
void stack_capture(struct cg *c, LLVMValueRef dst);
void stack_usym(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
void stack_func(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
void stack_maps_init(struct cg *c);
void stack_maps_finish(struct cg *c);

/* The most maps one BPF program may use (the kernel's MAX_USED_MAPS), and
 * those every program may use besides the script's: events, lost, the
 * slots (.bss), the run's values (.rodata), scratch, map_full, requests (and
 * cgroup, with --cgroup). */
#define CG_PROG_MAPS_MAX 64
#define CG_OWN_MAPS      7

/* mem.c: reads from memory at the offsets the checks fixed. mem_addr is the
 * address of a record, array or element (N_MEMBER, N_INDEX, N_DEREF);
 * mem_int an integer or pointer read there, mem_str a char array into a
 * string slot, mem_bytes a record's bytes into dst. */
LLVMValueRef mem_addr(struct cg *c, const struct ast_node *n);
LLVMValueRef mem_int(struct cg *c, const struct ast_node *n);
void mem_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
void mem_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
/* &base->name, base a pointer to kernel record rec (a BTF id), as a
 * CO-RE relocated access (libbpf sets the offset from the running kernel's
 * BTF at load); NULL where it cannot be one. storage: 0, or a bitfield's
 * container in bytes. mem_core_index: element i of the array (BTF id arr)
 * that such an access gave. */
LLVMValueRef mem_core_member(struct cg *c, LLVMValueRef base, unsigned rec, const char *name,
                             unsigned storage);
LLVMValueRef mem_core_index(struct cg *c, LLVMValueRef base, unsigned arr, unsigned i);
/* (int8)x ... : x at the cast's width and sign */
LLVMValueRef mem_cast(struct cg *c, const struct ast_node *n);

/* foreach.c: for ($kv : @m) { ... } */
void foreach_gen(struct cg *c, const struct ast_node *s);

/* tuple.c: a tuple's bytes into dst (its size); an element of one, as an
 * integer or into a string slot */
void tuple_into(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
LLVMValueRef tuple_int(struct cg *c, const struct ast_node *n);
void tuple_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);

/* usdt.c: argument n (from 1) of a USDT probe; the maps it needs, declared */
LLVMValueRef usdt_arg(struct cg *c, int n);
void usdt_finish(struct cg *c);

/* maps.c: the plan's maps (init before, finish after the programs) */
void maps_init(struct cg *c);
void maps_finish(struct cg *c);
LLVMValueRef maps_read_int(struct cg *c, const struct ast_node *n);
void maps_read_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
/* a map's value as it is kept (a join()), into dst; a count of 0 where there is none */
void maps_read_bytes(struct cg *c, const struct ast_node *n, LLVMValueRef dst);
LLVMValueRef maps_var_int(struct cg *c, const struct ast_node *n);
/* plan map id's BPF map, counted as used by the program being made */
LLVMValueRef maps_ref(struct cg *c, int id);
/* a variable's storage: an i64, or a string's or tuple's bytes in scratch */
LLVMValueRef maps_var_slot(struct cg *c, const struct ast_node *n);
void maps_var_str(struct cg *c, const struct ast_node *n, LLVMValueRef dst, unsigned size);
/* S_ASSIGN, to a variable or a map */
void maps_assign(struct cg *c, const struct ast_node *s);
void maps_delete(struct cg *c, const struct ast_node *m);
/* request `req` of the plan: one more */
void maps_request(struct cg *c, int req);

/* stmt.c */
void stmt_gen(struct cg *c, const struct ast_node *s);

#endif
