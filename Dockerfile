# checkout-canary in a container, on Playwright's official image for the Playwright version the
# project pins (a test checks the tag against node_modules/playwright): its Chromium and ffmpeg
# are in /ms-playwright (PLAYWRIGHT_BROWSERS_PATH), where findChromium() finds Playwright's own.
# Not tested here: this machine cannot pull images.
#   docker build -t checkout-canary .
#   docker run --rm --ipc=host --env-file .env -v canary-reports:/reports checkout-canary run --trigger schedule
FROM mcr.microsoft.com/playwright:v1.65.1-noble

# A user of our own with a fixed id, so Kubernetes can check it is not root (runAsNonRoot).
RUN useradd --uid 10001 --create-home canary && mkdir -p /app /reports && chown 10001:10001 /app /reports
WORKDIR /app
USER 10001

COPY --chown=10001:10001 package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --chown=10001:10001 . .
# Finds the image's browser and video recorder, so it installs nothing; fails the build if they are missing.
RUN npm run setup:browser

# Reports, run history and the alert policy's state outlive the container on the /reports volume.
ENV CANARY_REPORTS_DIR=/reports \
    CANARY_STATE_DIR=/reports/.state
VOLUME ["/reports"]

ENTRYPOINT ["node", "bin/canary.js"]
CMD ["run", "--trigger", "schedule"]
