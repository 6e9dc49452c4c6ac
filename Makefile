# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint package release bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV): install your Python's venv module (Debian/Ubuntu: apt install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m desktop $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The gates: lint, formatting, types (config in pyproject.toml). CI runs them before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

package: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[package]'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/complaintdesk.spec
	@if command -v dpkg-deb >/dev/null 2>&1; then packaging/linux/build_deb.sh; \
	  else echo "dpkg-deb not found: skipping the .deb"; fi

# The Linux release (.deb, source archive, sums) and the checklist for the Windows side.
release: package
	packaging/release.sh

bench: $(STAMP)
	@echo "Benchmarks are scripts in bench/: see bench/README.md"

clean:
	rm -rf build dist .pytest_cache
