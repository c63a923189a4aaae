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

# The dependencies first (a layer that changes only with the lock file), without their scripts;
# then the sources, built to dist/ (npm run build needs the dev dependencies: TypeScript), and
# better-sqlite3's native module, whose install script was skipped.
COPY --chown=10001:10001 package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY --chown=10001:10001 . .
RUN npm rebuild better-sqlite3 && npm run build && npm run setup:browser

ENV CANARY_REPORTS_DIR=/reports \
    CANARY_STATE_DIR=/reports/.state
VOLUME ["/reports"]

ENTRYPOINT ["node", "bin/canary.js"]
CMD ["run", "--trigger", "schedule"]
