# ftpcap — see README.md. Every target works on a fresh Debian machine with Go.
GO      ?= go
BIN     := bin/ftpcap
SAMPLES := $(sort $(wildcard samples/*.pcap samples/*.pcapng))
APT_PKGS := libpcap-dev

.PHONY: all build deb demo test fuzz deps test-deps samples pairs golden accuracy realistic realistic-small realistic-wide realistic-wide-small bench bench-data clean docs install uninstall release release-amd64 release-arm64

all: build

# deps installs the C library gopacket's pcap package links against (BPF
# filters, live capture) when it is missing.
deps:
	@if ! { [ -f /usr/include/pcap.h ] || [ -f /usr/include/pcap/pcap.h ]; }; then \
		echo "installing $(APT_PKGS)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(APT_PKGS); \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/ftpcap

# demo analyses every bundled sample, then writes the HTML postmortem page
# of one (DEMO_HTML_SAMPLE) to report.html and prints its absolute path, to
# open in a browser. Exit status 3 is accepted for both, as it always was.
DEMO_HTML_SAMPLE ?= samples/middlebox-reset-data.pcap
demo: build
	@for f in $(SAMPLES); do \
		echo "=== $$f"; \
		./$(BIN) analyze "$$f" || [ $$? -eq 3 ]; \
	done
	@./$(BIN) analyze -F html -o report.html $(DEMO_HTML_SAMPLE) || [ $$? -eq 3 ]
	@echo "=== HTML report of $(DEMO_HTML_SAMPLE): $(CURDIR)/report.html"

# test-deps adds what the differential tests compare against (tshark).
test-deps: deps
	@if ! command -v tshark >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing tshark"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq tshark; \
	fi

test: test-deps
	gofmt -l . | tee /dev/stderr | (! read -r _)
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# fuzz runs every fuzz target in the module for FUZZTIME each, one after
# the other (go test fuzzes one target per run), and names the targets
# that failed at the end; a failing input is saved under its package's
# testdata/fuzz/, where go test replays it from then on. Minimizing an
# input stops after FUZZMINIMIZETIME: Go's default of 60 s would spend a
# whole-capture target's run minimizing what it found new.
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 2s
fuzz:
	@failed=""; \
	targets=$$($(GO) test -list '^Fuzz' ./... | awk '/^Fuzz/ { name[++n] = $$1 } /^ok/ { for (i = 1; i <= n; i++) print $$2 "@" name[i]; n = 0 }'); \
	[ -n "$$targets" ] || { echo "no fuzz target found"; exit 1; }; \
	for t in $$targets; do \
		pkg=$${t%@*}; name=$${t#*@}; \
		echo "=== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg || failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets that failed:$$failed"; exit 1; fi

# golden rewrites the golden files after an intended output change; review
# the diff before committing.
golden:
	$(GO) test ./... -update

# samples regenerates the lab captures (needs root: network namespaces).
samples:
	bash samples/lab/run.sh all

# pairs regenerates only the paired captures in samples/pairs/ (the same
# runs captured at the client and at the server; needs root).
pairs:
	bash samples/lab/run.sh pairs

clean:
	rm -rf bin dist

# release writes dist/ftpcap-linux-amd64: one static, stripped binary
# with libpcap linked in, for hosts without Go or libpcap (see the
# README's Install). Debian's libpcap.a needs libdbus-1.a (the D-Bus
# capture source); the "static" tag adds the two libsystemd symbols
# Debian's libdbus-1.a refers to (cmd/ftpcap/static_systemd_shim.go).
# osusergo,netgo keep Go's user and DNS lookups off glibc's NSS. The
# build date is SOURCE_DATE_EPOCH, else the commit's date, so the same
# commit gives the same bytes.
RELEASE_EPOCH   ?= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
RELEASE_DATE    := $(shell date -u -d @$(RELEASE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
RELEASE_VERSION ?= $(shell git describe --tags --dirty 2>/dev/null)
RELEASE_COMMIT  ?= $(shell git describe --always --dirty --abbrev=40 --match=NONE 2>/dev/null)
RELEASE_LDFLAGS := -s -w -X main.commit=$(RELEASE_COMMIT) -X main.buildDate=$(RELEASE_DATE) \
	$(if $(RELEASE_VERSION),-X main.version=$(RELEASE_VERSION)) \
	-linkmode external -extldflags "-static -ldbus-1"
# The linker warns that glibc's getpwnam_r, getgrouplist (libdbus) and
# getaddrinfo, gethostbyname, getnetbyname_r, getprotobyname_r (libpcap's
# filter compiler) need glibc's NSS libraries at run time: a -f filter
# naming a host, network or protocol by name resolves only where the
# host's glibc matches; numeric addresses and port numbers always work.
RELEASE_BUILD = CGO_ENABLED=1 GOOS=linux $(GO) build -trimpath -tags static,osusergo,netgo -ldflags '$(RELEASE_LDFLAGS)'
# arm64 is built too when Debian's cross compiler and arm64 libraries are
# installed: dpkg --add-architecture arm64 && apt-get update &&
# apt-get install gcc-aarch64-linux-gnu libpcap-dev:arm64 libdbus-1-dev:arm64
ARM64_CC  := aarch64-linux-gnu-gcc
ARM64_LIB := /usr/lib/aarch64-linux-gnu
# DIST is where the binaries go (the release tests build into a temporary
# folder).
DIST ?= dist
release: release-amd64
	@if command -v $(ARM64_CC) >/dev/null && [ -f $(ARM64_LIB)/libpcap.a ] && [ -f $(ARM64_LIB)/libdbus-1.a ]; then \
		$(MAKE) --no-print-directory release-arm64; \
	else echo "$(DIST)/ftpcap-linux-arm64 skipped: no $(ARM64_CC) or arm64 libpcap.a/libdbus-1.a (see the comment above release-arm64)"; fi
	@ls -l $(DIST)/

release-amd64: deps
	@mkdir -p $(DIST)
	GOARCH=amd64 $(RELEASE_BUILD) -o $(DIST)/ftpcap-linux-amd64 ./cmd/ftpcap

release-arm64:
	@mkdir -p $(DIST)
	GOARCH=arm64 CC=$(ARM64_CC) CGO_LDFLAGS=-L$(ARM64_LIB) $(RELEASE_BUILD) -o $(DIST)/ftpcap-linux-arm64 ./cmd/ftpcap

# docs regenerates the man page (docs/man/ftpcap.1) and the bash, zsh and
# fish completions (completions/) from the flag definitions the commands
# parse; make test fails when the committed files differ from them.
docs:
	$(GO) test ./cmd/ftpcap -run '^TestDocsUpToDate$$' -count=1 -update-docs

# install copies the binary, the man page and the completions under
# $(DESTDIR)$(PREFIX), where man, bash-completion, zsh and fish look
# (Debian's zsh reads /usr/share/zsh/vendor-completions, not
# site-functions, under /usr: set ZSHCOMPDIR for PREFIX=/usr).
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/ftpcap
	install -m 0644 docs/man/ftpcap.1 $(DESTDIR)$(MANDIR)/man1/ftpcap.1
	install -m 0644 completions/ftpcap.bash $(DESTDIR)$(BASHCOMPDIR)/ftpcap
	install -m 0644 completions/_ftpcap $(DESTDIR)$(ZSHCOMPDIR)/_ftpcap
	install -m 0644 completions/ftpcap.fish $(DESTDIR)$(FISHCOMPDIR)/ftpcap.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ftpcap $(DESTDIR)$(MANDIR)/man1/ftpcap.1 $(DESTDIR)$(BASHCOMPDIR)/ftpcap \
		$(DESTDIR)$(ZSHCOMPDIR)/_ftpcap $(DESTDIR)$(FISHCOMPDIR)/ftpcap.fish

# deb builds the Debian package into dist/ with dpkg-deb: the binary of
# `make release` when dist/ has one (static, no dependency), otherwise a
# build of this checkout against libpcap; the man page and completions when
# they exist; the Prometheus rules and ftpcap-live@.service (not enabled).
deb: deps
	GO=$(GO) bash packaging/deb/build.sh dist

# VOLUME_TABLE keeps the volume score's tables from go test -v output.
VOLUME_TABLE := awk '/volume score:/{p=1} /^(--- |    realistic_test)/{p=0} p' | sed 's/^        //'

# accuracy prints the lab's accuracy table (expected vs ftpcap's verdicts)
# and beside it the volume score: the committed small volume capture and,
# when `make realistic` has written one, the large one in realistic-data/.
accuracy:
	@$(GO) test ./cmd/ftpcap -run 'TestAccuracy$$' -count=1 -v | sed -n '/capture /,/false breaks/p'
	@echo; echo "=== paired captures, samples/pairs (--vantage): clock, proven breaks, path counts against the lab's rule counters"
	@$(GO) test ./cmd/ftpcap -run 'TestVantagePairsProveWhatTheLabInjected$$' -count=1 -v | sed -n 's/^.*: pair /pair /p; /^ *--- FAIL/p; /^FAIL/p'
	@echo; echo "=== volume score, samples/realistic/small (committed)"
	@$(GO) test ./cmd/ftpcap -run 'TestRealistic$$' -count=1 -v | $(VOLUME_TABLE)
	@if [ -f realistic-data/plan.json ]; then \
		echo; echo "=== volume score, realistic-data (make realistic)"; \
		$(GO) test ./cmd/ftpcap -run 'TestRealisticLarge$$' -count=1 -v -timeout 30m | $(VOLUME_TABLE); \
	fi
	@echo; echo "=== volume score, samples/realistic/wide (committed)"
	@$(GO) test ./cmd/ftpcap -run 'TestRealisticWide$$' -count=1 -v | $(VOLUME_TABLE)
	@if [ -f realistic-data-wide/plan.json ]; then \
		echo; echo "=== volume score, realistic-data-wide (make realistic-wide)"; \
		FTPCAP_REALISTIC=$(CURDIR)/realistic-data-wide $(GO) test ./cmd/ftpcap -run 'TestRealisticLarge$$' -count=1 -v -timeout 30m | $(VOLUME_TABLE); \
	fi

# realistic runs REALISTIC_N (default 2000) real FTP sessions between curl,
# lftp, tnftp, Python ftplib and wget and vsftpd, pyftpdlib, ProFTPD and
# Pure-FTPd in ftpvol-* network namespaces (needs root) and writes
# realistic-data/realistic.pcap and realistic-data/plan.json (git-ignored).
# See samples/realistic/README.md.
REALISTIC_N ?= 2000
realistic:
	REALISTIC_N=$(REALISTIC_N) bash samples/realistic/run.sh

# realistic-small regenerates the committed small volume capture
# (samples/realistic/small.pcap.gz and small.plan.json, seed 1).
realistic-small:
	bash samples/realistic/run.sh -n 300 -s 1 -j 10 -o samples/realistic -b small -z

# realistic-wide runs REALISTIC_WIDE_N (default 1500) sessions of the wide
# set (software and outcomes ftpcap was not tuned on: run.sh -w) into
# realistic-data-wide/ (git-ignored); realistic-wide-small regenerates the
# committed samples/realistic/wide.pcap.gz and wide.plan.json (seed 4).
REALISTIC_WIDE_N ?= 1500
realistic-wide:
	bash samples/realistic/run.sh -w -n $(REALISTIC_WIDE_N) -s 11 -j 10 -o realistic-data-wide

realistic-wide-small:
	bash samples/realistic/run.sh -w -n 400 -s 4 -j 10 -o samples/realistic -b wide -z

# bench-data writes the benchmark captures into bench-data/ (git-ignored,
# about 1.4 GB, the same bytes on every run); a capture whose manifest
# matches the generator is kept. See bench/README.md.
bench-data:
	$(GO) run ./bench/cmd/ftpgen -o bench-data

# bench runs the Go benchmarks, then times ftpcap against tcpdump, tshark
# and tcptrace on the generated captures and prints medians, peak RSS and
# ratios (BENCH_RUNS=N measured runs, default 3).
bench: build bench-data
	FTPCAP_BENCH_DATA=$(CURDIR)/bench-data $(GO) test -run '^$$' -bench . -benchmem ./...
	bash bench/run.sh
