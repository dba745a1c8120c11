# ftpcap — see README.md. Every target works on a fresh Debian machine with Go.
GO      ?= go
BIN     := bin/ftpcap
SAMPLES := $(sort $(wildcard samples/*.pcap samples/*.pcapng))
APT_PKGS := libpcap-dev

.PHONY: all build demo test deps test-deps samples golden accuracy bench bench-data clean

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

# demo analyses every bundled sample.
demo: build
	@for f in $(SAMPLES); do \
		echo "=== $$f"; \
		./$(BIN) analyze "$$f" || [ $$? -eq 3 ]; \
	done

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

# golden rewrites the golden files after an intended output change; review
# the diff before committing.
golden:
	$(GO) test ./... -update

# samples regenerates the lab captures (needs root: network namespaces).
samples:
	bash samples/lab/run.sh all

clean:
	rm -rf bin

# accuracy prints the lab's accuracy table: expected vs ftpcap's verdicts.
accuracy:
	$(GO) test ./cmd/ftpcap -run 'TestAccuracy$$' -count=1 -v | sed -n '/capture /,/false breaks/p'

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
