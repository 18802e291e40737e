#include "codegen/debuginfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"

enum { DW_ATE_signed = 5, DW_ATE_unsigned = 8, DW_ATE_unsigned_char = 8 };
enum { DW_TAG_structure_type = 0x13, DW_TAG_union_type = 0x17 };

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

LLVMMetadataRef di_int(struct di *d, unsigned size, bool is_signed)
{
    char name[8];
    snprintf(name, sizeof(name), "%c%u", is_signed ? 's' : 'u', size * 8);
    return basic(d, name, size * 8, is_signed ? DW_ATE_signed : DW_ATE_unsigned);
}

LLVMMetadataRef di_enum(struct di *d, const char *name, unsigned size, bool is_signed)
{
    /* no values: libbpf matches an enum member by the enum's name alone */
    return LLVMDIBuilderCreateEnumerationType(d->b, d->cu, name, strlen(name), d->file, 0, size * 8,
                                              0, NULL, 0, di_int(d, size, is_signed));
}

LLVMMetadataRef di_array(struct di *d, LLVMMetadataRef elem, unsigned elem_bits, unsigned n)
{
    return array_of(d, elem, elem_bits, n);
}

LLVMMetadataRef di_keyed(struct di *d, unsigned key)
{
    for (int i = 0; i < d->nkeyed; i++)
        if (d->keyed[i].key == key)
            return d->keyed[i].md;
    return NULL;
}

void di_keep(struct di *d, unsigned key, LLVMMetadataRef md)
{
    if (d->nkeyed == d->capkeyed) {
        d->capkeyed = d->capkeyed ? 2 * d->capkeyed : 16;
        d->keyed = xrealloc(d->keyed, (size_t)d->capkeyed * sizeof(*d->keyed));
    }
    d->keyed[d->nkeyed++] = (struct di_keyed){key, md};
}

LLVMMetadataRef di_record(struct di *d, unsigned key, const char *name, bool is_union,
                          unsigned size)
{
    for (int i = 0; i < d->nrecs; i++)
        if (d->recs[i].key == key)
            return d->recs[i].temp;
    if (d->nrecs == d->caprecs) {
        d->caprecs = d->caprecs ? 2 * d->caprecs : 8;
        d->recs = xrealloc(d->recs, (size_t)d->caprecs * sizeof(*d->recs));
    }
    /* its members are known only once every program is made: until then
     * a placeholder, which di_finish replaces everywhere it is used */
    LLVMMetadataRef temp = LLVMDIBuilderCreateReplaceableCompositeType(
        d->b, is_union ? DW_TAG_union_type : DW_TAG_structure_type, name, strlen(name), d->cu,
        d->file, 0, 0, (uint64_t)size * 8, 0, LLVMDIFlagZero, "", 0);
    d->recs[d->nrecs++] = (struct di_record){
        .key = key, .name = xstrdup(name), .is_union = is_union, .size = size, .temp = temp};
    return temp;
}

static struct di_record *record_of(struct di *d, LLVMMetadataRef rec)
{
    for (int i = 0; i < d->nrecs; i++)
        if (d->recs[i].temp == rec)
            return &d->recs[i];
    return NULL;
}

void di_record_use(struct di *d, LLVMMetadataRef rec, LLVMValueRef call, unsigned operand,
                   int field)
{
    struct di_record *r = record_of(d, rec);
    if (r->nuses == r->capuses) {
        r->capuses = r->capuses ? 2 * r->capuses : 8;
        r->uses = xrealloc(r->uses, (size_t)r->capuses * sizeof(*r->uses));
    }
    r->uses[r->nuses++] = (struct di_use){call, operand, field};
}

int di_record_member(struct di *d, LLVMMetadataRef rec, const char *name, unsigned bit_off,
                     unsigned bit_size, unsigned storage_off, LLVMMetadataRef type)
{
    struct di_record *r = record_of(d, rec);
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->f[i].name, name) == 0)
            return i;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->f = xrealloc(r->f, (size_t)r->cap * sizeof(*r->f));
    }
    r->f[r->n] = (struct di_field){xstrdup(name), bit_off, bit_size, storage_off, type};
    return r->n++;
}

static const struct di_field *by_off_fields;

static int by_off(const void *a, const void *b)
{
    const struct di_field *x = &by_off_fields[*(const int *)a],
                          *y = &by_off_fields[*(const int *)b];
    if (x->bit_off != y->bit_off)
        return x->bit_off < y->bit_off ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

/* The records with the members read, in the order of their offsets, and
 * each access's index into them. */
static void finish_records(struct di *d)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(d->ctx);
    LLVMMetadataRef *reals = xcalloc(d->nrecs ? (size_t)d->nrecs : 1, sizeof(*reals));
    for (int i = 0; i < d->nrecs; i++) {
        struct di_record *r = &d->recs[i];
        size_t n = r->n ? (size_t)r->n : 1;
        int *order = xcalloc(n, sizeof(*order)), *place = xcalloc(n, sizeof(*place));
        for (int j = 0; j < r->n; j++)
            order[j] = j;
        by_off_fields = r->f;
        qsort(order, (size_t)r->n, sizeof(*order), by_off);
        LLVMMetadataRef *els = xcalloc(n, sizeof(*els));
        for (int j = 0; j < r->n; j++) {
            const struct di_field *f = &r->f[order[j]];
            place[order[j]] = j;
            els[j] =
                f->bit_size
                    ? LLVMDIBuilderCreateBitFieldMemberType(d->b, r->temp, f->name, strlen(f->name),
                                                            d->file, 0, f->bit_size, f->bit_off,
                                                            f->storage_off, LLVMDIFlagZero, f->type)
                    : LLVMDIBuilderCreateMemberType(d->b, r->temp, f->name, strlen(f->name),
                                                    d->file, 0, LLVMDITypeGetSizeInBits(f->type), 0,
                                                    f->bit_off, LLVMDIFlagZero, f->type);
        }
        for (int j = 0; j < r->nuses; j++)
            LLVMSetOperand(r->uses[j].call, r->uses[j].operand,
                           LLVMConstInt(i32, (unsigned long long)place[r->uses[j].field], 0));
        uint64_t bits = (uint64_t)r->size * 8;
        LLVMMetadataRef real =
            r->is_union ? LLVMDIBuilderCreateUnionType(d->b, d->cu, r->name, strlen(r->name),
                                                       d->file, 0, bits, 0, LLVMDIFlagZero, els,
                                                       (unsigned)r->n, 0, "", 0)
                        : LLVMDIBuilderCreateStructType(d->b, d->cu, r->name, strlen(r->name),
                                                        d->file, 0, bits, 0, LLVMDIFlagZero, NULL,
                                                        els, (unsigned)r->n, 0, NULL, "", 0);
        reals[i] = real;
        for (int j = 0; j < r->n; j++)
            free(r->f[j].name);
        free(els);
        free(order);
        free(place);
        free(r->f);
        free(r->uses);
        free(r->name);
    }
    /* only once all are made: a record's members may be of another's
     * placeholder, which the replacing frees */
    for (int i = 0; i < d->nrecs; i++)
        LLVMMetadataReplaceAllUsesWith(d->recs[i].temp, reals[i]);
    free(reals);
    free(d->recs);
    free(d->keyed);
    d->recs = NULL;
    d->keyed = NULL;
    d->nrecs = d->nkeyed = 0;
}

void di_finish(struct di *d)
{
    finish_records(d);
    LLVMDIBuilderFinalize(d->b);
    LLVMDisposeDIBuilder(d->b);
}
