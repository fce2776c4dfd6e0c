/* main.c — keur-simdev: options and the one event loop of the reference device. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kfw1.h"
#include "version.h"	/* KEUR_VERSION (Makefile, from debian/changelog) */
#include "server.h"
#include "update.h"

int httpd_main(int argc, char **argv);

static const char usage[] =
	"usage: keur-simdev [OPTIONS]          run the reference device (a thermostat with a relay)\n"
	"       keur-simdev image --version V --payload FILE --out IMAGE [--key PRIVATE.pem]\n"
	"                                      build a KFW1 firmware image (Ed25519-signed with --key)\n"
	"       keur-simdev update-service --help   the simulated lab's update service\n"
	"\n"
	"device:\n"
	"  --id ID                 device id (default simdev); MQTT topics under keur/ID/\n"
	"  --firmware V            firmware version at first start (default 1.0.0)\n"
	"  --state FILE            configuration and firmware version that survive a restart\n"
	"  --ready-file FILE       written once every listener is up\n"
	"  --extra-port P          the undeclared TCP port of --flaw extra-port (default 2323)\n"
	"  --version               print keur-simdev's version\n"
	"cloud (MQTT, libmosquitto; TLS with CA verification):\n"
	"  --mqtt-host A --mqtt-port P (8883) --mqtt-plain-port P (1883, used with --flaw no-tls)\n"
	"  --mqtt-ca FILE --mqtt-user U --mqtt-password-file FILE --mqtt-prefix T --mqtt-keepalive S (10, at least 5)\n"
	"  --mqtt-backoff-max S    the longest wait between connection attempts (30, 1 to 3600)\n"
	"  publishes PREFIX/telemetry, PREFIX/version (retained), PREFIX/update/status; takes\n"
	"  PREFIX/cmd (\"setpoint=21.5\", \"relay=1\", \"mode=1\", \"report-interval=30\") and\n"
	"  PREFIX/update (\"version=V url=http://A:P/path\"); reconnects with back-off 1 s .. 30 s and jitter\n"
	"LAN (CoAP and Modbus, libcoap and libmodbus):\n"
	"  --lan ADDR (127.0.0.1) --coap-port P (5683) --coaps-port P (5684) --modbus-port P (502); 0 = off\n"
	"  --modbus-rtu PATH       also Modbus RTU, unit 1, on this serial line (19200 8E1; a pty will do)\n"
	"  --psk-identity ID --psk-key-file FILE --coap-cert FILE --coap-key FILE --coap-ca FILE\n"
	"  CoAP: /sensors/temp (observable), /actuators/relay, /setpoint, /config, /diag; writes need DTLS\n"
	"  Modbus: coil 0 relay; discrete input 0 cloud link; input registers 0 temperature x10,\n"
	"  1-3 firmware version; holding registers 0 setpoint x10, 100 report interval, 101 mode\n"
	"  (100 and up are configuration: read-only over Modbus); function codes 1-6, 15, 16, 17, 22, 23,\n"
	"  43/14 (device identification)\n"
	"updates:\n"
	"  --update-key FILE       PEM public key genuine images are signed with\n"
	"  --update-check-url URL  polled every --update-check-interval S (60) for \"version=V url=U\"\n"
	"flaws (--flaw NAME, repeatable), each one defect:\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static char *read_secret(const char *path)
{
	char buf[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

static int image_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' }, { "payload", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' }, { "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *version = NULL, *payload = NULL, *out = NULL, *key = NULL;
	uint8_t *img, buf[1 << 16], *data = NULL;
	size_t len = 0, ilen;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version = optarg; break;
		case 'p': payload = optarg; break;
		case 'o': out = optarg; break;
		case 'k': key = optarg; break;
		case 'h':
			fputs("usage: keur-simdev image --version V --payload FILE --out IMAGE [--key PRIVATE.pem]\n"
			      "writes a KFW1 firmware image: firmware version V, the bytes of FILE as its payload,\n"
			      "signed with the Ed25519 private key PRIVATE.pem (unsigned without --key)\n"
			      "  --version V        the firmware version the image carries\n"
			      "  --payload FILE     the payload\n"
			      "  --out IMAGE        where to write the image\n"
			      "  --key PRIVATE.pem  sign with this Ed25519 private key (PEM)\n", stdout);
			return 0;
		default: return 2;
		}
	}
	if (!version || !payload || !out) {
		fprintf(stderr, "keur-simdev image: --version, --payload and --out are required\n");
		return 2;
	}
	FILE *f = fopen(payload, "rb");
	if (!f) {
		fprintf(stderr, "keur-simdev image: %s: %s\n", payload, strerror(errno));
		return 1;
	}
	for (size_t n; (n = fread(buf, 1, sizeof(buf), f)) > 0; len += n) {
		data = realloc(data, len + n);
		memcpy(data + len, buf, n);
	}
	fclose(f);
	if (image_build(version, data ? data : buf, len, key, &img, &ilen) < 0) {
		fprintf(stderr, "keur-simdev image: cannot build%s (key must be an Ed25519 PEM private key)\n",
			key ? " and sign" : "");
		free(data);
		return 1;
	}
	free(data);
	f = fopen(out, "wb");
	if (!f || fwrite(img, 1, ilen, f) != ilen || fclose(f) != 0) {
		fprintf(stderr, "keur-simdev image: cannot write %s\n", out);
		free(img);
		return 1;
	}
	free(img);
	return 0;
}

enum {
	O_ID = 256, O_FW, O_STATE, O_READY, O_MHOST, O_MPORT, O_MPLAIN, O_MCA, O_MUSER, O_MPWF, O_MPFX,
	O_MKA, O_MBACK, O_LAN, O_COAP, O_COAPS, O_PSKID, O_PSKF, O_CCERT, O_CKEY, O_CCA, O_MODBUS, O_RTU, O_UKEY,
	O_UURL, O_UINT, O_EXTRA, O_FLAW, O_VERSION,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", 1, NULL, O_ID }, { "firmware", 1, NULL, O_FW }, { "state", 1, NULL, O_STATE },
		{ "ready-file", 1, NULL, O_READY }, { "mqtt-host", 1, NULL, O_MHOST }, { "mqtt-port", 1, NULL, O_MPORT },
		{ "mqtt-plain-port", 1, NULL, O_MPLAIN }, { "mqtt-ca", 1, NULL, O_MCA }, { "mqtt-user", 1, NULL, O_MUSER },
		{ "mqtt-password-file", 1, NULL, O_MPWF }, { "mqtt-prefix", 1, NULL, O_MPFX },
		{ "mqtt-keepalive", 1, NULL, O_MKA }, { "mqtt-backoff-max", 1, NULL, O_MBACK }, { "lan", 1, NULL, O_LAN }, { "coap-port", 1, NULL, O_COAP },
		{ "coaps-port", 1, NULL, O_COAPS }, { "psk-identity", 1, NULL, O_PSKID }, { "psk-key-file", 1, NULL, O_PSKF },
		{ "coap-cert", 1, NULL, O_CCERT }, { "coap-key", 1, NULL, O_CKEY }, { "coap-ca", 1, NULL, O_CCA },
		{ "modbus-port", 1, NULL, O_MODBUS }, { "modbus-rtu", 1, NULL, O_RTU }, { "update-key", 1, NULL, O_UKEY },
		{ "update-check-url", 1, NULL, O_UURL }, { "update-check-interval", 1, NULL, O_UINT },
		{ "extra-port", 1, NULL, O_EXTRA }, { "flaw", 1, NULL, O_FLAW }, { "help", 0, NULL, 'h' },
		{ "version", 0, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct simdev d = { .temp = 19.0, .setpoint = 21.0, .report_interval = 10, .mode = 1 };
	struct mlink_opts mo = { .port = 8883, .plain_port = 1883, .keepalive = 10, .backoff_max_ms = 30000 };
	struct cosrv_opts co = { .addr = "127.0.0.1", .port = 5683, .dtls_port = 5684 };
	struct update_opts uo = { .check_interval = 60 };
	const char *ready = NULL, *pwfile = NULL, *pskfile = NULL;
	int modbus_port = 502, extra_port = 2323, c, rc = 1;
	const char *rtu_path = NULL;
	char prefix[128];
	struct mlink *ml = NULL;
	struct cosrv *cs = NULL;
	struct mbsrv *mb = NULL;
	struct extra *ex = NULL;

	if (argc > 1 && !strcmp(argv[1], "image"))
		return image_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "update-service"))
		return httpd_main(argc - 1, argv + 1);
	snprintf(d.id, sizeof(d.id), "simdev");
	snprintf(d.firmware, sizeof(d.firmware), "1.0.0");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_ID: snprintf(d.id, sizeof(d.id), "%s", optarg); break;
		case O_FW: snprintf(d.firmware, sizeof(d.firmware), "%s", optarg); break;
		case O_STATE: d.state_file = optarg; break;
		case O_READY: ready = optarg; break;
		case O_MHOST: mo.host = optarg; break;
		case O_MPORT: mo.port = atoi(optarg); break;
		case O_MPLAIN: mo.plain_port = atoi(optarg); break;
		case O_MCA: mo.ca = optarg; break;
		case O_MUSER: mo.user = optarg; break;
		case O_MPWF: pwfile = optarg; break;
		case O_MPFX: mo.prefix = optarg; break;
		case O_MKA: mo.keepalive = atoi(optarg); break;
		case O_MBACK: mo.backoff_max_ms = atoi(optarg) * 1000; break;
		case O_LAN: co.addr = optarg; break;
		case O_COAP: co.port = atoi(optarg); break;
		case O_COAPS: co.dtls_port = atoi(optarg); break;
		case O_PSKID: co.psk_identity = optarg; break;
		case O_PSKF: pskfile = optarg; break;
		case O_CCERT: co.cert = optarg; break;
		case O_CKEY: co.key = optarg; break;
		case O_CCA: co.ca = optarg; break;
		case O_MODBUS: modbus_port = atoi(optarg); break;
		case O_RTU: rtu_path = optarg; break;
		case O_UKEY: uo.pubkey = optarg; break;
		case O_UURL: uo.check_url = optarg; break;
		case O_UINT: uo.check_interval = atoi(optarg) > 0 ? atoi(optarg) : 60; break;
		case O_EXTRA: extra_port = atoi(optarg); break;
		case O_FLAW: {
			int f;
			for (f = 0; f < FLAW_COUNT && strcmp(optarg, flaw_table[f].name); f++)
				;
			if (f == FLAW_COUNT) {
				fprintf(stderr, "keur-simdev: unknown flaw '%s' (see --help)\n", optarg);
				return 2;
			}
			d.flaws |= 1u << f;
			break;
		}
		case O_VERSION:
			printf("keur-simdev %s\n", KEUR_VERSION);
			return 0;
		case 'h':
			fputs(usage, stdout);
			for (int f = 0; f < FLAW_COUNT; f++)
				printf("  %-20s %s\n", flaw_table[f].name, flaw_table[f].help);
			return 0;
		default:
			fprintf(stderr, "keur-simdev: bad option (see --help)\n");
			return 2;
		}
	}
	if (mo.backoff_max_ms < 1000 || mo.backoff_max_ms > 3600000) {
		fprintf(stderr, "keur-simdev: --mqtt-backoff-max must be 1 to 3600 s\n");
		return 2;
	}
	if (mo.keepalive < 5 || mo.keepalive > 65535) {
		/* libmosquitto refuses anything shorter; say so now rather than fail every connect. */
		fprintf(stderr, "keur-simdev: --mqtt-keepalive must be 5 to 65535 s\n");
		return 2;
	}
	if (pwfile && !(mo.password = read_secret(pwfile))) {
		fprintf(stderr, "keur-simdev: cannot read %s\n", pwfile);
		return 2;
	}
	if (pskfile && !(co.psk_key = read_secret(pskfile))) {
		fprintf(stderr, "keur-simdev: cannot read %s\n", pskfile);
		return 2;
	}
	if (!mo.prefix) {
		snprintf(prefix, sizeof(prefix), "keur/%s", d.id);
		mo.prefix = prefix;
	}
	simdev_load(&d);	/* a saved configuration wins over the defaults */
	simdev_save(&d);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	update_init(&d, &uo);

	if ((modbus_port || rtu_path) && !(mb = mbsrv_new(&d, co.addr, modbus_port, rtu_path)))
		goto out;
	if ((co.port || co.dtls_port) && !(cs = cosrv_new(&d, &co)))
		goto out;
	if (has_flaw(&d, FLAW_EXTRA_PORT) && !(ex = extra_new(co.addr, extra_port)))
		goto out;
	if (mo.host && !(ml = mlink_new(&d, &mo)))
		goto out;
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
	}
	simdev_log("%s running firmware %s", d.id, d.firmware);

	int64_t last = simdev_now_ms();
	while (!stop) {
		struct pollfd pf[64];
		int n = 0, nml, ncs, nmb, nex, nup, wait;

		wait = mlink_tick(ml);
		update_tick(&d);
		nml = mlink_pollfds(ml, pf + n, 64 - n), n += nml;
		ncs = cosrv_pollfds(cs, pf + n, 64 - n), n += ncs;
		nup = update_pollfds(pf + n, 64 - n), n += nup;
		nex = extra_pollfds(ex, pf + n, 64 - n), n += nex;
		nmb = mbsrv_pollfds(mb, pf + n, 64 - n), n += nmb;
		if (poll(pf, (nfds_t)n, wait < 100 ? wait : 100) < 0 && errno != EINTR)
			break;
		n = 0;
		mlink_dispatch(ml, pf + n, nml), n += nml;
		cosrv_dispatch(cs, pf + n, ncs), n += ncs;
		update_dispatch(&d, pf + n, nup), n += nup;
		extra_dispatch(ex, pf + n, nex), n += nex;
		mbsrv_dispatch(mb, pf + n, nmb);
		mbsrv_tick(mb);

		int64_t now = simdev_now_ms();
		simdev_tick(&d, (double)(now - last) / 1000.0);
		last = now;
		cosrv_notify(cs);
	}
	rc = 0;
	simdev_log("stopping");
out:
	mlink_free(ml);
	cosrv_free(cs);
	mbsrv_free(mb);
	extra_free(ex);
	update_free();
	free((void *)mo.password);
	free((void *)co.psk_key);
	return rc;
}
