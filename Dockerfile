FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MERIDIAN_VAR_DIR=/app/var
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build DJANGO_SETTINGS_MODULE=helpdesk.settings.production \
    python manage.py collectstatic --noinput
RUN useradd --create-home meridian && mkdir -p /app/var && chown -R meridian /app/var
USER meridian
EXPOSE 8000
