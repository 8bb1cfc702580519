# The two commands a new user needs: `make demo` and `make test`.
# Both install what they need (librdkafka-dev, python jsonschema) when it is missing.

SWIFT ?= swift
BUILD_FLAGS ?=
BIN = .build/debug/moments

.PHONY: demo test build deps check-schemas check-deploy clean bench

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: deps
	$(SWIFT) build -c release --product moments
	.build/release/moments dev --duration $${DURATION:-120}

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel --num-workers 2 $(BUILD_FLAGS)
	$(MAKE) --no-print-directory check-schemas
	$(MAKE) --no-print-directory check-deploy
	$(BIN) check config/moments.yaml
	$(BIN) check config/daemon.yaml
	$(BIN) check config/examples/business-hours.yaml
	$(BIN) test config/moments.test.yaml config/examples/business-hours.test.yaml

check-schemas: build
	@mkdir -p .build/schema-check
	$(BIN) replay --dead-letters --rules config/moments.yaml Tests/Fixtures/reference-stream.jsonl > .build/schema-check/replay.jsonl
	$(BIN) simulate --stdout --seed 7 --count 2000 > .build/schema-check/simulated.jsonl
	python3 scripts/check-schemas.py schemas .build/schema-check/replay.jsonl --events .build/schema-check/simulated.jsonl

check-deploy:
	python3 scripts/check-deploy.py

clean:
	rm -rf .build
