/* table.h — the registry's answers as rows of named columns, printed as an aligned text table,
 * CSV (RFC 4180, a header row) or JSON (docs/registry.md: a versioned object holding the rows
 * as objects).  The same rows in every format, so the three cannot disagree. */
#ifndef KEUR_TABLE_H
#define KEUR_TABLE_H

#include <stdio.h>

enum table_format { FMT_TEXT, FMT_JSON, FMT_CSV };
/* "text", "json" or "csv": 0 with *f set, or -1. */
int table_format_of(const char *name, enum table_format *f);

/* A column's name (JSON key, CSV header; in capitals as the text heading) and type: 's' text,
 * 'n' a number, 'l' a comma-separated list (a JSON array), 'o' text that is JSON null when empty. */
struct table_col {
	const char *name;
	char type;
};

struct table {
	const struct table_col *cols;
	size_t ncols;
	char **cells;		/* nrows * ncols, row by row */
	size_t nrows;
};

void table_init(struct table *t, const struct table_col *cols, size_t ncols);
/* Appends a row: ncols values (NULL prints as empty), copied. */
void table_row(struct table *t, const char *const *values);
/* Prints t: in JSON as {"keur-registry": VERSION, "kind": KIND, "today": TODAY, "rows": [...]}. */
void table_print(FILE *f, const struct table *t, enum table_format fmt, const char *kind, const char *today);
void table_release(struct table *t);

/* The version of the JSON and CSV shapes (docs/registry.md): columns are only ever added. */
#define REGISTRY_FORMAT_VERSION 1

#endif
