/* fuzz.h — shared by the libFuzzer harnesses in tests/fuzz/ (make fuzz): the entry point, and
 * bytes handed to code that reads a file or a socket. */
#ifndef KEUR_FUZZ_H
#define KEUR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the harnesses write their files: $KEUR_FUZZ_TMP (tests/fuzz/run.sh sets it), else /tmp. */
const char *fuzz_tmpdir(void);
/* Writes data to a file of this process's own in fuzz_tmpdir() and returns its path (static). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* A socket that delivers data and then end-of-stream: the reading end of a socketpair whose
 * other end has written data and closed.  -1 when data does not fit the socket buffer. */
int fuzz_socket(const uint8_t *data, size_t size);

#endif
