# motcua: the app server (`motcua serve`) and, with another command, the task worker.
# Build: docker build -t motcua .   First start with compose: see docs/operations.md.
FROM python:3.11-slim-bookworm

# WeasyPrint's libraries and fonts for the printed forms; gettext for the translations.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MOTCUA_VAR_DIR=/var/lib/motcua LOG_FORMAT=json MOTCUA_TASKS=database

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY motcua ./motcua
COPY locale ./locale
# A production install: no development or data-building extras (docs/decisions/0010).
RUN pip install --no-cache-dir . \
 && useradd --system --home /var/lib/motcua --create-home motcua \
 && DJANGO_SETTINGS_MODULE=motcua.settings motcua compilemessages -l vi -l en >/dev/null

USER motcua
VOLUME ["/var/lib/motcua"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["motcua", "serve", "--host", "0.0.0.0", "--port", "8000"]
