/* review.c — fuzzes the loader of the assessor's review file (review_load): XML,
 * profiles/review.xsd, then keur's checks against a run, the self-test binary's run in
 * tests/fuzz/review-run/ (requirements tested, one not applicable, two documentation ones, R-DOCS
 * with a decision tree; made with tests/keur-selftest run, tests/fuzz/corpus/profile/tree.xml with
 * its cases put back to SELF-PASS-001 and the like, and tests/data/self-dut.xml).
 * The file lies in a folder of its own beside doc.txt, a document the seeds name; review
 * files name documents relative to themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "review.h"

#ifndef FUZZ_TOP
#error "FUZZ_TOP: the repository's top folder, as a string (the Makefile defines it)"
#endif

/* Loaded on the first input and kept: reachable, so no leak for LeakSanitizer. */
static struct run_view rv;
static char path[4200];

static void setup(void)
{
	char why[1024], dir[4096];
	FILE *f;

	if (run_view_load(FUZZ_TOP "/tests/fuzz/review-run", &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "ERROR: fuzz-review: cannot load the run: %s\n", why);
		exit(2);
	}
	snprintf(dir, sizeof(dir), "%s/keur-fuzz-%d-review", fuzz_tmpdir(), (int)getpid());
	snprintf(path, sizeof(path), "%s/doc.txt", dir);
	if ((mkdir(dir, 0700) < 0 && access(dir, W_OK) < 0) || !(f = fopen(path, "w"))) {
		fprintf(stderr, "ERROR: fuzz-review: cannot write %s\n", path);
		exit(2);
	}
	fputs("User manual, v1.0: updates are automatic; supported until 2031-12.\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/review.xml", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_errors err = { 0 };
	struct review_file *rf = NULL;
	FILE *f;

	if (!path[0])
		setup();
	if (!(f = fopen(path, "w")))
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (review_load(path, &rv, &rf, &err) == 0)
		review_file_free(rf);
	input_errors_release(&err);
	return 0;
}
