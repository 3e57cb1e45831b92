# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
# Tests import the portal and ~70 test modules in every pytest-xdist worker: let Python keep their
# bytecode (a shell that sets PYTHONDONTWRITEBYTECODE would make every run compile them again).
unexport PYTHONDONTWRITEBYTECODE
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app portal

.PHONY: run test test-fast install translations compile-translations db demo serve bench bench-cpu bench-compare bench-data clean

## run: install, create the SQLite database with Bekasi demo data, serve on http://127.0.0.1:5000
run: install db demo serve

# pytest-xdist: one worker per CPU (PYTEST_WORKERS=1 for one process); browser tests stay together
# on one worker (one browser, one live server), so do the deploy tests (one nginx stack). The 10
# slowest tests are printed at the end (both commands).
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=10

## test: the whole test suite (SQLite, PostgreSQL and browser tests where available)
test: install
	$(PYTEST) $(PYTEST_ARGS)

## test-fast: the edit-run loop: SQLite only, no browser, no nginx stack, nothing marked slow (the
## route walks, the crawls, the API contract, the timing and multi-process tests: `make test` runs them),
## the hostile-input walk tries 3 generated requests per route and method instead of 10, and the
## schedule's properties 60 generated cases instead of 300
test-fast: install
	WALK_EXAMPLES=$${WALK_EXAMPLES:-3} PROPERTY_EXAMPLES=$${PROPERTY_EXAMPLES:-60} $(PYTEST) --db sqlite -m "not e2e and not slow and not deploy" $(PYTEST_ARGS)

install: $(VENV)/.installed compile-translations

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,redis]'
	touch $@

compile-translations:
	$(BIN)/pybabel compile -d portal/translations

## translations: extract the messages of code and templates and merge them into the catalogs
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --ignore-dirs '.*' \
		--project "Portal Layanan" -o portal/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i portal/translations/messages.pot -d portal/translations --width 100

db:
	$(FLASK) init-db

demo:
	$(FLASK) seed-demo

serve:
	$(FLASK) run --host $(HOST) --port $(PORT)

## bench: the portal under gunicorn, driven by wrk, on SQLite and PostgreSQL (see README "Benchmarks")
bench: install
	$(BIN)/python bench/run.py

## bench-cpu: CPU per request of the cached answers vs hello-world, in one process (stable on a busy machine)
bench-cpu: install
	$(BIN)/python bench/inprocess.py

## bench-compare: the cached answers under the gunicorn settings before and after branch cached-tail
bench-compare: install
	BENCH_COMPARE=$${BENCH_COMPARE:-default} BENCH_ROUNDS=$${BENCH_ROUNDS:-3} BENCH_SECONDS=$${BENCH_SECONDS:-5} \
		BENCH_RECORDS=$${BENCH_RECORDS:-1000000,100000} $(BIN)/python bench/run.py

## bench-data: the large data set of the benchmarks in the configured database (DATABASE_URL)
bench-data: install
	$(FLASK) bench-data

clean:
	rm -rf $(VENV) .pytest_cache
