#include "codegen/debuginfo.h"

#include <string.h>

#include "lang/xalloc.h"

enum { DW_ATE_signed = 5, DW_ATE_unsigned = 8, DW_ATE_unsigned_char = 8 };

static LLVMMetadataRef basic(struct di *d, const char *name, unsigned bits, unsigned enc)
{
    return LLVMDIBuilderCreateBasicType(d->b, name, strlen(name), bits, enc, LLVMDIFlagZero);
}

static LLVMMetadataRef ptr_to(struct di *d, LLVMMetadataRef t)
{
    return LLVMDIBuilderCreatePointerType(d->b, t, 64, 64, 0, NULL, 0);
}

static LLVMMetadataRef array_of(struct di *d, LLVMMetadataRef elem, unsigned elem_bits, unsigned n)
{
    LLVMMetadataRef range = LLVMDIBuilderGetOrCreateSubrange(d->b, 0, n);
    return LLVMDIBuilderCreateArrayType(d->b, (uint64_t)n * elem_bits, elem_bits, elem, &range, 1);
}

static LLVMMetadataRef member(struct di *d, const char *name, unsigned off_bits, LLVMMetadataRef t)
{
    return LLVMDIBuilderCreateMemberType(d->b, d->cu, name, strlen(name), d->file, 0, 64, 64,
                                         off_bits, LLVMDIFlagZero, t);
}

void di_init(struct di *d, LLVMModuleRef m, const char *filename)
{
    d->ctx = LLVMGetModuleContext(m);
    d->b = LLVMCreateDIBuilder(m);
    d->file = LLVMDIBuilderCreateFile(d->b, filename, strlen(filename), "", 0);
    d->cu = LLVMDIBuilderCreateCompileUnit(d->b, LLVMDWARFSourceLanguageC, d->file, "tinyprobe", 9,
                                           1, "", 0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "",
                                           0, "", 0);
    d->int_t = basic(d, "int", 32, DW_ATE_signed);
    d->u32_t = basic(d, "__u32", 32, DW_ATE_unsigned);
    d->u64_t = basic(d, "__u64", 64, DW_ATE_unsigned);
    d->u8_t = basic(d, "__u8", 8, DW_ATE_unsigned_char);
    d->void_ptr = LLVMDIBuilderCreatePointerType(d->b, NULL, 64, 64, 0, NULL, 0);
    /* Without these flags the verifier of LLVM's module drops all debug info. */
    LLVMTypeRef i32 = LLVMInt32TypeInContext(d->ctx);
    LLVMAddModuleFlag(m, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    LLVMAddModuleFlag(m, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i32, 4, 0)));
}

static LLVMMetadataRef sized(struct di *d, unsigned size)
{
    return size == 4 ? d->u32_t : size == 8 ? d->u64_t : array_of(d, d->u8_t, 8, size);
}

void di_map(struct di *d, LLVMValueRef gv, const char *name, unsigned type, unsigned max_entries,
            unsigned key_size, unsigned value_size)
{
    LLVMMetadataRef members[4];
    int n = 0;
    members[n++] = member(d, "type", 0, ptr_to(d, array_of(d, d->int_t, 32, type)));
    members[n++] = member(d, "max_entries", 64, ptr_to(d, array_of(d, d->int_t, 32, max_entries)));
    if (key_size) {
        members[n++] = member(d, "key", 128, ptr_to(d, sized(d, key_size)));
        members[n++] = member(d, "value", 192, ptr_to(d, sized(d, value_size)));
    }
    LLVMMetadataRef st =
        LLVMDIBuilderCreateStructType(d->b, d->cu, "", 0, d->file, 0, n * 64, 64, LLVMDIFlagZero,
                                      NULL, members, n, 0, NULL, "", 0);
    LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(d->b, NULL, 0);
    LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
        d->b, d->cu, name, strlen(name), "", 0, d->file, 0, st, 0, expr, NULL, 64);
    LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(d->ctx, "dbg", 3), gve);
}

void di_global(struct di *d, LLVMValueRef gv, const char *name, unsigned words)
{
    LLVMMetadataRef t = array_of(d, d->u64_t, 64, words);
    LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(d->b, NULL, 0);
    LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
        d->b, d->cu, name, strlen(name), "", 0, d->file, 0, t, 0, expr, NULL, 64);
    LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(d->ctx, "dbg", 3), gve);
}

LLVMMetadataRef di_function(struct di *d, LLVMValueRef fn, const char *name, int line)
{
    LLVMMetadataRef types[2] = {d->int_t, d->void_ptr};
    LLVMMetadataRef fty =
        LLVMDIBuilderCreateSubroutineType(d->b, d->file, types, 2, LLVMDIFlagZero);
    LLVMMetadataRef sp =
        LLVMDIBuilderCreateFunction(d->b, d->file, name, strlen(name), name, strlen(name), d->file,
                                    line, fty, 0, 1, line, LLVMDIFlagPrototyped, 1);
    /* A named parameter: the kernel silently drops BTF whose prototypes have
     * unnamed ones. AlwaysPreserve keeps it when nothing reads ctx. */
    LLVMDIBuilderCreateParameterVariable(d->b, sp, "ctx", 3, 1, d->file, line, d->void_ptr, 1,
                                         LLVMDIFlagZero);
    LLVMSetSubprogram(fn, sp);
    return sp;
}

LLVMMetadataRef di_callback(struct di *d, LLVMValueRef fn, const char *name, int line)
{
    static const char *const params[] = {"map", "key", "value", "ctx"};
    LLVMMetadataRef types[5] = {d->int_t, d->void_ptr, d->void_ptr, d->void_ptr, d->void_ptr};
    LLVMMetadataRef fty =
        LLVMDIBuilderCreateSubroutineType(d->b, d->file, types, 5, LLVMDIFlagZero);
    /* local to the object: libbpf makes it a subprogram of the programs
     * that take its address */
    LLVMMetadataRef sp =
        LLVMDIBuilderCreateFunction(d->b, d->file, name, strlen(name), name, strlen(name), d->file,
                                    line, fty, 1, 1, line, LLVMDIFlagPrototyped, 1);
    for (unsigned i = 0; i < 4; i++)
        LLVMDIBuilderCreateParameterVariable(d->b, sp, params[i], strlen(params[i]), i + 1, d->file,
                                             line, d->void_ptr, 1, LLVMDIFlagZero);
    LLVMSetSubprogram(fn, sp);
    return sp;
}

LLVMMetadataRef di_loc(struct di *d, LLVMMetadataRef scope, struct tp_loc loc)
{
    /* BTF's line info keeps a column in 10 bits, and a larger one spills into
     * the line number: past column 1023, say column 1023. */
    unsigned col = loc.first_column > 1023 ? 1023 : (unsigned)loc.first_column;
    const struct tp_loc *last = d->nspans ? &d->spans[d->nspans - 1] : NULL;
    if (!last || memcmp(last, &loc, sizeof(loc)) != 0) {
        if (d->nspans == d->spans_cap) {
            d->spans_cap = d->spans_cap ? 2 * d->spans_cap : 64;
            d->spans = xrealloc(d->spans, (size_t)d->spans_cap * sizeof(*d->spans));
        }
        d->spans[d->nspans++] = loc;
    }
    return LLVMDIBuilderCreateDebugLocation(d->ctx, loc.first_line, col, scope, NULL);
}

void di_finish(struct di *d)
{
    LLVMDIBuilderFinalize(d->b);
    LLVMDisposeDIBuilder(d->b);
}
