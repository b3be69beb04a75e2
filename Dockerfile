# Image for the api and worker services of docker-compose.yml.
# Build stage: every dependency, then `npm run build` (tsc + the FHIR JSON Schema validator as ajv
# standalone code). Runtime stage: production dependencies only, compiled JavaScript, non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workers workers
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY mappings mappings
COPY profiles profiles
# The sample patients, for `node dist/src/main.js --samples` in a container.
COPY test/fixtures/seeds test/fixtures/seeds
# var/ holds the generated local token (a volume in docker-compose.yml, so it survives a recreate).
RUN mkdir -p var /data/exports && chown node:node var /data/exports
USER node
EXPOSE 8080
# Exec form, node directly (not npm): SIGTERM reaches node, which shuts down gracefully.
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=50", "dist/src/main.js", "api"]
