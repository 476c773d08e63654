# Production image: web (gunicorn), Celery worker and Celery beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

# Pango, HarfBuzz's font subsetter and fonts for WeasyPrint (invoices, certificates): without the
# subsetter WeasyPrint falls back to fontTools, several times slower per PDF.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 mittvaccin

ENV PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH="/app/.venv/bin:$PATH" \
    MITTVACCIN_STATIC_ROOT=/app/staticfiles
WORKDIR /app

COPY pyproject.toml uv.lock ./
# Only the application's own dependencies: no embedded servers, no test tools.
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv sync --frozen --no-default-groups --no-install-project

COPY . .
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build/none REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /data/media && chown -R mittvaccin /data

USER mittvaccin
EXPOSE 8000
CMD ["gunicorn", "mittvaccin.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
