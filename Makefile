# Quick start: `make demo` (serves the demo province on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo profile: hanam-2020 (the seed's Hà Nam of 2020, the default) or ninhbinh-2026
# (today's Ninh Bình after the 2025 reorganisation: `make demo PROFILE=ninhbinh-2026`).
# Each profile has its own SQLite file unless DATABASE_URL says otherwise.
PROFILE ?= hanam-2020
ifeq ($(PROFILE),ninhbinh-2026)
export MOTCUA_PROVINCE_NAME ?= Tỉnh Ninh Bình
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/ninhbinh-2026.sqlite3
endif

.PHONY: demo test install system-deps lint format messages clean-db serve licences

# Debian packages the project needs at run or test time: WeasyPrint's libraries and
# fonts for the printed forms, Chromium for the browser tests, gettext for translations,
# docker-compose to check compose.yaml in the tests. Installed with apt-get when missing and we are root.
APT_PACKAGES := gettext fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium docker-compose

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,data]"
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install these Debian packages:$$missing"; fi; \
	fi

demo: $(STAMP)
	mkdir -p var
	$(BIN)/motcua migrate --no-input -v0
	$(BIN)/motcua createcachetable
	$(BIN)/motcua certificates demo
	$(BIN)/motcua seed $(PROFILE)
	$(BIN)/motcua devidp setup --redirect-uri http://$(HOST):$(PORT)/sign-in/callback/
	DEBUG=1 $(BIN)/motcua runserver $(HOST):$(PORT)

serve: $(STAMP)
	DEBUG=1 $(BIN)/motcua runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

# Installed distributions whose licence names GPL, LGPL or AGPL (docs/decisions/0010).
licences: $(STAMP)
	@$(BIN)/python -c "from importlib import metadata as m; [print(d.metadata['Name'], '|', d.metadata.get('License-Expression') or (d.metadata.get('License') or '').split(chr(10))[0] or ', '.join(c.split('::')[-1].strip() for c in d.metadata.get_all('Classifier') or [] if c.startswith('License'))) for d in m.distributions() if 'GPL' in str(d.metadata.get('License-Expression')) + str(d.metadata.get('License')) + str(d.metadata.get_all('Classifier'))]"

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh locale/*/django.po from the sources, then compile the committed .mo files;
# translate the new Vietnamese entries (empty or fuzzy) between the two steps and run it again.
messages: $(STAMP)
	$(BIN)/motcua makemessages -l vi -l en --ignore ".venv/*" --ignore "var/*" --ignore "bench/*"
	$(BIN)/motcua compilemessages -l vi -l en --ignore ".venv/*"

clean-db:
	rm -f var/motcua.sqlite3 var/motcua.sqlite3-wal var/motcua.sqlite3-shm
	rm -f var/ninhbinh-2026.sqlite3 var/ninhbinh-2026.sqlite3-wal var/ninhbinh-2026.sqlite3-shm
