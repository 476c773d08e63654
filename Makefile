# The two commands of the README, and a few helpers. Needs only python3 (3.11+) and make.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
export UV_PYTHON := $(PYTHON)

.PHONY: run test bench lint format shell migrations messages clean-data

run: .venv/.synced ## Serve on http://127.0.0.1:8000 with worker, beat, embedded PostgreSQL and Redis
	@.venv/bin/python -m mittvaccin.launch run

test: .venv/.synced ## Lint and run the whole test suite
	@.venv/bin/python -m mittvaccin.launch test $(ARGS)

bench: .venv/.synced ## Benchmarks; e.g. make bench ARGS="--patients 50000"
	@.venv/bin/python -m mittvaccin.launch bench $(ARGS)

$(UV):
	@echo "==> Installing uv $(UV_VERSION) into .tools/ (once) …"
	@$(PYTHON) -m venv .tools
	@.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml | $(UV)
	@echo "==> Creating .venv from uv.lock …"
	@$(UV) sync --frozen --quiet
	@touch $@

lint: .venv/.synced
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: .venv/.synced
	@.venv/bin/ruff check --fix . && .venv/bin/ruff format .

shell: .venv/.synced
	@DJANGO_DEBUG=1 .venv/bin/python manage.py shell

migrations: .venv/.synced
	@DJANGO_DEBUG=1 .venv/bin/python manage.py makemigrations

messages: .venv/.synced ## Update and compile the English translation (needs gettext)
	@DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=.tools --ignore=.data --ignore=tests --ignore=bench
	@DJANGO_DEBUG=1 .venv/bin/python manage.py compilemessages -l en --ignore=.venv --ignore=.tools

clean-data: ## Stop embedded services and delete .data/ (all local data!)
	@.venv/bin/python -c "from mittvaccin import embedded as e; [e.stop_postgres(n) for n in ('pg','pg-test')]; [e.stop_redis(n) for n in ('redis','redis-test')]"
	rm -rf .data
