/* ics.c — fuzzes the loader of the manufacturer's ICS (ics_load): XML, profiles/ics.xsd, then
 * keur's checks against the profile it answers, the bundled profiles/en303645.xml.  An ICS comes
 * from the manufacturer, outside the lab. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "ics.h"

#ifndef FUZZ_TOP
#error "FUZZ_TOP: the repository's top folder, as a string (the Makefile defines it)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Loaded on the first input and kept: reachable, so no leak for LeakSanitizer. */
	static struct keur_profile *profile;
	struct input_errors err = { 0 };
	struct keur_ics *ics = NULL;
	const char *path;

	if (!profile && profile_load(FUZZ_TOP "/profiles/en303645.xml", &profile, &err) < 0) {
		fprintf(stderr, "ERROR: fuzz-ics: cannot load the profile:\n");
		input_errors_print(&err);
		exit(2);
	}
	input_errors_release(&err);
	path = fuzz_file("ics.xml", data, size);
	if (!path[0])
		return 0;
	if (ics_load(path, profile, &ics, &err) == 0)
		ics_free(ics);
	input_errors_release(&err);
	return 0;
}
