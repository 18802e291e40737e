#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"
#include "runtime/vlog.h"

/* What a line of the verifier's log is. */
enum vline_kind {
    V_INSN,  /* "12: (bf) r6 = r1   ; R6=ctx()": it walked instruction 12 */
    V_STATE, /* "12: R1=ctx() R10=fp0": the registers before instruction 12 */
    V_SAFE,  /* "12: safe": the path stops, its state seen before (pruned) */
    V_FROM,  /* "from 6 to 9: R1=0 ...": a path it left at 6 taken up, at 9 */
    V_LINE,  /* "; text @ file:line": its own line info, which the listing replaces */
    V_OTHER,
};

/* Instruction numbers the path is traced through: the kernel's limit of
 * instructions in a program; a log's larger numbers are not followed. */
#define VLOG_INSNS_MAX (1 << 20)

struct vline {
    const char *s;
    int len;
    enum vline_kind kind;
    int insn, from; /* V_INSN, V_STATE, V_SAFE: insn; V_FROM: from -> insn */
    bool safe;      /* V_FROM: pruned where it was taken up */
};

static int number(const char *s, int len, int *at)
{
    long v = 0;
    int i = *at, start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9' && v < 100000000)
        v = v * 10 + (s[i++] - '0');
    *at = i;
    return i > start ? (int)v : -1;
}

static void classify(struct vline *v)
{
    const char *s = v->s;
    int len = v->len, at = 0;
    v->kind = V_OTHER;
    v->insn = v->from = -1;
    if (len >= 2 && s[0] == ';' && s[1] == ' ') {
        v->kind = V_LINE;
        return;
    }
    if (len > 5 && strncmp(s, "from ", 5) == 0) {
        at = 5;
        int a = number(s, len, &at);
        if (a < 0 || at + 4 > len || strncmp(s + at, " to ", 4) != 0)
            return;
        at += 4;
        int b = number(s, len, &at);
        if (b < 0)
            return;
        v->kind = V_FROM;
        v->from = a;
        v->insn = b;
        /* "from 6 to 9: safe": the path taken up is cut short at once */
        v->safe = len - at >= 6 && strncmp(s + len - 6, ": safe", 6) == 0;
        return;
    }
    int n = number(s, len, &at);
    if (n < 0 || at + 2 > len || s[at] != ':' || s[at + 1] != ' ')
        return;
    at += 2;
    v->insn = n;
    if (at < len && s[at] == '(')
        v->kind = V_INSN;
    else if (len - at == 4 && strncmp(s + at, "safe", 4) == 0)
        v->kind = V_SAFE;
    else if (at < len && (s[at] == 'R' || strncmp(s + at, "frame", 5) == 0))
        v->kind = V_STATE;
    else
        v->insn = -1;
}

bool vlog_trailer(const char *line, size_t len)
{
    static const char *const heads[] = {"processed ", "verification time", "stack depth",
                                        /* after "infinite loop detected": the two
                                           states compared */
                                        "cur state:", "old state:"};
    if (len == 0 || line[0] == '\n')
        return true;
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        if (len >= strlen(heads[i]) && strncmp(line, heads[i], strlen(heads[i])) == 0)
            return true;
    return false;
}

/* the script place of instruction i */
static void place(struct listing *l, const struct bpfobj_prog *bp, int i)
{
    const struct bpfobj_line *li = bp && i >= 0 ? bpfobj_line_at(bp, i) : NULL;
    if (li && li->line > 0)
        listing_place(l, li->line, li->col, li->text);
}

static int line_of(const struct bpfobj_prog *bp, int i)
{
    const struct bpfobj_line *li = bp && i >= 0 && i < bp->n ? bpfobj_line_at(bp, i) : NULL;
    return li ? li->line : 0;
}

/* how many bytes of s, from at, are a name: letters, digits, '_' and '.' */
static int name_len(const char *s, int at, int len)
{
    int k = at;
    while (k < len && (s[k] == '_' || s[k] == '.' || (s[k] >= 'a' && s[k] <= 'z') ||
                       (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9')))
        k++;
    return k - at;
}

/* A line of the log; in colour, the helpers it calls ("call NAME#") and
 * the maps it names ("map=NAME") in theirs, and a reason in its. */
static void put_line(struct listing *l, const struct vline *v, bool reason)
{
    const struct listing_style *st = l->st;
    if (reason) {
        fprintf(l->out, "%s%.*s%s\n", st->reason, v->len, v->s, st->reset);
        return;
    }
    int from = 0;
    for (int k = 0; *st->reset && k < v->len; k++) {
        const char *color = NULL;
        int skip = 0;
        if (v->len - k > 5 && memcmp(v->s + k, "call ", 5) == 0) {
            color = st->insn.helper;
            skip = 5;
        } else if (v->len - k > 4 && memcmp(v->s + k, "map=", 4) == 0) {
            color = st->insn.map;
            skip = 4;
        }
        int n = color ? name_len(v->s, k + skip, v->len) : 0;
        if (!n)
            continue;
        fprintf(l->out, "%.*s%s%.*s%s", k + skip - from, v->s + from, color, n, v->s + k + skip,
                st->reset);
        from = k = k + skip + n;
    }
    fprintf(l->out, "%.*s\n", v->len - from, v->s + from);
}

struct line_stats {
    int insns, walked, paths, pruned;
};

static void summary(struct listing *l, const struct bpfobj_prog *bp, const struct vline *v, int n,
                    const char *stats, int statslen)
{
    int maxline = 0;
    for (int k = 0; bp && k < bp->nlines; k++)
        if (bp->lines[k].line > maxline)
            maxline = bp->lines[k].line;
    if (maxline <= 0)
        return;
    struct line_stats *ls = xcalloc((size_t)maxline + 1, sizeof(*ls));
    for (int i = 0; i < bp->n; i++) {
        ls[line_of(bp, i)].insns++;
        if (bp->insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
            i++; /* its second half is no instruction of its own */
    }
    int prev = -1;
    for (int k = 0; k < n; k++) {
        if (v[k].kind == V_FROM) {
            prev = -1;
            if (v[k].safe && v[k].insn < bp->n)
                ls[line_of(bp, v[k].insn)].pruned++;
        } else if (v[k].kind == V_INSN && v[k].insn < bp->n) {
            int line = line_of(bp, v[k].insn);
            ls[line].walked++;
            if (line != prev)
                ls[line].paths++;
            prev = line;
        } else if (v[k].kind == V_SAFE && v[k].insn < bp->n) {
            ls[line_of(bp, v[k].insn)].pruned++;
        }
    }
    const struct listing_style *st = l->st;
    fprintf(l->out, "%sby script line:%s\n", st->title, st->reset);
    fprintf(l->out, "   line  insns  walked  paths  pruned\n");
    for (int line = 0; line <= maxline; line++) {
        if (!ls[line].insns && !ls[line].walked)
            continue;
        fprintf(l->out, "  %5d  %5d  %6d  %5d  %6d", line, ls[line].insns, ls[line].walked,
                ls[line].paths, ls[line].pruned);
        int len = 0;
        const char *text = line ? diag_line(l->src, line, &len) : NULL;
        if (text) {
            while (len && (*text == ' ' || *text == '\t')) {
                text++;
                len--;
            }
            fprintf(l->out, "  %s|%s %s%.*s%s", st->gutter, st->reset, st->script,
                    len > 60 ? 60 : len, text, st->reset);
            if (len > 60)
                fputs("...", l->out);
        } else if (!line) {
            fprintf(l->out, "  %s|%s (no script line: tinyprobe's own code)", st->gutter,
                    st->reset);
        }
        fputc('\n', l->out);
    }
    if (stats)
        fprintf(l->out, "the verifier: %.*s\n", statslen, stats);
    free(ls);
}

/* The path the verifier was on when it refused: the last path taken up,
 * back through the paths it was left from to the program's start. The
 * verifier keeps the paths it leaves on a stack: each "from X to Y" takes
 * up the latest walk of X that no "from X" has taken up before it. */
static void refusal_path(struct listing *l, const struct bpfobj_prog *bp, const struct vline *v,
                         int n, int reason)
{
    /* where each path starts (the log's start, or a "from" line), and the
     * line of the walk each was left from */
    int *starts = xcalloc((size_t)n + 1, sizeof(*starts));
    int *left_at = xcalloc((size_t)n + 1, sizeof(*left_at));
    /* by instruction, the walks of it not yet taken up, latest on top: a
     * stack threaded through below[] */
    int *top = xmalloc((size_t)VLOG_INSNS_MAX * sizeof(*top));
    int *below = xcalloc((size_t)n + 1, sizeof(*below));
    memset(top, 0xff, (size_t)VLOG_INSNS_MAX * sizeof(*top));
    int nstarts = 0;
    left_at[nstarts] = -1;
    starts[nstarts++] = 0;
    for (int k = 0; k < reason; k++) {
        int x = v[k].kind == V_FROM ? v[k].from : v[k].insn;
        if (x < 0 || x >= VLOG_INSNS_MAX)
            continue;
        if (v[k].kind == V_INSN) {
            below[k] = top[x];
            top[x] = k;
        } else if (v[k].kind == V_FROM) {
            int at = top[x];
            if (at >= 0)
                top[x] = below[at];
            left_at[nstarts] = at;
            starts[nstarts++] = k;
        }
    }
    free(top);
    free(below);
    /* chain[j]: a path, cut[j]: the last of its lines on the way */
    int *chain = xcalloc((size_t)nstarts, sizeof(*chain));
    int *cut = xcalloc((size_t)nstarts, sizeof(*cut));
    int depth = 0, s = nstarts - 1, end = reason;
    for (;;) {
        chain[depth] = s;
        cut[depth++] = end;
        int at = left_at[s];
        if (at < 0 || s == 0 || depth == nstarts)
            break;
        int p = s - 1; /* the path that line belongs to */
        while (p > 0 && starts[p] > at)
            p--;
        s = p;
        end = at;
    }
    const struct listing_style *st = l->st;
    fprintf(l->out, "%sthe path to the refusal:%s\n", st->title, st->reset);
    l->line = l->col = 0;
    for (int j = depth - 1; j >= 0; j--) {
        int first = starts[chain[j]];
        for (int k = first; k <= cut[j] && k < n; k++) {
            if (k == first && v[k].kind == V_FROM) {
                fprintf(l->out, "%.*s\n", v[k].len, v[k].s);
                continue;
            }
            if (v[k].kind == V_INSN) {
                place(l, bp, v[k].insn);
                put_line(l, &v[k], false);
            } else if (v[k].kind == V_STATE && k == first + 1) {
                place(l, bp, v[k].insn);
                put_line(l, &v[k], false);
            }
        }
    }
    place(l, bp, v[reason > 0 ? reason - 1 : 0].insn);
    put_line(l, &v[reason], true);
    free(starts);
    free(left_at);
    free(chain);
    free(cut);
}

void vlog_print(struct listing *l, int prog, const struct bpfobj_prog *bp, const char *log,
                bool refused)
{
    size_t total = strlen(log);
    int cap = 1024, n = 0;
    struct vline *v = xmalloc((size_t)cap * sizeof(*v));
    for (const char *s = log; *s;) {
        const char *e = memchr(s, '\n', total - (size_t)(s - log));
        int len = e ? (int)(e - s) : (int)strlen(s);
        if (n == cap)
            v = xrealloc(v, (size_t)(cap *= 2) * sizeof(*v));
        v[n] = (struct vline){.s = s, .len = len};
        classify(&v[n]);
        n++;
        s = e ? e + 1 : s + len;
    }
    /* the statistics line, and the reason of a refusal: the last line
     * before the statistics that is not one */
    const char *stats = NULL;
    int statslen = 0, last = n;
    for (int k = n - 1; k >= 0; k--)
        if (v[k].len > 10 && strncmp(v[k].s, "processed ", 10) == 0) {
            stats = v[k].s;
            statslen = v[k].len;
            break;
        }
    while (last > 0 && vlog_trailer(v[last - 1].s, (size_t)v[last - 1].len))
        last--;
    if (last == 0 || v[last - 1].kind != V_OTHER)
        refused = false; /* no reason given: the report says so */
    int reason = refused ? last - 1 : -1;

    listing_title(l, prog, bp ? bp->n : 0);
    for (int k = 0; k < n; k++) {
        switch (v[k].kind) {
        case V_LINE: break;
        case V_FROM:
            l->line = l->col = 0; /* a path taken up shows its place again */
            put_line(l, &v[k], false);
            break;
        case V_INSN:
        case V_STATE:
            place(l, bp, v[k].insn);
            put_line(l, &v[k], false);
            break;
        default: put_line(l, &v[k], k == reason); break;
        }
    }
    fputc('\n', l->out);
    summary(l, bp, v, n, stats, statslen);
    if (refused) {
        fputc('\n', l->out);
        refusal_path(l, bp, v, n, reason);
    }
    fputc('\n', l->out);
    listing_flush(l);
    free(v);
}
