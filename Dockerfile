# The govflow worker and CLI. TypeScript runs through tsx, so the image needs no build stage.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A bounded heap keeps a worker's memory flat under bulk ingest (see bench/README.md).
ENV NODE_OPTIONS=--max-old-space-size=256
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY client ./client
COPY worker ./worker
COPY workflows ./workflows
COPY activities ./activities
COPY lib ./lib
COPY observability ./observability
COPY migrations ./migrations
COPY templates ./templates
COPY examples ./examples
COPY govflow.yaml policy.yaml ./
RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "bin/govflow.mjs", "worker"]
