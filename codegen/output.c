/* Codegen's output outlives codegen: the runtime reads and frees it in the
 * executable, which has no LLVM (codegen/compiler.h), so its release is here,
 * not in the compiler module. */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"

void cg_output_free(struct cg_output *out)
{
    free(out->spans);
    for (int i = 0; i < out->nprogs; i++)
        free(out->progs[i].text);
    free(out->progs);
    free(out->obj);
    memset(out, 0, sizeof(*out));
}
