/* DWARF for the BPF backend to turn into BTF: libbpf 1.x reads maps only from
 * BTF, and the kernel wants every program's prototype with named parameters. */
#ifndef TP_DEBUGINFO_H
#define TP_DEBUGINFO_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include "lang/diag.h"

struct di {
    LLVMContextRef ctx;
    LLVMDIBuilderRef b;
    LLVMMetadataRef file, cu;
    LLVMMetadataRef int_t, u32_t, u64_t, u8_t, void_ptr;
    /* every place an instruction was made for, whole (line info keeps only
     * where each starts): the listings underline what made the code */
    struct tp_loc *spans;
    int nspans, spans_cap;
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
void di_finish(struct di *d);

#endif
