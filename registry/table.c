/* table.c — printing the registry's rows as text, CSV or JSON (table.h). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "table.h"
#include "util.h"

int table_format_of(const char *name, enum table_format *f)
{
	static const char *const names[] = { "text", "json", "csv" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i])) {
			*f = (enum table_format)i;
			return 0;
		}
	return -1;
}

void table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void table_row(struct table *t, const char *const *values)
{
	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*t->cells));
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(values[c] ? values[c] : "");
	t->nrows++;
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static const char *cell(const struct table *t, size_t r, size_t c)
{
	return t->cells[r * t->ncols + c];
}

/* Columns as wide as their widest cell (in characters, not bytes), the last one unpadded. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void print_text(FILE *f, const struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c].name);
		for (size_t r = 0; r < t->nrows; r++)
			if (width(cell(t, r, c)) > w[c])
				w[c] = width(cell(t, r, c));
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r ? cell(t, r - 1, c) : t->cols[c].name;
			const char *d = r && !s[0] ? "-" : s;
			for (const char *p = d; *p; p++)
				fputc(!r && *p >= 'a' && *p <= 'z' ? *p - 32 : *p, f);
			if (c + 1 < t->ncols)
				fprintf(f, "%*s", (int)(w[c] - width(d) + 2), "");
		}
		fputc('\n', f);
	}
	free(w);
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_csv(FILE *f, const struct table *t)
{
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', f);
			csv_field(f, r ? cell(t, r - 1, c) : t->cols[c].name);
		}
		fputs("\r\n", f);
	}
}

static cJSON *json_cell(const struct table_col *col, const char *s)
{
	if (col->type == 'n')
		return cJSON_CreateNumber(strtod(s, NULL));
	if (col->type == 'o' && !s[0])
		return cJSON_CreateNull();
	if (col->type != 'l')
		return cJSON_CreateString(s);
	cJSON *a = cJSON_CreateArray();
	const char *p = s;
	char *item;
	while (s[0] && (item = list_next(&p))) {
		cJSON_AddItemToArray(a, cJSON_CreateString(item));
		free(item);
	}
	return a;
}

static void print_json(FILE *f, const struct table *t, const char *kind, const char *today)
{
	cJSON *o = cJSON_CreateObject(), *rows = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "keur-registry", REGISTRY_FORMAT_VERSION);
	cJSON_AddStringToObject(o, "kind", kind);
	if (today)
		cJSON_AddStringToObject(o, "today", today);
	for (size_t r = 0; r < t->nrows; r++) {
		cJSON *row = cJSON_CreateObject();
		for (size_t c = 0; c < t->ncols; c++)
			cJSON_AddItemToObject(row, t->cols[c].name, json_cell(&t->cols[c], cell(t, r, c)));
		cJSON_AddItemToArray(rows, row);
	}
	cJSON_AddItemToObject(o, "rows", rows);
	char *s = cJSON_Print(o);
	fprintf(f, "%s\n", s);
	free(s);
	cJSON_Delete(o);
}

void table_print(FILE *f, const struct table *t, enum table_format fmt, const char *kind, const char *today)
{
	if (fmt == FMT_CSV)
		print_csv(f, t);
	else if (fmt == FMT_JSON)
		print_json(f, t, kind, today);
	else
		print_text(f, t);
}
