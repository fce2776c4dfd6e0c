/* journal.c — fuzzes the journal's record decoder (what --resume and every report read back;
 * a journal can be torn, or changed by hand). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jrec r;

	if (jrec_decode((const char *)data, size, &r) == 0) {
		char *again = jrec_encode(&r);
		struct jrec r2;
		/* What decodes must encode to a line that decodes again. */
		if (!again || jrec_decode(again, strlen(again) - 1, &r2) != 0)
			abort();
		jrec_release(&r2);
		free(again);
		jrec_release(&r);
	}
	return 0;
}
