/* mqtt.c — fuzzes what keur reads of a DUT's MQTT: packets off the wire (mqtt_wire_read, over
 * a socket that delivers the input) and, as keur plays a client DUT's broker, its CONNECT. */
#include <string.h>

#include "fuzz.h"
#include "mqtt_wire.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mqtt_connect_info ci;
	unsigned char first, body[4096];
	char why[200];
	size_t len;
	int fd;

	mqtt_wire_parse_connect(data, size, &ci, why, sizeof(why));
	if ((fd = fuzz_socket(data, size)) < 0)
		return 0;
	struct stream *s = stream_from_fd(fd);
	for (int i = 0; s && i < 64; i++) {
		int r = mqtt_wire_read(s, 50, &first, body, sizeof(body), &len);
		if (r < 0)
			break;
		mqtt_wire_type_name(first);
		/* len is the packet's full length; body holds at most its size (as the cases use it). */
		if ((first >> 4) == 1)
			mqtt_wire_parse_connect(body, len < sizeof(body) ? len : sizeof(body), &ci, why, sizeof(why));
	}
	stream_close(s);
	return 0;
}
