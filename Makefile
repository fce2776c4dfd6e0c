# keur — build, test, demo.  `make demo` and `make check` are the two commands a newcomer types;
# both install missing Debian packages first (see `make deps`).

CC      ?= cc
# The version is the package's: the first line of debian/changelog (a native package, so the
# two are one and the same number).
VERSION := $(shell sed -n '1s/^keur .\([0-9][0-9a-z.+~-]*\). .*/\1/p' debian/changelog)
PKGS     = libmosquitto libcoap-3-openssl libmodbus libxml-2.0 openssl libcjson xmlsec1-openssl libxslt libarchive sqlite3
WARN     = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wwrite-strings -Wvla -Wformat=2
CFLAGS  ?= -O2 -g
CFLAGS  += -pthread -std=c11 -D_GNU_SOURCE $(WARN) -Iharness -Idrivers -Ireports -Isuites -Ibuild -Ihw -Ihw/simdev -Iimages -Iregistry
ifeq ($(CI),true)
CFLAGS  += -Werror
endif
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -pthread

# Debian packages: to build, to test, to run the demo.
DEB_BUILD = build-essential pkg-config libmosquitto-dev libcoap3-dev libmodbus-dev libxml2-dev libssl-dev libcjson-dev libxmlsec1-dev libxslt1-dev libarchive-dev libsqlite3-dev
DEB_TEST  = mosquitto mosquitto-clients libxml2-utils xmlsec1 librsvg2-bin openssl perl procps libcoap3-bin mbpoll iproute2 util-linux libmbedtls-dev python3-pymodbus python3-serial-asyncio socat man-db groff-base \
            swupdate mender-artifact rauc squashfs-tools cpio sqlite3
DEB_FUZZ  = clang libclang-rt-14-dev
DEB_ALL   = $(DEB_BUILD) $(DEB_TEST) $(DEB_FUZZ) $(DEB_PKG)

HARNESS  = harness/campaign.o harness/util.o harness/sha256.o harness/verdict.o harness/scope.o harness/procnet.o \
           harness/input.o harness/input_dut.o harness/input_lab.o harness/input_profile.o harness/tree.o harness/ics.o harness/review.o \
           harness/plan.o harness/journal.o harness/results.o harness/runner.o harness/contain.o harness/ctx.o \
           harness/cli.o harness/cli_review.o harness/cli_image.o harness/review_tty.o build/schemas.o
REPORTS  = reports/tap.o reports/junit.o reports/conformance.o reports/label.o reports/xmlout.o reports/sign.o reports/oscal.o reports/html.o
DRIVERS  = drivers/httpserve.o drivers/mqtt.o drivers/mqtt_wire.o drivers/mb.o drivers/tls.o drivers/stream.o drivers/certgen.o drivers/coap.o drivers/coap_wire.o drivers/dtls.o drivers/mb_wire.o
HW       = hw/lab.o hw/fixture.o
# The update image formats (images/images.h), shared by keur and keur-simdev.
# keur registry and keur bundle (registry/registry.h): signed reports from many labs.
REGISTRY = registry/cli_registry.o registry/intake.o registry/monitor.o registry/table.o registry/bundle.o registry/store_sqlite.o
IMAGES   = images/images.o images/img_sign.o images/kfw1.o images/swu.o images/mender.o images/raucb.o images/opaque.o
SUITES   = suites/mqtt_versions.o suites/mqtt_auth.o suites/mqtt_tls.o suites/mqtt_acl.o suites/mqtt_rob.o suites/mqtt_client.o suites/credentials.o suites/modbus_write.o suites/modbus_fc.o suites/modbus_rob.o suites/modbus_sec.o suites/coap_access.o suites/coap_amp.o suites/coap_sec.o suites/coap_rob.o suites/offline.o suites/net_ports.o suites/update.o suites/decl.o
CORE     = $(HARNESS) $(REPORTS) $(REGISTRY) $(DRIVERS) $(HW) $(IMAGES) $(SUITES)
SIMDEV   = hw/simdev/main.o hw/simdev/state.o hw/simdev/modbus_server.o hw/simdev/coap_server.o \
           hw/simdev/mqtt_link.o hw/simdev/extra.o hw/simdev/update.o hw/simdev/httpd.o $(IMAGES)
TESTBINS = tests/unit tests/keur-selftest tests/peer tests/peer-dtls tests/hostile

.PHONY: all check demo bench fuzz fuzzers deps deps-auto clean install uninstall deb check-package
all: keur keur-simdev

keur: harness/main.o harness/registry.o $(CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

keur-simdev: $(SIMDEV)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/keur-selftest: harness/main.o tests/selftest_registry.o tests/selftest_suite.o $(CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/unit: tests/unit.o tests/selftest_registry.o tests/selftest_suite.o $(CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The runner benchmark (tests/bench/runner-overhead.sh): 1000 trivial cases through the real
# runner, and the same checks in one process.
tests/keur-bench: harness/main.o tests/bench/trivial_suite.o tests/bench/trivial_check.o $(CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/bench/inproc: tests/bench/inproc.o tests/bench/trivial_check.o harness/sha256.o
	$(CC) $(LDFLAGS) -o $@ $^

tests/peer: tests/peer.o
	$(CC) $(LDFLAGS) -o $@ $^

# Devices that misbehave on purpose (tests/76-hostile.t).
tests/hostile: tests/hostile.o
	$(CC) $(LDFLAGS) -o $@ $^

tests/peer.o tests/hostile.o: tests/peer_io.h

# A DTLS peer on mbed TLS, whose replay window can be switched off (COAP-REPLAY-001's fail path).
tests/peer-dtls: tests/peer_dtls.o
	$(CC) $(LDFLAGS) -o $@ $^ -lmbedtls -lmbedx509 -lmbedcrypto

HEADERS = $(wildcard harness/*.h drivers/*.h reports/*.h suites/*.h hw/*.h hw/simdev/*.h images/*.h registry/*.h) build/version.h

%.o: %.c $(HEADERS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/version.h: debian/changelog
	@mkdir -p build
	@test -n "$(VERSION)" || { echo "no version on the first line of debian/changelog" >&2; exit 1; }
	echo '#define KEUR_VERSION "$(VERSION)"' > $@

# The XSDs (and the report's stylesheet) are compiled in, so keur validates its inputs and
# outputs wherever it is installed.
build/schemas.c: profiles/profile.xsd profiles/dut.xsd profiles/lab.xsd profiles/ics.xsd profiles/review.xsd reports/report.xsd reports/schemas/junit-10.xsd \
		reports/schemas/oscal_assessment-results_schema.xsd reports/report.xsl \
		suites/data/credentials-mirai.txt suites/data/credentials-vendor.txt
	@mkdir -p build
	{ for f in $^; do n=$$(basename $$f | sed 's/\.[a-z]*$$//; s/-/_/g'); case $$f in *.xsd) n=xsd_$$n;; *.xsl) n=xsl_$$n;; esac; \
	  echo "const char keur_$$n[] ="; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo ";"; done; } > $@

# The test files run side by side, JOBS at a time (most of their time is waiting on devices and
# deadlines, not on the CPUs; on two cores 6 was as fast as 8 and faster than 3 or 4), slowest
# first, so that the longest are not left for last; every file, each with its own temporary
# directory, ports and lab, is independent of the others (docs/testing.md).
# `make check T=tests/30-mqtt.t` builds and runs one file (or several).
JOBS      ?= 6
TESTS_SLOW = tests/75-crash.t tests/50-demo.t tests/73-label.t tests/72-update.t tests/76-hostile.t tests/71-offline.t \
             tests/46-modbus.t tests/90-sanitizers.t tests/70-lab.t tests/80-fuzz.t tests/33-mqtt-acl.t tests/39-coap-sec.t
# tests/95-package.t builds the Debian package and installs it (make check-package): alone,
# after the others, as it compiles keur once more and installs packages.
TESTS      = $(TESTS_SLOW) $(filter-out $(TESTS_SLOW) tests/95-package.t,$(sort $(wildcard tests/*.t)))
T         ?=

check: deps-auto
	$(MAKE) -j2 keur keur-simdev $(TESTBINS)
	prove -j $(JOBS) --timer $(or $(T),$(TESTS))
	$(if $(T),,$(MAKE) check-package)

check-package: deps-auto
	@bash tests/deps.sh auto $(DEB_PKG)
	prove --timer tests/95-package.t

demo: deps-auto
	$(MAKE) keur keur-simdev
	bash hw/demo/run-demo.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, the man pages, and under
# PREFIX/share/keur the bundled profiles (keur finds them there by name, relative to where it is
# installed), the schemas and the demo.  make uninstall removes exactly these files, and the
# folders of share/keur once empty.
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/keur
MANDIR    = $(PREFIX)/share/man
INST_PROFILES = $(wildcard profiles/*.xml)
INST_SCHEMAS  = $(wildcard profiles/*.xsd) reports/report.xsd reports/report.xsl reports/schemas/junit-10.xsd \
                reports/schemas/oscal_assessment-results_schema.xsd
INST_DEMO_RUN = hw/demo/run-demo.sh hw/demo/lab-demo.sh hw/demo/broker-demo.sh
INST_DEMO     = $(INST_DEMO_RUN) hw/demo/signing.sh hw/demo/where.sh hw/demo/review-dev0.xml hw/demo/review-dev1.xml
INST_PACK     = hw/simdev/pack/README.md $(wildcard hw/simdev/pack/good/*) $(wildcard hw/simdev/pack/flawed/*)
INST_MAN      = man/keur.1 man/keur-simdev.1
INSTALLED     = $(BINDIR)/keur $(BINDIR)/keur-simdev $(INST_PROFILES:profiles/%=$(DATADIR)/profiles/%) \
                $(foreach f,$(INST_SCHEMAS),$(DATADIR)/schemas/$(notdir $(f))) $(INST_DEMO:hw/demo/%=$(DATADIR)/demo/%) \
                $(INST_PACK:hw/simdev/pack/%=$(DATADIR)/demo/pack/%) $(INST_MAN:man/%=$(MANDIR)/man1/%)

install: keur keur-simdev
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DATADIR)/schemas \
		$(DESTDIR)$(DATADIR)/demo/pack/good $(DESTDIR)$(DATADIR)/demo/pack/flawed $(DESTDIR)$(MANDIR)/man1
	install -m 755 keur keur-simdev $(DESTDIR)$(BINDIR)/
	install -m 644 $(INST_PROFILES) $(DESTDIR)$(DATADIR)/profiles/
	install -m 644 $(INST_SCHEMAS) $(DESTDIR)$(DATADIR)/schemas/
	install -m 755 $(INST_DEMO_RUN) $(DESTDIR)$(DATADIR)/demo/
	install -m 644 $(filter-out $(INST_DEMO_RUN),$(INST_DEMO)) $(DESTDIR)$(DATADIR)/demo/
	for f in $(INST_PACK:hw/simdev/pack/%=%); do install -m 644 hw/simdev/pack/$$f $(DESTDIR)$(DATADIR)/demo/pack/$$f || exit 1; done
	install -m 644 $(INST_MAN) $(DESTDIR)$(MANDIR)/man1/
	@# The unprivileged user keur's case processes become when keur runs as root (contain.h);
	@# on this machine only: a DESTDIR install is for a package, whose postinst makes it.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && ! getent passwd _keur > /dev/null; then \
		useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin _keur && \
		echo "install: made the system user _keur, whom keur's cases run as"; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(DATADIR)/demo/pack/good $(DESTDIR)$(DATADIR)/demo/pack/flawed $(DESTDIR)$(DATADIR)/demo/pack \
		$(DESTDIR)$(DATADIR)/demo $(DESTDIR)$(DATADIR)/schemas $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(DATADIR) 2>/dev/null || true

# Benchmarks print figures (docs/performance.md); they compare keur with sslscan.
bench: deps-auto
	@bash tests/deps.sh auto sslscan nmap
	$(MAKE) keur tests/peer
	bash tests/bench/mqtt-tls-audit.sh 5
	bash tests/bench/mqtt-broker-audit.sh 5
	bash tests/bench/coap-suite.sh 3
	bash tests/bench/modbus-rob.sh 3
	bash tests/bench/net-ports.sh 3
	bash tests/bench/sign-verify.sh 20
	$(MAKE) tests/keur-selftest
	bash tests/bench/registry.sh 1000
	$(MAKE) tests/keur-bench tests/bench/inproc
	bash tests/bench/runner-overhead.sh 3
	@if [ "$$(id -u)" = 0 ]; then bash tests/bench/campaign.sh 1 8 32; \
	else echo "bench: campaign.sh skipped: the simulated lab needs root"; fi

# libFuzzer harnesses (tests/fuzz/), built with clang, AddressSanitizer and UBSan into build/fuzz/.
# `make fuzz` runs each for FUZZ_SECONDS (default 60) from its corpus in tests/fuzz/corpus/.
FUZZ_CC      = clang
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = $(filter-out -O2 -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Itests/fuzz
FUZZ_OBJ     = $(patsubst %.o,build/fuzz/%.o,$(CORE) harness/registry.o tests/fuzz/fuzz_util.o)
FUZZ_TARGETS = journal profile dut lab ics review mqtt coap modbus cert report image bundle
FUZZERS      = $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
FUZZ_SECONDS ?= 60

fuzzers: $(FUZZERS)

fuzz: deps-auto
	@bash tests/deps.sh auto $(DEB_FUZZ)
	$(MAKE) fuzzers
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

build/fuzz/%.o: %.c $(HEADERS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/inputs-%.o: tests/fuzz/inputs.c $(HEADERS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_KIND=$* -c -o $@ $<

build/fuzz/fuzz-profile: build/fuzz/inputs-0.o $(FUZZ_OBJ)
build/fuzz/fuzz-dut: build/fuzz/inputs-1.o $(FUZZ_OBJ)
build/fuzz/fuzz-lab: build/fuzz/inputs-2.o $(FUZZ_OBJ)
build/fuzz/fuzz-profile build/fuzz/fuzz-dut build/fuzz/fuzz-lab:
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# The ICS and review harnesses load a file of the repository once (profiles/en303645.xml, the
# run in tests/fuzz/review-run/), wherever the fuzzer runs: its top folder, compiled in.
build/fuzz/tests/fuzz/ics.o build/fuzz/tests/fuzz/review.o: FUZZ_CFLAGS += -DFUZZ_TOP='"$(CURDIR)"'

build/fuzz/fuzz-%: build/fuzz/tests/fuzz/%.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# keur and its self-test runner built with AddressSanitizer and UBSan into build/san/, beside
# the normal build: tests/90-sanitizers.t runs a set of the tests with them (KEUR_BUILD).
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CORE  = $(patsubst %.o,build/san/%.o,$(CORE) harness/main.o)

build/san/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) $(SAN_FLAGS) -c -o $@ $<

build/san/keur: build/san/harness/registry.o $(SAN_CORE)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

build/san/tests/keur-selftest: build/san/tests/selftest_registry.o build/san/tests/selftest_suite.o $(SAN_CORE)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# make deb: keur_VERSION_ARCH.deb, built by debhelper (debian/) from a copy of this tree in
# build/deb/ (its log in build/deb/build.log), then checked by lintian at its default level:
# any error or warning fails (the tags left on purpose are explained in debian/).
DEB_PKG  = debhelper lintian dpkg-dev
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB      = keur_$(VERSION)_$(DEB_ARCH).deb

deb: deps-auto
	@bash tests/deps.sh auto $(DEB_PKG)
	rm -rf build/deb && mkdir -p build/deb/keur-$(VERSION)
	tar -cf - --exclude-vcs --exclude=./build --exclude=./keur-out --exclude=./keur-lab --exclude='./keur_*' \
		--exclude='*.o' --exclude=./keur --exclude=./keur-simdev . | tar -C build/deb/keur-$(VERSION) -xf -
	cd build/deb/keur-$(VERSION) && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "make deb: dpkg-buildpackage failed; the log: build/deb/build.log" >&2; exit 1; }
	mv build/deb/$(DEB) .
	lintian --fail-on error,warning $(DEB)
	@echo "make deb: $(DEB)"

# Install what is missing (as root), or print the exact command to do so.
deps:
	@bash tests/deps.sh install $(DEB_ALL)

# Quiet when everything is there; `check` and `demo` call this first.
deps-auto:
	@bash tests/deps.sh auto $(DEB_ALL)

clean:
	rm -rf keur keur-simdev $(TESTBINS) keur_*.deb tests/keur-bench tests/bench/inproc build */*.o hw/*/*.o images/*.o tests/*.o tests/*/*.o
