# The two commands a new user needs: `make demo` and `make test`.
# Both install what they need when it is missing: librdkafka-dev and libjemalloc-dev (apt-get);
# `make test` also the Python modules of its checks (jsonschema, PyYAML: pip, or a virtual
# environment in .build/python where the system Python takes no pip installs).

SWIFT ?= swift
BUILD_FLAGS ?=
BIN = .build/debug/moments
# The release build links the Swift runtime statically, as the Dockerfile builds the image: the
# benchmarks then measure the binary that is deployed (and it runs the engine ~7 % faster than
# one calling the runtime in libswiftCore.so: README, History of the rounds, thirtieth round).
RELEASE_FLAGS = -c release --static-swift-stdlib

.PHONY: demo test build release deps python-deps check-schemas check-deploy clean fuzz instructions

deps:
	@./scripts/install-deps.sh

python-deps:
	@./scripts/install-deps.sh --python

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product moments

demo: release
	.build/release/moments dev --duration $${DURATION:-120}

test: deps python-deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel --num-workers 2 $(BUILD_FLAGS)
	$(MAKE) --no-print-directory check-schemas
	$(MAKE) --no-print-directory check-deploy
	$(BIN) check config/moments.yaml
	$(BIN) check config/daemon.yaml
	$(BIN) check config/examples/business-hours.yaml
	$(BIN) check config/examples/alert-heavy.yaml
	$(BIN) test config/moments.test.yaml config/examples/business-hours.test.yaml config/examples/alert-heavy.test.yaml

check-schemas: build python-deps
	@mkdir -p .build/schema-check
	$(BIN) replay --dead-letters --rules config/moments.yaml Tests/Fixtures/reference-stream.jsonl > .build/schema-check/replay.jsonl
	$(BIN) simulate --stdout --seed 7 --count 2000 > .build/schema-check/simulated.jsonl
	@# The vendor examples replayed in their dialects: the outputs they give must match the schemas too.
	@# (The Contact Lens example needs the Kafka key as its customer, which a file does not have.)
	for d in amazon-connect genesys-cloud twilio-taskrouter; do \
	  ./scripts/python -c 'import json,sys; [print(json.dumps(json.load(open(f)))) for f in sorted(sys.argv[1:]) if "contact-lens" not in f]' schemas/dialects/$$d/*.json > .build/schema-check/$$d.jsonl && \
	  $(BIN) replay --rules config/moments.yaml --dialect $$d .build/schema-check/$$d.jsonl > .build/schema-check/$$d-replay.jsonl || exit 1; \
	done
	./scripts/python scripts/check-schemas.py schemas .build/schema-check/replay.jsonl .build/schema-check/amazon-connect-replay.jsonl \
	  .build/schema-check/genesys-cloud-replay.jsonl .build/schema-check/twilio-taskrouter-replay.jsonl --events .build/schema-check/simulated.jsonl

# The seeded mutation fuzzer of every dialect's decoder and of the rules parser, for longer
# than the few seconds `make test` gives it: FUZZ_SECONDS per target, FUZZ_SEED for another run.
fuzz: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	MOMENTS_FUZZ_SECONDS=$${FUZZ_SECONDS:-300} MOMENTS_FUZZ_SEED=$${FUZZ_SEED:-29} $(SWIFT) test --skip-build $(BUILD_FLAGS) --filter 'FuzzTests'

# Instructions per event of the engine bench's work, counted by callgrind (repeatable, unlike
# seconds on a shared machine): see README, Performance.
instructions: deps
	./scripts/count-instructions.sh

check-deploy: python-deps
	./scripts/python scripts/check-deploy.py

clean:
	rm -rf .build
