#include "runtime/flamegraph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/xalloc.h"
#include "runtime/sbuf.h"

/* The drawing: its width, a frame's height, the room above the frames
 * (title, buttons) and below them (the details line), in pixels. */
#define WIDTH     1200
#define PAD_X     10
#define FRAME_H   16
#define TOP       60
#define BOTTOM    34
#define FONT_SIZE 12
#define CHAR_W    (FONT_SIZE * 0.59) /* an average character's width */
#define MIN_WIDTH 0.1                /* narrower frames are not drawn */

struct node {
    uint32_t name;          /* offset in names */
    uint32_t parent, depth; /* the root is node 0, at depth 0 */
    uint32_t first, next;   /* children, as a list; 0 ends it (the root is no one's child) */
    uint64_t value;         /* samples, its callees' included */
    uint64_t x;             /* samples left of it at its depth */
};

struct flame {
    struct node *v;
    size_t n, cap;
    char *names;
    size_t nlen, ncap;
    uint32_t *slots; /* by hash of (parent, name): a node's index, 0 for none */
    size_t nslots;
};

static uint64_t hash(uint32_t parent, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ parent;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static uint32_t add_name(struct flame *f, const char *s, size_t len)
{
    if (f->nlen + len + 1 > f->ncap) {
        f->ncap = (f->ncap + len + 1) * 2;
        f->names = xrealloc(f->names, f->ncap);
    }
    memcpy(f->names + f->nlen, s, len);
    f->names[f->nlen + len] = 0;
    f->nlen += len + 1;
    return (uint32_t)(f->nlen - len - 1);
}

static uint32_t new_node(struct flame *f, uint32_t parent, const char *s, size_t len)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
    }
    uint32_t i = (uint32_t)f->n++;
    f->v[i] = (struct node){.name = add_name(f, s, len), .parent = parent};
    if (i) {
        f->v[i].depth = f->v[parent].depth + 1;
        f->v[i].next = f->v[parent].first;
        f->v[parent].first = i;
    }
    return i;
}

static void rehash(struct flame *f)
{
    free(f->slots);
    f->nslots = f->nslots ? f->nslots * 2 : 4096;
    f->slots = xcalloc(f->nslots, sizeof(*f->slots));
    for (uint32_t i = 1; i < f->n; i++) {
        const char *s = f->names + f->v[i].name;
        size_t k = hash(f->v[i].parent, s, strlen(s)) & (f->nslots - 1);
        while (f->slots[k])
            k = (k + 1) & (f->nslots - 1);
        f->slots[k] = i;
    }
}

/* The child of `parent` called s (len bytes), made if there is none; 0
 * when the tree is full. */
static uint32_t child(struct flame *f, uint32_t parent, const char *s, size_t len)
{
    if ((f->n + 1) * 2 > f->nslots)
        rehash(f);
    size_t k = hash(parent, s, len) & (f->nslots - 1);
    for (; f->slots[k]; k = (k + 1) & (f->nslots - 1)) {
        const struct node *c = &f->v[f->slots[k]];
        const char *name = f->names + c->name;
        if (c->parent == parent && strncmp(name, s, len) == 0 && name[len] == 0)
            return f->slots[k];
    }
    if (f->n >= FLAME_NODES_MAX)
        return 0;
    uint32_t i = new_node(f, parent, s, len);
    f->slots[k] = i;
    return i;
}

struct flame *flame_new(void)
{
    struct flame *f = xcalloc(1, sizeof(*f));
    new_node(f, 0, "all", 3);
    rehash(f);
    return f;
}

void flame_add(struct flame *f, const char *folded, size_t len, int64_t count)
{
    if (count <= 0)
        return;
    uint32_t cur = 0;
    f->v[0].value += (uint64_t)count;
    for (size_t at = 0, depth = 0; at < len && depth < FLAME_DEPTH_MAX; depth++) {
        const char *semi = memchr(folded + at, ';', len - at);
        size_t n = semi ? (size_t)(semi - (folded + at)) : len - at;
        uint32_t c = n ? child(f, cur, folded + at, n) : 0;
        if (n && !c)
            break; /* full: counted where it is */
        if (c) {
            f->v[c].value += (uint64_t)count;
            cur = c;
        }
        at += n + 1;
    }
}

/* qsort has no argument for the comparison: the tree being laid out */
static const char *g_names;
static const struct node *g_nodes;
static int cmp_child(const void *pa, const void *pb)
{
    const struct node *a = &g_nodes[*(const uint32_t *)pa], *b = &g_nodes[*(const uint32_t *)pb];
    return strcmp(g_names + a->name, g_names + b->name);
}

/* Places each node's children left to right by name (as flamegraph.pl
 * does, so that one run's graph looks like the next's), each at its
 * parent's x plus its elder siblings' samples; returns the deepest depth. */
static uint32_t layout(struct flame *f)
{
    uint32_t *kids = xcalloc(f->n ? f->n : 1, sizeof(*kids)), deepest = 0;
    g_names = f->names;
    g_nodes = f->v;
    /* parents come before their children in the array */
    for (uint32_t i = 0; i < f->n; i++) {
        struct node *p = &f->v[i];
        if (p->depth > deepest)
            deepest = p->depth;
        size_t nk = 0;
        for (uint32_t c = p->first; c; c = f->v[c].next)
            kids[nk++] = c;
        qsort(kids, nk, sizeof(*kids), cmp_child);
        uint64_t x = p->x;
        for (size_t k = 0; k < nk; k++) {
            f->v[kids[k]].x = x;
            x += f->v[kids[k]].value;
        }
        /* the list in that order, for the drawing */
        p->first = nk ? kids[0] : 0;
        for (size_t k = 0; k < nk; k++)
            f->v[kids[k]].next = k + 1 < nk ? kids[k + 1] : 0;
    }
    free(kids);
    return deepest;
}

static void xml_text(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&apos;"); break;
        default:
            /* control characters are not XML */
            sb_putc(b, (unsigned char)s[i] < 0x20 ? '?' : s[i]);
        }
    }
}

/* A warm colour of its own for each name, so that a function keeps its
 * colour from one graph to the next. */
static void colour(const char *name, int *r, int *g, int *bl)
{
    uint64_t h = hash(0, name, strlen(name));
    *r = 205 + (int)(h % 51);
    *g = (int)((h >> 8) % 231);
    *bl = (int)((h >> 16) % 56);
}

/* What fits of a name in w pixels: it whole, or its start and "..", or
 * nothing when not three characters fit. */
static size_t fit(const char *name, double w, bool *cut)
{
    double room = (w - 6) / CHAR_W;
    size_t len = strlen(name);
    *cut = false;
    if (room < 3)
        return 0;
    if ((double)len <= room)
        return len;
    *cut = true;
    return (size_t)room - 2;
}

static const char script[] =
    "var W = +document.documentElement.getAttribute('width'), PAD = 10, CW = 7.08;\n"
    "var frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
    "var details = document.getElementById('details'), matched = "
    "document.getElementById('matched');\n"
    "var zoomed = null;\n"
    "function num(g, a) { return +g.getAttribute(a); }\n"
    "function label(g) { return g.getAttribute('data-name'); }\n"
    "function show(g, x, w) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text'), n = label(g);\n"
    "  g.style.display = w < 0.1 ? 'none' : '';\n"
    "  r.setAttribute('x', x); r.setAttribute('width', w); t.setAttribute('x', x + 3);\n"
    "  var room = Math.floor((w - 6) / CW);\n"
    "  t.textContent = room < 3 ? '' : n.length <= room ? n : n.substring(0, room - 2) + '..';\n"
    "}\n"
    "function zoom(z) {\n"
    "  zoomed = z;\n"
    "  var zx = z ? num(z, 'data-x') : 0, zw = z ? num(z, 'data-w') : 1, zd = z ? num(z, 'data-d') "
    ": 0;\n"
    "  var scale = (W - 2 * PAD) / zw;\n"
    "  frames.forEach(function (g) {\n"
    "    var x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');\n"
    "    g.classList.remove('parent');\n"
    "    if (x >= zx - 1e-9 && x + w <= zx + zw + 1e-9 && d >= zd) show(g, PAD + (x - zx) * scale, "
    "w * scale);\n"
    "    else if (d < zd && x <= zx + 1e-9 && x + w >= zx + zw - 1e-9) { show(g, PAD, W - 2 * "
    "PAD); g.classList.add('parent'); }\n"
    "    else g.style.display = 'none';\n"
    "  });\n"
    "  document.getElementById('unzoom').style.opacity = z ? 1 : 0;\n"
    "}\n"
    "function search(re) {\n"
    "  var total = 0, covered = [];\n"
    "  frames.forEach(function (g) {\n"
    "    var r = g.querySelector('rect');\n"
    "    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
    "    var hit = re && re.test(label(g));\n"
    "    r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));\n"
    "    if (!hit) return;\n"
    "    var x = num(g, 'data-x'), w = num(g, 'data-w');\n"
    "    for (var i = 0; i < covered.length; i++) if (x >= covered[i][0] && x + w <= "
    "covered[i][1]) return;\n"
    "    covered.push([x, x + w]); total += w;\n"
    "  });\n"
    "  matched.textContent = re ? 'Matched: ' + (100 * total).toFixed(1) + '%' : '';\n"
    "  document.documentElement.setAttribute('data-matched', re ? (100 * total).toFixed(1) : '');\n"
    "}\n"
    "frames.forEach(function (g) {\n"
    "  g.addEventListener('click', function (e) { zoom(g); e.stopPropagation(); });\n"
    "  g.addEventListener('mouseover', function () { details.textContent = "
    "g.querySelector('title').textContent; });\n"
    "  g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "});\n"
    "document.getElementById('unzoom').addEventListener('click', function () { zoom(null); });\n"
    "document.getElementById('search').addEventListener('click', function () {\n"
    "  var s = prompt('Search for (a regular expression)', '');\n"
    "  try { search(s ? new RegExp(s) : null); } catch (err) { matched.textContent = 'not a "
    "regular expression'; }\n"
    "});\n"
    "(function () { /* #zoom=NAME, #search=RE: for a link, and for the tests */\n"
    "  var h = decodeURIComponent(location.hash.substring(1)), m;\n"
    "  if ((m = /^zoom=(.*)$/.exec(h))) {\n"
    "    var best = null;\n"
    "    frames.forEach(function (g) { if (label(g) === m[1] && (!best || num(g, 'data-w') > "
    "num(best, 'data-w'))) best = g; });\n"
    "    if (best) zoom(best);\n"
    "  } else if ((m = /^search=(.*)$/.exec(h))) search(new RegExp(m[1]));\n"
    "  document.documentElement.setAttribute('data-ready', '1');\n"
    "})();\n";

/* The tree as SVG into b: each frame a group with its tooltip, box and
 * name, and what the script needs to zoom (its place as a fraction of the
 * total, and its depth). */
static void draw(struct flame *f, struct sbuf *b, const char *title)
{
    uint32_t deepest = layout(f);
    int height = TOP + (int)(deepest + 1) * FRAME_H + BOTTOM;
    double total = f->v[0].value ? (double)f->v[0].value : 1, scale = (WIDTH - 2 * PAD_X) / total;
    sb_printf(b,
              "<?xml version=\"1.0\" standalone=\"no\"?>\n"
              "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              "xmlns=\"http://www.w3.org/2000/svg\">\n",
              WIDTH, height, WIDTH, height);
    sb_printf(b,
              "<style>text { font-family: Verdana, sans-serif; font-size: %dpx; fill: #000; }\n"
              "g.f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; }\n"
              "g.parent { opacity: 0.5; } #title { font-size: 17px; }\n"
              "#unzoom, #search { cursor: pointer; }</style>\n",
              FONT_SIZE);
    sb_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f8\"/>\n", WIDTH,
              height);
    sb_printf(b, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", WIDTH / 2);
    xml_text(b, title, strlen(title));
    sb_puts(b, "</text>\n");
    sb_printf(b, "<text id=\"unzoom\" x=\"%d\" y=\"24\" style=\"opacity: 0\">Reset Zoom</text>\n",
              PAD_X);
    sb_printf(b, "<text id=\"search\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n",
              WIDTH - PAD_X);
    sb_printf(b, "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
              WIDTH - PAD_X, height - 12);
    sb_printf(b, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD_X, height - 12);
    /* depth first, from the root: parents before children */
    uint32_t *stack = xcalloc(f->n ? f->n : 1, sizeof(*stack));
    size_t top = 0;
    stack[top++] = 0;
    while (top) {
        const struct node *nd = &f->v[stack[--top]];
        double w = (double)nd->value * scale;
        if (w < MIN_WIDTH)
            continue; /* nor its callees, narrower still */
        for (uint32_t c = nd->first; c; c = f->v[c].next)
            stack[top++] = c;
        const char *name = f->names + nd->name;
        double x = PAD_X + (double)nd->x * scale;
        int y = height - BOTTOM - (int)(nd->depth + 1) * FRAME_H;
        int r, g, bl;
        colour(name, &r, &g, &bl);
        sb_printf(b, "<g class=\"f\" data-x=\"%.9f\" data-w=\"%.9f\" data-d=\"%u\" data-name=\"",
                  (double)nd->x / total, (double)nd->value / total, nd->depth);
        xml_text(b, name, strlen(name));
        sb_puts(b, "\"><title>");
        xml_text(b, name, strlen(name));
        sb_printf(b, " (%" PRIu64 " sample%s, %.2f%%)</title>", nd->value,
                  nd->value == 1 ? "" : "s", 100.0 * (double)nd->value / total);
        sb_printf(b,
                  "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" "
                  "fill=\"rgb(%d,%d,%d)\"/>",
                  x, y, w, FRAME_H - 1, r, g, bl);
        bool cut;
        size_t n = fit(name, w, &cut);
        sb_printf(b, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + 10.5);
        xml_text(b, name, n);
        if (cut)
            sb_puts(b, "..");
        sb_puts(b, "</text></g>\n");
    }
    free(stack);
    sb_printf(b, "<script><![CDATA[\n%s]]></script>\n</svg>\n", script);
}

int flame_write(struct flame *f, const char *path, const char *title, char *why, size_t whylen)
{
    struct sbuf b = {0};
    draw(f, &b, title);
    FILE *out = fopen(path, "we");
    int rc = -1;
    if (!out) {
        snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    } else {
        size_t put = fwrite(b.p, 1, b.len, out);
        int err = put == b.len ? 0 : errno ? errno : EIO;
        if (fclose(out) && !err)
            err = errno;
        if (err)
            snprintf(why, whylen, "cannot write %s: %s", path, strerror(err));
        else
            rc = 0;
    }
    sb_free(&b);
    return rc;
}

void flame_free(struct flame *f)
{
    if (!f)
        return;
    free(f->v);
    free(f->names);
    free(f->slots);
    free(f);
}
