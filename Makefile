# Portico: `make demo` and `make test` are the two commands a new machine needs.
# Both install what they need first (`make deps`).

SWIFT        ?= swift
PYTHON       ?= python3
APT_PACKAGES := libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config
PORTICO      := .build/debug/portico

.PHONY: deps build test demo bench soak fuzz clean

# System libraries through apt (as root, or with sudo), moto's server and the Python checkers through pip.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v moto_server >/dev/null 2>&1 || $(PYTHON) -m pip install -q 'moto[server]'
	@$(PYTHON) -c 'import jsonschema, yaml' 2>/dev/null || $(PYTHON) -m pip install -q jsonschema pyyaml

build: deps
	$(SWIFT) build

# Unit tests, the stack-format schema check, and tests that run the built binary.
test: build
	$(PYTHON) Tests/check-schema.py
	$(PYTHON) Tests/check-workflow.py
	$(SWIFT) test --disable-xctest
	@echo "bench, smallest size, one run, nothing written (its numbers are not checked):"
	BENCH_SIZES=1 BENCH_RUNS=1 BENCH_WRITE=0 $(PYTHON) scripts/bench.py $(PORTICO) >/dev/null

# The main job end to end against moto on a free loopback port (scripts/demo.sh).
demo: build
	scripts/demo.sh

# The hard cases at full length (docs/reliability.md); writes their figures into that document.
soak: build
	$(PYTHON) scripts/soak.py $(PORTICO)

# The stack-reader fuzzer alone; FUZZ_SEED reproduces a run.
FUZZ_ITERATIONS ?= 200000
FUZZ_SEED       ?= $(shell date +%s)
fuzz: build
	@echo "fuzz: $(FUZZ_ITERATIONS) inputs, seed $(FUZZ_SEED)"
	PORTICO_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) PORTICO_FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test --disable-xctest --filter FuzzTests

# Cost against stack size (docs/performance.md, which it rewrites): BENCH_SIZES, BENCH_RUNS, BENCH_WRITE.
bench: build
	$(SWIFT) build -c release
	$(PYTHON) scripts/bench.py .build/release/portico

clean:
	rm -rf .build
