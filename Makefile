# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench accuracy clean axe

# axe-core (the accessibility checker the browser tests run in Chromium), from the npm registry,
# checked against the registry's published SHA-1 and cached under .cache/ (never committed).
AXE_VERSION := 4.10.3
AXE_SHA1 := 04145965ac7894faddbac30861e5d8f11bfd14fc
AXE_DIR := .cache/axe-core-$(AXE_VERSION)
AXE := $(AXE_DIR)/axe.min.js

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/oppfolging start

test: $(STAMP) $(AXE)
	$(BIN)/ruff check bot handlers storage tests bench
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check bot handlers storage tests bench

bench: $(STAMP)
	$(BIN)/python -m bench.run

# How well the protocol import reads the labelled corpus (tests/corpus): writes docs/ACCURACY.md.
accuracy: $(STAMP)
	$(BIN)/python -m tests.support.accuracy

axe: $(AXE)

$(AXE):
	mkdir -p $(AXE_DIR)
	curl -fsSL --retry 3 -o $(AXE_DIR).tgz https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_VERSION).tgz
	echo "$(AXE_SHA1)  $(AXE_DIR).tgz" | sha1sum -c --quiet -
	tar -xzf $(AXE_DIR).tgz -C $(AXE_DIR) --strip-components=1 package/axe.min.js package/LICENSE
	rm -f $(AXE_DIR).tgz

clean:
	rm -rf $(VENV) data/*.sqlite*
