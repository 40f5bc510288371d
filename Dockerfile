# The Klynge image: Python app + static assets built from npm (no CDN).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY web/frontend/ web/frontend/
RUN cd web/frontend && npm ci --no-audit --no-fund && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /src/web/static/vendor/ web/static/vendor/
RUN pip install --no-cache-dir --no-deps . && useradd --create-home klynge && mkdir -p var && chown klynge var
USER klynge
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "web:create_app()"]
