# Image for the api and worker services of docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN mkdir -p var /data/exports && chown node:node var /data/exports
USER node
EXPOSE 8080
CMD ["npm", "run", "start:api"]
