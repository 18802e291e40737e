/* The front door of the front end: text in, tree out (or diagnostics). */
#ifndef TP_PARSE_H
#define TP_PARSE_H

#include <stdio.h>

#include "lang/ast.h"

/* Where the scanner is in a script's block structure. The scanner follows it
 * (it is regular: probe, specs, filter, block) so that `<` `>` `/` and `probe`
 * can mean what they mean there, and the grammar stays free of conflicts. */
enum lex_mode { LEX_TOP, LEX_SPEC, LEX_FILTER, LEX_AFTER_FILTER, LEX_ANGLE, LEX_BRACE };

/* A block opened inside a probe's body, in another mode than the one around
 * it ('<' after `if (c)` or `else`; '{' in a '< >' block): the context its
 * end returns to. */
struct lex_nest {
    enum lex_mode mode;
    int parens, braces;
};

struct parse_state {
    struct arena *arena;
    struct diag_src *src;
    struct ast_program *prog;
    void *scanner;
    enum lex_mode mode;
    int parens, braces;
    struct lex_nest *nest; /* AST_DEPTH_MAX of them, in the arena */
    int depth;
    /* after `if (c)` or `else` a '<' can only start a block: the scanner
     * follows an if's condition to its ')' */
    bool block_next, if_open;
    int if_parens;
    int line, column; /* where the next character is */
    /* the last token read (the lookahead, at a syntax error) and the one
     * before it, for errors that depend on what came before */
    int last_token, before_token;
    struct tp_loc last_loc, before_loc;
    FILE *dump_tokens; /* -d tokens */
};

/* Parses `src`; NULL after printing diagnostics. Free with ast_program_free. */
struct ast_program *parse_script(struct diag_src *src, FILE *dump_tokens);

#endif
