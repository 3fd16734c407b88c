# cvbuild set-up and everyday commands.
#   make pdf    build the default CV (out/full.pdf), installing what is missing first
#   make test   the whole test suite, installing what is missing first
# Nothing is reinstalled when it is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VARIANT ?= full

# Everything the project needs from Debian: pdflatex + moderncv + biblatex/biber + latexmk,
# Latin Modern fonts, poppler-utils (pdftotext/pdffonts/pdftoppm) for checks and tests; Greek
# and Cyrillic for pdflatex (LGR with cbfonts, T2A with lh metrics and cm-super outlines); for
# text beyond those LuaLaTeX, with the same fonts and, for the characters they lack, Latin Modern
# OpenType (fonts-lmodern, which lmodern brings), CMU and DejaVu (fontconfig's fc-query checks
# their character tables in the tests); TeX Gyre Pagella for the banking style; German
# hyphenation and babel for CVs in German.
DEB_PACKAGES := latexmk biber texlive-latex-base texlive-latex-recommended \
                texlive-latex-extra texlive-bibtex-extra texlive-fonts-recommended \
                lmodern poppler-utils texlive-lang-greek texlive-lang-cyrillic \
                cm-super-minimal texlive-luatex fonts-cmu fonts-dejavu-core \
                fonts-dejavu-extra fontconfig tex-gyre texlive-lang-german
# What only the tests need: the real clients the DOCX and HTML are checked in.
DEB_TEST_PACKAGES := libreoffice-writer-nogui chromium fonts-liberation2

.PHONY: pdf test test-fast typecheck bench lint format deps test-deps system-deps clean

pdf: deps
	$(BIN)/cvbuild pdf --variant $(VARIANT)

test: test-deps
	$(BIN)/ruff check cvbuild tests bench
	$(BIN)/ruff format --check cvbuild tests bench
	$(BIN)/mypy
	$(BIN)/pytest

# Everything that needs no TeX, LibreOffice or Chromium, in seconds (TeX is replaced by stubs
# that fail, so a test that compiles without its `tex` mark shows up here).
test-fast: deps
	$(BIN)/ruff check cvbuild tests bench
	$(BIN)/pytest -q -m "not tex and not slow"

typecheck: deps
	$(BIN)/mypy

bench: deps
	bench/run

lint: deps
	$(BIN)/ruff check cvbuild tests bench
	$(BIN)/ruff format --check cvbuild tests bench

format: deps
	$(BIN)/ruff format cvbuild tests bench
	$(BIN)/ruff check --fix cvbuild tests bench

deps: system-deps $(VENV)/.installed

test-deps: deps
	@$(MAKE) --no-print-directory system-deps DEB_PACKAGES="$(DEB_TEST_PACKAGES)"

# Installs only the Debian packages that are missing (apt-get, through sudo when not root).
system-deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  for tool in latexmk pdflatex biber pdftotext; do \
	    command -v $$tool >/dev/null 2>&1 || { \
	      echo "cvbuild: '$$tool' is missing and this system has no apt." >&2; \
	      echo "Install the equivalents of these Debian packages: $(DEB_PACKAGES)" >&2; exit 1; }; \
	  done; exit 0; \
	fi; \
	missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$pkg 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "Installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

clean:
	rm -rf build out .pytest_cache .ruff_cache
