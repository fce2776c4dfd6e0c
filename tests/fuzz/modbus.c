/* modbus.c — fuzzes keur's reading of Modbus/TCP replies (mb_wire.c: MBAP, transaction and
 * unit ids, function, exception, PDU) from a socket that delivers the input. */
#include "fuzz.h"
#include "mb_wire.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbw_reply r;
	int fd = fuzz_socket(data, size);

	if (fd < 0)
		return 0;
	struct mbw *l = mbw_over(stream_from_fd(fd));
	if (!l)
		return 0;
	/* The first two bytes name the transaction id expected; unit 1, any function. */
	mbw_expect(l, size >= 2 ? (data[0] << 8 | data[1]) : 1, 1, -1);
	for (int i = 0; i < 16 && mbw_recv(l, 20, &r) != MBW_SILENT && r.st != MBW_CLOSED; i++) {
		mbw_describe(&r);
		if (r.plen > sizeof(r.pdu))
			__builtin_trap();
	}
	mbw_close(l);
	return 0;
}
