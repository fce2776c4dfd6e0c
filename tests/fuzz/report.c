/* report.c — fuzzes keur verify on a report.xml from outside: the schema, the signature and
 * its references (checked before any file is read), the certificate, the files it names.
 * A regulator runs keur verify on reports it did not make. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[4096], path[4200];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/keur-fuzz-%d-run", fuzz_tmpdir(), (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	if (!(f = fopen(path, "w")))
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	sign_verify(dir, NULL, NULL);
	return 0;
}
