/* DWARF for the BPF backend to turn into BTF: libbpf 1.x reads maps only from
 * BTF, and the kernel wants every program's prototype with named parameters. */
#ifndef TP_DEBUGINFO_H
#define TP_DEBUGINFO_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include <stdbool.h>

#include "lang/diag.h"

/* A kernel record as CO-RE relocations name it (codegen/mem.c): only the
 * members read, at this kernel's offsets. libbpf finds the running kernel's
 * record by its name and each member by its name, as it does for a
 * hand-written partial `struct task_struct { int pid; }
 * __attribute__((preserve_access_index))`. */
struct di_field {
    char *name;
    unsigned bit_off, bit_size, storage_off; /* bit_size 0: not a bitfield */
    LLVMMetadataRef type;
};
struct di_use {
    LLVMValueRef call; /* an access that names a member by its index */
    unsigned operand;
    int field;
};
struct di_record {
    unsigned key; /* the kernel's BTF id */
    char *name;   /* "" for an anonymous one */
    bool is_union;
    unsigned size;
    LLVMMetadataRef temp; /* what the relocations refer to until di_finish */
    struct di_field *f;
    int n, cap;
    struct di_use *uses;
    int nuses, capuses;
};
struct di_keyed {
    unsigned key;
    LLVMMetadataRef md;
};

struct di {
    LLVMContextRef ctx;
    LLVMDIBuilderRef b;
    LLVMMetadataRef file, cu;
    LLVMMetadataRef int_t, u32_t, u64_t, u8_t, void_ptr;
    /* every place an instruction was made for, whole (line info keeps only
     * where each starts): the listings underline what made the code */
    struct tp_loc *spans;
    int nspans, spans_cap;
    struct di_record *recs;
    int nrecs, caprecs;
    struct di_keyed *keyed; /* the kernel's types described so far, by BTF id */
    int nkeyed, capkeyed;
};

void di_init(struct di *d, LLVMModuleRef m, const char *filename);
/* Describes `gv` as a BTF-defined map: struct { int (*type)[T]; int
 * (*max_entries)[N]; KEY *key; VALUE *value; }, the shape libbpf's __uint and
 * __type macros make. key_size 0: no key or value (a ring buffer); 4 is a
 * u32, 8 a u64, other sizes a byte array; value_size likewise. */
void di_map(struct di *d, LLVMValueRef gv, const char *name, unsigned type, unsigned max_entries,
            unsigned key_size, unsigned value_size);
/* Describes `gv` as a global __u64[words]: libbpf maps a data section into
 * user space only when its BTF says what is in it. */
void di_global(struct di *d, LLVMValueRef gv, const char *name, unsigned words);
/* A subprogram for `int name(void *ctx)`, attached to fn. */
LLVMMetadataRef di_function(struct di *d, LLVMValueRef fn, const char *name, int line);
/* The same for a callback of bpf_for_each_map_elem: (map, key, value, ctx). */
LLVMMetadataRef di_callback(struct di *d, LLVMValueRef fn, const char *name, int line);
LLVMMetadataRef di_loc(struct di *d, LLVMMetadataRef scope, struct tp_loc loc);
/* CO-RE's types. di_record is kernel record `key` (made on first use, its
 * members added by di_record_member, which gives a member's index, the
 * access index a relocation names); di_finish completes it. The others
 * are made as asked; di_keyed finds what di_keep kept by BTF id. */
LLVMMetadataRef di_record(struct di *d, unsigned key, const char *name, bool is_union,
                          unsigned size);
int di_record_member(struct di *d, LLVMMetadataRef rec, const char *name, unsigned bit_off,
                     unsigned bit_size, unsigned storage_off, LLVMMetadataRef type);
/* Operand `operand` of call is member `field`'s index: the kernel takes a
 * struct's members only in the order of their offsets, which di_finish
 * puts them in, and then says each call's index again. */
void di_record_use(struct di *d, LLVMMetadataRef rec, LLVMValueRef call, unsigned operand,
                   int field);
LLVMMetadataRef di_int(struct di *d, unsigned size, bool is_signed);
LLVMMetadataRef di_enum(struct di *d, const char *name, unsigned size, bool is_signed);
LLVMMetadataRef di_array(struct di *d, LLVMMetadataRef elem, unsigned elem_bits, unsigned n);
LLVMMetadataRef di_keyed(struct di *d, unsigned key);
void di_keep(struct di *d, unsigned key, LLVMMetadataRef md);
void di_finish(struct di *d);

#endif
