/* bundle.c — fuzzes what the registry does with a bundle from outside: bundle_read unpacking the
 * bytes as a tar into a fresh directory (every refusal a clean one), then, when it holds a
 * report.xml, the registry's index reader on it, which no schema has checked here. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bundle.h"
#include "fuzz.h"
#include "registry.h"
#include "util.h"

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file = fuzz_file("bundle.tar", data, size);
	char *dest = xasprintf("%s/keur-fuzz-%d-bundle.XXXXXX", fuzz_tmpdir(), (int)getpid()), why[600];

	if (file[0] && mkdtemp(dest)) {
		if (bundle_read(file, dest, why, sizeof(why)) == 0) {
			struct reg_report *r = xcalloc(1, sizeof(*r));
			char *xml = path_join(dest, "report.xml");
			report_index(xml, r, why, sizeof(why));
			reg_reports_free(r, 1);
			free(xml);
		}
		nftw(dest, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	unlink(file);
	free(dest);
	return 0;
}
