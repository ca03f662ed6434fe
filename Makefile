# spoor build targets. .ci/run calls the same targets.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/spoor
DATA     ?= ../shared/data
ADDR     ?= 127.0.0.1:8080
DB       ?= spoor.db
VENDOR   := internal/web/static/vendor

.PHONY: all build assets test test-postgres lint fuzz bench demo clean

all: build

## assets: fetch front-end libraries from npm and copy their dist files into the embedded static tree;
## convert the IP-to-ASN data into the table internal/ipasn embeds
ASN      := internal/ipasn/data/asn.bin.gz
assets: $(VENDOR)/htmx.min.js $(ASN)

$(ASN): $(VENDOR)/htmx.min.js
	$(GO) run ./internal/ipasn/gen node_modules/@ip-location-db/asn $(ASN)

$(VENDOR)/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/cytoscape.min.js
	cp node_modules/topojson-client/dist/topojson-client.min.js $(VENDOR)/topojson-client.min.js
	cp node_modules/world-atlas/countries-110m.json $(VENDOR)/countries-110m.json

## build: a static binary in bin/spoor
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/spoor

## test: every package with the race detector, then the acceptance tests on real data without it
## (PostgreSQL and Chromium tests run when their env is set; see README)
test: assets
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -run '^TestAcceptance' ./...

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: every benchmark once, with allocations
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## demo: build, collect the offline mirror in $(DATA) (or, without it, import BUNDLE) into spoor.db,
## build the analysis and serve on 127.0.0.1:8080
BUNDLE ?=
demo: build
	@if [ -z "$(BUNDLE)" ] && [ -d "$(DATA)" ]; then \
	  echo "$(BIN) demo --db $(DB) --addr $(ADDR) --mirror $(DATA)"; \
	  $(BIN) demo --db $(DB) --addr $(ADDR) --mirror $(DATA); \
	else \
	  b="$(BUNDLE)"; [ -n "$$b" ] || b=https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack-13.1.json; \
	  echo "$(BIN) demo --db $(DB) --addr $(ADDR) $$b"; \
	  $(BIN) demo --db $(DB) --addr $(ADDR) "$$b"; \
	fi

clean:
	rm -rf bin $(VENDOR) node_modules
