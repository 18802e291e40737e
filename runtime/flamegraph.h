/* Flame graphs, drawn by tinyprobe itself: the folded lines of the maps
 * keyed by stacks, merged into a tree of frames, written as one SVG file
 * that a browser opens: a frame's width is its samples, names are cut to
 * fit, a frame's tooltip gives its full name and count, a click zooms into
 * it, and Search highlights the frames whose names match. Nothing but the
 * file: no script or style is fetched from anywhere. */
#ifndef TP_FLAMEGRAPH_H
#define TP_FLAMEGRAPH_H

#include <stddef.h>
#include <stdint.h>

struct flame;

/* The most frames kept in the tree: past them, a line's deeper frames are
 * counted in the last one kept. */
#define FLAME_NODES_MAX (1u << 20)
/* The deepest stack drawn (a line's frames past it are left out). */
#define FLAME_DEPTH_MAX 1024

struct flame *flame_new(void);
/* Adds `count` samples of the folded stack "root;...;leaf" (len bytes). */
void flame_add(struct flame *f, const char *folded, size_t len, int64_t count);
/* Writes the graph to `path`, titled `title`: 0, or -1 with why filled
 * (the file could not be written). */
int flame_write(struct flame *f, const char *path, const char *title, char *why, size_t whylen);
void flame_free(struct flame *f);

#endif
