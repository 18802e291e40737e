/* The grammar. Pure, with locations, and without conflicts: the scanner
 * tells a block's `<` `>` and a filter's `/` from the operators (ABEGIN, AEND,
 * FSLASH), so one expression grammar serves everywhere. */
%code requires {
#include "lang/ast.h"
struct parse_state;
}


%code {
#include <string.h>

#include "lang/parse.h"
#include "lexer.h"

int tplex_scan(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
static bool depth_ok(struct parse_state *ps, struct ast_node *n);
/* Every pass over a tree recurses on its depth: bound it where it is built. */
#define DEEP(n) do { if (!depth_ok(ps, n)) YYABORT; } while (0)
static int lex(YYSTYPE *lval, YYLTYPE *lloc, struct parse_state *ps);
static void yyerror(YYLTYPE *loc, struct parse_state *ps, const char *msg);
#define yylex lex
}

%define api.pure full
%define api.location.type {struct tp_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {struct parse_state *ps}

%union {
    struct { char *s; size_t n; } str;
    /* an integer literal, and whether it is above INT64_MAX (so unsigned) */
    struct { int64_t v; bool big; } num;
    struct ast_node *node;
    struct ast_tname *tname;
    struct { int size; bool is_signed; } itype;
    struct ast_spec *spec;
    struct ast_probe *probe;
    enum ast_op op;
    /* lists grow at their tail: appending is O(1), parsing is linear */
    struct { struct ast_node *head, *tail; } nodes;
    struct { struct ast_spec *head, *tail; } specs;
    struct { struct ast_probe *head, *tail; } probes;
}

%token PROBE "'probe'" PRINT "'print'" PRINTF "'printf'" EXIT "'exit'" IF "'if'" ELSE "'else'"
%token WHILE "'while'" UNROLL "'unroll'" BREAK "'break'" CONTINUE "'continue'" FOR "'for'"
%token <str> IDENT "identifier" STRING "string" SPEC "probe spec" VAR "variable" MAP "map"
%token <op> OPASSIGN "compound assignment"
%token INC "'++'" DEC "'--'"
%token <num> INT "integer" PARAM "positional parameter"
%token ABEGIN "'<' (block start)" AEND "'>' (block end)" FSLASH "'/' (filter)"
%token LE "'<='" GE "'>='" EQ "'=='" NE "'!='" AND "'&&'" OR "'||'" SHL "'<<'" SHR "'>>'"
%token ARROW "'->'"
%token STRUCT "'struct'" UNION "'union'" SIZEOF "'sizeof'" OFFSETOF "'offsetof'"
%token <itype> TYPEINT "integer type"
/* @m[k] is a key, never an element of @m's value */
%precedence BAREMAP
%precedence '['

%type <probes> probes
%type <probe> probe
%type <specs> specs
%type <spec> spec
%type <nodes> stmt_list if_list exprs
%type <node> filter block stmts stmt args expr cond lor land bor bxor band
%type <node> lvalue map if_stmt else_part block_stmt
%type <node> eq rel shift add mul unary postfix primary
%type <tname> tname
%type <num> stars
%type <str> member_path

%%

/* program: probe+ */
program
    : probes                { ps->prog->probes = $1.head; }
    ;

/* probes: probe+ */
probes
    : probe                 { $$.head = $$.tail = $1; }
    | probes probe          { $$ = $1; $$.tail->next = $2; $$.tail = $2; }
    ;

/* probe: 'probe' spec (',' spec)* ['/' expr '/'] block */
probe
    : PROBE specs filter block {
            $$ = arena_alloc(ps->arena, sizeof(*$$));
            $$->loc = @1;
            $$->specs = $2.head;
            $$->filter = $3;
            $$->body = $4;
        }
    ;

/* specs: spec (',' spec)* */
specs
    : spec                  { $$.head = $$.tail = $1; }
    | specs ',' spec        { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    ;

/* spec: SPEC, "kind" or "kind:target", split by the checks */
spec
    : SPEC                  { $$ = arena_alloc(ps->arena, sizeof(*$$)); $$->loc = @1; $$->text = $1.s; }
    ;

/* filter: ['/' expr '/'], a division in it goes in parentheses */
filter
    : %empty                { $$ = NULL; }
    | FSLASH expr FSLASH    { $$ = $2; }
    ;

/* block: '{' stmts '}' | '<' stmts '>' */
block
    : '{' stmts '}'         { $$ = $2; }
    | ABEGIN stmts AEND     { $$ = $2; }
    ;

/* stmts: [(stmt | block_stmt) ((';' | after a block_stmt, nothing) (stmt | block_stmt))* [';']] */
stmts
    : %empty                { $$ = NULL; }
    | stmt_list             { $$ = $1.head; }
    | stmt_list ';'         { $$ = $1.head; }
    | if_list               { $$ = $1.head; }
    | if_list ';'           { $$ = $1.head; }
    ;

/* stmt_list: statements that end in a stmt: stmt, then ';' stmt, or after an if_list, stmt */
stmt_list
    : stmt                  { $$.head = $$.tail = $1; }
    | stmt_list ';' stmt    { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    | if_list stmt          { $$ = $1; $$.tail->next = $2; $$.tail = $2; }
    | if_list ';' stmt      { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    ;

/* if_list: statements that end in a block_stmt, which needs no ';' after it */
if_list
    : block_stmt            { $$.head = $$.tail = $1; }
    | stmt_list ';' block_stmt { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    | if_list block_stmt    { $$ = $1; $$.tail->next = $2; $$.tail = $2; }
    | if_list ';' block_stmt { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    ;

/* stmt: 'print' expr (',' expr)* | 'print' '(' expr ',' expr ')'
 *     | 'printf' '(' args ')' | 'exit' ['(' [expr] ')'] | 'break' | 'continue'
 *     | lvalue ('=' | OPASSIGN) expr | lvalue ('++' | '--')
 *     | IDENT '(' args ')' */
stmt
    : PRINT exprs           {
            $$ = ast_node(ps->arena, S_PRINT, @$);
            $$->args = $2.head;
            struct ast_node *t = $2.head;
            if (!t->next && t->kind == N_TUPLE && t->args->kind == N_MAP && !t->args->args &&
                t->args->next && !t->args->next->next) {
                /* print(@map, N): the top N, not the tuple */
                $$->args = t->args;
                $$->compound = true;
            }
        }
    | PRINTF '(' args ')'   { $$ = ast_node(ps->arena, S_PRINTF, @$); $$->args = $3; }
    | EXIT                  { $$ = ast_node(ps->arena, S_EXIT, @$); }
    | EXIT '(' ')'          { $$ = ast_node(ps->arena, S_EXIT, @$); }
    | EXIT '(' expr ')'     { $$ = ast_node(ps->arena, S_EXIT, @$); $$->a = $3; }
    | BREAK                 { $$ = ast_node(ps->arena, S_BREAK, @$); }
    | CONTINUE              { $$ = ast_node(ps->arena, S_CONTINUE, @$); }
    | lvalue '=' expr       { $$ = ast_node(ps->arena, S_ASSIGN, @$); $$->a = $1; $$->b = $3; }
    | IDENT '=' expr        {
            /* not a variable: the checks say so */
            $$ = ast_node(ps->arena, S_ASSIGN, @$);
            $$->a = ast_node(ps->arena, N_IDENT, @1);
            $$->a->sval = $1.s;
            $$->b = $3;
        }
    | lvalue OPASSIGN expr  {
            $$ = ast_node(ps->arena, S_ASSIGN, @$);
            $$->a = $1;
            $$->b = $3;
            $$->op = $2;
            $$->compound = true;
        }
    | lvalue INC            { $$ = ast_step(ps->arena, $1, OP_ADD, @$, @2); }
    | lvalue DEC            { $$ = ast_step(ps->arena, $1, OP_SUB, @$, @2); }
    | IDENT '(' args ')'    {
            struct ast_node *call = ast_node(ps->arena, N_CALL, @$);
            call->sval = $1.s;
            call->args = $3;
            DEEP(call);
            $$ = ast_node(ps->arena, S_CALL, @$);
            $$->a = call;
        }
    ;

/* lvalue: VAR | map */
lvalue
    : VAR                   { $$ = ast_node(ps->arena, N_VAR, @$); $$->sval = $1.s; }
    | map
    ;

/* map: MAP ['[' exprs ']'] */
map
    : MAP %prec BAREMAP     { $$ = ast_node(ps->arena, N_MAP, @$); $$->sval = $1.s; }
    | MAP '[' exprs ']'     { $$ = ast_node(ps->arena, N_MAP, @$); $$->sval = $1.s; $$->args = $3.head; DEEP($$); }
    ;

/* block_stmt: if_stmt | 'while' '(' expr ')' block | 'unroll' '(' expr ')' block
 *           | 'for' '(' VAR ':' MAP ')' block */
block_stmt
    : if_stmt
    | FOR '(' VAR ':' MAP ')' block {
            $$ = ast_node(ps->arena, S_FOR, @1);
            $$->a = ast_node(ps->arena, N_VAR, @3);
            $$->a->sval = $3.s;
            $$->c = ast_node(ps->arena, N_MAP, @5);
            $$->c->sval = $5.s;
            $$->b = $7;
        }
    | WHILE '(' expr ')' block {
            $$ = ast_node(ps->arena, S_WHILE, @1);
            $$->a = $3;
            $$->b = $5;
        }
    | UNROLL '(' expr ')' block {
            $$ = ast_node(ps->arena, S_UNROLL, @1);
            $$->a = $3;
            $$->b = $5;
        }
    ;
/* if_stmt: 'if' '(' expr ')' block [else_part] */
if_stmt
    : IF '(' expr ')' block else_part {
            $$ = ast_node(ps->arena, S_IF, @1);
            $$->a = $3;
            $$->b = $5;
            $$->c = $6;
        }
    ;

/* else_part: ['else' (if_stmt | block)] */
else_part
    : %empty                { $$ = NULL; }
    | ELSE if_stmt          { $$ = $2; }
    | ELSE block            {
            /* an empty else is no else; a non-empty one is one list */
            $$ = $2;
        }
    ;


/* exprs: expr (',' expr)* */
exprs
    : expr                  { $$.head = $$.tail = $1; }
    | exprs ',' expr        { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
    ;

/* args: [exprs] */
args
    : %empty                { $$ = NULL; }
    | exprs                 { $$ = $1.head; }
    ;

/* expr: cond; below it, C's precedence from || down to unary */
expr
    : cond
    ;

/* cond: lor ['?' expr ':' cond] */
cond
    : lor
    | lor '?' expr ':' cond { $$ = ast_node(ps->arena, N_COND, @$); $$->a = $1; $$->b = $3; $$->c = $5; DEEP($$); }
    ;

/* lor: land ('||' land)* */
lor
    : land
    | lor OR land           { $$ = ast_binary(ps->arena, OP_LOR, $1, $3, @2); DEEP($$); }
    ;

/* land: bor ('&&' bor)* */
land
    : bor
    | land AND bor          { $$ = ast_binary(ps->arena, OP_LAND, $1, $3, @2); DEEP($$); }
    ;

/* bor: bxor ('|' bxor)* */
bor
    : bxor
    | bor '|' bxor          { $$ = ast_binary(ps->arena, OP_OR, $1, $3, @2); DEEP($$); }
    ;

/* bxor: band ('^' band)* */
bxor
    : band
    | bxor '^' band         { $$ = ast_binary(ps->arena, OP_XOR, $1, $3, @2); DEEP($$); }
    ;

/* band: eq ('&' eq)* */
band
    : eq
    | band '&' eq           { $$ = ast_binary(ps->arena, OP_AND, $1, $3, @2); DEEP($$); }
    ;

/* eq: rel (('==' | '!=') rel)* */
eq
    : rel
    | eq EQ rel             { $$ = ast_binary(ps->arena, OP_EQ, $1, $3, @2); DEEP($$); }
    | eq NE rel             { $$ = ast_binary(ps->arena, OP_NE, $1, $3, @2); DEEP($$); }
    ;

/* rel: shift (('<' | '>' | '<=' | '>=') shift)* */
rel
    : shift
    | rel '<' shift         { $$ = ast_binary(ps->arena, OP_LT, $1, $3, @2); DEEP($$); }
    | rel '>' shift         { $$ = ast_binary(ps->arena, OP_GT, $1, $3, @2); DEEP($$); }
    | rel LE shift          { $$ = ast_binary(ps->arena, OP_LE, $1, $3, @2); DEEP($$); }
    | rel GE shift          { $$ = ast_binary(ps->arena, OP_GE, $1, $3, @2); DEEP($$); }
    ;

/* shift: add (('<<' | '>>') add)* */
shift
    : add
    | shift SHL add         { $$ = ast_binary(ps->arena, OP_SHL, $1, $3, @2); DEEP($$); }
    | shift SHR add         { $$ = ast_binary(ps->arena, OP_SHR, $1, $3, @2); DEEP($$); }
    ;

/* add: mul (('+' | '-') mul)* */
add
    : mul
    | add '+' mul           { $$ = ast_binary(ps->arena, OP_ADD, $1, $3, @2); DEEP($$); }
    | add '-' mul           { $$ = ast_binary(ps->arena, OP_SUB, $1, $3, @2); DEEP($$); }
    ;

/* mul: unary (('*' | '/' | '%') unary)* */
mul
    : unary
    | mul '*' unary         { $$ = ast_binary(ps->arena, OP_MUL, $1, $3, @2); DEEP($$); }
    | mul '/' unary         { $$ = ast_binary(ps->arena, OP_DIV, $1, $3, @2); DEEP($$); }
    | mul '%' unary         { $$ = ast_binary(ps->arena, OP_MOD, $1, $3, @2); DEEP($$); }
    ;

/* unary: ('-' | '!' | '~' | '*') unary | '(' tname ')' unary
 *      | 'sizeof' '(' (tname | expr) ')' | postfix */
unary
    : postfix
    | '-' unary             { $$ = ast_unary(ps->arena, OP_NEG, $2, @$); DEEP($$); }
    | '!' unary             { $$ = ast_unary(ps->arena, OP_NOT, $2, @$); DEEP($$); }
    | '~' unary             { $$ = ast_unary(ps->arena, OP_BNOT, $2, @$); DEEP($$); }
    | '*' unary             { $$ = ast_node(ps->arena, N_DEREF, @$); $$->a = $2; DEEP($$); }
    | '(' tname ')' unary   { $$ = ast_node(ps->arena, N_CAST, @$); $$->tname = $2; $$->a = $4; DEEP($$); }
    | SIZEOF '(' tname ')'  { $$ = ast_node(ps->arena, N_SIZEOF, @$); $$->tname = $3; }
    | SIZEOF '(' expr ')'   { $$ = ast_node(ps->arena, N_SIZEOF, @$); $$->a = $3; DEEP($$); }
    ;
/* tname: TYPEINT stars | ('struct' | 'union') IDENT stars */
tname
    : TYPEINT stars {
            $$ = arena_alloc(ps->arena, sizeof(*$$));
            $$->kind = TN_INT;
            $$->size = $1.size;
            $$->is_signed = $1.is_signed;
            $$->stars = (int)$2.v;
            $$->loc = @$;
        }
    | STRUCT IDENT stars {
            $$ = arena_alloc(ps->arena, sizeof(*$$));
            $$->kind = TN_STRUCT;
            $$->name = $2.s;
            $$->stars = (int)$3.v;
            $$->loc = @$;
        }
    | UNION IDENT stars {
            $$ = arena_alloc(ps->arena, sizeof(*$$));
            $$->kind = TN_UNION;
            $$->name = $2.s;
            $$->stars = (int)$3.v;
            $$->loc = @$;
        }
    ;
/* stars: '*'* */
stars
    : %empty                { $$.v = 0; $$.big = false; }
    | stars '*'             { $$ = $1; $$.v++; }
    ;
/* postfix: primary ('.' IDENT | '.' INT | '->' IDENT | '[' expr ']')* */
postfix
    : primary
    | postfix '.' IDENT     { $$ = ast_node(ps->arena, N_MEMBER, @$); $$->a = $1; $$->sval = $3.s; DEEP($$); }
    | postfix '.' INT       {
            /* a tuple's element: $t.0 */
            $$ = ast_node(ps->arena, N_MEMBER, @$);
            $$->a = $1;
            $$->ival = $3.big ? -1 : $3.v;
            $$->sval = "";
            $$->tuple = true;
            DEEP($$);
        }
    | postfix ARROW IDENT   {
            $$ = ast_node(ps->arena, N_MEMBER, @$);
            $$->a = $1;
            $$->sval = $3.s;
            $$->arrow = true;
            DEEP($$);
        }
    | postfix '[' expr ']'  { $$ = ast_node(ps->arena, N_INDEX, @$); $$->a = $1; $$->b = $3; DEEP($$); }
    ;
/* member_path: IDENT ('.' IDENT)* */
member_path
    : IDENT
    | member_path '.' IDENT {
            $$.n = $1.n + 1 + $3.n;
            $$.s = arena_alloc(ps->arena, $$.n + 1);
            memcpy($$.s, $1.s, $1.n);
            $$.s[$1.n] = '.';
            memcpy($$.s + $1.n + 1, $3.s, $3.n + 1);
        }
    ;
/* primary: INT | STRING | PARAM | IDENT | IDENT '(' args ')' | VAR | map | '(' expr ')'
 *        | '(' expr ',' exprs ')' (a tuple)
 *        | 'offsetof' '(' tname ',' member_path ')' */
primary
    : INT                   { $$ = ast_node(ps->arena, N_INT, @$); $$->ival = $1.v; $$->big = $1.big; }
    | PARAM                 { $$ = ast_node(ps->arena, N_PARAM, @$); $$->ival = $1.v; }
    | STRING                { $$ = ast_node(ps->arena, N_STR, @$); $$->sval = $1.s; $$->slen = $1.n; }
    | IDENT                 { $$ = ast_node(ps->arena, N_IDENT, @$); $$->sval = $1.s; }
    | IDENT '(' args ')'    { $$ = ast_node(ps->arena, N_CALL, @$); $$->sval = $1.s; $$->args = $3; DEEP($$); }
    | VAR                   { $$ = ast_node(ps->arena, N_VAR, @$); $$->sval = $1.s; }
    | map
    | '(' expr ')'          { $$ = $2; }
    | '(' expr ',' exprs ')' {
            $$ = ast_node(ps->arena, N_TUPLE, @$);
            $$->args = $2;
            $2->next = $4.head;
            DEEP($$);
        }
    | OFFSETOF '(' tname ',' member_path ')' {
            $$ = ast_node(ps->arena, N_OFFSETOF, @$);
            $$->tname = $3;
            $$->sval = $5.s;
            $$->slen = $5.n;
        }
    ;

%%

static int lex(YYSTYPE *lval, YYLTYPE *lloc, struct parse_state *ps)
{
    int t = tplex_scan(lval, lloc, ps->scanner);
    if (ps->dump_tokens && t != YYerror) {
        fprintf(ps->dump_tokens, "%d:%d-%d:%d %s", lloc->first_line, lloc->first_column,
                lloc->last_line, lloc->last_column, yysymbol_name(YYTRANSLATE(t)));
        if (t == IDENT || t == SPEC)
            fprintf(ps->dump_tokens, " %s", lval->str.s);
        else if (t == INT)
            fprintf(ps->dump_tokens, lval->num.big ? " %llu" : " %lld", (long long)lval->num.v);
        fputc('\n', ps->dump_tokens);
    }
    /* what a '<' after this token is: a block after `if (c)` and `else` */
    ps->block_next = t == ELSE || (t == ')' && ps->if_open && ps->parens == ps->if_parens);
    if (ps->block_next)
        ps->if_open = false;
    if (t == IF || t == WHILE || t == UNROLL || t == FOR) { /* a block follows its parentheses */
        ps->if_open = true;
        ps->if_parens = ps->parens;
    }
    if (t != YYEOF) {
        ps->before_token = ps->last_token;
        ps->before_loc = ps->last_loc;
        ps->last_token = t;
        ps->last_loc = *lloc;
    }
    return t;
}

static int depth_of(const struct ast_node *n)
{
    return n ? n->depth : 0;
}

static bool depth_ok(struct parse_state *ps, struct ast_node *n)
{
    int d = depth_of(n->a);
    if (depth_of(n->b) > d)
        d = depth_of(n->b);
    if (depth_of(n->c) > d)
        d = depth_of(n->c);
    for (const struct ast_node *a = n->args; a; a = a->next)
        if (a->depth > d)
            d = a->depth;
    n->depth = d + 1;
    if (n->depth <= AST_DEPTH_MAX)
        return true;
    diag_error(ps->src, n->loc, "expression nested too deeply: more than %d levels",
               AST_DEPTH_MAX);
    diag_note(ps->src, "each operator, call and field counts a level; a long sum such as "
                       "a + b + c is one level a term");
    return false;
}

static void yyerror(YYLTYPE *loc, struct parse_state *ps, const char *msg)
{
    /* bison's own stack: reached by a long run of prefix operators or '?:' */
    if (strcmp(msg, "memory exhausted") == 0) {
        diag_error(ps->src, *loc, "expression nested too deeply: the parser holds %d levels",
                   YYMAXDEPTH);
        return;
    }
    diag_error(ps->src, *loc, "%s", msg);
}

/* "unexpected X, expected A, B or C", with one case made precise: after a
 * '< >' block has ended, a stray token most likely means that a '>' in the
 * block was meant as a comparison. */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct parse_state *ps)
{
    yysymbol_kind_t found = yypcontext_token(ctx);
    YYLTYPE loc = *yypcontext_location(ctx);
    if (found == YYSYMBOL_YYEOF && !ps->last_token) {
        diag_error(ps->src, (struct tp_loc){1, 1, 1, 1}, "the script has no probes");
        diag_note(ps->src, "a probe is written: probe BEGIN { print \"hello\" }");
        return 0;
    }
    if (found == YYSYMBOL_YYEOF) {
        /* point just past the last token, not at a line that does not exist */
        loc = ps->last_loc;
        loc.first_line = loc.last_line;
        loc.first_column = loc.last_column + 1;
        loc.last_column = loc.first_column;
    }
    if (ps->before_token == AEND && found != YYSYMBOL_PROBE && found != YYSYMBOL_YYEOF) {
        diag_error(ps->src, ps->before_loc,
                   "this '>' ends the '< >' block, but the statement goes on after it");
        diag_note(ps->src, "a '>' comparison inside a '< >' block must be parenthesized, "
                           "as in (a > b)");
        return 0;
    }
    if (ps->before_token == FSLASH && found != YYSYMBOL_ABEGIN && found != YYSYMBOL_YYEOF &&
        found != YYSYMBOL_YYUNDEF && yypcontext_token(ctx) != YYSYMBOL_YYerror &&
        ps->mode == LEX_AFTER_FILTER) {
        diag_error(ps->src, ps->before_loc, "this '/' ends the filter, but the filter goes on after it");
        diag_note(ps->src, "a division inside a filter must be parenthesized, as in (a / b)");
        return 0;
    }
    /* Where an expression may start, say so rather than list what starts one;
     * where any of a dozen operators may follow, name them as one. */
    yysymbol_kind_t expected[YYNTOKENS], shown[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS), nshown = 0;
    bool expr = false, op = false;
    for (int i = 0; i < n; i++)
        expr |= expected[i] == YYSYMBOL_IDENT;
    for (int i = 0; i < n; i++) {
        yysymbol_kind_t k = expected[i];
        const char *name = yysymbol_name(k);
        bool starts = k == YYSYMBOL_IDENT || k == YYSYMBOL_STRING || k == YYSYMBOL_INT ||
                      (name[0] == '\'' && strchr("(-!~", name[1]) && name[2] == '\'');
        bool is_op = name[0] == '\'' && strchr("+-*/%&|^<>?.=![", name[1]) &&
                     k != YYSYMBOL_AEND && k != YYSYMBOL_ABEGIN && k != YYSYMBOL_FSLASH;
        if (expr && starts)
            continue;
        if (is_op)
            op = true;
        else
            shown[nshown++] = k;
    }
    const char *extra[2];
    int nextra = 0;
    if (expr)
        extra[nextra++] = "an expression";
    if (op)
        extra[nextra++] = "an operator";
    char buf[512];
    int len = snprintf(buf, sizeof(buf), "syntax error: unexpected %s", yysymbol_name(found));
    int total = nshown + nextra;
    for (int i = 0; i < total && len < (int)sizeof(buf); i++)
        len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
                        i == 0 ? ", expected " : i == total - 1 ? " or " : ", ",
                        i < nshown ? yysymbol_name(shown[i]) : extra[i - nshown]);
    diag_error(ps->src, loc, "%s", buf);
    /* a probe where one is expected, without its word: bpftrace's syntax */
    bool probe_expected = false;
    for (int i = 0; i < n; i++)
        probe_expected |= expected[i] == YYSYMBOL_PROBE;
    if (probe_expected && found == YYSYMBOL_IDENT) {
        int len;
        const char *line = diag_line(ps->src, loc.first_line, &len);
        int from = loc.first_column - 1, to = from;
        while (to < len && !strchr(" \t{/", line[to]))
            to++;
        diag_note(ps->src,
                  "this looks like a bpftrace program: in tinyprobe a probe starts with the "
                  "word probe, as in: probe %.*s { ... }",
                  to - from > 200 ? 200 : to - from, line + from);
    }
    return 0;
}

struct ast_program *parse_script(struct diag_src *src, FILE *dump_tokens)
{
    struct parse_state ps = {0};
    struct ast_program *prog = NULL;
    struct arena *arena = arena_new();
    prog = arena_alloc(arena, sizeof(*prog));
    prog->arena = arena;
    prog->src = src;
    ps.arena = arena;
    ps.src = src;
    ps.prog = prog;
    ps.line = ps.column = 1;
    ps.mode = LEX_TOP;
    ps.dump_tokens = dump_tokens;
    if (tplex_init_extra(&ps, &ps.scanner)) {
        arena_free(arena);
        return NULL;
    }
    YY_BUFFER_STATE buf = tp_scan_string(src->text, ps.scanner);
    int rc = yyparse(&ps);
    tp_delete_buffer(buf, ps.scanner);
    tplex_destroy(ps.scanner);
    if (rc || src->errors) {
        ast_program_free(prog);
        return NULL;
    }
    return prog;
}
