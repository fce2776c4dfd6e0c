/* inputs.c — fuzzes the loaders of keur's three input files: the profile, the DUT description
 * and the lab description (XML, the XSD, then keur's own checks).  Built three times, with
 * FUZZ_KIND 0, 1 or 2. */
#include <libxml/parser.h>

#include "fuzz.h"
#include "input.h"

#ifndef FUZZ_KIND
#define FUZZ_KIND 0
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_errors err = { 0 };
	const char *path = fuzz_file("input.xml", data, size);

	if (!path[0])
		return 0;
#if FUZZ_KIND == 0
	struct keur_profile *p = NULL;
	if (profile_load(path, &p, &err) == 0)
		profile_free(p);
#elif FUZZ_KIND == 1
	struct keur_dut *d = NULL;
	if (dut_load(path, &d, &err) == 0)
		dut_free(d);
#else
	struct keur_lab *l = NULL;
	if (lab_load(path, &l, &err) == 0)
		lab_free(l);
#endif
	input_errors_release(&err);
	return 0;
}
